"""Benchmark: HPO release load times (cold parse vs warm index cache) and knowledge-base load.

Each measurement runs in a fresh Python process so that nothing is shared between runs; the figures are
what a user of ``marbledx`` on the command line experiences. Run with ``make bench``.

    python benchmarks/bench_hpo_load.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_PROBE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from marbledx.ontology import load_hpo
from marbledx.knowledge import load_knowledge_base
t1 = time.perf_counter()
hpo = load_hpo()
t2 = time.perf_counter()
kb = load_knowledge_base()
t3 = time.perf_counter()
assert hpo.ontology.label("HP:0011002") == "Osteopetrosis"
print(json.dumps({
    "import_s": t1 - t0,
    "load_hpo_s": t2 - t1,
    "load_kb_s": t3 - t2,
    "terms": len(hpo.ontology),
    "diseases": len(hpo.annotations),
    "annotations": hpo.annotations.n_annotations,
    "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "version": hpo.version,
}))
"""


def _run(cache_dir: Path) -> dict[str, float]:
    env = {**os.environ, "MARBLEDX_CACHE_DIR": str(cache_dir), "MARBLEDX_HPO": "bundled"}
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def _summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):
            cache = Path(scratch) / f"cold-{run}"
            cold.append(_run(cache))  # empty cache: parses hp.obo, phenotype.hpoa, genes_to_phenotype.txt
            warm.append(_run(cache))  # same cache: reads the .npz index
    first = warm[0]
    print(
        f"HPO {first['version']}: {first['terms']:,} terms, {first['diseases']:,} diseases, "
        f"{first['annotations']:,} annotations"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"runs: {args.runs}, each in a fresh process")
    print(f"cold load_hpo (parse + write cache): {_summary([r['load_hpo_s'] for r in cold])}")
    print(f"warm load_hpo (index cache):         {_summary([r['load_hpo_s'] for r in warm])}")
    print(f"import marbledx:                     {_summary([r['import_s'] for r in warm])}")
    print(f"load_knowledge_base:                 {_summary([r['load_kb_s'] for r in warm])}")
    print(
        f"peak RSS, warm process:              {statistics.median([r['max_rss_mib'] for r in warm]):.0f} MiB"
    )
    target = 1.0
    worst = max(r["load_hpo_s"] for r in warm)
    print(
        f"target warm load <= {target:.1f} s: {'met' if worst <= target else 'NOT met'} (worst {worst:.3f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
