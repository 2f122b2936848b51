"""Benchmark: phenotype + genotype ranking on gene-confirmed published cases, and exome-sized VCF speed.

For each case in ../shared/cases/dev with a gene-confirmed diagnosis (a ``genomicInterpretations`` gene), it
writes a VEP-annotated VCF with:

* at least 1,000 rare background variants in random genes (HPO-linked genes among 20,000 gene names, in
  proportion), of mixed classes: missense with random REVEL, synonymous, intronic, a few null alleles,
  and a few homozygous ones;
* a heterozygous null decoy in another recessive osteopetrosis gene;
* a ClinVar-benign missense decoy in an osteopetrosis gene;
* the causal genotype: the zygosity from the phenopacket, or from the disease's mode when it is not given.
  The alleles are null for a loss-of-function gene-disease pair, and missense (REVEL 0.7-0.95) otherwise and for
  dominant-negative ones. They carry no ClinVar value, so the benchmark never uses ClinVar to find them.

It then ranks the case with phenotype + genotype and prints the rank of the diagnosis, next to the
phenotype-only rank. Speed: an exome-sized VCF (``--exome-records``, default 100,000, bgzipped and
indexed) is ranked end to end with the CLI, and read throughput is shown next to ``bcftools view``.

    python benchmarks/bench_genotype.py ../shared/cases/dev [--background 1000] [--exome-records 100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pysam

from _store import collect, half
from _store import sample as store_sample
from marbledx import MarbledxError, load_hpo, load_knowledge_base
from marbledx.findings import read_case_file
from marbledx.genotype import GenotypeOptions, GenotypeReader, read_vcf
from marbledx.genotype.synthetic import SyntheticTranscript, SyntheticVariant, write_vcf
from marbledx.ranking import Ranker

CHROMS = [str(c) for c in range(1, 23)] + ["X"]
ZYGOSITY = {"homozygous": "1/1", "heterozygous": "0/1", "hemizygous": "1/1"}


def _seed(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:12], 16)


def _truths(document: dict) -> list[tuple[str, str | None, list[str]]]:
    """(disease id, gene, zygosities) per diagnosis with a genomic interpretation."""
    out = []
    for interpretation in document.get("interpretations", []):
        diagnosis = interpretation.get("diagnosis") or {}
        disease = (diagnosis.get("disease") or {}).get("id")
        genes: dict[str, list[str]] = {}
        for gi in diagnosis.get("genomicInterpretations", []):
            descriptor = (gi.get("variantInterpretation") or {}).get("variationDescriptor") or {}
            gene = (descriptor.get("geneContext") or {}).get("symbol") or (gi.get("gene") or {}).get("symbol")
            if gene:
                genes.setdefault(gene, []).append((descriptor.get("allelicState") or {}).get("label") or "")
        for gene, states in genes.items():
            out.append((disease, gene, states))
    return out


class CaseVcfFactory:
    def __init__(self, ranker: Ranker, background: int) -> None:
        self.ranker = ranker
        self.background = background
        annotations = ranker.hpo.annotations
        self.hpo_genes = sorted({g for d in annotations.diseases() for g in annotations.genes_for(d.id)})
        kb = ranker.kb
        self.recessive_osteo = sorted(
            {g.symbol for e in kb.subtypes for g in e.genes if g.zygosity == "biallelic"}
        )
        self.osteo_genes = sorted({g.symbol for e in kb.subtypes for g in e.genes})
        self.model = ranker.genotype_model

    def _rule(self, disease: str, gene: str):
        row = (
            self.ranker.phenotype.disease_ids.index(disease)
            if self.ranker.phenotype.has_disease(disease)
            else None
        )
        if row is None:
            return None
        return next((r for r in self.model.rules[row] if r.gene == gene), None)

    def variants(
        self, case_id: str, truths: list[tuple[str, str | None, list[str]]], *, missed: bool = False
    ) -> list[SyntheticVariant]:
        """The case's VCF content; with ``missed``, one causal allele is left out, as when the test misses it
        (a dominant allele disappears, a homozygous one becomes heterozygous, one of two alleles is dropped)."""
        rng = random.Random(_seed(case_id))
        out: list[SyntheticVariant] = []
        used: set[tuple[str, int]] = set()

        def position() -> tuple[str, int]:
            while True:
                spot = (rng.choice(CHROMS), rng.randrange(1_000_000, 100_000_000))
                if spot not in used:
                    used.add(spot)
                    return spot

        n_real = len(self.hpo_genes)
        for i in range(self.background):
            if rng.random() < n_real / 20_000:
                gene = rng.choice(self.hpo_genes)
            else:
                gene = f"NONDISEASE{rng.randrange(20_000 - n_real)}"
            roll = rng.random()
            if roll < 0.60:
                consequence, revel = "missense_variant", round(rng.random(), 3)
            elif roll < 0.85:
                consequence, revel = "synonymous_variant", None
            elif roll < 0.95:
                consequence, revel = "intron_variant", None
            else:
                consequence, revel = "stop_gained", None
            af = 10 ** rng.uniform(-6, -2.3)  # 1e-6 .. 5e-3: rare
            genotype = "1/1" if rng.random() < 0.03 else "0/1"
            chrom, pos = position()
            out.append(
                SyntheticVariant(chrom, pos, "C", "T", gene, consequence, {"PROBAND": genotype},
                                 hgvs_c=f"c.{i + 1}C>T", gnomad_af=af, revel=revel)
            )  # fmt: skip
        causal_genes = {g for _, g, _ in truths}
        decoy_gene = rng.choice([g for g in self.recessive_osteo if g not in causal_genes])
        chrom, pos = position()
        out.append(SyntheticVariant(chrom, pos, "G", "A", decoy_gene, "stop_gained", {"PROBAND": "0/1"},
                                    hgvs_c="c.decoyNull", gnomad_af=2e-5))  # fmt: skip
        benign_gene = rng.choice(self.osteo_genes)
        chrom, pos = position()
        out.append(SyntheticVariant(chrom, pos, "G", "A", benign_gene, "missense_variant", {"PROBAND": "0/1"},
                                    hgvs_c="c.decoyBenign", gnomad_af=3e-3, clinvar="benign", revel=0.5))  # fmt: skip
        for disease, gene, states in truths:
            rule = self._rule(disease, gene)
            modes = rule.modes if rule else ("AR",)
            null = bool(rule and rule.loss_of_function) and "AR" in modes
            states = [s for s in states if s]
            if not states:
                states = ["heterozygous", "heterozygous"] if "AR" in modes else ["heterozygous"]
            alleles = []
            for state in states:
                alleles.append(ZYGOSITY.get(state, "0/1"))
            if missed:
                alleles = alleles[:-1] if len(alleles) > 1 else ["0/1"] if alleles == ["1/1"] else []
            for k, genotype in enumerate(alleles):
                chrom, pos = position()
                consequence = "stop_gained" if null else "missense_variant"
                out.append(SyntheticVariant(chrom, pos, "C", "A", gene, consequence, {"PROBAND": genotype},
                                            hgvs_c=f"c.causal{k}", gnomad_af=None,
                                            revel=None if null else round(rng.uniform(0.7, 0.95), 3)))  # fmt: skip
        out.sort(key=lambda v: (CHROMS.index(v.chrom), v.pos))
        return out


def _summary(label: str, rows: list[tuple]) -> str:
    n = len(rows) or 1
    first = sum(1 for r in rows if r[3] == 1)
    return (
        f"{label:<22} n={len(rows):>5}  first with VCF {first:>5} ({first / n:6.1%})  "
        f"top-3 {sum(1 for r in rows if r[3] <= 3) / n:6.1%}  top-10 {sum(1 for r in rows if r[3] <= 10) / n:6.1%}  "
        f"phenotype only first {sum(1 for r in rows if r[2] == 1) / n:6.1%}  "
        f"VCF ranked it lower {sum(1 for r in rows if r[3] > r[2]) / n:6.1%}"
    )


def run_cases(
    source: Path, background: int, scratch: Path, sample: int | None, table: bool | None, missed: bool
) -> None:
    hpo, kb = load_hpo(), load_knowledge_base()
    ranker = Ranker(hpo, kb)
    factory = CaseVcfFactory(ranker, background)
    rows = []
    unreadable = 0
    paths = store_sample(collect(source, scratch / "cases"), sample)
    if table is None:
        table = len(paths) <= 30
    for name in paths:
        path = Path(name)
        document = json.loads(path.read_text(encoding="utf-8"))
        truths = [t for t in _truths(document) if t[1] and ranker.phenotype.has_disease(t[0])]
        if not truths:
            continue
        try:
            case = read_case_file(path, hpo.ontology, strict=False)
        except MarbledxError:
            unreadable += 1
            continue
        vcf_path = write_vcf(
            scratch / f"{path.stem}.vcf.gz",
            factory.variants(case.case_id, truths, missed=missed),
            index="tbi",
        )
        started = time.perf_counter()
        calls = GenotypeReader(GenotypeOptions(vcf=vcf_path, use_installed=False)).read(case)
        with_dna = ranker.analyse(case, genotype=calls)
        elapsed = time.perf_counter() - started
        without = ranker.analyse(case)
        diseases = [t[0] for t in truths]
        rank_dna = min((ranker.position_of(with_dna, d) or 10**6) for d in diseases)
        rank_pheno = min((ranker.position_of(without, d) or 10**6) for d in diseases)
        top = ranker.report(with_dna, top=1).diagnoses[0]
        rows.append(
            (
                path.stem,
                ",".join(diseases),
                rank_pheno,
                rank_dna,
                top.disease_id,
                elapsed,
                calls.n_records if calls else 0,
                half(path),
            )
        )
        vcf_path.unlink()
        vcf_path.with_name(vcf_path.name + ".tbi").unlink(missing_ok=True)
    picked = f", a sample of {sample}" if sample else ""
    picked += ", one causal allele missed" if missed else ""
    print(
        f"\n## Phenotype + genotype on {len(rows)} gene-confirmed cases ({source}{picked}, {background} background variants)\n"
    )
    if unreadable:
        print(f"{unreadable} case files could not be read and were left out\n")
    if table:
        print("| case | diagnosis | phenotype-only rank | with VCF | top with VCF | records | seconds |")
        print("|---|---|---|---|---|---|---|")
        for name, dx, rp, rd, top_id, secs, records, _ in rows:
            print(f"| {name} | {dx} | {rp} | {rd} | {top_id} | {records} | {secs:.2f} |")
        print()
    print(_summary("all cases", rows))
    if not table:
        for which in ("A", "B"):
            print(
                _summary(
                    f"half {which} ({'tuning' if which == 'A' else 'held out'})",
                    [r for r in rows if r[7] == which],
                )
            )
    lowered = [r for r in rows if r[3] > r[2]]
    if lowered:
        print(
            "\ncases the VCF ranked lower than the phenotype alone (case, diagnosis, rank without -> with, top):"
        )
        for name, dx, rp, rd, top_id, *_ in lowered:
            print(f"  {name}  {dx}  {rp} -> {rd}  {top_id}")
    seconds = sorted(r[5] for r in rows)
    if seconds:
        print(f"median seconds per case (read + interpret + rank): {seconds[len(seconds) // 2]:.2f}")


def _exome_af(rng: random.Random) -> float:
    """Allele frequencies shaped like an exome's: most called variants are common, a minority rare."""
    if rng.random() < 0.85:
        return 10 ** rng.uniform(-2, -0.05)  # 1% .. 90%
    return 10 ** rng.uniform(-6, -2)  # 1e-6 .. 1%


def _realistic(plain: Path, out: Path, rng: random.Random) -> None:
    """Rewrite a synthetic VCF the way a GATK + VEP pipeline writes one: every sample column with
    GT:AD:DP:GQ:PL, and INFO with AC, AN and DP before the CSQ (bgzipped and indexed)."""
    declared = (
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">\n'
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">\n'
        '##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Phred-scaled likelihoods">\n'
        '##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count">\n'
        '##INFO=<ID=AN,Number=1,Type=Integer,Description="Allele number">\n'
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    )
    text = plain.with_name(plain.stem + "-gatk.vcf")
    with plain.open() as source, text.open("w") as target:
        for line in source:
            if line.startswith("#CHROM"):
                target.write(declared)
            if line.startswith("#"):
                target.write(line)
                continue
            fields = line.rstrip("\n").split("\t")
            depth = rng.randint(15, 80)
            alt_reads = depth if fields[9] == "1/1" else depth // 2
            count = 2 if fields[9] == "1/1" else 1
            fields[7] = f"AC={count};AN=2;DP={depth};{fields[7]}"
            fields[8] = "GT:AD:DP:GQ:PL"
            fields[9] = (
                f"{fields[9]}:{depth - alt_reads},{alt_reads}:{depth}:{rng.randint(20, 99)}:{rng.randint(200, 900)},0,{rng.randint(200, 900)}"
            )
            target.write("\t".join(fields) + "\n")
    pysam.tabix_compress(str(text), str(out), force=True)
    pysam.tabix_index(str(out), preset="vcf", force=True)


def _exome_variants(records: int, rng: random.Random, *, realistic: bool) -> list[SyntheticVariant]:
    """Exome-sized records. ``realistic``: 12% indels, and each record annotated on 1-4 transcripts (a second
    gene's upstream/downstream entry on a third of them), as VEP writes without --pick."""
    genes = [f"GENE{i}" for i in range(18_000)] + ["TCIRG1"]
    variants = []
    for i in range(records):
        chrom = CHROMS[i * len(CHROMS) // records]
        gene = rng.choice(genes)
        ref, alt = "C", "T"
        extra: tuple[SyntheticTranscript, ...] = ()
        if realistic:
            if rng.random() < 0.12:
                ref, alt = rng.choice([("CA", "C"), ("C", "CT"), ("CTG", "C"), ("C", "CAAG")])
            extra = tuple(
                SyntheticTranscript(
                    f"ENST{i:09d}{k}", rng.choice(["intron_variant", "non_coding_transcript_exon_variant"])
                )
                for k in range(rng.randint(0, 2))
            )
            if rng.random() < 0.33:
                extra += (
                    SyntheticTranscript(f"ENSTN{i:09d}", "downstream_gene_variant", gene=rng.choice(genes)),
                )
        af = _exome_af(rng)
        variants.append(
            SyntheticVariant(chrom, 10_000 + i * 50, ref, alt, gene, rng.choice(
                ["missense_variant", "synonymous_variant", "intron_variant", "stop_gained"]),
                {"PROBAND": rng.choice(["0/1", "0/1", "1/1"])}, gnomad_af=af, revel=round(rng.random(), 3),
                extra_transcripts=tuple(
                    dataclasses.replace(t, extra={"gnomADe_AF": f"{af:g}"}) for t in extra
                ))
        )  # fmt: skip
    return variants


def _read_speed(path: Path, records: int, label: str) -> None:
    read_vcf(path)  # once first: numba's compiled screen is loaded (or compiled) in the first read
    reads = []
    cpu = []
    for _ in range(5):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = read_vcf(path)
        reads.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)  # every thread of the process
    reads.sort()
    print(
        f"{label}: read_vcf best of 5 {reads[0]:.2f} s = {result.n_records / reads[0]:,.0f} records/s, median "
        f"{result.n_records / reads[2]:,.0f} records/s ({len(result.calls):,} calls, "
        f"{len(result.calls_to_interpret):,} built during the read); CPU time median {sorted(cpu)[2]:.2f} s"
    )
    bcftools = shutil.which("bcftools")
    if bcftools:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run([bcftools, "view", "-H", str(path)], stdout=subprocess.DEVNULL, check=True)
            times.append(time.perf_counter() - started)
        print(
            f"{label}: bcftools view -H best of 5 {min(times):.2f} s = {records / min(times):,.0f} records/s "
            "(the practical limit)"
        )
    else:
        print("bcftools not installed")


def exome_speed(records: int, scratch: Path, case: Path) -> None:
    rng = random.Random(7)
    path = scratch / "exome.vcf.gz"
    started = time.perf_counter()
    write_vcf(path, _exome_variants(records, rng, realistic=False), index="tbi")
    print(
        f"\n## Exome-sized VCF: {records:,} records, bgzipped + tabix (written in {time.perf_counter() - started:.1f} s)\n"
    )
    _read_speed(path, records, "simple (one CSQ entry, FORMAT GT)")
    plain = scratch / "pipeline.vcf"
    write_vcf(plain, _exome_variants(records, random.Random(8), realistic=True), compress=False)
    realistic = scratch / "pipeline.vcf.gz"
    _realistic(plain, realistic, random.Random(9))
    _read_speed(realistic, records, "pipeline-like (1-4 CSQ entries, 12% indels, GT:AD:DP:GQ:PL)")
    cli = Path(sys.executable).with_name("marbledx")
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run([str(cli), "rank", str(case), "--vcf", str(path), "--format", "jsonl"],
                              capture_output=True, text=True, check=False)  # fmt: skip
        runs.append(time.perf_counter() - started)
        if done.returncode != 0:
            print("marbledx rank failed:", done.stderr.strip())
            return
    print(f"`marbledx rank CASE --vcf exome.vcf.gz` end to end (process start to output): "
          f"median {sorted(runs)[1]:.2f} s (runs: {', '.join(f'{r:.2f}' for r in runs)})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path)
    parser.add_argument("--background", type=int, default=1000)
    parser.add_argument("--exome-records", type=int, default=100_000)
    parser.add_argument("--case", type=Path, default=Path("examples/infant-aro.json"))
    parser.add_argument(
        "--missed-allele", action="store_true",
        help="leave one causal allele out of each VCF, to see what a missed allele costs the diagnosis",
    )  # fmt: skip
    parser.add_argument(
        "--sample", type=int, default=None, help="rank a fixed sample of this many case files"
    )
    parser.add_argument(
        "--table", action=argparse.BooleanOptionalAction, default=None,
        help="print one row per case (default: when there are at most 30 case files)",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="marbledx-bench-") as tmp:
        scratch = Path(tmp)
        if args.cases.is_dir() or args.cases.suffix == ".gz":
            run_cases(args.cases, args.background, scratch, args.sample, args.table, args.missed_allele)
        if args.exome_records:
            exome_speed(args.exome_records, scratch, args.case)


if __name__ == "__main__":
    main()
