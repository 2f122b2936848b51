"""Calibration of the posterior probabilities: the phenotype temperature T (docs/engine.md, "Calibration").

For every case of a folder or .tar.gz of phenopackets, the log-posterior of every disease is divided by each T
of a grid (the ranking uses the phenotype log-LR / T with a uniform prior, so this is the same posterior).
It prints, per half of the store and for the independently annotated cases (new patients), the mean log loss
of the correct diagnosis by T, and the expected calibration error (ECE) of the first-ranked diagnosis's
probability at T = 1 and at the temperature in use. T is chosen on half A, independent cases; half B checks it.

    python benchmarks/bench_calibration.py ../shared/data/phenopacket-store-dev.tar.gz
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _store import collect
from _store import half as store_half
from bench_ranking import _annotation_references, _truth

GRID = (0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
BINS = (0.0, 0.5, 0.7, 0.9, 1.0001)


def _scores(paths: list[str]) -> list[dict[str, object]]:
    from marbledx import load_hpo, load_knowledge_base
    from marbledx.errors import InputError
    from marbledx.findings import read_case_file
    from marbledx.ontology import default_source
    from marbledx.ranking import Ranker

    hpo = load_hpo()
    ranker = Ranker(hpo, load_knowledge_base(), phenotype_temperature=1.0)
    references = _annotation_references(default_source().files().hpoa)
    temperatures = np.array(GRID)
    rows: list[dict[str, object]] = []
    for path in paths:
        truth = _truth(path)
        if truth["disease"] is None:
            continue  # no diagnosis to score (see _store.diagnosis_of)
        try:
            analysis = ranker.analyse(read_case_file(Path(path), hpo.ontology, strict=False))
        except InputError:
            continue
        scores = analysis.log_posterior
        finite = scores[np.isfinite(scores)] - scores.max()
        log_norm = np.log(np.exp(finite[None, :] / temperatures[:, None]).sum(axis=1))
        disease = str(truth["disease"])
        log_true = None
        position = None
        own = None
        if ranker.phenotype.has_disease(disease):
            row = ranker.phenotype.row(disease)
            row = analysis.shown_for.get(row, row)
            log_true = (scores[row] - scores.max()) / temperatures - log_norm
            position = analysis.position(row)
            own = bool(set(truth["publications"]) & references[disease])  # type: ignore[arg-type]
        rows.append(
            {
                "half": store_half(path),
                "own": own,
                "position": position,
                "log_true": log_true,
                "top": np.exp(-log_norm),  # the first diagnosis's probability at each T
            }
        )
    return rows


def _ece(rows: list[dict[str, object]], index: int) -> float:
    confidence = np.array([r["top"][index] for r in rows])  # type: ignore[index]
    correct = np.array([r["position"] == 1 for r in rows])
    total = 0.0
    for low, high in itertools.pairwise(BINS):
        members = (confidence >= low) & (confidence < high)
        if members.any():
            total += members.mean() * abs(confidence[members].mean() - correct[members].mean())
    return total


def main() -> int:
    from marbledx.ranking import PHENOTYPE_TEMPERATURE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        rows = _scores(collect(args.path, Path(scratch)))
    in_use = GRID.index(PHENOTYPE_TEMPERATURE)
    print(f"cases: {len(rows)}; temperature in use T = {PHENOTYPE_TEMPERATURE:g}")
    print("| cases | n | log loss of the correct diagnosis by T | ECE at T = 1 | ECE at T in use |")
    print("|---|---|---|---|---|")
    for half in ("A", "B"):
        for label, keep in (("all annotated", lambda r: True), ("independent", lambda r: r["own"] is False)):
            chosen = [r for r in rows if r["half"] == half and r["log_true"] is not None and keep(r)]
            if not chosen:
                continue
            loss = -np.mean([r["log_true"] for r in chosen], axis=0)
            best = GRID[int(np.argmin(loss))]
            by_t = ", ".join(f"{t:g}: {v:.2f}" for t, v in zip(GRID, loss, strict=True))
            print(
                f"| half {half}, {label} | {len(chosen)} | {by_t} (lowest at {best:g}) "
                f"| {_ece(chosen, GRID.index(1.0)):.3f} | {_ece(chosen, in_use):.3f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
