"""Benchmark: VCF read throughput of ``marbledx.genotype.read_vcf`` on an exome-like file.

Writes a bgzipped single-sample VCF (default 100,000 records on chr1-22 and X, a VEP CSQ with two
transcripts per record, about 1 in 20 sites not carried by the proband) with
``marbledx.genotype.synthetic.write_vcf`` into a temporary folder. Allele frequencies are shaped like an
exome's, as in ``bench_genotype._exome_af``: 85% of the records are common (gnomAD 1-90%), the rest rare
(1e-6 to 1%); 1 record in 10 carries a ClinVar value (benign or uncertain significance).

It reads the file ``--runs`` times and prints records per second, next to:

* the floor of the htslib route itself: pysam reading every record and turning it into text
  (``next()`` + ``str(record)`` + splitting the columns), which ``read_vcf`` cannot go below;
* pysam's other route, reading the needed fields as record attributes (CHROM, POS, REF, ALT, the CSQ, GT);
* building every set-aside common allele afterwards (what reading ``result.calls`` in full costs);
* ``bcftools view -H`` on the same file when a ``bcftools`` binary is on PATH, the practical limit.

    python benchmarks/bench_vcf_read.py [--records 100000] [--runs 3] [--clinvar 0.1]
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pysam

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


def _exome_af(rng: random.Random) -> float:
    """Allele frequencies shaped like an exome's (as ``bench_genotype._exome_af``): most are common."""
    if rng.random() < 0.85:
        return 10 ** rng.uniform(-2, -0.05)  # 1% .. 90%
    return 10 ** rng.uniform(-6, -2)  # 1e-6 .. 1%


def _variants(n: int, clinvar: float, seed: int = 7) -> list[SyntheticVariant]:
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
                    gnomad_af=round(_exome_af(rng), 6),
                    clinvar=rng.choice(("benign", "uncertain_significance"))
                    if rng.random() < clinvar
                    else None,
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


def _rate(records: int, times: list[float]) -> str:
    median, best = statistics.median(times), min(times)
    return (
        f"median {median:.3f} s, best {best:.3f} s -> {records / median:,.0f} records/s (median), "
        f"{records / best:,.0f} records/s (best)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clinvar", type=float, default=0.1, help="fraction of records with a ClinVar value")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="marbledx-bench-vcf-") as folder:
        path = Path(folder) / "exome.vcf.gz"
        start = time.perf_counter()
        write_vcf(path, _variants(args.records, args.clinvar), build="GRCh38", annotation="vep")
        print(
            f"wrote {args.records:,} records in {time.perf_counter() - start:.2f} s ({path.stat().st_size / 2**20:.1f} MiB bgzipped)"
        )

        def pysam_route(per_record: Callable[[pysam.VariantRecord], object]) -> Callable[[], None]:
            def read() -> None:
                gc.disable()
                verbosity = pysam.set_verbosity(0)  # no "could not retrieve index" notice: the file has none
                try:
                    with pysam.VariantFile(str(path)) as vcf:
                        for record in vcf:
                            per_record(record)
                finally:
                    pysam.set_verbosity(verbosity)
                    gc.enable()

            return read

        def as_text(record: pysam.VariantRecord) -> object:
            return str(record).rstrip("\n").split("\t")

        def as_attributes(record: pysam.VariantRecord) -> object:
            # The other pysam route: one Python object per field instead of one string per record.
            return (
                record.chrom,
                record.pos,
                record.ref,
                record.alts,
                record.info.get("CSQ"),
                record.samples[0]["GT"],
            )

        floor = pysam_route(as_text)
        print(f"htslib via pysam (next + str + split): {_rate(args.records, _time(floor, args.runs))}")
        attributes = pysam_route(as_attributes)
        print(
            f"htslib via pysam attributes (CHROM, POS, REF, ALT, CSQ, GT): {_rate(args.records, _time(attributes, args.runs))}"
        )

        results = []

        def ours() -> None:
            results.append(read_vcf(path))

        times = _time(ours, args.runs)
        result = results[-1]
        kept = getattr(result, "calls_to_interpret", result.calls)
        print(
            f"marbledx read_vcf: {_rate(result.n_records, times)}; {len(result.calls):,} calls "
            f"({len(kept):,} built while reading, {len(result.calls) - len(kept):,} common ones set aside), "
            f"{len(result.covered_genes):,} genes"
        )
        start = time.perf_counter()
        built = list(result.calls)
        print(
            f"building the {len(built) - len(kept):,} set-aside calls afterwards: {time.perf_counter() - start:.3f} s"
        )

        bcftools = shutil.which("bcftools")
        if bcftools is None:
            print("bcftools not installed")
        else:

            def view() -> None:
                subprocess.run([bcftools, "view", "-H", str(path)], check=True, stdout=subprocess.DEVNULL)

            print(f"bcftools view -H: {_rate(args.records, _time(view, args.runs))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
