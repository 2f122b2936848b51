"""Synthetic VCF files for tests and benchmarks.

A small public helper: :func:`write_vcf` writes a VCF (plain or bgzipped, optionally indexed) from simple
:class:`SyntheticVariant` descriptions, with a GRCh37 or GRCh38 header and VEP ``CSQ`` or SnpEff ``ANN``
annotation laid out as those tools write it. marbledx's tests and ``benchmarks/bench_vcf_read.py`` use it;
it can also make demonstration files. The variants are invented: the output is never patient data, and
nothing in it should be read as a real annotation.

    >>> from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
    >>> write_vcf(tmp / "demo.vcf.gz", [SyntheticVariant("chr16", 2_900_000, "C", "T", "CLCN7",
    ...           genotypes={"PROBAND": "1/1"}, hgvs_p="p.Arg767Trp")])  # doctest: +SKIP
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pysam

from marbledx.genotype._annotation import vep_allele_strings
from marbledx.genotype._model import GenomeBuild

__all__ = [
    "CONTIG_LENGTHS",
    "SNPEFF_FIELDS",
    "VEP_FIELDS",
    "SyntheticTranscript",
    "SyntheticVariant",
    "write_vcf",
]

# Chromosome lengths of the primary assemblies: GRC sequence reports for GRCh37.p13 (GCF_000001405.25) and
# GRCh38.p14 (GCF_000001405.40).
CONTIG_LENGTHS: dict[GenomeBuild, dict[str, int]] = {
    "GRCh37": {
        "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260, "6": 171115067,
        "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747, "11": 135006516,
        "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392, "16": 90354753,
        "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520, "21": 48129895, "22": 51304566,
        "X": 155270560, "Y": 59373566,
    },
    "GRCh38": {
        "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259, "6": 170805979,
        "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422, "11": 135086622,
        "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189, "16": 90338345,
        "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167, "21": 46709983, "22": 50818468,
        "X": 156040895, "Y": 57227415,
    },
}  # fmt: skip

# The CSQ layout of a VEP run with --symbol --canonical --mane_select --hgvs --af_gnomade plus the ClinVar,
# REVEL and CADD plugins/custom annotations (column names as VEP writes them).
VEP_FIELDS: tuple[str, ...] = (
    "Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE", "HGVSc",
    "HGVSp", "CANONICAL", "MANE_SELECT", "gnomADe_AF", "CLIN_SIG", "REVEL", "CADD_PHRED",
)  # fmt: skip
# SnpEff's ANN layout (SnpEff 4.1+, the "VCF annotation format" v1.0).
SNPEFF_FIELDS: tuple[str, ...] = (
    "Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID", "Feature_Type", "Feature_ID",
    "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p", "cDNA.pos / cDNA.length", "CDS.pos / CDS.length",
    "AA.pos / AA.length", "Distance", "ERRORS / WARNINGS / INFO",
)  # fmt: skip

# IMPACT of each consequence as Ensembl assigns it (HIGH / MODERATE / LOW; everything else MODIFIER),
# https://www.ensembl.org/info/genome/variation/prediction/predicted_data.html
_HIGH = frozenset(
    [
        "transcript_ablation",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "stop_gained",
        "frameshift_variant",
        "stop_lost",
        "start_lost",
        "transcript_amplification",
        "feature_elongation",
        "feature_truncation",
    ]
)
_MODERATE = frozenset(
    ["inframe_insertion", "inframe_deletion", "missense_variant", "protein_altering_variant"]
)
_LOW = frozenset(
    [
        "splice_donor_5th_base_variant",
        "splice_region_variant",
        "splice_donor_region_variant",
        "splice_polypyrimidine_tract_variant",
        "incomplete_terminal_codon_variant",
        "start_retained_variant",
        "stop_retained_variant",
        "synonymous_variant",
    ]
)

Annotation = Literal["vep", "snpeff"]


@dataclass(frozen=True)
class SyntheticTranscript:
    """A further transcript of a variant's annotation (the variant's own fields describe the first one)."""

    transcript: str
    consequence: str = "intron_variant"
    gene: str | None = None  # None: the variant's gene
    canonical: bool = False
    mane_select: str | None = None
    hgvs_c: str | None = None
    hgvs_p: str | None = None
    allele: str | None = None  # the ALT (as in the VCF) this entry describes; None: every ALT
    extra: Mapping[str, str] = field(default_factory=dict)  # further CSQ/ANN columns by name


@dataclass(frozen=True)
class SyntheticVariant:
    """One VCF record: position, alleles, per-sample genotypes and the annotation of its main transcript.

    ``alt`` may list several ALT alleles separated by commas; the main transcript then has one entry per ALT.
    ``genotypes`` maps sample names to GT strings (``0/1``, ``1|0``, ``1``); samples left out get ``./.``.
    ``phase_sets`` adds a FORMAT ``PS`` value per sample, and ``copy_numbers`` a FORMAT ``CN`` (copy number)
    value per sample, as written (``"0"``, ``"1.0"``; samples left out get ``.``). ``info`` adds raw INFO ``key=value`` items (they are
    declared in the header as strings unless ``write_vcf(extra_header=…)`` declares them). ``filter`` is the
    FILTER column (``PASS``, ``.``, or filter names joined by ``;``, each declared in the header).
    ``gnomad_af``, ``clinvar``, ``revel`` and ``cadd`` go into the CSQ entry for VEP and into INFO keys
    (``gnomAD_AF``, ``CLNSIG``, ``REVEL``, ``CADD_PHRED``) otherwise.
    """

    chrom: str
    pos: int
    ref: str
    alt: str
    gene: str | None
    consequence: str = "missense_variant"
    genotypes: Mapping[str, str] = field(default_factory=dict)
    hgvs_c: str | None = None
    hgvs_p: str | None = None
    gnomad_af: float | None = None
    clinvar: str | None = None  # as VEP's CLIN_SIG writes it, e.g. "pathogenic" or "likely_pathogenic"
    revel: float | None = None
    cadd: float | None = None
    transcript: str | None = None  # None: an invented ENST id
    canonical: bool = True
    mane_select: str | None = None
    phase_sets: Mapping[str, int] = field(default_factory=dict)
    copy_numbers: Mapping[str, str] = field(default_factory=dict)
    extra_transcripts: tuple[SyntheticTranscript, ...] = ()
    csq_extra: Mapping[str, str] = field(default_factory=dict)  # further columns of the main entry
    info: Mapping[str, str] = field(default_factory=dict)
    filter: str = "PASS"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _vep_encode(value: str) -> str:
    # VEP percent-encodes characters that would break the VCF INFO syntax (HGVSp "p.Leu12=" → "p.Leu12%3D").
    return value.replace(",", "%2C").replace(";", "%3B").replace("=", "%3D").replace(" ", "%20")


def _impact(consequence: str) -> str:
    terms = consequence.split("&")
    for level, members in (("HIGH", _HIGH), ("MODERATE", _MODERATE), ("LOW", _LOW)):
        if any(term in members for term in terms):
            return level
    return "MODIFIER"


def _entries(variant: SyntheticVariant, style: Annotation, fields: Sequence[str]) -> list[str]:
    alts = variant.alt.split(",")
    vep_alleles = dict(zip(alts, vep_allele_strings(variant.ref, alts), strict=True))
    main = SyntheticTranscript(
        transcript=variant.transcript or f"ENST{variant.pos:011d}",
        consequence=variant.consequence,
        gene=variant.gene,
        canonical=variant.canonical,
        mane_select=variant.mane_select,
        hgvs_c=variant.hgvs_c,
        hgvs_p=variant.hgvs_p,
        extra=variant.csq_extra,
    )
    out: list[str] = []
    for number, transcript in enumerate((main, *variant.extra_transcripts)):
        for alt in alts if transcript.allele is None else [transcript.allele]:
            gene = transcript.gene if transcript.gene is not None else variant.gene
            values: dict[str, str]
            if style == "vep":
                values = {
                    "Allele": vep_alleles.get(alt, alt),
                    "Consequence": transcript.consequence,
                    "IMPACT": _impact(transcript.consequence),
                    "SYMBOL": gene or "",
                    "Gene": f"ENSG{zlib.crc32(gene.encode()):011d}" if gene else "",
                    "Feature_type": "Transcript",
                    "Feature": transcript.transcript,
                    "BIOTYPE": "protein_coding",
                    "HGVSc": f"{transcript.transcript}:{transcript.hgvs_c}" if transcript.hgvs_c else "",
                    "HGVSp": f"ENSP{variant.pos:011d}.1:{transcript.hgvs_p}" if transcript.hgvs_p else "",
                    "CANONICAL": "YES" if transcript.canonical else "",
                    "MANE_SELECT": transcript.mane_select or "",
                }
                if number == 0:
                    values |= {
                        "gnomADe_AF": _number(variant.gnomad_af),
                        "CLIN_SIG": variant.clinvar or "",
                        "REVEL": _number(variant.revel),
                        "CADD_PHRED": _number(variant.cadd),
                    }
            else:
                values = {
                    "Allele": alt,
                    "Annotation": transcript.consequence,
                    "Annotation_Impact": _impact(transcript.consequence),
                    "Gene_Name": gene or "",
                    "Gene_ID": gene or "",
                    "Feature_Type": "transcript",
                    "Feature_ID": transcript.transcript,
                    "Transcript_BioType": "protein_coding",
                    "HGVS.c": transcript.hgvs_c or "",
                    "HGVS.p": transcript.hgvs_p or "",
                }
            values |= transcript.extra
            if style == "vep":
                out.append("|".join(_vep_encode(values.get(name, "")) for name in fields))
            else:
                out.append("|".join(values.get(name, "") for name in fields))
    return out


def _info(variant: SyntheticVariant, style: Annotation | None, fields: Sequence[str]) -> str:
    items: list[str] = []
    if style is not None:
        key = "CSQ" if style == "vep" else "ANN"
        items.append(f"{key}={','.join(_entries(variant, style, fields))}")
    if style != "vep":
        n_alts = len(variant.alt.split(","))
        if variant.gnomad_af is not None:
            items.append("gnomAD_AF=" + ",".join([_number(variant.gnomad_af)] * n_alts))
        if variant.clinvar is not None:
            items.append(f"CLNSIG={variant.clinvar}")
        if variant.revel is not None:
            items.append(f"REVEL={_number(variant.revel)}")
        if variant.cadd is not None:
            items.append(f"CADD_PHRED={_number(variant.cadd)}")
    items.extend(f"{key}={value}" for key, value in variant.info.items())
    return ";".join(items) or "."


def _header(
    variants: Sequence[SyntheticVariant],
    samples: Sequence[str],
    build: GenomeBuild | None,
    reference: bool | str,
    contig_lengths: bool,
    style: Annotation | None,
    fields: Sequence[str],
    extra_header: Sequence[str],
) -> list[str]:
    lines = ["##fileformat=VCFv4.2"]
    if isinstance(reference, str):
        lines.append(f"##reference={reference}")
    elif reference and build is not None:
        lines.append(f"##reference={build}")
    prefix = "chr" if any(v.chrom.startswith("chr") for v in variants) else ""
    declared: list[str] = []
    if build is not None:
        for name, length in CONTIG_LENGTHS[build].items():
            contig = prefix + name
            declared.append(contig)
            lines.append(
                f"##contig=<ID={contig},length={length}>" if contig_lengths else f"##contig=<ID={contig}>"
            )
    for variant in variants:
        if variant.chrom not in declared:
            declared.append(variant.chrom)
            lines.append(f"##contig=<ID={variant.chrom}>")
    lines.append('##FILTER=<ID=PASS,Description="All filters passed">')
    for name in dict.fromkeys(n for v in variants for n in v.filter.split(";") if n not in {"PASS", "."}):
        lines.append(f'##FILTER=<ID={name},Description="{name}">')
    if style == "vep":
        lines.append(
            '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
            f'Format: {"|".join(fields)}">'
        )
    elif style == "snpeff":
        lines.append(
            '##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: '
            f"'{' | '.join(fields)} '\">"
        )
    declared_info = {
        line.split("ID=", 1)[1].split(",", 1)[0] for line in extra_header if line.startswith("##INFO")
    }
    if style != "vep":
        standard = {
            "gnomAD_AF": '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD allele frequency">',
            "CLNSIG": '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="ClinVar clinical significance">',
            "REVEL": '##INFO=<ID=REVEL,Number=1,Type=Float,Description="REVEL score">',
            "CADD_PHRED": '##INFO=<ID=CADD_PHRED,Number=1,Type=Float,Description="CADD PHRED score">',
        }
        used = {
            "gnomAD_AF": any(v.gnomad_af is not None for v in variants),
            "CLNSIG": any(v.clinvar is not None for v in variants),
            "REVEL": any(v.revel is not None for v in variants),
            "CADD_PHRED": any(v.cadd is not None for v in variants),
        }
        for key, line in standard.items():
            if used[key] and key not in declared_info:
                lines.append(line)
                declared_info.add(key)
    for key in dict.fromkeys(key for v in variants for key in v.info):
        if key not in declared_info:
            lines.append(f'##INFO=<ID={key},Number=.,Type=String,Description="{key}">')
            declared_info.add(key)
    lines.extend(extra_header)
    lines.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    if any(v.phase_sets for v in variants):
        lines.append('##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">')
    if any(v.copy_numbers for v in variants) and not any(
        line.startswith("##FORMAT=<ID=CN,") for line in extra_header
    ):
        # As VCF 4.4 declares it ("FORMAT keys used for structural variants"); VCF 4.3 has Type=Integer.
        lines.append('##FORMAT=<ID=CN,Number=1,Type=Float,Description="Copy number">')
    lines.append(
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples])
    )
    return lines


def write_vcf(
    path: Path,
    variants: Iterable[SyntheticVariant],
    *,
    samples: Sequence[str] = ("PROBAND",),
    build: GenomeBuild | None = "GRCh38",
    reference: bool | str = True,
    contig_lengths: bool = True,
    annotation: Annotation | None = "vep",
    annotation_fields: Sequence[str] | None = None,
    extra_header: Sequence[str] = (),
    compress: bool | None = None,
    index: Literal["tbi", "csi"] | None = None,
) -> Path:
    """Write ``variants`` as a VCF at ``path`` and return ``path``.

    ``build`` declares chr1-22, X and Y with their real lengths (``contig_lengths=False`` leaves the lengths
    out; ``None`` declares only the variants' contigs). ``reference=True`` writes ``##reference=<build>``, a
    string writes that value, ``False`` none. ``annotation`` chooses VEP ``CSQ``, SnpEff ``ANN`` or no
    annotation; ``annotation_fields`` reorders or extends the columns (default :data:`VEP_FIELDS` or
    :data:`SNPEFF_FIELDS`). Contigs use the ``chr`` prefix when any variant's chromosome does.

    ``compress`` bgzips the file (default: when ``path`` ends in ``.gz``); ``index`` then writes a tabix
    (``"tbi"``) or CSI (``"csi"``) index beside it, which needs the variants in sorted order.
    """
    if index is not None and compress is False:
        msg = "write_vcf: an index needs a bgzipped file (compress=True or a .gz path)"
        raise ValueError(msg)
    records = list(variants)
    style = annotation
    fields = tuple(annotation_fields or (VEP_FIELDS if style == "vep" else SNPEFF_FIELDS))
    lines = _header(records, samples, build, reference, contig_lengths, style, fields, extra_header)
    body: list[str] = []
    for variant in records:
        fmt = "GT:PS" if variant.phase_sets else "GT"
        if variant.copy_numbers:
            fmt += ":CN"
        cells = []
        for name in samples:
            gt = variant.genotypes.get(name, "./.")
            if variant.phase_sets:
                ps = variant.phase_sets.get(name)
                gt = f"{gt}:{ps if ps is not None else '.'}"
            if variant.copy_numbers:
                gt = f"{gt}:{variant.copy_numbers.get(name, '.')}"
            cells.append(gt)
        body.append(
            "\t".join(
                [
                    variant.chrom,
                    str(variant.pos),
                    ".",
                    variant.ref,
                    variant.alt,
                    "50",
                    variant.filter,
                    _info(variant, style, fields),
                    fmt,
                    *cells,
                ]
            )
        )
    text = "\n".join([*lines, *body]) + "\n"
    compress = path.name.endswith(".gz") if compress is None else compress
    path.parent.mkdir(parents=True, exist_ok=True)
    if not compress:
        path.write_text(text, encoding="utf-8")
    else:
        plain = path.with_name(path.name + ".tmp.vcf")
        plain.write_text(text, encoding="utf-8")
        try:
            pysam.tabix_compress(str(plain), str(path), force=True)
        finally:
            plain.unlink()
        if index is not None:
            pysam.tabix_index(str(path), preset="vcf", force=True, csi=index == "csi")
    return path
