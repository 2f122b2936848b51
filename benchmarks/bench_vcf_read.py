"""Benchmark: VCF read throughput of ``marbledx.genotype.read_vcf`` on an exome-like file.

Writes a bgzipped single-sample VCF (default 100,000 records on chr1-22 and X, a VEP CSQ with two
transcripts per record, about 1 in 20 sites not carried by the proband) with
``marbledx.genotype.synthetic.write_vcf`` into a temporary folder, reads it three times and prints records
per second. When a ``bcftools`` binary is on PATH, ``bcftools view -H`` on the same file is timed as a
reference point for htslib's own speed.

    python benchmarks/bench_vcf_read.py [--records 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from marbledx.genotype._vcf import read_vcf
from marbledx.genotype.synthetic import CONTIG_LENGTHS, SyntheticTranscript, SyntheticVariant, write_vcf

_CONSEQUENCES = (
    "missense_variant",
    "synonymous_variant",
    "intron_variant",
    "3_prime_UTR_variant",
    "splice_region_variant&intron_variant",
    "stop_gained",
    "frameshift_variant",
)
_GENOTYPES = ("0/1",) * 12 + ("1/1",) * 6 + ("0/0", "./.")


def _variants(n: int, seed: int = 7) -> list[SyntheticVariant]:
    rng = random.Random(seed)
    chroms = [str(c) for c in range(1, 23)] + ["X"]
    per_chrom = -(-n // len(chroms))
    out: list[SyntheticVariant] = []
    for c_index, chrom in enumerate(chroms):
        step = CONTIG_LENGTHS["GRCh38"][chrom] // (per_chrom + 1)
        for i in range(per_chrom):
            if len(out) == n:
                break
            pos = (i + 1) * step
            gene = f"G{c_index:02d}_{i // 5:05d}"  # about five variants per gene, ~20,000 genes
            ref, alt = rng.choice((("A", "G"), ("C", "T"), ("G", "A"), ("T", "C"), ("CA", "C"), ("G", "GT")))
            consequence = rng.choice(_CONSEQUENCES)
            out.append(
                SyntheticVariant(
                    f"chr{chrom}",
                    pos,
                    ref,
                    alt,
                    gene,
                    consequence,
                    {"PROBAND": rng.choice(_GENOTYPES)},
                    hgvs_c=f"c.{i + 1}{ref}>{alt}",
                    hgvs_p=f"p.Lys{i + 1}Arg" if consequence == "missense_variant" else None,
                    gnomad_af=round(rng.random() * 0.01, 6),
                    clinvar=rng.choice((None, None, None, "benign", "uncertain_significance")),
                    revel=round(rng.random(), 3),
                    cadd=round(rng.random() * 40, 2),
                    mane_select=f"NM_{i:06d}.1",
                    extra_transcripts=(
                        SyntheticTranscript(
                            f"ENST9{pos:010d}.1", "intron_variant", hgvs_c=f"c.{i}-12{ref}>{alt}"
                        ),
                    ),
                )
            )
    return out


def _time(fn: Callable[[], None], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="marbledx-bench-vcf-") as folder:
        path = Path(folder) / "exome.vcf.gz"
        start = time.perf_counter()
        write_vcf(path, _variants(args.records), build="GRCh38", annotation="vep")
        print(
            f"wrote {args.records:,} records in {time.perf_counter() - start:.2f} s ({path.stat().st_size / 2**20:.1f} MiB bgzipped)"
        )

        results = []

        def ours() -> None:
            results.append(read_vcf(path))

        times = _time(ours, args.runs)
        result = results[-1]
        best, median = min(times), statistics.median(times)
        print(
            f"marbledx read_vcf: median {median:.3f} s, best {best:.3f} s -> "
            f"{result.n_records / median:,.0f} records/s (median), {result.n_records / best:,.0f} records/s (best); "
            f"{len(result.calls):,} calls, {len(result.covered_genes):,} genes"
        )

        bcftools = shutil.which("bcftools")
        if bcftools is None:
            print("bcftools not installed")
        else:

            def view() -> None:
                subprocess.run([bcftools, "view", "-H", str(path)], check=True, stdout=subprocess.DEVNULL)

            times = _time(view, args.runs)
            median = statistics.median(times)
            print(f"bcftools view -H:  median {median:.3f} s -> {args.records / median:,.0f} records/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
