"""Disease annotations and gene links on the tiny fixture release."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from marbledx.errors import InputError, OntologyDataError
from marbledx.ontology import Hpo, load_hpo, parse_frequency


def _by_term(hpo: Hpo, disease_id: str) -> dict[str, object]:
    return {a.hpo_id: a for a in hpo.annotations.annotations(disease_id)}


def test_every_frequency_form_is_kept(mini_hpo: Hpo) -> None:
    rows = _by_term(mini_hpo, "OMIM:259700")
    anemia = rows["HP:0001903"]
    assert anemia.frequency.kind == "ratio"  # type: ignore[attr-defined]
    assert (anemia.frequency.numerator, anemia.frequency.denominator) == (3, 6)  # type: ignore[attr-defined]
    assert anemia.frequency.value == pytest.approx(0.5)  # type: ignore[attr-defined]
    assert str(rows["HP:0001744"].frequency) == "80%"  # type: ignore[attr-defined]
    thrombocytopenia = rows["HP:0001873"].frequency  # type: ignore[attr-defined]
    assert (thrombocytopenia.kind, thrombocytopenia.term_id) == ("term", "HP:0040282")
    assert thrombocytopenia.value == pytest.approx(0.545)
    assert rows["HP:0000505"].frequency is None  # type: ignore[attr-defined]


def test_zero_of_n_means_absent(mini_hpo: Hpo) -> None:
    spleen = _by_term(mini_hpo, "OMIM:166600")["HP:0001744"].frequency  # type: ignore[attr-defined]
    assert spleen.is_absent
    assert str(spleen) == "0/4"


def test_not_onset_and_sex_qualifiers_are_kept(mini_hpo: Hpo) -> None:
    iao = _by_term(mini_hpo, "ORPHA:210110")
    assert iao["HP:0001873"].negated  # type: ignore[attr-defined]
    assert mini_hpo.annotations.phenotype_ids("ORPHA:210110") == ["HP:0011002"]
    assert set(mini_hpo.annotations.phenotype_ids("ORPHA:210110", include_negated=True)) == {
        "HP:0011002",
        "HP:0001873",
    }
    assert _by_term(mini_hpo, "OMIM:259700")["HP:0000505"].onset_id == "HP:0003593"  # type: ignore[attr-defined]
    assert _by_term(mini_hpo, "OMIM:166600")["HP:0000572"].sex == "male"  # type: ignore[attr-defined]
    assert _by_term(mini_hpo, "OMIM:100001")["HP:0001876"].sex == "female"  # type: ignore[attr-defined]


def test_obsolete_and_alt_ids_in_annotations_are_mapped_to_current_terms(mini_hpo: Hpo) -> None:
    ado2 = _by_term(mini_hpo, "OMIM:166600")
    assert "HP:0001903" in ado2  # annotated with alt id HP:0004840
    assert "HP:0000572" in ado2  # annotated with obsolete HP:0009999


def test_inheritance_and_onset_aspects(mini_hpo: Hpo) -> None:
    annotations = mini_hpo.annotations
    assert annotations.inheritance("OMIM:259700") == ["HP:0000007"]
    assert annotations.inheritance("OMIM:166600") == ["HP:0000006"]
    assert annotations.onsets("OMIM:166600") == ["HP:0003581"]
    assert [a.aspect for a in annotations.annotations("OMIM:259700", aspect=None)].count("P") == 5


def test_vectorised_arrays_line_up_with_rows(mini_hpo: Hpo) -> None:
    annotations = mini_hpo.annotations
    assert annotations.n_annotations == 16
    rows = annotations.rows_for("ORPHA:210110")
    assert sorted(annotations.negated[rows].tolist()) == [False, True]
    assert math.isnan(annotations.frequency[annotations.rows_for("OMIM:259700")][-1])


def test_diseases_and_gene_links(mini_hpo: Hpo) -> None:
    annotations = mini_hpo.annotations
    assert len(annotations) == 4
    assert annotations.counts_by_database() == {"OMIM": 3, "ORPHA": 1}
    assert annotations.disease("OMIM:259700").name == "Osteopetrosis, autosomal recessive 1"
    assert annotations.disease("ORPHA:210110").database == "ORPHA"
    assert annotations.genes_for("OMIM:259700") == ["TCIRG1"]
    assert annotations.diseases_for_gene("CLCN7") == ["OMIM:166600", "ORPHA:210110"]
    assert annotations.has_gene_link("CLCN7", "ORPHA:210110")
    assert not annotations.has_gene_link("TCIRG1", "OMIM:166600")
    assert annotations.ncbi_gene_id("TCIRG1") == 10312
    assert annotations.ncbi_gene_id("NOPE") is None
    assert (annotations.n_genes, annotations.n_gene_links) == (3, 4)


def test_unknown_disease_is_a_clear_input_error(mini_hpo: Hpo) -> None:
    with pytest.raises(
        InputError, match=r"disease 'OMIM:999999' is not in HPO annotation release 2099-01-02"
    ):
        mini_hpo.annotations.disease("OMIM:999999")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", (0, None, -1, -1, "")),
        ("-", (0, None, -1, -1, "")),
        ("0/7", (1, 0.0, 0, 7, "")),
        ("2/8", (1, 0.25, 2, 8, "")),
        ("15%", (2, 0.15, -1, -1, "")),
        ("HP:0040280", (3, 1.0, -1, -1, "HP:0040280")),
        ("HP:0040285", (3, 0.0, -1, -1, "HP:0040285")),
    ],
)
def test_parse_frequency(raw: str, expected: tuple[int, float | None, int, int, str]) -> None:
    kind, value, numerator, denominator, term = parse_frequency(raw)
    assert (kind, numerator, denominator, term) == (expected[0], *expected[2:])
    if expected[1] is None:
        assert math.isnan(value)
    else:
        assert value == pytest.approx(expected[1])


@pytest.mark.parametrize("raw", ["3/2", "1/0", "150%", "often", "HP:0000118", "a/b"])
def test_parse_frequency_rejects_malformed_values(raw: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is checked through build errors below
        parse_frequency(raw)


def test_malformed_annotation_line_names_file_and_line(release_copy: Path) -> None:
    folder = release_copy
    hpoa = folder / "phenotype.hpoa"
    lines = hpoa.read_text().splitlines()
    lines[4] = lines[4].replace("3/6", "seven/six")
    hpoa.write_text("\n".join(lines) + "\n")
    with pytest.raises(OntologyDataError, match=r"phenotype.hpoa line 5: frequency 'seven/six'"):
        load_hpo(folder, cache=False)


def test_short_annotation_row_and_missing_column_are_reported(release_copy: Path) -> None:
    folder = release_copy
    hpoa = folder / "phenotype.hpoa"
    lines = hpoa.read_text().splitlines()
    hpoa.write_text("\n".join([*lines, "OMIM:1\tbroken"]) + "\n")
    with pytest.raises(OntologyDataError, match=r"phenotype.hpoa line 20: 2 fields, expected 12"):
        load_hpo(folder, cache=False)
    g2p = folder / "genes_to_phenotype.txt"
    g2p.write_text("gene\tdisease_id\nX\tOMIM:1\n")
    hpoa.write_text("\n".join(lines) + "\n")
    with pytest.raises(OntologyDataError, match=r"genes_to_phenotype.txt line 1: header lacks column"):
        load_hpo(folder, cache=False)


def test_annotation_with_unknown_term_is_reported(release_copy: Path) -> None:
    folder = release_copy
    hpoa = folder / "phenotype.hpoa"
    hpoa.write_text(
        hpoa.read_text().replace("HP:0001744\tPMID:1\tPCS\t\t80%", "HP:0009998\tPMID:1\tPCS\t\t80%")
    )
    with pytest.raises(
        OntologyDataError, match=r"HP:0009998 is not a current HPO term of release 2099-01-01"
    ):
        load_hpo(folder, cache=False)


def test_missing_release_file_is_named(release_copy: Path) -> None:
    folder = release_copy
    (folder / "phenotype.hpoa").unlink()
    with pytest.raises(OntologyDataError, match=r"missing phenotype.hpoa; expected hp.obo, phenotype.hpoa"):
        load_hpo(folder, cache=False)


def test_unparseable_obo_is_reported(release_copy: Path) -> None:
    folder = release_copy
    (folder / "hp.obo").write_text("this is not\n[Term\nan ontology")
    with pytest.raises(OntologyDataError, match=r"hp.obo: cannot parse as OBO"):
        load_hpo(folder, cache=False)


@pytest.mark.parametrize(
    ("file_name", "old", "new", "message"),
    [
        (
            "phenotype.hpoa",
            "5/5\t\t\tP\t",
            "5/5\t\t\tX\t",
            r"phenotype.hpoa line 4: aspect 'X' is not one of P, I, C",
        ),
        (
            "genes_to_phenotype.txt",
            "10312\tTCIRG1\tHP:0011002",
            "10312\t\tHP:0011002",
            r"line 2: empty gene_symbol",
        ),
        (
            "genes_to_phenotype.txt",
            "10312\tTCIRG1\tHP:0011002",
            "NCBIGene:x\tTCIRG1\tHP:0011002",
            r"genes_to_phenotype.txt line 2: ncbi_gene_id 'NCBIGene:x' is not a number",
        ),
        (
            "hp.obo",
            "is_a: HP:0000001 ! All",
            "is_a: HPO:1 ! All",
            r"'HPO:1' is not an HPO id \(expected HP:nnnnnnn\)",
        ),
    ],
)
def test_broken_release_files_name_the_file_line_and_field(
    release_copy: Path, file_name: str, old: str, new: str, message: str
) -> None:
    path = release_copy / file_name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(OntologyDataError, match=message) as caught:
        load_hpo(release_copy, cache=False)
    assert "\n" not in str(caught.value)


def test_an_obo_file_without_terms_is_not_a_release(release_copy: Path) -> None:
    (release_copy / "hp.obo").write_text("format-version: 1.2\ndata-version: hp/releases/2099-01-01\n")
    with pytest.raises(
        OntologyDataError, match=r"hp.obo: no HPO terms found; expected an hp.obo release file"
    ):
        load_hpo(release_copy, cache=False)
