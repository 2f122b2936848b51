"""The care plan fits the leading entity (review: LAD-III and pycnodysostosis got the osteopetrosis red flags
and tests). The osteopetrosis care guide is given for forms of osteopetrosis; a syndrome whose dense bone is
one feature, ADO1 (not an osteoclast defect) and a differential card get only what care.yaml sources for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from marbledx.advice import CarePlan, build_care_plan
from marbledx.errors import KnowledgeBaseError
from marbledx.findings import Case, Finding
from marbledx.knowledge import EntityGroup, KnowledgeBase, bundled_data_dir, load_knowledge_base
from marbledx.ontology import Hpo
from marbledx.ranking import CaseResult, Diagnosis
from tests.care_diagnoses import dx

# The osteopetrosis care guide's red flags, work-up and monitoring rows (reference §2.4, §2.6, §3).
OSTEOPETROSIS_FLAGS = {
    "hypocalcaemia",
    "pancytopenia",
    "optic-nerve",
    "raised-icp",
    "jaw-osteomyelitis",
    "infection",
    "post-hsct-hypercalcaemia",
}
CALCIUM_WORKUP = (
    "Calcium (ionised), phosphate, magnesium, alkaline phosphatase, PTH, 25-OH vitamin D, creatinine"
)


def plan(
    hpo: Hpo, kb: KnowledgeBase, ranking: list[Diagnosis], *terms: str, age_days: float = 120.0
) -> CarePlan:
    patient = Case("c1", "test", tuple(Finding(t) for t in terms), age_days=age_days)
    return build_care_plan(CaseResult("c1", "test", diagnoses=ranking), patient, kb, hpo.ontology)


def _items(care: CarePlan) -> list[Any]:
    return [*care.tests, *care.treatments, *care.monitoring, *care.red_flags]


def test_pycnodysostosis_gets_no_osteopetrosis_flags_or_tests(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # Short stature, acro-osteolysis, open fontanelle, obtuse mandibular angle: pycnodysostosis leads alone.
    care = plan(
        real_hpo,
        kb,
        [dx("OMIM:265800", 0.9)],
        "HP:0009839",
        "HP:0004322",
        "HP:0004474",
        age_days=8 * 365.25,
    )
    assert care.subtype == "PYCD"
    # Reference §6.1: no marrow failure; nothing from the osteopetrosis care guide is sourced for it.
    assert not {f.kind for f in care.red_flags} & OSTEOPETROSIS_FLAGS
    assert not care.monitoring
    assert not care.treatments
    names = [t.name for t in care.tests]
    assert CALCIUM_WORKUP not in names
    assert "Full blood count with differential and reticulocytes" not in names
    # What tells it apart is the work-up, from its card.
    (pointer,) = [t for t in care.tests if t.name == "Findings that point to Pycnodysostosis"]
    assert "No marrow failure." in pointer.text
    assert "OMIM:265800" in pointer.sources
    # A differential card in the knowledge base is not "not in the knowledge base".
    assert "Not an osteopetrosis subtype in the knowledge base" not in care.hsct.reason
    assert care.hsct.reason.startswith("No HSCT rule applies: PYCD (OMIM:265800): no HSCT rule")


def test_a_genotype_supported_differential_says_what_it_is(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    care = plan(real_hpo, kb, [dx("OMIM:265800", 0.9, genotype_lr=200.0)], "HP:0009839", age_days=3000.0)
    assert care.hsct.decision == "unknown"
    assert care.hsct.basis == "not_an_osteopetrosis_subtype"
    assert "Pycnodysostosis is a genetic sclerosing bone disorder in the knowledge base" in care.hsct.reason
    assert "not an osteopetrosis subtype" in care.hsct.reason


def test_lad3_gets_its_own_flags_and_tests_not_the_osteopetrosis_ones(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    care = plan(
        real_hpo, kb, [dx("OMIM:612840", 0.95, genotype_lr=100.0)], "HP:0011002", "HP:0001974", "HP:0001892"
    )
    assert (care.subtype, care.hsct.decision) == ("LAD3", "curative")
    kinds = {f.kind for f in care.red_flags}
    assert kinds == {"lad3-infection", "lad3-bleeding"}
    bleeding = next(f for f in care.red_flags if f.kind == "lad3-bleeding")
    assert bleeding.present  # abnormal bleeding, shown first
    assert "normal platelet count" in bleeding.text
    # No calcium, fontanelle, marrow-failure or post-HSCT hypercalcaemia care: the reference gives none for it.
    assert not care.monitoring
    names = {t.name for t in care.tests}
    assert CALCIUM_WORKUP not in names
    assert "Platelet function (aggregation)" in names
    blood = next(t for t in care.tests if t.name.startswith("Full blood count"))
    assert "leukocytosis" in blood.text
    assert "ARO" not in blood.text
    assert "DOI:10.1007/s10875-023-01479-7" in blood.sources
    assert "PMID:28655174" not in blood.sources  # the osteopetrosis guideline is not its source
    donor = next(t for t in care.tests if t.name.startswith("HLA typing"))
    assert "LAD-III" in donor.text
    assert "ref:orphanet-lad3" in donor.sources
    assert [t.name for t in care.treatments] == ["Haematopoietic stem cell transplantation"]
    assert "osteopetrosis" not in " ".join(care.sources).lower()


def test_lad3_among_aro_forms_keeps_both_cares(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # Not settled: TCIRG1 ARO is still possible, so its care stays beside LAD-III's.
    care = plan(
        real_hpo,
        kb,
        [dx("OMIM:612840", 0.6), dx("OMIM:259700", 0.3, rank=2)],
        "HP:0011002",
        "HP:0001903",
    )
    assert care.certainty == "uncertain"
    kinds = {f.kind for f in care.red_flags}
    assert {"hypocalcaemia", "pancytopenia", "lad3-infection", "lad3-bleeding"} <= kinds
    assert CALCIUM_WORKUP in {t.name for t in care.tests}
    blood = next(t for t in care.tests if t.name.startswith("Full blood count"))
    assert blood.text.startswith("Anaemia, thrombocytopenia")  # the osteopetrosis wording, with both sources
    assert {"PMID:28655174", "DOI:10.1007/s10875-023-01479-7"} <= set(blood.sources)


def test_banddos_gets_the_brain_care_its_sources_give(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    care = plan(
        real_hpo,
        kb,
        [dx("OMIM:618476", 0.9, genotype_lr=100.0)],
        "HP:0002514",
        "HP:0000238",
        age_days=3 * 365.25,
    )
    (flag,) = care.red_flags
    assert flag.kind == "raised-icp"
    assert flag.present
    assert "hydrocephalus in 2 of 4" in flag.text
    assert set(flag.sources) == {"HPO-hpoa:OMIM:618476", "PMID:30982609"}
    mri = next(t for t in care.tests if t.name.startswith("Brain MRI"))
    assert "cerebral calcification (4 of 4)" in mri.text
    assert "HSCT" not in mri.text


def test_ado1_is_not_given_the_care_of_failed_resorption(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # LRP5 high bone mass: not an osteoclast defect, no fractures in 0/10 (reference §1A/§1B).
    care = plan(real_hpo, kb, [dx("OMIM:607634", 0.9, genotype_lr=100.0)], "HP:0005789", age_days=30 * 365.25)
    assert not care.red_flags
    assert not care.monitoring
    assert "Skeletal survey" in {t.name for t in care.tests}
    # ADO2 (osteoclast-rich) keeps the full osteopetrosis care.
    ado2 = plan(real_hpo, kb, [dx("OMIM:166600", 0.9, genotype_lr=100.0)], "HP:0004618", age_days=30 * 365.25)
    assert {"pancytopenia", "jaw-osteomyelitis", "optic-nerve"} <= {f.kind for f in ado2.red_flags}
    assert ado2.monitoring


def test_outside_the_knowledge_base_osteopetrosis_care_needs_an_osteopetrosis_diagnosis(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    kabuki = plan(real_hpo, kb, [dx("OMIM:147920", 0.95, genotype_lr=100.0)], "HP:0011002")
    assert not kabuki.red_flags
    assert kabuki.hsct.reason == "Not in the knowledge base, so no HSCT rule applies"
    # ORPHA:667, the umbrella entry of the infantile ARO cards, is osteopetrosis.
    umbrella = plan(real_hpo, kb, [dx("ORPHA:667", 0.95, genotype_lr=100.0)], "HP:0011002")
    assert "hypocalcaemia" in {f.kind for f in umbrella.red_flags}


def _non_osteopetrosis_cards(kb: KnowledgeBase) -> list[str]:
    """Cards outside the osteopetrosis care that the ranking can lead with (a disease id of their own)."""
    return [
        e.key
        for e in kb.entities
        if e.exact_ids and (e.group is not EntityGroup.OSTEOPETROSIS or e.is_syndrome or e.key == "ADO1")
    ]


@pytest.mark.parametrize("key", _non_osteopetrosis_cards(load_knowledge_base()))
def test_every_item_for_a_non_osteopetrosis_card_names_it(real_hpo: Hpo, kb: KnowledgeBase, key: str) -> None:
    entity = kb.get(key)
    guide = kb.care
    assert guide is not None

    def scopes(rows: list[Any], name: str) -> dict[str, set[str]]:
        return {getattr(r, name): {f.scope for f in r.fits} for r in rows}

    workup, monitoring = scopes(guide.workup, "name"), scopes(guide.monitoring, "item")
    treatments, flags = scopes(guide.treatments, "name"), scopes(guide.red_flags, "key")
    own = {t.name for t in entity.treatments}  # the card's own treatments, from its own sources
    for lr in (1.0, 100.0):
        # Every age band, with the card's hallmark findings, so any rule that fits would show.
        for age in (100.0, 3000.0, 15000.0):
            care = plan(
                real_hpo,
                kb,
                [dx(entity.exact_ids[0], 0.9, genotype_lr=lr)],
                *(t.hpo_id for t in entity.hallmark_terms),
                age_days=age,
            )
            assert all(item.sources for item in _items(care))
            given = [
                *((workup, t.name) for t in care.tests if t.kind == "workup" and t.name in workup),
                *((monitoring, m.name) for m in care.monitoring),
                *((treatments, t.name) for t in care.treatments if t.name not in own),
                *((flags, f.kind) for f in care.red_flags),
            ]
            for table, name in given:
                assert key in table[name], f"{name} given for {key}"


def _copy_kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    for path in bundled_data_dir().glob("*.yaml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def _edit_care(folder: Path, edit: Any) -> None:
    path = folder / "care.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(document["care"])
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def test_a_fit_must_name_an_entity_of_the_knowledge_base(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    _edit_care(folder, lambda care: care["red_flags"][0].update(fits=[{"scope": "LAD-3"}]))
    with pytest.raises(
        KnowledgeBaseError, match=r"care.yaml: care guide, field 'red_flags\[0\]\.fits\[0\]\.scope'"
    ):
        load_knowledge_base(folder)


def test_a_fit_beside_osteopetrosis_needs_its_own_sources(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    _edit_care(
        folder, lambda care: care["red_flags"][0].update(fits=[{"scope": "osteopetrosis"}, {"scope": "LAD3"}])
    )
    with pytest.raises(KnowledgeBaseError, match="'LAD3' needs its own sources"):
        load_knowledge_base(folder)


def test_a_fit_citation_must_be_in_the_bibliography(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    _edit_care(folder, lambda care: care["workup"][0]["fits"][1].update(sources=["ref:no-such-key"]))
    with pytest.raises(KnowledgeBaseError, match="'ref:no-such-key' has no entry in the bibliography"):
        load_knowledge_base(folder)


def test_every_care_term_is_a_current_hpo_term(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    guide = kb.care
    assert guide is not None
    terms = [t for flag in guide.red_flags for t in flag.hpo_ids]
    for term in terms:
        assert term in real_hpo.ontology, term


def test_the_report_says_when_nothing_is_sourced_instead_of_an_empty_table(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    from marbledx.report import analyze, render_html

    # Short stature, acro-osteolysis, wide fontanelle, dense bones and fractures: pycnodysostosis leads.
    terms = ("HP:0009839", "HP:0004322", "HP:0004474", "HP:0011001", "HP:0002757", "HP:0000248")
    case = Case("pycd", "test", tuple(Finding(t) for t in terms), age_days=8 * 365.25)
    report = analyze(case, hpo=real_hpo, kb=kb)
    assert report.care_plan.subtype == "PYCD"
    assert not report.care_plan.red_flags
    assert not report.care_plan.monitoring
    html = render_html(report, hpo=real_hpo, kb=kb)
    assert "No red flags are sourced for this condition in the knowledge base." in html
    assert "No monitoring schedule is sourced for this condition in the knowledge base." in html
    assert "<th>Sign</th>" not in html  # no header-only table
