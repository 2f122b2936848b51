"""The curated knowledge base checked against the real HPO release it is built on."""

from __future__ import annotations

import pytest

from marbledx.knowledge import EntityGroup, HsctDecision, KnowledgeBase, Sourced
from marbledx.ontology import Hpo

pytestmark = pytest.mark.integration


def test_every_hpo_id_exists_and_is_current(kb: KnowledgeBase, real_hpo: Hpo) -> None:
    ontology = real_hpo.ontology
    problems = []
    for entity in kb:
        for term in [*entity.hallmark_terms, *entity.absent_terms]:
            if term.hpo_id not in ontology:
                state = "obsolete" if ontology.is_obsolete(term.hpo_id) else "unknown"
                problems.append(f"{entity.key}: {term.hpo_id} is {state}")
            elif ontology.label(term.hpo_id) != term.label:
                problems.append(
                    f"{entity.key}: {term.hpo_id} label {term.label!r} != {ontology.label(term.hpo_id)!r}"
                )
    assert problems == []


def test_a_term_citing_the_hpo_annotation_is_annotated_there(kb: KnowledgeBase, real_hpo: Hpo) -> None:
    """A hallmark or absent term whose source is ``HPO-hpoa:<disease>`` must be in that disease's rows."""
    annotations = real_hpo.annotations
    problems = []
    for entity in kb:
        for term in [*entity.hallmark_terms, *entity.absent_terms]:
            for source in term.sources:
                disease_id = source.removeprefix("HPO-hpoa:")
                if disease_id == source or not disease_id.startswith(("OMIM:", "ORPHA:")):
                    continue
                rows = (
                    annotations.phenotype_ids(disease_id, include_negated=True)
                    if disease_id in annotations
                    else []
                )
                if term.hpo_id not in rows:
                    problems.append(f"{entity.key}: {term.hpo_id} cites {source}, which does not annotate it")
    assert problems == []


# Reference §2.2, the table of radiographic signs (PMID:20301306): sign -> the subtypes its row names.
_ARO = ("OPTB1", "OPTB2", "OPTB4", "OPTB5", "OPTB7", "OPTB8")
_OSTEOPETROSIS = (*_ARO, "OPTB3", "OPTB6", "OPTB9", "ADO1", "ADO2", "ADO3", "IAO")
RADIOGRAPHIC_SIGNS = {
    "HP:0005789": _OSTEOPETROSIS,  # generalized osteosclerosis: all
    "HP:0004618": ("ADO2", "IAO"),  # sandwich vertebrae
    "HP:0004975": ("ADO2", "IAO", "OPTB6"),  # Erlenmeyer flask
    "HP:0006384": _ARO,  # club-shaped distal femur
    "HP:0002694": (*_ARO, "ADO2"),  # skull-base sclerosis
    "HP:0100959": ("ADO2", "OPTB6"),  # dense metaphyseal bands
    "HP:0000452": _ARO,  # choanal stenosis
    "HP:0000238": _ARO,  # hydrocephalus
    "HP:0002748": _ARO,  # osteopetrorickets
    "HP:0000926": ("OPTB7", "DSS", "BANDDOS"),  # platyspondyly
}


# Reference §2.3, the laboratory table: the rows that name subtypes (leukopenia and CK-BB left out, see the
# note at the top of osteopetrosis.yaml).
LABORATORY_FINDINGS = {
    "HP:0002901": _ARO,  # hypocalcaemia
    "HP:0002199": _ARO,  # hypocalcaemic seizures
    "HP:0001281": _ARO,  # tetany
    "HP:0003165": _ARO,  # raised PTH
    "HP:0000867": _ARO,  # secondary hyperparathyroidism
    "HP:0002148": _ARO,  # hypophosphataemia (osteopetrorickets)
    "HP:0001903": _ARO,  # anaemia
    "HP:0001873": _ARO,  # thrombocytopenia
    "HP:0001876": _ARO,  # pancytopenia
    "HP:0003155": ("OPTB1",),  # raised ALP
    "HP:0003148": ("ADO2",),  # raised acid phosphatase / TRACP-5b
    "HP:0025435": ("ADO2",),  # raised LDH
    "HP:0004315": ("OPTB7",),  # low IgG
    "HP:0001947": ("OPTB3",),  # renal tubular acidosis
    "HP:0001974": ("LAD3",),  # leukocytosis
    "HP:0003259": ("OPTB9",),  # raised creatinine
}


def _unreached(kb: KnowledgeBase, hpo: Hpo, key: str, terms: tuple[str, ...]) -> list[str]:
    """The terms that are neither a hallmark of the entity nor in the HPO annotation of its exact ids."""
    entity = kb.get(key)
    annotations = hpo.annotations
    annotated = {
        term
        for ext in entity.ids
        if ext.relation == "exact" and ext.id in annotations
        for term in annotations.phenotype_ids(ext.id)
    }
    hallmarks = {t.hpo_id for t in entity.hallmark_terms}
    return [term for term in terms if term not in annotated and term not in hallmarks]


@pytest.mark.parametrize(("hpo_id", "keys"), sorted({**RADIOGRAPHIC_SIGNS, **LABORATORY_FINDINGS}.items()))
def test_the_sign_and_laboratory_tables_reach_every_subtype_they_name(
    kb: KnowledgeBase, real_hpo: Hpo, hpo_id: str, keys: tuple[str, ...]
) -> None:
    """Each sign is a hallmark term of the entity or already in the HPO annotation of its own ids."""
    assert [key for key in keys if _unreached(kb, real_hpo, key, (hpo_id,))] == []


# Reference §6.1, the genetic sclerosing disorders: the features each row names against osteopetrosis (OMIM
# entry texts and PMID:22084176), entity -> terms. Absences ("no marrow failure") and mechanisms are left out.
DIFFERENTIAL_FEATURES = {
    "PYCD": (
        "HP:0004322",
        "HP:0009839",
        "HP:0004474",
        "HP:0010537",
        "HP:0005446",
        "HP:0011001",
        "HP:0002659",
    ),
    "CAEND": ("HP:0005791", "HP:0009763", "HP:0002515"),
    "SOST1": ("HP:0004493", "HP:0010628", "HP:0000365", "HP:0001159", "HP:0000098"),
    "SOST2": ("HP:0010554", "HP:0010628", "HP:0000365", "HP:0000098"),
    "VBCH": ("HP:0004437", "HP:0004472"),
    "EHWORTH": ("HP:0100789", "HP:0012802"),
    "CDD": ("HP:0004493", "HP:0003034"),
    "CMDAD": ("HP:0004493", "HP:0003015", "HP:0010628"),
    "CMDAR": ("HP:0004493", "HP:0003015", "HP:0010628"),
    "OPK-BOS": ("HP:0010739", "HP:0100898"),
    "MELO": ("HP:6000817",),
    "OSCS": ("HP:0010740", "HP:0005464"),
    "DSS": ("HP:0000926", "HP:0011001"),
    "RAINE": ("HP:0005789", "HP:0001999", "HP:0002514"),
    "PYLE": ("HP:0004975", "HP:0002753", "HP:0002857", "HP:0002659"),
    "JPD": ("HP:0003155", "HP:0006487", "HP:0005622", "HP:0002684", "HP:0000365"),
    "LMHD": ("HP:0011001", "HP:0001249", "HP:0000973"),
    "GHOSAL": ("HP:0003034", "HP:0001903", "HP:0005528"),
    "HCI": ("HP:0005746", "HP:0010628"),
}


# Reference §1B, the column "distinguishes it from other subtypes": its phenotypic features per subtype, entity ->
# terms. Absences, biopsy findings, family history and features with no HPO term (bone-within-bone,
# tonsillar herniation, infections without pus) are left out; OL-EDA-ID has no exact disease id to carry them.
SUBTYPE_FEATURES = {
    "ADO1": ("HP:0100789",),
    "ADO2": (
        "HP:0004618",
        "HP:0004975",
        "HP:0032233",
        "HP:0003148",
        "HP:0002757",
        "HP:0008843",
        "HP:0002650",
    ),
    "OPTB1": ("HP:0005528", "HP:0001293"),
    "OPTB2": ("HP:0030328",),
    "OPTB3": ("HP:0001942", "HP:0002514"),
    "OPTB4": ("HP:0000546", "HP:0002180"),
    "OPTB5": ("HP:0001250", "HP:0001276", "HP:0002059"),
    "OPTB7": ("HP:0004313", "HP:0000926"),
    "OPTB8": ("HP:0000648", "HP:0005528", "HP:0002677", "HP:0007626"),
    "OPTB9": ("HP:0012625",),
    "IAO": ("HP:0002757", "HP:0001903"),
    "LAD3": ("HP:0001974", "HP:0001880", "HP:0100806", "HP:0001872", "HP:0032434"),
    "COMMAD": ("HP:0001022", "HP:0000568", "HP:0000589", "HP:0008527"),
    "BANDDOS": ("HP:0000926", "HP:0002180"),
}


@pytest.mark.parametrize(
    ("key", "terms"),
    [*sorted(DIFFERENTIAL_FEATURES.items()), *sorted(SUBTYPE_FEATURES.items())],
)
def test_the_feature_tables_reach_every_disorder_they_describe(
    kb: KnowledgeBase, real_hpo: Hpo, key: str, terms: tuple[str, ...]
) -> None:
    """Each feature of a §6.1 row or a §1B cell is a hallmark term of the entity or already in the HPO
    annotation of its exact ids."""
    assert _unreached(kb, real_hpo, key, terms) == []


def test_every_gene_disease_pair_agrees_with_hpo_or_is_justified(kb: KnowledgeBase, real_hpo: Hpo) -> None:
    annotations = real_hpo.annotations
    problems = []
    for entity in kb:
        for gene in entity.genes:
            linked = any(
                annotations.has_gene_link(gene.symbol, disease_id) for disease_id in entity.disease_ids
            )
            if not linked and not (gene.hpo_link_justification or "").strip():
                problems.append(f"{entity.key}: {gene.symbol} not linked to {entity.disease_ids} in HPO")
    assert problems == []


def test_every_disease_id_is_annotated_in_hpo_or_is_not_exact(kb: KnowledgeBase, real_hpo: Hpo) -> None:
    missing = [
        f"{entity.key}: {ext.id}"
        for entity in kb
        for ext in entity.ids
        if ext.relation == "exact" and not ext.unverified and ext.id not in real_hpo.annotations
    ]
    assert missing == []


def test_every_entity_and_fact_has_sources(kb: KnowledgeBase) -> None:
    for entity in kb:
        assert entity.all_sources(), entity.key
        for field_name in type(entity).model_fields:
            value = getattr(entity, field_name)
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, Sourced):
                    assert item.sources, f"{entity.key}.{field_name}"


EXPECTED_SUBTYPES = {
    # key: (primary id, genes, HSCT decision) — from reference sections 1A/1B and the issue text.
    "ADO1": ("OMIM:607634", ["LRP5"], None),
    "ADO2": ("OMIM:166600", ["CLCN7"], HsctDecision.NOT_STANDARD),
    "ADO3": ("OMIM:618107", ["PLEKHM1"], None),
    "OPTB1": ("OMIM:259700", ["TCIRG1"], HsctDecision.CURATIVE),
    "OPTB2": ("OMIM:259710", ["TNFSF11"], HsctDecision.NOT_CURATIVE),
    "OPTB3": ("OMIM:259730", ["CA2"], HsctDecision.PARTIAL),
    "OPTB4": ("OMIM:611490", ["CLCN7"], HsctDecision.CURATIVE),
    "OPTB5": ("OMIM:259720", ["OSTM1"], HsctDecision.NOT_RECOMMENDED),
    "OPTB6": ("OMIM:611497", ["PLEKHM1"], None),
    "OPTB7": ("OMIM:612301", ["TNFRSF11A"], HsctDecision.CURATIVE),
    "OPTB8": ("OMIM:615085", ["SNX10"], HsctDecision.CURATIVE),
    "OPTB9": ("OMIM:620366", ["SLC4A2"], None),
    "IAO": ("ORPHA:210110", None, None),
    "OL-EDA-ID": ("OMIM:300291", ["IKBKG"], None),
    "LAD3": ("OMIM:612840", ["FERMT3"], HsctDecision.CURATIVE),
    "COMMAD": ("OMIM:617306", ["MITF"], None),
    "BANDDOS": ("OMIM:618476", ["CSF1R"], None),
    "TIO": (None, [], None),
}


@pytest.mark.parametrize(("key", "expected"), sorted(EXPECTED_SUBTYPES.items()))
def test_subtype_identity_genes_and_hsct(
    kb: KnowledgeBase, key: str, expected: tuple[str | None, list[str] | None, HsctDecision | None]
) -> None:
    entity = kb.get(key)
    primary_id, genes, decision = expected
    assert entity.group is EntityGroup.OSTEOPETROSIS
    assert entity.primary_id == primary_id
    if genes is not None:
        assert entity.gene_symbols == genes
    if decision is not None:
        assert entity.hsct is not None
        assert entity.hsct.decision is decision


def test_the_subtype_list_is_exactly_the_issue_list(kb: KnowledgeBase) -> None:
    assert {e.key for e in kb.subtypes} == set(EXPECTED_SUBTYPES)


def test_urgent_transplant_forms(kb: KnowledgeBase) -> None:
    urgent = {e.key for e in kb.subtypes if e.hsct and e.hsct.urgent}
    assert {"OPTB1", "OPTB7", "OPTB8"} <= urgent
    # LAD-III is curative, but no source gives it a timing rule (reference §1B).
    assert not urgent & {"ADO2", "OPTB2", "OPTB5", "OPTB3", "LAD3"}


def test_unverified_facts_never_carry_an_hsct_decision(kb: KnowledgeBase) -> None:
    for entity in kb:
        if entity.hsct is not None and entity.hsct.unverified:
            assert entity.hsct.decision is HsctDecision.UNKNOWN


def test_ado2_mechanism_and_penetrance(kb: KnowledgeBase) -> None:
    ado2 = kb.get("ADO2")
    assert ado2.inheritance.penetrance == pytest.approx(0.66)
    assert "dominant-negative" in ado2.genes[0].mechanism
    assert "null" in ado2.genes[0].mechanism


def test_section_7_errors_are_absent(kb: KnowledgeBase) -> None:
    assert not kb.for_gene("ITGB3")
    for entity in kb.subtypes:
        for name in (entity.names.name, *entity.names.synonyms, *entity.names.short_names):
            assert "osteoporosis" not in name.lower()
    # The double-counted "adult delayed-onset" type is ADO2, not a separate entity (reference 7.1 item 6).
    assert kb.get("adult delayed-onset osteopetrosis").key == "ADO2"


def test_differential_covers_section_6(kb: KnowledgeBase) -> None:
    keys = {e.key for e in kb.differential}
    genetic = {e.key for e in kb.differential if e.group is EntityGroup.SCLEROSING_DISORDER}
    acquired = keys - genetic
    assert len(genetic) >= 20
    assert len(acquired) >= 9
    for gene in ("CTSK", "TGFB1", "SOST", "LRP4", "LEMD3", "SLC29A3", "FAM20C", "TNFRSF11B", "TBXAS1"):
        assert kb.for_gene(gene), gene


def test_annotation_corrections_name_real_annotations(kb: KnowledgeBase, real_hpo: Hpo) -> None:
    for correction in kb.annotation_corrections:
        assert correction.disease_id in real_hpo.annotations
        assert correction.hpo_id in real_hpo.ontology
        annotated = set(real_hpo.annotations.phenotype_ids(correction.disease_id, include_negated=True))
        if correction.action == "add":
            assert correction.hpo_id not in annotated
        else:
            assert correction.hpo_id in annotated
