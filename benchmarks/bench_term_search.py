"""Benchmark: does the HPO term search put the term a clinician means first?

Reads ``tests/data/term_search_queries.tsv`` (a query as a clinician types it, the HPO id meant, the domain and
whether the row was used to tune the ranking rules or only to test them), runs each query through
``Ontology.search`` on the HPO release in use (the bundled one unless ``marbledx data use`` chose another) and
prints the top-1 and top-5 hit rates per split and per domain, the misses, and the search's speed.

    python benchmarks/bench_term_search.py [--queries FILE] [--misses] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from marbledx.ontology import load_hpo

QUERIES = Path(__file__).resolve().parents[1] / "tests" / "data" / "term_search_queries.tsv"


@dataclass(frozen=True)
class Query:
    text: str
    expected: frozenset[str]
    label: str
    domain: str
    split: str


def read_queries(path: Path) -> list[Query]:
    """The rows of the evaluation file (``#`` lines are comments; the first other line is the header)."""
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    ]
    rows = csv.DictReader(lines, delimiter="\t")
    return [
        Query(row["query"], frozenset(row["expected"].split("|")), row["label"], row["domain"], row["split"])
        for row in rows
    ]


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100.0 * hits / total:.1f}%)" if total else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--misses", action="store_true", help="list every query whose term is not first")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()

    queries = read_queries(args.queries)
    ontology = load_hpo().ontology
    started = time.perf_counter()
    ontology.search("anemia")  # the first search of a process builds the word table
    build_s = time.perf_counter() - started

    ranks: dict[str, int | None] = {}
    seconds: list[float] = []
    misses: list[str] = []
    for query in queries:
        started = time.perf_counter()
        hits = ontology.search(query.text, limit=10)
        seconds.append(time.perf_counter() - started)
        rank = next((k for k, hit in enumerate(hits, 1) if hit.id in query.expected), None)
        ranks[query.text] = rank
        if rank != 1:
            first = f"{hits[0].label} [{hits[0].matched}]" if hits else "nothing"
            misses.append(f"  {query.split:4} {query.text!r} -> {query.label}: rank {rank}, first {first}")

    groups: dict[str, list[Query]] = defaultdict(list)
    for query in queries:
        groups[f"split {query.split}"].append(query)
        groups[f"domain {query.domain}"].append(query)
    groups["all"] = queries
    figures = {}
    for name in sorted(groups, key=lambda g: (g != "all", not g.startswith("split"), g)):
        members = groups[name]
        top1 = sum(ranks[q.text] == 1 for q in members)
        top5 = sum((ranks[q.text] or 99) <= 5 for q in members)
        figures[name] = {"queries": len(members), "top1": top1, "top5": top5}

    ms = sorted(1000.0 * s for s in seconds)
    speed = {
        "build_s": round(build_s, 3),
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 3),
        "max_ms": round(ms[-1], 3),
    }
    if args.json:
        print(json.dumps({"release": ontology.version, "figures": figures, "speed": speed}, indent=2))
        return 0
    print(f"HPO {ontology.version}; {len(queries)} queries from {args.queries.name}")
    print(f"{'':16} {'top-1':>16} {'top-5':>16}")
    for name, row in figures.items():
        print(f"{name:16} {_rate(row['top1'], row['queries']):>16} {_rate(row['top5'], row['queries']):>16}")
    print(
        f"word table built in {speed['build_s']:.3f} s; a query takes {speed['median_ms']:.2f} ms "
        f"(median; 95th percentile {speed['p95_ms']:.2f} ms, slowest {speed['max_ms']:.2f} ms)"
    )
    if args.misses:
        print("not first:")
        print("\n".join(misses) or "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
