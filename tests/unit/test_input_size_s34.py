"""Pathological input sizes: each reader bounds its input early or does linear work on it.

No test is timed: each checks a limit, a result on a large input, or how often the costly step runs.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

from marbledx.errors import InputError, UnknownEntityError, UnknownTermError
from marbledx.findings import _case, _pedigree
from marbledx.findings._case import normalise_findings, parse_iso_age
from marbledx.findings._io import MAX_JSON_LIST_ITEMS
from marbledx.findings._pedigree import MAX_PED_PEOPLE, read_family_pedigree, read_ped
from marbledx.findings._phenopacket import read_case_file
from marbledx.genotype import _annotation
from marbledx.genotype._annotation import InfoFields, NumberReader
from marbledx.genotype._vcf import _parent_alleles, read_vcf
from marbledx.knowledge import KnowledgeBase, _loader
from marbledx.ontology import Hpo

# -- knowledge-base look-ups (marbledx subtype, risk --disease, /api/subtypes/{key}) -----------------------


class _Recorder:
    """Stands in for the disease-number pattern and refuses a text with a run of blanks: such a run, after
    "omim", made the pattern's work grow with the square of the run (10,000 spaces: 1.3 s)."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.texts: list[str] = []

    def fullmatch(self, text: str) -> re.Match[str] | None:
        assert re.search(r"\s\s", text) is None, (
            f"a blank run of {len(text):,} characters reached the pattern"
        )
        self.texts.append(text)
        return self.pattern.fullmatch(text)


def test_a_disease_number_with_a_long_blank_run_is_read_with_one_space(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = _Recorder(_loader._DISEASE_NUMBER)
    monkeypatch.setattr(_loader, "_DISEASE_NUMBER", recorder)
    assert kb.get("mim" + " " * 100_000 + "259700").key == "OPTB1"
    assert kb.get("MIM:\t\t" + "\t" * 100_000 + "259700").key == "OPTB1"
    with pytest.raises(UnknownEntityError, match="no osteopetrosis subtype"):
        kb.get("omim" + " " * 100_000 + "x")
    assert recorder.texts  # the loose reading was reached, with the runs cut


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("259700", (None, "259700")),
        ("#259700", (None, "259700")),
        ("MIM:259700", ("MIM", "259700")),
        ("omim : 259700", ("omim", "259700")),
        ("Orphanet 667", ("Orphanet", "667")),
        ("orpha_667", ("orpha", "667")),
        ("omim::1", None),
        ("omim : : 1", None),
        ("# 1", None),
    ],
)
def test_the_disease_number_pattern_reads_the_same_forms(
    text: str, groups: tuple[str | None, ...] | None
) -> None:
    match = _loader._DISEASE_NUMBER.fullmatch(text)
    assert (match.groups() if match else None) == groups


# -- VCF: a GT that carries thousands of alleles --------------------------------------------------------------

_CSQ = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSc|HGVSp|CANONICAL|gnomADe_AF"
_HEADER = (
    "##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=chr16,length=90338345>\n"
    f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: {_CSQ}">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
)


def _entry(allele: str, number: int) -> str:
    return f"{allele}|missense_variant|MODERATE|CLCN7|ENSG1|Transcript|ENST1|protein_coding|ENST1:c.{number}C>A||YES|"


def test_each_allele_of_a_many_allele_genotype_is_read_once_with_its_own_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 2_000
    alts = ["A" * k for k in range(1, n + 1)]
    entries = ",".join(_entry(alt, k) for k, alt in enumerate(alts, start=1))
    gt = "/".join(str(k) for k in range(1, n + 1))
    path = tmp_path / "polyploid.vcf"
    path.write_text(
        _HEADER
        + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
        + f"chr16\t1460400\t.\tC\t{','.join(alts)}\t50\tPASS\tCSQ={entries}\tGT\t{gt}\n"
    )
    calls = 0
    allele_strings = _annotation.vep_allele_strings

    def counted(ref: str, alts: Any) -> list[str]:
        nonlocal calls
        calls += 1
        return allele_strings(ref, alts)

    monkeypatch.setattr(_annotation, "vep_allele_strings", counted)
    result = read_vcf(path)
    assert len(result.calls) == n
    assert all(call.hgvs_c == f"c.{len(call.alt)}C>A" for call in result.calls)  # each its own entry
    # Once per record, not once per allele (2,000 alleles, each a pass over 2,000 ALTs and entries).
    assert calls == 1


class _CountedText(str):
    """An INFO column that counts how often it is split."""

    splits = 0

    def split(self, *args: Any, **kwargs: Any) -> list[str]:  # type: ignore[override]
        type(self).splits += 1
        return super().split(*args, **kwargs)


def test_a_records_info_is_split_once_for_all_its_alleles() -> None:
    n = 3_000
    fields = InfoFields(NumberReader(), {"gnomAD_AF": "A"})
    info = _CountedText("DP=10;gnomAD_AF=" + ",".join(f"0.{k:04d}" for k in range(n)))
    found = [fields.annotation(info, k) for k in range(n)]
    assert [a.gnomad_af if a else None for a in found] == [float(f"0.{k:04d}") for k in range(n)]
    assert _CountedText.splits == 1


def test_parent_alleles_are_a_set_for_the_childs_look_ups() -> None:
    # The child's every allele is looked up in each parent's; a tuple of a 20,000-allele GT made that quadratic.
    gt = "/".join(str(k) for k in range(1, 20_001))
    columns = ["chr1", "1", ".", "C", "A", ".", "PASS", ".", "GT", "0/1", gt]
    alleles = _parent_alleles({}, columns, 10, 20_000, 0)
    assert isinstance(alleles, frozenset)
    assert len(alleles) == 20_000


# -- JSON files: lists, pedigrees, findings ------------------------------------------------------------------


def _packet(**fields: Any) -> dict[str, Any]:
    packet: dict[str, Any] = {
        "id": "case-1",
        "subject": {"id": "s1"},
        "phenotypicFeatures": [{"type": {"id": "HP:0011002"}}],
        "metaData": {"phenopacketSchemaVersion": "2.0"},
    }
    return packet | fields


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_list_longer_than_the_limit_is_refused_naming_its_field(mini_hpo: Hpo, tmp_path: Path) -> None:
    features = [{"type": {"id": "HP:0011002"}}] * (MAX_JSON_LIST_ITEMS + 1)
    path = _write(tmp_path / "case.json", _packet(phenotypicFeatures=features))
    with pytest.raises(InputError) as caught:
        read_case_file(path, mini_hpo.ontology)
    assert str(caught.value) == (
        f"{path}: phenotypicFeatures has {MAX_JSON_LIST_ITEMS + 1:,} items; expected at most {MAX_JSON_LIST_ITEMS:,}"
    )
    at_limit = _write(tmp_path / "ok.json", _packet(phenotypicFeatures=features[:MAX_JSON_LIST_ITEMS]))
    assert read_case_file(at_limit, mini_hpo.ontology).observed == ("HP:0011002",)


def test_a_nested_list_is_named_by_its_path(mini_hpo: Hpo, tmp_path: Path) -> None:
    modifiers = [{"id": "HP:0012828", "label": "Severe"}] * (MAX_JSON_LIST_ITEMS + 1)
    features = [{"type": {"id": "HP:0011002"}}, {"type": {"id": "HP:0011002"}, "modifiers": modifiers}]
    path = _write(tmp_path / "case.json", _packet(phenotypicFeatures=features))
    with pytest.raises(InputError, match=r"phenotypicFeatures\[1\]\.modifiers has 10,001 items"):
        read_case_file(path, mini_hpo.ontology)


def test_a_family_pedigree_has_the_ped_files_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pedigree, "MAX_PED_PEOPLE", 3)
    persons = [{"familyId": "F", "individualId": f"p{i}", "sex": "MALE"} for i in range(4)]
    family = _write(tmp_path / "family.json", {"id": "f", "pedigree": {"persons": persons}})
    with pytest.raises(InputError, match=r"pedigree\.persons has 4 items; expected at most 3$"):
        read_family_pedigree(family)
    bare = _write(tmp_path / "bare.json", {"persons": persons})
    with pytest.raises(InputError, match=r": persons has 4 items; expected at most 3$"):
        read_family_pedigree(bare)
    assert len(read_family_pedigree(_write(tmp_path / "ok.json", {"persons": persons[:3]})).individuals) == 3


def test_a_family_pedigree_may_hold_more_people_than_other_lists(tmp_path: Path) -> None:
    persons = [{"familyId": "F", "individualId": f"p{i}"} for i in range(MAX_JSON_LIST_ITEMS + 1)]
    pedigree = read_family_pedigree(_write(tmp_path / "family.json", {"persons": persons}))
    assert len(pedigree.individuals) == MAX_JSON_LIST_ITEMS + 1


def test_every_ped_reader_has_the_people_limit(tmp_path: Path) -> None:
    # analyze --ped, rank --ped and the web app's analysis read a PED without passing a limit of their own.
    assert inspect.signature(read_ped).parameters["max_individuals"].default == MAX_PED_PEOPLE == 100_000
    path = tmp_path / "family.ped"
    path.write_text("".join(f"F{i} P{i} 0 0 1 1\n" for i in range(4)))
    with pytest.raises(
        InputError, match=r"line 4: more than 3 individuals; expected at most 3 in one PED file"
    ):
        read_ped(path, max_individuals=3)


def test_more_distinct_findings_than_the_limit_are_refused(
    mini_hpo: Hpo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_case, "MAX_FINDINGS", 2)
    terms = ["HP:0011002", "HP:0001871", "HP:0000924"]
    repeated = [(term, False, "entered") for term in terms[:2] * 50]
    findings, _ = normalise_findings(mini_hpo.ontology, repeated, where="--hpo")
    assert [f.hpo_id for f in findings] == terms[:2]  # duplicates are one finding each
    raw = [(term, False, "entered") for term in terms]
    for strict in (True, False):
        with pytest.raises(
            InputError, match=r"^--hpo: more than 2 distinct findings; expected at most 2 HPO"
        ):
            normalise_findings(mini_hpo.ontology, raw, where="--hpo", strict=strict)


def test_the_findings_limit_leaves_room_for_a_real_case() -> None:
    assert _case.MAX_FINDINGS == 1_000


# -- a long value is quoted cut short in a one-line error ----------------------------------------------------


@pytest.mark.parametrize("text", ["P" + "1" * 100_000 + "Q", "P" + "1" * 100_000 + "Y", "P" + " " * 100_000])
def test_an_age_error_quotes_a_long_value_cut_short(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_iso_age(text, where="--age")
    message = str(caught.value)
    assert len(message) < 200
    assert "…" in message


def test_phenopacket_errors_quote_long_values_cut_short(mini_hpo: Hpo, tmp_path: Path) -> None:
    label = _write(
        tmp_path / "label.json", _packet(phenotypicFeatures=[{"type": {"id": "", "label": "a" * 100_000}}])
    )
    version = _write(
        tmp_path / "version.json", _packet(metaData={"phenopacketSchemaVersion": "3" + "." * 100_000})
    )
    for path in (label, version):
        with pytest.raises(InputError) as caught:
            read_case_file(path, mini_hpo.ontology)
        assert len(str(caught.value)) < 300
        assert "…" in str(caught.value)


def test_an_unknown_hpo_term_of_megabytes_is_clipped_in_its_message() -> None:
    # The id is the user's input: a pasted file must not make the one-line error megabytes long.
    error = UnknownTermError("HP:" + "1" * 5_000_000, "2025-01-16")
    assert len(str(error)) < 300
    assert str(error).startswith("unknown HPO term 'HP:111")
    assert error.term == "HP:" + "1" * 5_000_000  # the attribute keeps what was given
