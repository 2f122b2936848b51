"""Benchmark: rank a folder (or .tar.gz) of phenopackets and score the diagnoses, PhEval-style.

Prints top-1, top-3, top-10 and MRR (a case whose diagnosis is not ranked counts as a miss), per-disease
and per-gene breakdowns, warm load time, median ms per case and cases/s; the same for the hpo3 enrichment
baseline (run in .venv-baseline) on the same cases, side by side with the speed ratio. Cases are split
into halves A and B by a hash of the file name; parameters were examined on half A only.

Cases whose diagnosis the HPO release annotates are also split by where that annotation comes from:
"own publication" when a ``phenotype.hpoa`` row of the diagnosis cites the case's own publication (the
file name's PMID or the phenopacket's external references), so the annotation was curated from the very
patients being ranked; "independent" otherwise, which is the situation of a new patient.

    python benchmarks/bench_ranking.py PATH [--jobs 2] [--no-baseline] [--top-groups 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from _store import collect, diagnosis_of
from _store import half as store_half

_RANKER = None


def _init_worker() -> None:
    global _RANKER
    from marbledx import load_hpo, load_knowledge_base
    from marbledx.ranking import Ranker

    _RANKER = Ranker(load_hpo(), load_knowledge_base())


def _ready(_: int) -> int:
    """A task that holds its worker a moment, so that each worker takes one and has loaded the release."""
    time.sleep(0.5)
    return os.getpid()


def _rank_chunk(cases: list[tuple[str, dict[str, object]]]) -> list[dict[str, object]]:
    """Rank each (path, truth) pair. The truth is read before the clock starts: reading it is the benchmark's
    work, not marbledx's (the baseline takes it from the one parse its terms need)."""
    from marbledx.errors import InputError
    from marbledx.findings import read_case_file

    ranker = _RANKER
    assert ranker is not None
    rows = []
    for path, truth in cases:
        started = time.perf_counter()
        rank = None
        error = None
        top_probability = None
        try:
            case = read_case_file(Path(path), ranker.hpo.ontology, strict=False)
            analysis = ranker.analyse(case)
            result = ranker.report(analysis, top=10)  # the explained top 10, as a user would get it
            rank = ranker.position_of(analysis, str(truth["disease"])) if truth["disease"] else None
            top_probability = result.diagnoses[0].probability
        except InputError as exc:
            error = str(exc)
        rows.append(
            {
                "path": path,
                "rank": rank,
                "top_probability": top_probability,
                "error": error,
                "ms": 1000 * (time.perf_counter() - started),
                **truth,
            }
        )
    return rows


def _truth(path: str) -> dict[str, object]:
    """The case's diagnosis (None when the file gives none; see ``_store.diagnosis_of``), its gene, and the
    PMIDs of its publication (file name and external references)."""
    disease, packet = diagnosis_of(path)
    packet = packet or {}
    genes = []
    for interpretation in packet.get("interpretations") or []:
        diagnosis = (interpretation or {}).get("diagnosis") or {} if isinstance(interpretation, dict) else {}
        if ((diagnosis.get("disease") or {}).get("id")) != disease:
            continue
        for g in diagnosis.get("genomicInterpretations") or []:
            descriptor = ((g or {}).get("variantInterpretation") or {}).get("variationDescriptor") or {}
            genes.append(str((descriptor.get("geneContext") or {}).get("symbol") or ""))
        break
    meta = packet.get("metaData") if isinstance(packet.get("metaData"), dict) else {}
    publications = {
        str(ref.get("id"))
        for ref in meta.get("externalReferences") or []
        if isinstance(ref, dict) and str(ref.get("id", "")).startswith("PMID:")
    }
    name = Path(path).name
    if name.startswith("PMID_"):
        publications.add("PMID:" + name.split("_")[1])
    return {
        "disease": disease,
        "gene": next((g for g in genes if g), "-"),
        "publications": sorted(publications),
    }


def _annotation_references(hpoa: Path) -> dict[str, set[str]]:
    """Per disease, the references its phenotype rows cite (column ``reference`` of phenotype.hpoa)."""
    from marbledx.ontology._parse import _HPOA_COLUMNS, _rows

    references: dict[str, set[str]] = defaultdict(set)
    for _, row, _ in _rows(hpoa, _HPOA_COLUMNS):
        if row["aspect"] == "P":
            references[row["database_id"]].update(row["reference"].split(";"))
    return references


def _metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "n": len(ranks),
        "top1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "top3": sum(1 for r in ranks if r is not None and r <= 3) / n,
        "top10": sum(1 for r in ranks if r is not None and r <= 10) / n,
        "mrr": sum(1 / r for r in ranks if r is not None) / n,
    }


def _fmt(m: dict[str, float]) -> str:
    return f"n={m['n']:>5}  top1 {m['top1']:6.1%}  top3 {m['top3']:6.1%}  top10 {m['top10']:6.1%}  MRR {m['mrr']:.3f}"


def _baseline(paths: list[str], scratch: Path) -> dict[str, object] | None:
    python = Path(".venv-baseline/bin/python")
    if not python.exists():
        print("baseline: .venv-baseline missing (make bench creates it); skipped")
        return None
    listing = scratch / "baseline-list.txt"
    listing.write_text("\n".join(paths))
    out = scratch / "baseline.json"
    subprocess.run([str(python), "benchmarks/baseline_hpo3.py", str(listing), str(out)], check=True)
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--top-groups", type=int, default=15, help="largest disease/gene groups to list")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        paths = collect(args.path, scratch / "cases")
        t0 = time.perf_counter()
        _init_worker()
        load_s = time.perf_counter() - t0
        from marbledx import load_hpo
        from marbledx.ontology import default_source

        release = load_hpo()
        references = _annotation_references(default_source().files().hpoa)
        # Contiguous chunks keep each cohort's cases together, as a cohort run would process them.
        size = max(1, -(-len(paths) // (args.jobs * 8)))
        cases = [(path, _truth(path)) for path in paths]
        chunks = [cases[i : i + size] for i in range(0, len(cases), size)]
        with ProcessPoolExecutor(args.jobs, initializer=_init_worker) as pool:
            # Every worker loads the release before the clock starts, as the baseline's load is outside
            # its timing too; both load times are printed on their own.
            list(pool.map(_ready, range(args.jobs)))
            started = time.perf_counter()
            rows = [row for chunk in pool.map(_rank_chunk, chunks) for row in chunk]
            wall = time.perf_counter() - started
        base = None if args.no_baseline else _baseline(paths, scratch)

    timed = len(rows)
    every = sorted(rows, key=lambda r: r["path"])
    # A case whose file gives no diagnosis cannot be scored: it is timed with the rest, and counted here.
    rows = [r for r in every if r["disease"]]
    ranks = [r["rank"] for r in rows]
    annotated = [r for r in rows if release.annotations.__contains__(r["disease"])]
    print(f"cases: {timed} from {args.path}; HPO {release.version} ({release.source})")
    if len(rows) < timed:
        print(f"cases without a diagnosis to score (left out of the accuracy figures): {timed - len(rows)}")
    print(f"cases whose diagnosis is annotated in this HPO release: {len(annotated)}")
    print(f"warm load (HPO + knowledge base + engine): {load_s:.2f} s; workers: {args.jobs}")
    ms = [r["ms"] for r in every]
    print(
        f"marbledx  median {statistics.median(ms):.1f} ms/case per worker; {timed / wall:.1f} cases/s overall"
    )
    print()
    print("marbledx, all cases          " + _fmt(_metrics(ranks)))
    for half in ("A", "B"):
        print(
            f"marbledx, half {half} ({'tuning' if half == 'A' else 'held out'})   "
            + _fmt(_metrics([r["rank"] for r in rows if store_half(r["path"]) == half]))
        )
    print("marbledx, annotated diagnoses " + _fmt(_metrics([r["rank"] for r in annotated])))
    own = {r["path"] for r in annotated if set(r["publications"]) & references[str(r["disease"])]}
    provenance = (
        ("annotated from own publication", [r for r in annotated if r["path"] in own]),
        ("annotated independently", [r for r in annotated if r["path"] not in own]),
    )
    for label, members in provenance:
        print(f"marbledx, {label:<31}" + _fmt(_metrics([r["rank"] for r in members])))
        for half in ("A", "B"):
            in_half = [r["rank"] for r in members if store_half(r["path"]) == half]
            print(f"  half {half:<33}" + _fmt(_metrics(in_half)))
    if base is not None:
        by_path = dict(zip(base["paths"], base["ranks"], strict=True))
        base_ranks = [by_path[r["path"]] for r in rows]
        print(
            "baseline, all cases          "
            + _fmt(_metrics(base_ranks))
            + f"   (hpo3 enrichment, HPO {base['version']})"
        )
        for half in ("A", "B"):
            print(
                f"baseline, half {half}             "
                + _fmt(_metrics([by_path[r["path"]] for r in rows if store_half(r["path"]) == half]))
            )
        annotated_paths = {r["path"] for r in annotated}
        annotated_base = [by_path[r["path"]] for r in rows if r["path"] in annotated_paths]
        print("baseline, annotated diagnoses " + _fmt(_metrics(annotated_base)))
        for label, members in provenance:
            print(f"baseline, {label:<31}" + _fmt(_metrics([by_path[r["path"]] for r in members])))
        base_cps = timed / base["elapsed_s"]
        print(
            f"baseline  {1000 * base['elapsed_s'] / timed:.1f} ms/case; {base_cps:.1f} cases/s (load {base['load_s']:.1f} s)"
        )
        print(f"speed ratio marbledx/baseline (cases/s): {(timed / wall) / base_cps:.2f}x")
    # Calibration: how often the diagnosis ranked first is the correct one, by its posterior probability
    # (docs/engine.md, "Calibration"), for all cases and for the independently annotated ones (new patients).
    independent = [r for r in annotated if r["path"] not in own]
    for label, members in (("all cases", rows), ("annotated independently", independent)):
        print(f"\ncalibration of the first-ranked diagnosis, {label} (posterior: cases, correct):")
        for half in ("", "A", "B"):
            chosen = [r for r in members if not half or store_half(r["path"]) == half]
            cells = []
            for low, high in ((0.9, 1.01), (0.7, 0.9), (0.5, 0.7), (0.0, 0.5)):
                band = [
                    r
                    for r in chosen
                    if r["top_probability"] is not None and low <= r["top_probability"] < high
                ]
                share = f"{100 * sum(r['rank'] == 1 for r in band) / len(band):.1f}%" if band else "-"
                cells.append(f"{low:.1f}-{min(high, 1.0):.1f}: {len(band)}, {share}")
            print(f"  {'half ' + half if half else 'both halves':<12}" + "; ".join(cells))
    errors = [r for r in every if r["error"]]
    if errors:
        print(f"\ncases that could not be ranked: {len(errors)} (e.g. {errors[0]['error'][:120]})")
    for key in ("disease", "gene"):
        groups: dict[str, list[int | None]] = defaultdict(list)
        for r in rows:
            groups[str(r[key])].append(r["rank"])
        print(f"\nper {key} (largest {args.top_groups} groups):")
        for name, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))[: args.top_groups]:
            print(f"  {name:<14} " + _fmt(_metrics(group)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
