"""Find, open and read the VCF of each case: from ``--vcf`` or the phenopacket's ``files``, with the proband
sample, the genome build, the parents from a PED file, and the optional ClinVar and gene tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from marbledx.errors import InputError
from marbledx.findings import Case, Pedigree, read_ped
from marbledx.genotype._genes import GeneRegions
from marbledx.genotype._model import GenomeBuild, VcfReadResult

if TYPE_CHECKING:
    from marbledx.genotype._clinvar import ClinvarVcf

# The reader (htslib, through pysam) and the download module (urllib, ssl) are imported when a VCF is read,
# not with this module: a case without a VCF (every run of `marbledx rank` on findings alone) never needs
# them, and importing them costs about a tenth of a second.

__all__ = ["GenotypeOptions", "GenotypeReader", "normalise_assembly"]

_ASSEMBLIES: dict[str, GenomeBuild] = {
    "grch37": "GRCh37",
    "hg19": "GRCh37",
    "b37": "GRCh37",
    "hs37d5": "GRCh37",
    "grch38": "GRCh38",
    "hg38": "GRCh38",
}


def normalise_assembly(text: str, *, where: str) -> GenomeBuild:
    """``GRCh37``/``GRCh38`` from the usual spellings (``hg19``, ``GRCh38.p14``, ``b37``, …)."""
    key = text.strip().lower().split(".")[0]
    build = _ASSEMBLIES.get(key)
    if build is None:
        msg = f"{where}: genome assembly {text!r} is not supported; expected GRCh37 (hg19) or GRCh38 (hg38)"
        raise InputError(msg)
    return build


@dataclass(frozen=True)
class GenotypeOptions:
    """Where the genotype of a case comes from, as given on the command line or to the API.

    ``vcf`` applies to a single case; otherwise each phenopacket's ``files`` entry is used. ``clinvar`` and
    ``genes_bed`` default to the files installed by ``marbledx data fetch`` for the VCF's build.
    """

    vcf: Path | None = None
    sample: str | None = None
    genome: GenomeBuild | None = None
    clinvar: Path | None = None
    genes_bed: Path | None = None
    ped: Path | None = None
    strict: bool = False
    use_installed: bool = True


@dataclass
class GenotypeReader:
    """Reads the genotype of one case after another, opening each reference table once."""

    options: GenotypeOptions
    _clinvar: dict[tuple[Path, GenomeBuild], ClinvarVcf] = field(default_factory=dict)
    _genes: dict[tuple[Path, GenomeBuild], GeneRegions] = field(default_factory=dict)
    _pedigree: Pedigree | None = None

    def read(self, case: Case, *, allow_vcf_flag: bool = True) -> VcfReadResult | None:
        """The proband's calls, or ``None`` when the case has no VCF. Raises :class:`InputError`."""
        options = self.options
        sample = options.sample
        assembly: GenomeBuild | None = options.genome
        assembly_source: str | None = None  # where the build came from when not from --genome
        if options.vcf is not None and allow_vcf_flag:
            path = options.vcf
        elif case.genomic_files:
            entry = case.genomic_files[0]
            path = Path(entry.path)
            sample = sample or entry.sample
            if entry.genome_assembly:
                declared = normalise_assembly(
                    entry.genome_assembly, where=f"{case.input}: files[].fileAttributes"
                )
                if assembly is not None and assembly != declared:
                    msg = f"{case.input}: the phenopacket declares {declared} for {path} but --genome {assembly} was given"
                    raise InputError(msg)
                if assembly is None:
                    assembly_source = f"the phenopacket {case.input} (files[].fileAttributes.genomeAssembly)"
                assembly = declared
        else:
            return None
        # The build is needed before reading only to open a gene table or ClinVar; peek at the header then.
        needs_tables = (
            options.genes_bed is not None
            or options.clinvar is not None
            or (options.use_installed and _any_installed_table())
        )
        build = assembly or (_peek_build(path) if needs_tables else None)
        father = mother = None
        extra_warnings: list[str] = []
        sex = case.sex
        if options.ped is not None:
            pedigree = self._pedigree or read_ped(options.ped)
            self._pedigree = pedigree
            in_vcf = _vcf_samples(path)
            proband = sample or case.subject_id or _ped_proband(pedigree, in_vcf, options.ped, path)
            person = pedigree.get(proband)
            if person is None:
                msg = f"{options.ped}: the proband {proband!r} is not in the PED file (individuals: {', '.join(pedigree.ids[:10])})"
                raise InputError(msg)
            father, mother = person.father, person.mother
            sample = sample or person.id
            sex = sex or person.sex
            # Parents in the pedigree but not sequenced still matter for counselling; here they only cannot
            # give de novo or phase evidence, which the result says. The warning starts with the VCF's path,
            # as read_vcf's own warnings do, so the output files it with them (the JSON genotype.warnings).
            for role, name in (("father", father), ("mother", mother)):
                if name is not None and name not in in_vcf:
                    extra_warnings.append(
                        f"{path}: the {role} {name!r} is not a sample of this VCF (named in {options.ped}); "
                        "no de novo or phase evidence from that parent"
                    )
            father = father if father in in_vcf else None
            mother = mother if mother in in_vcf else None
        from marbledx.genotype._vcf import read_vcf

        table = self._gene_table(build)
        if table is not None and not table.build_declared and self.options.genes_bed is not None:
            # A BED file has no standard place for its build, and the VCF's is assumed: a GRCh37 VCF read with a
            # GRCh38 table (or the reverse) would place every allele in the wrong genes without a word.
            extra_warnings.append(
                f"{path}: the gene table {self.options.genes_bed} does not say its genome build (no '#build=GRCh38' "
                f"or '#build=GRCh37' line), so its coordinates were taken to be the VCF's build, {build}; if it is "
                f"for the other build, alleles are placed in the wrong genes; add the line, or use "
                "'marbledx data fetch genes'"
            )
        result = read_vcf(
            path,
            sample=sample,
            genome=assembly,
            sex=sex,
            gene_locator=table,
            clinvar=self._clinvar_table(build),
            father=father,
            mother=mother,
            strict=options.strict,
            genome_source=assembly_source,
        )
        if extra_warnings:
            result = replace(result, warnings=(*extra_warnings, *result.warnings))
        return result

    def _clinvar_table(self, build: GenomeBuild | None) -> ClinvarVcf | None:
        from marbledx.genotype._clinvar import ClinvarVcf
        from marbledx.genotype._fetch import installed_clinvar

        path = self.options.clinvar
        if path is None and self.options.use_installed and build is not None:
            path = installed_clinvar(build)
        if path is None:
            return None
        key = (path, build or "GRCh38")
        if key not in self._clinvar:
            self._clinvar[key] = ClinvarVcf.open(path, build=build)
        return self._clinvar[key]

    def _gene_table(self, build: GenomeBuild | None) -> GeneRegions | None:
        from marbledx.genotype._fetch import installed_genes

        path = self.options.genes_bed
        if path is None and self.options.use_installed and build is not None:
            path = installed_genes(build)
        if path is None:
            return None
        if build is None:
            msg = f"{path}: the genome build of the VCF is unknown; pass --genome GRCh37 or GRCh38"
            raise InputError(msg)
        key = (path, build)
        if key not in self._genes:
            self._genes[key] = GeneRegions.read_bed(path, build=build)
        return self._genes[key]


def _any_installed_table() -> bool:
    from marbledx.genotype._fetch import installed_clinvar, installed_genes

    return any(installed_clinvar(b) or installed_genes(b) for b in ("GRCh37", "GRCh38"))


def _vcf_samples(path: Path) -> list[str]:
    """The sample names of a VCF header; a file that cannot be opened raises the error read_vcf would."""
    from marbledx.genotype._vcf import _close, _open, _quiet_htslib

    with _quiet_htslib():
        vcf = _open(path, str(path))
    try:
        return list(vcf.header.samples)
    finally:
        _close(vcf)


def _ped_proband(pedigree: Pedigree, samples: Sequence[str], ped: Path, vcf: Path) -> str:
    """The proband of a case that names none, from its PED file (docs/genotype.md, "Proband sample").

    It is the one affected individual whose father and mother are both in the PED and who is a sample of the
    VCF: the affected child of a sequenced trio. Anything else (no such individual, or several, such as
    affected siblings) is ambiguous, and guessing would analyse the wrong person, so the user is asked.
    """
    ids = set(pedigree.ids)
    found = [
        person.id
        for person in pedigree.individuals
        if person.affected and person.father in ids and person.mother in ids and person.id in samples
    ]
    if len(found) == 1:
        return found[0]
    if found:
        msg = f"{ped}: {len(found)} affected individuals with both parents in the PED file are samples of {vcf} ({', '.join(found[:10])}); pass --sample NAME to say which one is the proband"
    else:
        shown = ", ".join(samples[:10]) + (", …" if len(samples) > 10 else "")
        msg = f"{ped}: no affected individual with both parents in the PED file is a sample of {vcf}, so the proband is not known; pass --sample NAME to name the proband's sample (samples: {shown or 'none'})"
    raise InputError(msg)


def _peek_build(path: Path) -> GenomeBuild | None:
    """The build from a VCF header, or ``None`` when the header does not tell.

    The file is opened as read_vcf opens it (never by pysam directly: an xz file aborts the process inside
    htslib), so a file that cannot be read raises the error read_vcf would. A header whose reference line and
    contig lengths disagree is refused here too, before a ClinVar or gene table is chosen by a build that may
    be wrong.
    """
    from marbledx.genotype._vcf import _build_conflict, _close, _open, _quiet_htslib, detect_build

    with _quiet_htslib():
        vcf = _open(path, str(path))
    try:
        conflict = _build_conflict(vcf.header, str(path))
        if conflict is not None:
            raise InputError(conflict)
        return detect_build(vcf.header)
    finally:
        _close(vcf)
