"""Header-driven parsing of VEP ``CSQ`` and SnpEff ``ANN`` annotations, and the choice of one transcript.

Both tools write one comma-separated entry per (allele, transcript) into a single INFO field, with the
columns of each entry separated by ``|``. The column order is not fixed: it depends on the tool version and
the options it ran with, and the only reliable description is the INFO header line's ``Description``. So
every column is found by name through a map built once per file, never by position.

INFO-level fields written by other annotators (gnomAD frequencies, ClinVar ``CLNSIG``, REVEL, CADD) are
read by :class:`InfoFields`, also driven by the header.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple
from urllib.parse import unquote

import pysam

from marbledx.errors import InputError
from marbledx.genotype._model import ClinvarSignificance, normalise_clinvar

__all__ = [
    "CONSEQUENCE_ORDER",
    "MISSING",
    "NO_FREQUENCY",
    "AlleleAnnotation",
    "AnnotationStyle",
    "AnnotationValues",
    "InfoFields",
    "NumberReader",
    "TranscriptField",
    "clinvar_class",
    "consequence_rank",
    "parse_layout",
    "vep_allele_strings",
]

AnnotationStyle = Literal["vep", "snpeff"]

# Both VEP and SnpEff write an empty string for "no value"; other annotators use "." (the VCF missing
# value) or "-".
MISSING: frozenset[str] = frozenset({"", ".", "-"})

# Sequence Ontology consequence terms from most to least severe, in the order of Ensembl's "Calculated
# variant consequences" table: https://www.ensembl.org/info/genome/variation/prediction/predicted_data.html
CONSEQUENCE_ORDER: tuple[str, ...] = (
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
    "inframe_insertion",
    "inframe_deletion",
    "missense_variant",
    "protein_altering_variant",
    "splice_donor_5th_base_variant",
    "splice_region_variant",
    "splice_donor_region_variant",
    "splice_polypyrimidine_tract_variant",
    "incomplete_terminal_codon_variant",
    "start_retained_variant",
    "stop_retained_variant",
    "synonymous_variant",
    "coding_sequence_variant",
    "mature_miRNA_variant",
    "5_prime_UTR_variant",
    "3_prime_UTR_variant",
    "non_coding_transcript_exon_variant",
    "intron_variant",
    "NMD_transcript_variant",
    "non_coding_transcript_variant",
    "coding_transcript_variant",
    "upstream_gene_variant",
    "downstream_gene_variant",
    "TFBS_ablation",
    "TFBS_amplification",
    "TF_binding_site_variant",
    "regulatory_region_ablation",
    "regulatory_region_amplification",
    "regulatory_region_variant",
    "intergenic_variant",
    "sequence_variant",
)
_SEVERITY: dict[str, int] = {term: rank for rank, term in enumerate(CONSEQUENCE_ORDER)}
_UNKNOWN_RANK = len(CONSEQUENCE_ORDER)
_rank_cache: dict[str, int] = {}

# Column names, as VEP and SnpEff spell them. VEP's frequency columns: gnomAD exomes/genomes (VEP >= 105),
# gnomAD (older caches) and MAX_AF (the highest of the populations VEP knows). The 1000 Genomes "AF" column is
# deliberately absent: it is not a gnomAD frequency.
_VEP_GNOMAD = ("gnomADe_AF", "gnomADg_AF", "gnomAD_AF", "MAX_AF")
_VEP_CLINVAR = ("CLIN_SIG", "ClinVar_CLNSIG")
_VEP_MANE = ("MANE_SELECT", "MANE")
_REVEL = ("REVEL", "REVEL_score")
_CADD = ("CADD_PHRED",)
# INFO keys other annotators (bcftools annotate, vcfanno, SnpSift) commonly use for the same values.
_INFO_GNOMAD = ("gnomAD_AF", "gnomad_AF", "AF_gnomad", "gnomADe_AF", "gnomADg_AF")
_INFO_CLINVAR = ("CLNSIG",)


def consequence_rank(consequence: str) -> int:
    """Severity rank of an ``&``-joined consequence (0 = most severe); the rank of its most severe term."""
    rank = _rank_cache.get(consequence)
    if rank is None:
        rank = min(
            (_SEVERITY.get(term, _UNKNOWN_RANK) for term in consequence.split("&")), default=_UNKNOWN_RANK
        )
        _rank_cache[consequence] = rank
    return rank


class AlleleAnnotation(NamedTuple):
    """The annotation of one alternate allele on its chosen transcript (all values optional)."""

    gene: str | None = None
    consequence: str | None = None
    hgvs_c: str | None = None
    hgvs_p: str | None = None
    transcript: str | None = None
    gnomad_af: float | None = None
    clinvar: ClinvarSignificance | None = None
    revel: float | None = None
    cadd_phred: float | None = None


# Score texts (REVEL, CADD) remembered as plain numbers by TranscriptField.common_frequency, at most this many.
# Scores are written with a few decimals (REVEL has 1,001 possible values), so a file repeats them often.
_MAX_CLEAN_SCORES = 20_000

# TranscriptField.common_frequency of an entry without a frequency.
NO_FREQUENCY = -1.0

# The fields of AlleleAnnotation as a plain tuple, which the VCF reader builds per allele without the
# NamedTuple's construction cost.
AnnotationValues = tuple[
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    float | None,
    ClinvarSignificance | None,
    float | None,
    float | None,
]


class NumberReader:
    """Reads numeric annotation values, counting the ones that are not numbers instead of failing on them."""

    def __init__(self) -> None:
        self.bad: Counter[str] = Counter()

    def max_of(self, text: str, field: str) -> float | None:
        """The largest number in ``text`` (values joined by ``&`` or ``,``), or ``None`` when there is none.

        VEP joins the values of co-located known variants with ``&``; taking the largest keeps a frequency
        conservative (a common allele is never reported as rare) and a score at its most damaging.
        """
        if text in MISSING:
            return None
        try:
            value = float(text)
        except ValueError:
            pass
        else:
            if value == value:  # NaN compares unequal to itself; it carries no information
                return value
            self.bad[field] += 1
            return None
        best: float | None = None
        for part in text.replace(",", "&").split("&"):
            if part in MISSING:
                continue
            try:
                value = float(part)
            except ValueError:
                self.bad[field] += 1
                continue
            if value != value:  # NaN compares unequal to itself; it carries no information
                self.bad[field] += 1
                continue
            if best is None or value > best:
                best = value
        return best

    def warnings(self, where: str) -> list[str]:
        """One warning per field that had non-numeric values, e.g. ``x.vcf: 3 non-numeric REVEL value(s) …``."""
        return [
            f"{where}: {count} non-numeric {field} value(s) treated as missing"
            for field, count in sorted(self.bad.items())
        ]


# The gene-symbol and consequence columns every CSQ/ANN layout needs, each with how to get a layout that has it.
_REQUIRED_COLUMNS: dict[AnnotationStyle, tuple[tuple[str, str], ...]] = {
    "vep": (
        ("SYMBOL", "run VEP with --symbol (or --everything)"),
        ("Consequence", "run VEP without a --fields list that leaves out Consequence"),
    ),
    "snpeff": (
        ("Gene_Name", "annotate with SnpEff's standard ANN field"),
        ("Annotation", "annotate with SnpEff's standard ANN field"),
    ),
}


def parse_layout(style: AnnotationStyle, description: str | None) -> tuple[str, ...] | None:
    """Column names from a ``CSQ`` (VEP) or ``ANN`` (SnpEff) INFO header Description, or ``None``.

    VEP: ``Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|…``.
    SnpEff: ``Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | …'``.
    A layout must name the ``Allele`` column and at least the gene or consequence column.
    """
    if not description:
        return None
    text = description.strip().strip('"')
    if style == "vep":
        if "Format:" not in text:
            return None
        body = text.split("Format:", 1)[1]
        required = ("Consequence", "SYMBOL")
    else:
        if "'" in text:
            first, last = text.find("'"), text.rfind("'")
            body = text[first + 1 : last] if last > first else text[first + 1 :]
        elif ":" in text:
            body = text.split(":", 1)[1]
        else:
            return None
        required = ("Annotation", "Gene_Name")
    names = tuple(name.strip().strip("'\"").strip() for name in body.split("|"))
    if len(names) < 2 or "Allele" not in names or not any(name in names for name in required):
        return None
    return names


def vep_allele_strings(ref: str, alts: Sequence[str]) -> list[str]:
    """How VEP writes each ALT in its ``Allele`` column.

    VEP reads a VCF allele set whose members all begin with the same base as REF (an indel's padding base)
    without that base, writing ``-`` for the now-empty deleted allele; otherwise the ALTs stay as they are.
    Symbolic (``<DEL>``) and spanning-deletion (``*``) ALTs take no part in that test.
    """
    plain = [alt for alt in alts if alt and not alt.startswith("<") and alt != "*"]
    first = ref[:1]
    if first and plain and all(alt[:1] == first for alt in plain):
        return [alt if alt.startswith("<") or alt == "*" else (alt[1:] or "-") for alt in alts]
    return list(alts)


class TranscriptField:
    """The ``CSQ`` or ``ANN`` field of one VCF: its column map, built once, and per-record parsing."""

    def __init__(self, style: AnnotationStyle, names: Sequence[str], numbers: NumberReader) -> None:
        self.style: AnnotationStyle = style
        self.key = "CSQ" if style == "vep" else "ANN"
        self.names = tuple(names)
        self._n = len(self.names)
        self._numbers = numbers
        index = {name: i for i, name in enumerate(self.names)}

        # Every entry gets one extra, empty column at index n; a column the layout lacks maps to it, so the
        # per-record code indexes without checking whether the column exists.
        absent = self._n

        def first(*candidates: str) -> int:
            return next((index[name] for name in candidates if name in index), absent)

        self._allele = index["Allele"]
        if style == "vep":
            self._gene = first("SYMBOL")
            self._consequence = first("Consequence")
            self._hgvs_c = first("HGVSc")
            self._hgvs_p = first("HGVSp")
            self._transcript = first("Feature")
        else:
            self._gene = first("Gene_Name")
            self._consequence = first("Annotation")
            self._hgvs_c = first("HGVS.c")
            self._hgvs_p = first("HGVS.p")
            self._transcript = first("Feature_ID")
        self._canonical = first("CANONICAL")
        self._mane = tuple(index[name] for name in _VEP_MANE if name in index)
        self._gnomad = tuple((index[name], name) for name in _VEP_GNOMAD if name in index)
        self._clinvar = tuple(index[name] for name in _VEP_CLINVAR if name in index)
        self._revel = tuple((index[name], name) for name in _REVEL if name in index)
        self._cadd = tuple((index[name], name) for name in _CADD if name in index)
        self._score_columns = tuple(i for i, _ in self._revel + self._cadd)
        self._clean_scores: set[str] = set(MISSING)
        # An entry as long as this has every column the code reads; shorter ones are padded (to n + 1).
        self._needed = 1 + max(
            self._allele,
            self._gene,
            self._consequence,
            self._hgvs_c,
            self._hgvs_p,
            self._transcript,
            self._canonical,
            *self._mane,
            *(i for i, _ in self._gnomad),
            *self._clinvar,
            *(i for i, _ in self._revel),
            *(i for i, _ in self._cadd),
        )
        # The entries of the last record looked up allele by allele (_indices_for), grouped by their Allele
        # column, with the ALTs as the entries write them: (entries, alts, ref, groups, allele strings). A GT
        # that carries many alleles ("1/2/…/4000") otherwise made each look-up a pass over every entry and
        # every ALT, in the square of the line's length (4,000 ALTs: 1.5 s).
        self._grouped: tuple[list[list[str]], Sequence[str], str, dict[str, list[int]], Sequence[str]] | None
        self._grouped = None

    @classmethod
    def from_header(
        cls, header: pysam.VariantHeader, numbers: NumberReader, *, where: str
    ) -> TranscriptField | None:
        """The VEP ``CSQ`` field if the header declares one, else SnpEff ``ANN``, else ``None``.

        Raises :class:`InputError` when the declared field's Description has no readable column layout.
        """
        styles: tuple[tuple[AnnotationStyle, str], ...] = (("vep", "CSQ"), ("snpeff", "ANN"))
        for style, key in styles:
            if key in header.info:
                declared_type = header.info[key].type
                if declared_type not in {"String", "Character"}:
                    # htslib reads the value as that type and turns every entry into "." (found by experiment,
                    # pysam 0.24.1 / htslib 1.24): every allele would silently lose its gene and consequence.
                    msg = (
                        f"{where}: the ##INFO=<ID={key}> header declares Type={declared_type}; its entries are "
                        "text, so htslib cannot read them: declare it Type=String, as VEP and SnpEff write it"
                    )
                    raise InputError(msg)
                description = header.info[key].description
                names = parse_layout(style, description)
                if names is None:
                    expected = (
                        "'Format: Allele|Consequence|…'"
                        if style == "vep"
                        else "'Functional annotations: 'Allele | Annotation | …''"
                    )
                    msg = (
                        f"{where}: the ##INFO=<ID={key}> header has no readable field layout "
                        f"(expected {expected} in its Description)"
                    )
                    raise InputError(msg)
                # Without the gene column no allele can be given to a gene, and without the consequence
                # column a stop-gain would be read as "other": both would silently turn a causal genotype
                # into "no qualifying variant" and lower the disease. So the layout must name both.
                for column, hint in _REQUIRED_COLUMNS[style]:
                    if column not in names:
                        msg = (
                            f"{where}: the ##INFO=<ID={key}> field layout (its Description) has no {column} "
                            f"column, which marbledx needs to give each variant its gene and consequence; {hint}"
                        )
                        raise InputError(msg)
                return cls(style, names, numbers)
        return None

    @property
    def has_frequency(self) -> bool:
        """Whether the layout has a gnomAD frequency column (gnomAD exomes/genomes, gnomAD or ``MAX_AF``).

        Without one, an entry's missing frequency says nothing about gnomAD: the frequency is unknown, not
        absent (no PM2).
        """
        return bool(self._gnomad)

    def screen_columns(
        self,
    ) -> tuple[int, int, tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """For the VCF reader's bulk screen: the header's number of columns, and the gene, gnomAD frequency,
        ClinVar and score (REVEL, CADD) columns, as :meth:`common_frequency` reads them, and the MANE columns
        by which :meth:`choose_index` chooses first (none for SnpEff, which chooses its first entry)."""
        mane = self._mane if self.style == "vep" else ()
        return (
            self._n,
            self._gene,
            tuple(i for i, _ in self._gnomad),
            self._clinvar,
            self._score_columns,
            mane,
        )

    @property
    def gene_column(self) -> int:
        """The position of the gene symbol column in an entry from :meth:`entries`."""
        return self._gene

    @property
    def columns_needed(self) -> int:
        """The columns an entry must have for every column the layout reads; shorter ones need :meth:`pad`."""
        return self._needed

    def pad(self, parts: list[str]) -> None:
        """Pad a short entry's columns to the header's columns plus one empty one (see :meth:`entries`)."""
        parts.extend([""] * (self._n + 1 - len(parts)))

    def entries(self, value: str) -> list[list[str]]:
        """The entries of one record's field value, split into columns.

        An entry too short for a column the layout reads is padded to the header's columns plus one empty
        one (the column of every name the layout lacks); a complete entry is left as it is.
        """
        needed = self._needed
        out = [entry.split("|") for entry in value.split(",")]
        for parts in out:
            if len(parts) < needed:
                self.pad(parts)
        return out

    def symbols(self, entries: list[list[str]]) -> list[str]:
        """The gene column of every entry (possibly empty strings; the caller drops those once at the end)."""
        i = self._gene
        return [parts[i] for parts in entries]

    def for_allele(
        self, entries: list[list[str]], ref: str, alts: Sequence[str], alt_index: int
    ) -> AlleleAnnotation | None:
        """The annotation of ``alts[alt_index]`` on its chosen transcript, or ``None`` without an entry.

        VEP: MANE Select, else ``CANONICAL=YES``, else the most severe consequence; first entry on ties.
        SnpEff: its first entry for the allele (SnpEff sorts entries by impact itself).
        """
        parts = self.choose(entries, ref, alts, alt_index)
        return None if parts is None else AlleleAnnotation._make(self.values(parts))

    def choose(
        self, entries: list[list[str]], ref: str, alts: Sequence[str], alt_index: int
    ) -> list[str] | None:
        """The entry :meth:`for_allele` chooses for ``alts[alt_index]``, or ``None`` without an entry."""
        index = self.choose_index(entries, ref, alts, alt_index)
        return None if index is None else entries[index]

    def choose_index(
        self, entries: list[list[str]], ref: str, alts: Sequence[str], alt_index: int
    ) -> int | None:
        """The position in ``entries`` of the entry :meth:`for_allele` chooses, or ``None`` without one."""
        indices: Sequence[int] = (
            self._indices_for(entries, ref, alts, alt_index) if len(alts) > 1 else range(len(entries))
        )
        if not indices:
            return None
        return self._choose_among(entries, indices)

    def choose_by_gene(
        self, entries: list[list[str]], ref: str, alts: Sequence[str], alt_index: int
    ) -> list[int]:
        """The entry chosen for ``alts[alt_index]`` in each gene its entries name (rules of :meth:`for_allele`).

        The first is the entry :meth:`choose_index` chooses; then one per further gene, in the order the genes
        first appear, chosen among that gene's entries alone. An allele's entries often name several genes
        (VEP writes an upstream/downstream entry for every gene within 5 kb), and each gene has its own MANE
        Select and canonical transcript, so a choice across genes can let a neighbouring gene's entry hide the
        consequence in the gene that matters (docs/genotype.md, "Annotation"). Entries without a gene symbol
        make no choice of their own. Empty without an entry for the allele.
        """
        indices: Sequence[int] = (
            self._indices_for(entries, ref, alts, alt_index) if len(alts) > 1 else range(len(entries))
        )
        if not indices:
            return []
        first = self._choose_among(entries, indices)
        if len(indices) == 1:
            return [first]
        g = self._gene
        groups: dict[str, list[int]] = {}
        for j in indices:
            name = entries[j][g]
            if name in groups:
                groups[name].append(j)
            else:
                groups[name] = [j]
        if len(groups) == 1:
            return [first]
        first_gene = entries[first][g]
        chosen = [first]
        for name, members in groups.items():
            if name != first_gene and name not in MISSING:
                chosen.append(members[0] if len(members) == 1 else self._choose_among(entries, members))
        return chosen

    def _choose_among(self, entries: list[list[str]], indices: Sequence[int]) -> int:
        """MANE Select, else ``CANONICAL=YES``, else the most severe consequence among ``indices`` (not empty);
        SnpEff: the first of them."""
        if self.style == "snpeff" or len(indices) == 1:
            return indices[0]
        # Three cheap passes instead of one sort key: nearly every VEP record has a MANE or canonical entry.
        for i in self._mane:
            for j in indices:
                if entries[j][i] not in MISSING:
                    return j
        i = self._canonical
        for j in indices:
            if entries[j][i] == "YES":
                return j
        i = self._consequence
        return min(indices, key=lambda j: consequence_rank(entries[j][i]))

    def _indices_for(
        self, entries: list[list[str]], ref: str, alts: Sequence[str], alt_index: int
    ) -> list[int]:
        grouped = self._grouped
        # The same record (its lists, kept alive by the cache, so their identity cannot be reused) is grouped once.
        if grouped is None or grouped[0] is not entries or grouped[1] is not alts or grouped[2] != ref:
            i = self._allele
            groups: dict[str, list[int]] = {}
            for j, parts in enumerate(entries):
                allele = parts[i]
                if allele in groups:
                    groups[allele].append(j)
                else:
                    groups[allele] = [j]
            written = vep_allele_strings(ref, alts) if self.style == "vep" else alts
            grouped = self._grouped = (entries, alts, ref, groups, written)
        groups, written = grouped[3], grouped[4]
        alt = alts[alt_index]
        want = written[alt_index]
        chosen = groups.get(want)
        if not chosen and want != alt:
            # VEP run with --minimal or on pre-trimmed input writes the allele as the VCF has it.
            chosen = groups.get(alt)
        return list(chosen) if chosen else []  # a copy: the group stays as it is for the next allele

    def split(self, entry: str) -> list[str]:
        """One entry's columns, padded as :meth:`entries` pads them."""
        parts = entry.split("|")
        if len(parts) < self._needed:
            self.pad(parts)
        return parts

    def common_frequency(self, parts: list[str]) -> float | None:
        """The gnomAD frequency of an entry :meth:`values` would read without remark, else ``None``.

        ``None`` when the entry has a ClinVar value, or anything but plain numbers (or nothing) in its
        frequency and score columns, for which :meth:`values` might count a non-numeric value; ``-1.0`` when
        it has no frequency. The VCF reader uses it to set common alleles aside without reading the rest of
        their annotation.
        """
        for i in self._clinvar:
            if parts[i] not in MISSING:
                return None
        gnomad = NO_FREQUENCY
        for i, _ in self._gnomad:
            text = parts[i]
            if text in MISSING:
                continue
            try:
                value = float(text)
            except ValueError:
                return None
            if value != value:  # NaN: values() counts it as non-numeric
                return None
            if value > gnomad:
                gnomad = value
        clean = self._clean_scores
        for i in self._score_columns:
            text = parts[i]
            if text in clean:  # missing, or a score already found to be a plain number
                continue
            try:
                value = float(text)
            except ValueError:
                return None
            if value != value:
                return None
            if len(clean) < _MAX_CLEAN_SCORES:
                clean.add(text)
        return gnomad

    def values(self, parts: list[str], numbers: NumberReader | None = None) -> AnnotationValues:
        """The fields of :class:`AlleleAnnotation` read from one entry, as a plain tuple in that order.

        Non-numeric values are counted by ``numbers``, by default the reader the field was made with.
        """
        # The per-value helpers (_number, _text) are inlined for their common case: the VCF reader calls
        # this for every allele it builds.
        if numbers is None:
            numbers = self._numbers
        gnomad: float | None = None
        for i, name in self._gnomad:
            text = parts[i]
            if text in MISSING:
                continue
            try:
                value: float | None = float(text)
            except ValueError:
                value = numbers.max_of(text, name)
            else:
                if value != value:  # NaN
                    value = numbers.max_of(text, name)
            if value is not None and (gnomad is None or value > gnomad):
                gnomad = value
        clinvar: ClinvarSignificance | None = None
        for i in self._clinvar:
            if parts[i] not in MISSING:
                clinvar = clinvar_class(parts[i])
                break
        revel: float | None = None
        for i, name in self._revel:
            revel = _number(numbers, parts[i], name)
            if revel is not None:
                break
        cadd: float | None = None
        for i, name in self._cadd:
            cadd = _number(numbers, parts[i], name)
            if cadd is not None:
                break
        # HGVS without VEP's "ENST…:" / "ENSP…:" prefix: the transcript is kept in its own field. VEP
        # percent-encodes characters that are special in VCF (";", "=", ",", spaces): HGVSp "p.Leu12%3D".
        hgvs_c: str | None = None
        text = parts[self._hgvs_c]
        if text not in MISSING:
            if "%" in text:
                text = unquote(text)
            hgvs_c = text.partition(":")[2] if ":" in text else text
        hgvs_p: str | None = None
        text = parts[self._hgvs_p]
        if text not in MISSING:
            if "%" in text:
                text = unquote(text)
            hgvs_p = text.partition(":")[2] if ":" in text else text
        # Symbols, SO terms and transcript ids never hold percent-encoded characters.
        gene = parts[self._gene]
        consequence = parts[self._consequence]
        transcript = parts[self._transcript]
        return (
            None if gene in MISSING else gene,
            None if consequence in MISSING else consequence,
            hgvs_c,
            hgvs_p,
            None if transcript in MISSING else transcript,
            gnomad,
            clinvar,
            revel,
            cadd,
        )


_clinvar_cache: dict[str, ClinvarSignificance | None] = {}


def clinvar_class(text: str) -> ClinvarSignificance | None:
    """:func:`normalise_clinvar`, remembered: a file repeats a handful of CLIN_SIG / CLNSIG values."""
    if text in _clinvar_cache:
        return _clinvar_cache[text]
    value = _clinvar_cache[text] = normalise_clinvar(text)
    return value


def _number(numbers: NumberReader, text: str, field: str) -> float | None:
    """A single number read inline (the common case); anything else goes to :meth:`NumberReader.max_of`."""
    if text in MISSING:
        return None
    try:
        value = float(text)
    except ValueError:
        return numbers.max_of(text, field)
    return value if value == value else numbers.max_of(text, field)


class InfoFields:
    """gnomAD frequency, ClinVar, REVEL and CADD values written as INFO keys, found through the header.

    A key the header declares ``Number=A`` holds one value per ALT; the reader takes that ALT's value. Other
    keys apply to the whole record.
    """

    def __init__(self, numbers: NumberReader, declared: Mapping[str, str | None]) -> None:
        self._numbers = numbers
        self._per_allele = {key for key, number in declared.items() if number == "A"}
        self._gnomad = [key for key in _INFO_GNOMAD if key in declared]
        self._clinvar = [key for key in _INFO_CLINVAR if key in declared]
        self._revel = [key for key in _REVEL if key in declared]
        self._cadd = [key for key in _CADD if key in declared]
        self.present = bool(self._gnomad or self._clinvar or self._revel or self._cadd)
        # Whether the header declares a gnomAD frequency key: without one, the frequency is unknown, not absent.
        self.has_frequency = bool(self._gnomad)
        # The last INFO text read by annotation(): (text, values by key, per-allele values split by key).
        self._parsed: tuple[str, dict[str, str], dict[str, list[str]]] | None = None

    @classmethod
    def from_header(cls, header: pysam.VariantHeader, numbers: NumberReader) -> InfoFields:
        """The INFO keys of interest that ``header`` declares, with their ``Number``."""
        wanted = set(_INFO_GNOMAD + _INFO_CLINVAR + _REVEL + _CADD)
        declared = {key: header.info[key].number for key in header.info if key in wanted}
        return cls(numbers, declared)

    def annotation(self, info: str, alt_index: int) -> AlleleAnnotation | None:
        """The values in one record's INFO column (its text) for ALT number ``alt_index`` (0-based)."""
        if not self.present or info == ".":
            return None
        parsed = self._parsed
        # A record's INFO is read once for all its alleles (a string's identity cannot be reused while the cache
        # holds it): a GT carrying thousands of alleles made each one split the whole column again.
        if parsed is None or parsed[0] is not info:
            values: dict[str, str] = {}
            for item in info.split(";"):
                key, _, value = item.partition("=")
                values[key] = value
            parsed = self._parsed = (info, values, {})
        values, split = parsed[1], parsed[2]
        numbers = self._numbers

        def value_of(key: str) -> str:
            text = values.get(key, "")
            if key in self._per_allele and "," in text:
                items = split.get(key)
                if items is None:
                    items = split[key] = text.split(",")
                return items[alt_index] if alt_index < len(items) else ""
            return text

        gnomad: float | None = None
        for key in self._gnomad:
            number = numbers.max_of(value_of(key), key)
            if number is not None and (gnomad is None or number > gnomad):
                gnomad = number
        clinvar: ClinvarSignificance | None = None
        for key in self._clinvar:
            text = value_of(key)
            if text not in MISSING:
                clinvar = clinvar_class(unquote(text))
                break
        revel = next(
            (v for key in self._revel if (v := numbers.max_of(value_of(key), key)) is not None), None
        )
        cadd = next((v for key in self._cadd if (v := numbers.max_of(value_of(key), key)) is not None), None)
        return AlleleAnnotation(gnomad_af=gnomad, clinvar=clinvar, revel=revel, cadd_phred=cadd)
