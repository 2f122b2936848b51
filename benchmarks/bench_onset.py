"""Benchmark: what the phenopacket's onsets add to the ranking, per half of phenopacket-store.

Each case whose diagnosis the HPO release annotates is ranked twice: as read (the latest onset stands in for
a missing age at last encounter, docs/engine.md "The patient's age") and with its onsets left out. Printed
per half (A was examined, B held out) for all cases, for cases with onsets but no age (the only ones the onsets
can change) and for the others.

    python benchmarks/bench_onset.py ../shared/data/phenopacket-store-dev.tar.gz [--jobs 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from _store import collect
from _store import half as store_half

_RANKER = None


def _init_worker() -> None:
    global _RANKER
    from marbledx import load_hpo, load_knowledge_base
    from marbledx.ranking import Ranker

    _RANKER = Ranker(load_hpo(), load_knowledge_base())


def _rank(path: str) -> tuple[str, bool, int | None, int | None] | None:
    """(path, whether the onsets stand in for the age, rank as read, rank without onsets)."""
    from marbledx.errors import InputError
    from marbledx.findings import read_case_file

    ranker = _RANKER
    assert ranker is not None
    truth = json.loads(Path(path).read_text(encoding="utf-8"))["interpretations"][0]["diagnosis"]["disease"][
        "id"
    ]
    try:
        case = read_case_file(Path(path), ranker.hpo.ontology, strict=False)
    except InputError:
        return None
    if (
        ranker.position_of(ranker.analyse(dataclasses.replace(case, age_days=None, onset_days=None)), truth)
        is None
    ):
        return None  # the release does not annotate the diagnosis: neither run can find it
    with_onset = ranker.position_of(ranker.analyse(case), truth)
    if case.age_days is None and case.onset_days is not None:
        without = ranker.position_of(ranker.analyse(dataclasses.replace(case, onset_days=None)), truth)
        return path, True, with_onset, without
    return path, False, with_onset, with_onset


def _fmt(ranks: list[int | None]) -> str:
    n = len(ranks)
    if not n:
        return "n=0"
    tops = " / ".join(
        f"{100 * sum(1 for r in ranks if r is not None and r <= k) / n:.1f}" for k in (1, 3, 10)
    )
    return f"n={n:5d}  top-1/3/10 {tops}%  MRR {sum(1 / r for r in ranks if r) / n:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="marbledx-bench-") as tmp:
        paths = collect(args.path, Path(tmp))
        with ProcessPoolExecutor(args.jobs, initializer=_init_worker) as pool:
            rows = [row for row in pool.map(_rank, paths, chunksize=20) if row is not None]
    for half in ("A", "B"):
        in_half = [row for row in rows if store_half(row[0]) == half]
        for name, chosen in (
            ("all cases", in_half),
            ("onsets, no age", [row for row in in_half if row[1]]),
            ("others", [row for row in in_half if not row[1]]),
        ):
            print(f"half {half}, {name:15s} without onsets: {_fmt([r[3] for r in chosen])}")
            print(f"half {half}, {name:15s} with onsets:    {_fmt([r[2] for r in chosen])}")


if __name__ == "__main__":
    main()
