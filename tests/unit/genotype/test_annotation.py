"""VEP CSQ / SnpEff ANN layouts from header text, allele matching, transcript choice and number parsing."""

from __future__ import annotations

import pytest

from marbledx.genotype._annotation import (
    CONSEQUENCE_ORDER,
    InfoFields,
    NumberReader,
    TranscriptField,
    consequence_rank,
    parse_layout,
    vep_allele_strings,
)

VEP_DESCRIPTION = (
    "Consequence annotations from Ensembl VEP. Format: "
    "Allele|Consequence|IMPACT|SYMBOL|Feature|HGVSc|HGVSp|CANONICAL|MANE_SELECT|gnomADe_AF|gnomADg_AF|AF|CLIN_SIG|REVEL|CADD_PHRED"
)
SNPEFF_DESCRIPTION = (
    "Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | "
    "Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | "
    "AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO' "
)


def _vep(description: str = VEP_DESCRIPTION) -> tuple[TranscriptField, NumberReader]:
    numbers = NumberReader()
    names = parse_layout("vep", description)
    assert names is not None
    return TranscriptField("vep", names, numbers), numbers


def _entry(field: TranscriptField, **values: str) -> str:
    return "|".join(values.get(name, "") for name in field.names)


def test_vep_layout_is_read_from_the_description() -> None:
    names = parse_layout("vep", VEP_DESCRIPTION)
    assert names is not None
    assert names[:4] == ("Allele", "Consequence", "IMPACT", "SYMBOL")
    assert names[-1] == "CADD_PHRED"


def test_snpeff_layout_is_read_from_the_quoted_description() -> None:
    names = parse_layout("snpeff", SNPEFF_DESCRIPTION)
    assert names is not None
    assert names[:4] == ("Allele", "Annotation", "Annotation_Impact", "Gene_Name")
    assert "cDNA.pos / cDNA.length" in names
    assert names[-1] == "ERRORS / WARNINGS / INFO"


@pytest.mark.parametrize(
    ("style", "description"),
    [
        ("vep", "Consequence annotations from Ensembl VEP"),
        ("vep", "Format: Foo|Bar"),
        ("vep", None),
        ("snpeff", "Functional annotations"),
        ("snpeff", "'Foo | Bar'"),
    ],
)
def test_unreadable_layouts_are_none(style: str, description: str | None) -> None:
    assert parse_layout(style, description) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ref", "alts", "expected"),
    [
        ("A", ["G"], ["G"]),
        ("CAT", ["C"], ["-"]),
        ("C", ["CAT"], ["AT"]),
        ("CAT", ["C", "CA"], ["-", "A"]),
        ("A", ["G", "AT"], ["G", "AT"]),  # G does not share the first base: nothing is trimmed
        ("CAT", ["C", "*"], ["-", "*"]),
        ("A", ["<DEL>"], ["<DEL>"]),
    ],
)
def test_vep_allele_strings_follow_veps_trimming(ref: str, alts: list[str], expected: list[str]) -> None:
    assert vep_allele_strings(ref, alts) == expected


def test_consequence_rank_uses_the_most_severe_term() -> None:
    assert consequence_rank("transcript_ablation") == 0
    assert consequence_rank("stop_gained") < consequence_rank("missense_variant")
    assert consequence_rank("splice_region_variant&intron_variant") == consequence_rank(
        "splice_region_variant"
    )
    assert consequence_rank("made_up_term") == len(CONSEQUENCE_ORDER)
    assert (
        consequence_rank("frameshift_variant")
        < consequence_rank("stop_lost")
        < consequence_rank("start_lost")
    )


@pytest.mark.parametrize("mane", ["MANE_SELECT", "MANE"])
def test_mane_select_beats_canonical_and_severity(mane: str) -> None:
    field, _ = _vep(VEP_DESCRIPTION.replace("MANE_SELECT", mane))
    value = ",".join(
        [
            _entry(
                field, Allele="G", Consequence="stop_gained", SYMBOL="A1", Feature="ENST1", CANONICAL="YES"
            ),
            _entry(
                field,
                Allele="G",
                Consequence="intron_variant",
                SYMBOL="A1",
                Feature="ENST2",
                **{mane: "NM_2.1"},
            ),
        ]
    )
    chosen = field.for_allele(field.entries(value), "A", ["G"], 0)
    assert chosen is not None
    assert chosen.transcript == "ENST2"
    assert chosen.consequence == "intron_variant"


def test_canonical_beats_severity_and_severity_decides_last() -> None:
    field, _ = _vep()
    canonical = ",".join(
        [
            _entry(field, Allele="G", Consequence="stop_gained", Feature="ENST1"),
            _entry(field, Allele="G", Consequence="synonymous_variant", Feature="ENST2", CANONICAL="YES"),
        ]
    )
    chosen = field.for_allele(field.entries(canonical), "A", ["G"], 0)
    assert chosen is not None
    assert chosen.transcript == "ENST2"
    severe = ",".join(
        [
            _entry(field, Allele="G", Consequence="intron_variant", Feature="ENST1"),
            _entry(field, Allele="G", Consequence="splice_region_variant&intron_variant", Feature="ENST2"),
            _entry(field, Allele="G", Consequence="frameshift_variant", Feature="ENST3"),
            _entry(field, Allele="G", Consequence="stop_gained", Feature="ENST4"),
        ]
    )
    chosen = field.for_allele(field.entries(severe), "A", ["G"], 0)
    assert chosen is not None
    assert chosen.transcript == "ENST4"


def test_values_are_decoded_and_the_gnomad_maximum_ignores_1000_genomes_af() -> None:
    field, numbers = _vep()
    value = _entry(
        field,
        Allele="G",
        Consequence="synonymous_variant",
        SYMBOL="CLCN7",
        Feature="ENST00000382745.9",
        HGVSc="ENST00000382745.9:c.36G>A",
        HGVSp="ENSP00000372193.4:p.Leu12%3D",
        gnomADe_AF="0.001",
        gnomADg_AF="0.003",
        AF="0.5",
        CLIN_SIG="benign&likely_benign",
        REVEL="0.2&0.7",
        CADD_PHRED="12.5",
    )
    chosen = field.for_allele(field.entries(value), "C", ["G"], 0)
    assert chosen is not None
    assert chosen.gene == "CLCN7"
    assert chosen.hgvs_c == "c.36G>A"
    assert chosen.hgvs_p == "p.Leu12="
    assert chosen.transcript == "ENST00000382745.9"
    assert chosen.gnomad_af == pytest.approx(0.003)
    assert chosen.clinvar == "likely_benign"
    assert chosen.revel == pytest.approx(0.7)
    assert chosen.cadd_phred == pytest.approx(12.5)
    assert not numbers.bad


def test_missing_markers_and_non_numbers_are_missing_and_counted() -> None:
    field, numbers = _vep()
    value = _entry(
        field, Allele="G", Consequence="-", SYMBOL=".", gnomADe_AF="n/a", REVEL="high", CADD_PHRED="nan"
    )
    chosen = field.for_allele(field.entries(value), "A", ["G"], 0)
    assert chosen is not None
    assert (chosen.gene, chosen.consequence, chosen.gnomad_af, chosen.revel, chosen.cadd_phred) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert numbers.bad == {"gnomADe_AF": 1, "REVEL": 1, "CADD_PHRED": 1}
    assert numbers.warnings("x.vcf") == [
        "x.vcf: 1 non-numeric CADD_PHRED value(s) treated as missing",
        "x.vcf: 1 non-numeric REVEL value(s) treated as missing",
        "x.vcf: 1 non-numeric gnomADe_AF value(s) treated as missing",
    ]


def test_multi_allelic_entries_are_matched_by_veps_allele_string() -> None:
    field, _ = _vep()
    value = ",".join(
        [
            _entry(field, Allele="-", Consequence="frameshift_variant", Feature="ENST1"),
            _entry(field, Allele="A", Consequence="inframe_deletion", Feature="ENST1"),
        ]
    )
    entries = field.entries(value)
    first = field.for_allele(entries, "CAT", ["C", "CA"], 0)
    second = field.for_allele(entries, "CAT", ["C", "CA"], 1)
    assert first is not None
    assert second is not None
    assert first.consequence == "frameshift_variant"
    assert second.consequence == "inframe_deletion"
    assert field.for_allele(field.entries(value), "G", ["T", "C"], 0) is None


def test_short_entries_are_padded_and_symbols_listed() -> None:
    field, _ = _vep()
    entries = field.entries("G|missense_variant|MODERATE|ABC,G|intron_variant|MODIFIER|DEF")
    assert all(len(parts) == len(field.names) + 1 for parts in entries)
    assert field.symbols(entries) == ["ABC", "DEF"]


def test_snpeff_takes_its_first_entry_for_the_allele() -> None:
    numbers = NumberReader()
    names = parse_layout("snpeff", SNPEFF_DESCRIPTION)
    assert names is not None
    field = TranscriptField("snpeff", names, numbers)

    def ann(allele: str, effect: str, gene: str, transcript: str) -> str:
        values = {"Allele": allele, "Annotation": effect, "Gene_Name": gene, "Feature_ID": transcript}
        values |= {"HGVS.c": "c.1A>G", "HGVS.p": "p.Met1?"}
        return "|".join(values.get(name, "") for name in names)

    value = ",".join(
        [
            ann("T", "stop_gained", "GENE2", "NM_2"),
            ann("G", "missense_variant", "GENE1", "NM_1"),
            ann("G", "stop_gained", "GENE1", "NM_3"),
        ]
    )
    chosen = field.for_allele(field.entries(value), "A", ["G", "T"], 0)
    assert chosen is not None
    assert (chosen.gene, chosen.consequence, chosen.transcript) == ("GENE1", "missense_variant", "NM_1")
    assert chosen.hgvs_c == "c.1A>G"
    assert chosen.hgvs_p == "p.Met1?"


def test_info_fields_take_the_alts_own_value_for_number_a() -> None:
    numbers = NumberReader()
    info = InfoFields(numbers, {"gnomAD_AF": "A", "CLNSIG": ".", "REVEL_score": "1", "DP": "1"})
    assert info.present
    text = "DP=10;gnomAD_AF=0.01,0.2;CLNSIG=Pathogenic/Likely_pathogenic;REVEL_score=0.9"
    first = info.annotation(text, 0)
    second = info.annotation(text, 1)
    assert first is not None
    assert second is not None
    assert first.gnomad_af == pytest.approx(0.01)
    assert second.gnomad_af == pytest.approx(0.2)
    assert first.clinvar == "likely_pathogenic"
    assert first.revel == pytest.approx(0.9)
    assert InfoFields(numbers, {"DP": "1"}).annotation(text, 0) is None
