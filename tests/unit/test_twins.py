"""OMIM and Orphanet records of one disorder are ranked as one diagnosis (fixture release)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from marbledx.cli import main
from marbledx.cli._render import render_results
from marbledx.findings import Case, Finding
from marbledx.genotype import GenotypeOptions, GenotypeReader
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo, load_hpo
from marbledx.ranking import CaseResult, Diagnosis, Ranker
from marbledx.ranking import _twins as twins_module
from marbledx.ranking._twins import (
    cached_same_name_pairs,
    name_keys,
    same_disorder_groups,
    same_gene_pairs,
    same_name_pairs,
)

_ROW = "{id}\t{name}\t\t{term}\tPMID:1\tTAS\t\t\t\t\t{aspect}\tHPO:test[2099-01-01]\n"
# (id, name in phenotype.hpoa, annotated term, gene or None); HP:0000007 is an inheritance row
# (autosomal recessive).
_EXTRA = [
    # The same name as OMIM:100001 "Fixture marrow failure", written differently; the same gene.
    ("ORPHA:900001", "Fixture Marrow-Failure", "HP:0001903", "GENEX"),
    # The same name as OMIM:166600, but Orphanet links another gene than OMIM's CLCN7: kept apart.
    ("ORPHA:900002", "Osteopetrosis autosomal dominant 2", "HP:0011002", "OTHERGENE"),
    # Two Orphanet records named like OMIM:259700: ambiguous, kept apart.
    ("ORPHA:900003", "Osteopetrosis, autosomal recessive 1", "HP:0011002", None),
    ("ORPHA:900004", "Osteopetrosis autosomal recessive 1", "HP:0001873", None),
    # A recessive disorder whose OMIM record has the gene and the inheritance, and whose Orphanet record
    # has neither but matches anaemia.
    ("OMIM:900010", "Fixture twin disorder", "HP:0001873", "GENEY"),
    ("OMIM:900010", "Fixture twin disorder", "HP:0000007", None),
    ("ORPHA:900011", "Fixture twin disorder", "HP:0001903", None),
    # OMIM's inverted name and Roman numeral against Orphanet's natural order: one disorder.
    ("OMIM:900020", "Porphyria, fixture intermittent, type II", "HP:0001903", None),
    ("ORPHA:900021", "Fixture intermittent porphyria type 2", "HP:0001903", None),
    # The only OMIM and the only Orphanet record of GENEZ, each linked to it alone, named differently: one
    # disorder.
    ("OMIM:900030", "Fixture gene disorder", "HP:0001903", "GENEZ"),
    ("ORPHA:900031", "Fixture eponymous syndrome", "HP:0001873", "GENEZ"),
    # The same, but the Orphanet record is a chromosomal rearrangement: kept apart.
    ("OMIM:900040", "Fixture skeletal disorder 2", "HP:0001903", "GENEW"),
    ("ORPHA:900041", "Fixture 9q22.3 microdeletion syndrome", "HP:0001903", "GENEW"),
    # Two Orphanet records of GENEV: ambiguous, kept apart.
    ("OMIM:900050", "Fixture lone disorder", "HP:0001903", "GENEV"),
    ("ORPHA:900051", "Fixture first entity", "HP:0001903", "GENEV"),
    ("ORPHA:900052", "Fixture second entity", "HP:0001903", "GENEV"),
    # The OMIM record has a second gene: kept apart.
    ("OMIM:900060", "Fixture two-gene disorder", "HP:0001903", "GENEU"),
    ("OMIM:900060", "Fixture two-gene disorder", "HP:0001873", "GENET"),
    ("ORPHA:900061", "Fixture one-gene entity", "HP:0001903", "GENEU"),
    # The knowledge base relates ORPHA:3416 to an entity as broader: kept apart.
    ("OMIM:900070", "Fixture subtype", "HP:0001903", "GENES"),
    ("ORPHA:3416", "Fixture umbrella", "HP:0001903", "GENES"),
    # Exact ids of two knowledge-base entities (OPTB5 and OPTB3): kept apart.
    ("OMIM:259720", "Fixture curated subtype", "HP:0001903", "GENER"),
    ("ORPHA:2785", "Fixture other curated subtype", "HP:0001903", "GENER"),
    # A record the knowledge base curates (Raine syndrome) with one it does not list: kept apart.
    ("OMIM:259775", "Fixture curated syndrome", "HP:0001903", "GENEQ"),
    ("ORPHA:900091", "Fixture uncurated entity", "HP:0001903", "GENEQ"),
    # A pair read and found to be different disorders (_NOT_ONE_DISORDER): kept apart.
    ("OMIM:619840", "Fixture macrothrombocytopenia", "HP:0001873", "TUBA8"),
    ("ORPHA:250972", "Fixture polymicrogyria", "HP:0001903", "TUBA8"),
]


@pytest.fixture(scope="module")
def twin_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ..conftest import copy_release

    folder = copy_release(tmp_path_factory.mktemp("twins") / "release")
    with (folder / "phenotype.hpoa").open("a", encoding="utf-8") as hpoa:
        for disease_id, name, term, _ in _EXTRA:
            aspect = "I" if term == "HP:0000007" else "P"
            hpoa.write(_ROW.format(id=disease_id, name=name, term=term, aspect=aspect))
    with (folder / "genes_to_phenotype.txt").open("a", encoding="utf-8") as genes:
        for disease_id, _, term, gene in _EXTRA:
            if gene:
                genes.write(f"1\t{gene}\t{term}\t-\t-\t{disease_id}\n")
    return folder


@pytest.fixture(scope="module")
def twin_hpo(twin_release: Path) -> Hpo:
    return load_hpo(twin_release, cache=False)


def test_same_name_pairs_need_one_record_per_database_and_no_conflicting_genes(twin_hpo: Hpo) -> None:
    ids = [d.id for d in twin_hpo.annotations.diseases()]
    assert same_name_pairs(twin_hpo.annotations, ids) == [
        ("OMIM:100001", "ORPHA:900001"),
        ("OMIM:900010", "ORPHA:900011"),
        ("OMIM:900020", "ORPHA:900021"),
    ]


def test_same_gene_pairs_need_the_only_record_of_each_database_linked_to_that_gene_alone(
    twin_hpo: Hpo, kb: KnowledgeBase
) -> None:
    ids = [d.id for d in twin_hpo.annotations.diseases()]
    # GENEX's records are also named alike. Not OMIM:166600 and ORPHA:210110, CLCN7's only records in the
    # fixture: the knowledge base relates ORPHA:210110 to OPTB4 as broader.
    assert same_gene_pairs(kb, twin_hpo.annotations, ids) == [
        ("OMIM:100001", "ORPHA:900001"),
        ("OMIM:900030", "ORPHA:900031"),
    ]
    # Only the ranked records count: without ORPHA:900052, ORPHA:900051 is GENEV's only Orphanet record.
    assert same_gene_pairs(kb, twin_hpo.annotations, [i for i in ids if i != "ORPHA:900052"]) == [
        ("OMIM:100001", "ORPHA:900001"),
        ("OMIM:900030", "ORPHA:900031"),
        ("OMIM:900050", "ORPHA:900051"),
    ]


def test_groups_join_the_knowledge_base_the_names_and_the_genes(twin_hpo: Hpo, kb: KnowledgeBase) -> None:
    ids = [d.id for d in twin_hpo.annotations.diseases()]
    assert same_disorder_groups(kb, twin_hpo.annotations, ids) == [
        ["OMIM:100001", "ORPHA:900001"],
        ["OMIM:900010", "ORPHA:900011"],
        ["OMIM:900020", "ORPHA:900021"],
        ["OMIM:900030", "ORPHA:900031"],
    ]
    # A record outside the ranked set is left out.
    assert same_disorder_groups(kb, twin_hpo.annotations, [i for i in ids if i != "ORPHA:900001"]) == [
        ["OMIM:900010", "ORPHA:900011"],
        ["OMIM:900020", "ORPHA:900021"],
        ["OMIM:900030", "ORPHA:900031"],
    ]


def test_name_keys_ignore_order_filler_words_and_roman_numerals() -> None:
    keys = name_keys(
        [
            "porphyria acute intermittent",
            "acute intermittent porphyria",
            "albinism oculocutaneous type vi",
            "oculocutaneous albinism type 6",
            "aniridia and absent patella",
            "aniridia absent patella syndrome",
            "x linked ichthyosis",
        ]
    )
    assert keys[0] == keys[1] == "acute intermittent porphyria"
    assert keys[2] == keys[3] == "6 albinism oculocutaneous"
    assert keys[4] == keys[5]
    assert keys[6] == "ichthyosis linked x"  # "x" is X-linked, not ten


def test_the_better_twin_is_shown_once_with_the_other_id(twin_hpo: Hpo, kb: KnowledgeBase) -> None:
    ranker = Ranker(twin_hpo, kb)
    # Anaemia is annotated to the Orphanet record only, pancytopenia to the OMIM record only (female).
    case = Case(
        case_id="c",
        input="-",
        findings=(Finding("HP:0001903"),),
        age_days=None,
        sex="female",
    )
    analysis = ranker.analyse(case)
    result = ranker.report(analysis, top=100)  # every fixture disease
    ids = [d.disease_id for d in result.diagnoses]
    assert "ORPHA:900001" in ids
    assert "OMIM:100001" not in ids
    shown = next(d for d in result.diagnoses if d.disease_id == "ORPHA:900001")
    assert shown.same_as == ["OMIM:100001"]
    assert shown.same_as_labels == ["Fixture marrow failure"]
    assert shown.to_dict()["same_as_labels"] == ["Fixture marrow failure"]
    assert ranker.position_of(analysis, "OMIM:100001") == ranker.position_of(analysis, "ORPHA:900001")
    # The hidden twin takes no probability away from the shown one.
    assert sum(d.probability for d in result.diagnoses) == pytest.approx(1.0)
    # Records kept apart are ranked separately.
    assert {"ORPHA:900003", "ORPHA:900004", "OMIM:259700"} <= set(ids)


def test_a_twin_without_gene_knowledge_shares_the_disorders_genotype_evidence(
    twin_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    ranker = Ranker(twin_hpo, kb)
    case = Case(case_id="c", input="-", findings=(Finding("HP:0001903"),))
    null = {"PROBAND": "1/1"}
    vcf = write_vcf(
        tmp_path / "p.vcf.gz",
        [SyntheticVariant("chr1", 1_000_000, "C", "T", "GENEY", "stop_gained", null, hgvs_c="c.10C>T")],
        index="tbi",
    )
    calls = GenotypeReader(GenotypeOptions(vcf=vcf, use_installed=False)).read(case)
    assert calls is not None
    analysis = ranker.analyse(case, genotype=calls)
    own = ranker.genotype_model.evaluate(calls, None)
    omim, orpha = ranker.phenotype.row("OMIM:900010"), ranker.phenotype.row("ORPHA:900011")
    assert own.log_lr[omim] > 0.0
    assert own.log_lr[orpha] == 0.0  # no gene link of its own
    # The Orphanet record, which matches the finding better, is shown with the disorder's genotype.
    result = ranker.report(analysis, top=3)
    shown = next(d for d in result.diagnoses if "OMIM:900010" in d.same_as)
    assert shown.disease_id == "ORPHA:900011"
    assert shown.genotype_lr == pytest.approx(float(np.exp(own.log_lr[omim])), rel=1e-6)
    assert [v["gene"] for v in shown.variants] == ["GENEY"]
    assert result.diagnoses[0].disease_id == "ORPHA:900011"


def test_the_table_names_the_twin(
    twin_release: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(twin_release))
    assert main(["rank", "--hpo", "HP:0001903", "--top", "20"]) == 0
    out = capsys.readouterr().out
    assert (
        "(= OMIM:900010 Fixture twin disorder) Fixture twin disorder:" in out
        or "(= ORPHA:900011 Fixture twin disorder) Fixture twin disorder:" in out
    )


def test_the_clinician_report_names_the_joined_records(twin_hpo: Hpo, kb: KnowledgeBase) -> None:
    from marbledx.report._render import clinician_context

    diagnosis = {
        "rank": 1,
        "disease_id": "ORPHA:900001",
        "label": "Fixture Marrow-Failure",
        "probability": 1.0,
    }
    data = {
        "care_plan": {"sources": []},
        "findings": [],
        "diagnoses": [{**diagnosis, "same_as": ["OMIM:100001"]}],
    }
    # An analysis stored before diagnoses carried the names: they come from the release.
    (shown,) = clinician_context(data, hpo=twin_hpo, kb=kb)["data"]["diagnoses"]
    assert shown["same_as_labels"] == ["Fixture marrow failure"]
    # A name the result carries is kept.
    data["diagnoses"][0]["same_as_labels"] = ["Stored name"]
    (shown,) = clinician_context(data, hpo=twin_hpo, kb=kb)["data"]["diagnoses"]
    assert shown["same_as_labels"] == ["Stored name"]


def test_the_table_names_joined_records_and_falls_back_to_ids_without_labels() -> None:
    def table(labels: list[str]) -> str:
        diagnosis = Diagnosis(
            rank=1,
            disease_id="OMIM:1",
            label="One",
            probability=0.9,
            genes=[],
            evidence=[],
            same_as=["ORPHA:2"],
            same_as_labels=labels,
        )
        return render_results([CaseResult("c", "test", diagnoses=[diagnosis])])

    assert "Why #1 OMIM:1 (= ORPHA:2 Two) One:" in table(["Two"])
    # A Diagnosis built by API code without labels still renders, with the ids alone.
    assert "Why #1 OMIM:1 (= ORPHA:2) One:" in table([])


def test_same_name_pairs_are_kept_on_disk_and_read_back(
    twin_hpo: Hpo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [d.id for d in twin_hpo.annotations.diseases()]
    expected = same_name_pairs(twin_hpo.annotations, ids)
    assert expected  # the fixture has same-name pairs
    assert cached_same_name_pairs(twin_hpo, ids, tmp_path) == expected
    (stored,) = tmp_path.glob("twins-*.npz")
    # Read back from disk: the names are not folded again.
    monkeypatch.setattr(twins_module, "same_name_pairs", lambda *_: pytest.fail("pairs computed again"))
    assert cached_same_name_pairs(twin_hpo, ids, tmp_path) == expected
    # Other ranked records are another key; a damaged file is rebuilt (and said so), never trusted.
    monkeypatch.setattr(twins_module, "same_name_pairs", same_name_pairs)
    assert cached_same_name_pairs(twin_hpo, ids[:-1], tmp_path) == same_name_pairs(
        twin_hpo.annotations, ids[:-1]
    )
    assert len(list(tmp_path.glob("twins-*.npz"))) == 2
    stored.write_bytes(b"not an archive")
    assert cached_same_name_pairs(twin_hpo, ids, tmp_path) == expected
    assert cached_same_name_pairs(twin_hpo, ids, False) == expected
