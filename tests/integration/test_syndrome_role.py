"""Whether osteopetrosis is a card's disease or one feature of a syndrome is knowledge-base data (the card's
``osteopetrosis_role``, validated at load), and the family summary follows it: a new syndrome card is not
called "a form of osteopetrosis" (review: the family summary kept a hard-coded list of syndrome cards)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import textstat
import yaml

from marbledx.advice import CarePlan
from marbledx.errors import KnowledgeBaseError
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase, bundled_data_dir, load_knowledge_base
from marbledx.ontology import Hpo
from marbledx.report import analyze, family_summary

INFANT_ARO = ("HP:0011002", "HP:0001903", "HP:0001873", "HP:0001744", "HP:0000639")


def _copy_kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    for path in bundled_data_dir().glob("*.yaml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def _edit_card(folder: Path, file: str, key: str, edit: Any) -> None:
    path = folder / file
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    card = next(e for e in document["entities"] if e["key"] == key)
    edit(card)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def test_the_syndrome_cards_are_data(kb: KnowledgeBase) -> None:
    assert {e.key for e in kb.subtypes if e.is_syndrome} == {"OL-EDA-ID", "LAD3", "COMMAD", "BANDDOS"}
    lad3 = kb.get("LAD3").osteopetrosis_role
    assert lad3 is not None
    assert lad3.plain[0].startswith("It mainly affects the white blood cells")
    assert "HPO-hpoa:OMIM:612840" in lad3.sources
    assert all(e.osteopetrosis_role is None for e in kb.differential)


def _confirmed(plan: CarePlan, kb: KnowledgeBase, key: str) -> CarePlan:
    entity = kb.get(key)
    return replace(
        plan,
        subtype=key,
        diagnosis_id=entity.primary_id,
        diagnosis_label=entity.name,
        probability=0.9,
        certainty="genotype_supported",
    )


def test_a_new_syndrome_card_is_named_from_its_data(real_hpo: Hpo, tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    plain = ["It mainly affects the kidneys.", "It can also make the bones dense."]
    # OPTB9 re-curated as a syndrome: the summary must follow the card, with no code change.
    _edit_card(
        folder,
        "osteopetrosis.yaml",
        "OPTB9",
        lambda card: card["osteopetrosis_role"].update(
            role="syndrome_feature", text="a kidney syndrome", plain=plain, sources=["PMID:34668226"]
        ),
    )
    kb = load_knowledge_base(folder)
    case = Case("p", "t", tuple(Finding(t) for t in INFANT_ARO), age_days=200.0, sex="male")  # type: ignore[arg-type]
    plan = _confirmed(analyze(case, hpo=real_hpo, kb=kb).care_plan, kb, "OPTB9")
    summary = family_summary(plan, kb)
    what = next(s for s in summary.sections if s.title == "What the condition is")
    text = " ".join(what.paragraphs)
    assert "a rare condition caused by changes in the SLC4A2 gene" in text
    assert "a form of osteopetrosis" not in text
    assert all(sentence in text for sentence in plain)
    assert "PMID:34668226" in what.sources
    assert textstat.flesch_kincaid_grade(summary.text()) <= 8


def test_every_osteopetrosis_card_states_the_role_of_osteopetrosis(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    _edit_card(folder, "osteopetrosis.yaml", "LAD3", lambda card: card.pop("osteopetrosis_role"))
    with pytest.raises(
        KnowledgeBaseError, match=r"entity 'LAD3'.*osteopetrosis subtypes need osteopetrosis_role"
    ):
        load_knowledge_base(folder)


@pytest.mark.parametrize(
    ("file", "key", "role", "message"),
    [
        (
            "osteopetrosis.yaml",
            "COMMAD",
            {"role": "syndrome_feature", "text": "a syndrome", "sources": ["PMID:27889061"]},
            "a syndrome needs 'plain'",
        ),
        (
            "osteopetrosis.yaml",
            "COMMAD",
            {"role": "a feature", "text": "a syndrome", "sources": ["PMID:27889061"]},
            "field 'osteopetrosis_role.role'",
        ),
        (
            "osteopetrosis.yaml",
            "COMMAD",
            {"role": "defining", "text": "the disease", "sources": []},
            "field 'osteopetrosis_role.sources'",
        ),
        (
            "osteopetrosis.yaml",
            "COMMAD",
            {"role": "defining", "text": "the disease", "unverified": True, "sources": ["PMID:27889061"]},
            "may not rest on an unverified fact",
        ),
        (
            "sclerosing.yaml",
            "PYCD",
            {"role": "defining", "text": "dense bone", "sources": ["OMIM:265800"]},
            "only cards of the osteopetrosis group state the role of osteopetrosis",
        ),
    ],
)
def test_a_bad_role_is_refused_naming_the_card(
    tmp_path: Path, file: str, key: str, role: dict[str, Any], message: str
) -> None:
    folder = _copy_kb(tmp_path)
    _edit_card(folder, file, key, lambda card: card.update(osteopetrosis_role=role))
    with pytest.raises(KnowledgeBaseError, match=f"{file}: entity '{key}'") as error:
        load_knowledge_base(folder)
    assert message in str(error.value)
