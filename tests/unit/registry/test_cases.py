"""Team-scoped cases: isolation, roles, optimistic concurrency, findings, labs over time, analyses, audit."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, update

from marbledx.errors import InputError
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import (
    ConflictError,
    FindingRecord,
    NotFoundError,
    PermissionDeniedError,
    Registry,
    UserInfo,
)
from marbledx.registry._models import Case as CaseRow
from marbledx.registry._models import Finding as FindingRow
from marbledx.registry._models import LabMeasurement
from marbledx.report import analyze


def test_create_get_list(registry: Registry, alice: UserInfo, carol: UserInfo) -> None:
    case = registry.create_case(
        alice, "  patient 7 ", age_days=240, sex="female", findings=[FindingRecord("HP:0011002")]
    )
    assert str(uuid.UUID(case.id)) == case.id
    assert (case.label, case.age_days, case.sex, case.team, case.version) == (
        "patient 7",
        240.0,
        "female",
        "haematology",
        1,
    )
    assert case.created_by == case.updated_by == "alice"
    assert registry.get_case(carol, case.id) == case  # same team
    other = registry.create_case(carol, "patient 8")
    assert [c.id for c in registry.list_cases(alice)] == [other.id, case.id]
    assert registry.count_cases(alice) == 2
    assert registry.list_findings(alice, case.id) == [FindingRecord("HP:0011002", False, "entered")]


def test_another_teams_case_is_not_found(registry: Registry, alice: UserInfo, bob: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    registry.add_lab(alice, case.id, "haemoglobin", 8.0, "g/dL")
    for action in (
        lambda: registry.get_case(bob, case.id),
        lambda: registry.case_detail(bob, case.id),
        lambda: registry.update_case(bob, case.id, version=1, label="mine"),
        lambda: registry.delete_case(bob, case.id),
        lambda: registry.set_findings(bob, case.id, []),
        lambda: registry.list_labs(bob, case.id),
        lambda: registry.add_lab(bob, case.id, "haemoglobin", 9.0, "g/dL"),
        lambda: registry.record_analysis(bob, case.id, {"marbledx_version": "1", "hpo_release": "x"}),
        lambda: registry.get_analysis(bob, case.id),
    ):
        with pytest.raises(NotFoundError, match="no case"):
            action()
    with pytest.raises(NotFoundError):
        registry.get_case(alice, "not-a-uuid")
    assert registry.list_cases(bob) == []
    assert registry.count_cases(bob) == 0
    assert registry.get_case(alice, case.id).label == "patient 7"
    assert len(registry.list_labs(alice, case.id)) == 1


def test_counsellor_cannot_delete(registry: Registry, alice: UserInfo, carol: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    with pytest.raises(PermissionDeniedError, match="counsellor cannot delete"):
        registry.delete_case(carol, case.id)
    assert registry.get_case(carol, case.id).id == case.id
    admin = registry.add_user("root", "haematology", "admin", "a long passphrase")
    registry.delete_case(admin, case.id)
    other = registry.create_case(carol, "patient 8")
    registry.delete_case(alice, other.id)
    assert registry.list_cases(alice) == []
    with pytest.raises(NotFoundError):
        registry.get_case(alice, case.id)


def test_optimistic_concurrency(registry: Registry, alice: UserInfo, carol: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7", age_days=100)
    mine = registry.get_case(alice, case.id)
    theirs = registry.get_case(carol, case.id)
    changed = registry.update_case(alice, case.id, version=mine.version, age_days=120, sex="male")
    assert changed.version == 2
    assert (changed.age_days, changed.sex) == (120.0, "male")
    with pytest.raises(ConflictError, match="version 2, not 1"):
        registry.update_case(carol, case.id, version=theirs.version, label="overwritten")
    now = registry.get_case(carol, case.id)
    assert (now.label, now.version, now.updated_by) == ("patient 7", 2, "alice")
    with pytest.raises(ConflictError):
        registry.set_findings(carol, case.id, [FindingRecord("HP:0001744")], version=1)
    with pytest.raises(ConflictError):
        registry.delete_case(alice, case.id, version=1)
    again = registry.update_case(carol, case.id, version=2, label="patient 7b", age_days=None)
    assert (again.version, again.label, again.age_days, again.sex) == (3, "patient 7b", None, "male")


def test_a_concurrent_write_between_read_and_flush_is_a_conflict(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")

    def lost_update() -> None:
        with registry.unit_of_work() as session:
            row = session.scalars(select(CaseRow).where(CaseRow.public_id == case.id)).one()
            # Another writer bumps the version after this session read the row.
            session.connection().execute(
                update(CaseRow.__table__).where(CaseRow.id == row.id).values(version=CaseRow.version + 1)
            )
            row.label = "lost update"
            session.flush()

    with pytest.raises(ConflictError, match="changed by someone else"):
        lost_update()
    assert registry.get_case(alice, case.id).label == "patient 7"


def test_update_validates_and_unchanged_fields_keep_the_version(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7", sex="female")
    same = registry.update_case(alice, case.id, version=1, sex="female")
    assert same.version == 1
    for kwargs in ({"sex": "other"}, {"age_days": -1}, {"age_days": float("nan")}, {"label": " "}):
        with pytest.raises(InputError):
            registry.update_case(alice, case.id, version=1, **kwargs)
    with pytest.raises(InputError, match="sex"):
        registry.create_case(alice, "x", sex="unknown")


def test_findings_replace(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7", findings=[FindingRecord("HP:0011002")])
    updated = registry.set_findings(
        alice,
        case.id,
        [
            Finding("HP:0001744", excluded=True),  # marbledx.findings.Finding is accepted as well
            FindingRecord("HP:0011002", False, "text"),
            FindingRecord("HP:0001744", True, "lab"),  # a duplicate keeps the first
        ],
        version=1,
    )
    assert updated.version == 2
    assert registry.list_findings(alice, case.id) == [
        FindingRecord("HP:0001744", True, "entered"),
        FindingRecord("HP:0011002", False, "text"),
    ]
    with pytest.raises(InputError, match="both observed and excluded"):
        registry.set_findings(
            alice, case.id, [FindingRecord("HP:0001744"), FindingRecord("HP:0001744", True)]
        )
    with pytest.raises(InputError, match="not an HPO id"):
        registry.set_findings(alice, case.id, [FindingRecord("HP:12")])
    with pytest.raises(InputError, match="source"):
        registry.set_findings(alice, case.id, [FindingRecord("HP:0011002", source="guess")])
    assert len(registry.list_findings(alice, case.id)) == 2
    registry.set_findings(alice, case.id, [])
    assert registry.list_findings(alice, case.id) == []


def test_labs_over_time(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    registry.add_lab(alice, case.id, "haemoglobin", 9.5, "g/dL", measured_on="2025-03-01")
    registry.add_lab(alice, case.id, "platelets", 80, "10^9/L", measured_on=dt.date(2025, 1, 15))
    registry.add_lab(alice, case.id, "haemoglobin", 8.1, "g/dL")  # date unknown: listed last
    registry.add_lab(alice, case.id, "haemoglobin", 7.2, "g/dL", measured_on="2025-01-01", low=11, high=14)
    registry.add_lab(alice, case.id, "haemoglobin", 7.9, "g/dL", measured_on="2025-01-01")
    labs = registry.list_labs(alice, case.id)
    assert [(lab.analyte, lab.value) for lab in labs] == [
        ("haemoglobin", 7.2),
        ("haemoglobin", 7.9),
        ("platelets", 80.0),
        ("haemoglobin", 9.5),
        ("haemoglobin", 8.1),
    ]
    assert (labs[0].low, labs[0].high, labs[0].created_by) == (11.0, 14.0, "alice")
    haemoglobin = registry.list_labs(alice, case.id, analyte="haemoglobin")
    assert [lab.value for lab in haemoglobin] == [7.2, 7.9, 9.5, 8.1]
    assert haemoglobin[0].to_dict()["date"] == "2025-01-01"
    registry.delete_lab(alice, case.id, labs[1].id)
    assert len(registry.list_labs(alice, case.id)) == 4
    with pytest.raises(NotFoundError):
        registry.delete_lab(alice, case.id, labs[1].id)
    for bad in (
        {"measured_on": "1 March"},
        {"value": float("inf")},
        {"value": True},
        {"analyte": ""},
        {"unit": " "},
    ):
        args = {"analyte": "haemoglobin", "value": 8.0, "unit": "g/dL"} | bad
        with pytest.raises(InputError):
            registry.add_lab(alice, case.id, **args)


def test_analysis_round_trip(registry: Registry, alice: UserInfo, mini_hpo: Hpo, kb: KnowledgeBase) -> None:
    case = registry.create_case(alice, "patient 7", age_days=200, sex="female")
    report = analyze(
        Case(case_id=case.id, input="registry", findings=(Finding("HP:0011002"),), age_days=200.0),
        hpo=mini_hpo,
        kb=kb,
    )
    first = registry.record_analysis(alice, case.id, report)
    assert first.result == report.to_dict()
    assert first.hpo_release == mini_hpo.version
    second = registry.record_analysis(alice, case.id, report.to_dict() | {"notes": ["again"]})
    listed = registry.list_analyses(alice, case.id)
    assert [a.id for a in listed] == [first.id, second.id]
    assert all(a.result is None for a in listed)
    latest = registry.get_analysis(alice, case.id)
    assert latest.id == second.id
    assert latest.result is not None
    assert latest.result["notes"] == ["again"]
    assert registry.get_analysis(alice, case.id, first.id).result == report.to_dict()
    with pytest.raises(NotFoundError):
        registry.get_analysis(alice, case.id, str(uuid.uuid4()))
    with pytest.raises(InputError, match="lacks marbledx_version"):
        registry.record_analysis(alice, case.id, {"ranking": []})
    with pytest.raises(InputError, match="not JSON"):
        registry.record_analysis(
            alice, case.id, {"marbledx_version": "1", "hpo_release": "x", "bad": object()}
        )


_RESULT = {"marbledx_version": "1", "hpo_release": "x"}


@pytest.mark.parametrize("change", ["lab added", "lab removed", "upload added", "upload removed", "findings"])
def test_a_change_that_feeds_the_analysis_makes_it_out_of_date(
    registry: Registry, alice: UserInfo, carol: UserInfo, change: str
) -> None:
    """Labs and files added or removed, and findings edited, move the case's ``updated_at`` past its
    analyses (the results page and reports say so); labs and files leave the version alone."""
    case = registry.create_case(alice, "patient 7", findings=[FindingRecord("HP:0011002")])
    lab = registry.add_lab(alice, case.id, "haemoglobin", 8.0, "g/dL")
    upload = registry.store_upload(alice, case.id, "vcf", [b"##fileformat=VCFv4.2\n"], max_bytes=100)
    stored = registry.record_analysis(alice, case.id, _RESULT)
    assert not stored.outdated
    assert not registry.get_analysis(alice, case.id).outdated
    before = registry.get_case(alice, case.id)
    if change == "lab added":
        registry.add_lab(carol, case.id, "calcium", 1.9, "mmol/L")
    elif change == "lab removed":
        registry.delete_lab(carol, case.id, lab.id)
    elif change == "upload added":
        registry.store_upload(carol, case.id, "ped", [b"fam child 0 0 1 2\n"], max_bytes=100)
    elif change == "upload removed":
        registry.delete_upload(carol, case.id, upload.id)
    else:
        registry.set_findings(carol, case.id, [FindingRecord("HP:0001744")])
    after = registry.get_case(alice, case.id)
    assert after.updated_at > stored.created_at
    assert after.updated_by == "carol"
    assert after.version == before.version + (change == "findings")
    assert registry.get_analysis(alice, case.id).outdated
    assert [a.outdated for a in registry.case_detail(alice, case.id).analyses] == [True]
    assert [a.outdated for a in registry.list_analyses(alice, case.id)] == [True]
    again = registry.record_analysis(alice, case.id, _RESULT)
    assert not again.outdated
    assert [a.outdated for a in registry.list_analyses(alice, case.id)] == [True, False]


def test_an_analysis_of_inputs_changed_meanwhile_is_not_stored(registry: Registry, alice: UserInfo) -> None:
    """The analysis read the case, then a lab arrived before its result was stored: storing it would show
    an analysis of the old data as current."""
    case = registry.create_case(alice, "patient 7", findings=[FindingRecord("HP:0011002")])
    read = registry.case_detail(alice, case.id).case.updated_at
    registry.add_lab(alice, case.id, "haemoglobin", 8.0, "g/dL")
    with pytest.raises(ConflictError, match="changed while it was being analysed"):
        registry.record_analysis(alice, case.id, _RESULT, based_on=read)
    assert registry.list_analyses(alice, case.id) == []
    now = registry.case_detail(alice, case.id).case.updated_at
    assert not registry.record_analysis(alice, case.id, _RESULT, based_on=now).outdated


def test_case_detail_and_delete_cascade(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7", findings=[FindingRecord("HP:0011002")])
    registry.add_lab(alice, case.id, "haemoglobin", 8.0, "g/dL", measured_on="2025-01-01")
    registry.record_analysis(alice, case.id, {"marbledx_version": "1", "hpo_release": "x"})
    upload = registry.store_upload(alice, case.id, "ped", [b"fam 1 0 0 1 2\n"], max_bytes=100)
    detail = registry.case_detail(alice, case.id)
    assert detail.case.id == case.id
    assert [f.hpo_id for f in detail.findings] == ["HP:0011002"]
    assert len(detail.labs) == len(detail.analyses) == len(detail.uploads) == 1
    assert detail.to_dict()["uploads"][0]["id"] == upload.id
    assert "stored_name" not in detail.to_dict()["uploads"][0]
    assert (registry.uploads_dir / upload.stored_name).is_file()
    registry.delete_case(alice, case.id)
    counts = registry.counts()
    assert counts["cases"] == counts["findings"] == counts["lab_measurements"] == 0
    assert counts["analyses"] == counts["uploads"] == 0
    assert list(registry.uploads_dir.iterdir()) == []
    assert next(e.action for e in registry.audit_log(alice, case.id)) == "delete"  # the trail is kept


def test_case_detail_matches_the_single_part_reads(
    registry: Registry, alice: UserInfo, carol: UserInfo
) -> None:
    """The case view's joined reads give the same records as the per-part accessors: the names of who
    created, changed and entered what, labs by date with undated last, analyses without results."""
    case = registry.create_case(alice, "patient 7", findings=[FindingRecord("HP:0011002")])
    registry.store_upload(alice, case.id, "vcf", [b"##fileformat=VCFv4.2\n"], max_bytes=100)
    registry.set_findings(
        carol, case.id, [FindingRecord("HP:0011002"), FindingRecord("HP:0001744", excluded=True)]
    )
    registry.add_lab(carol, case.id, "platelets", 40, "10^9/L")  # undated: listed last
    registry.add_lab(alice, case.id, "haemoglobin", 8.0, "g/dL", measured_on="2025-02-01")
    registry.add_lab(carol, case.id, "haemoglobin", 7.1, "g/dL", measured_on="2025-01-01")  # the last change
    registry.record_analysis(carol, case.id, {"marbledx_version": "1", "hpo_release": "x"})

    detail = registry.case_detail(carol, case.id)
    assert detail.case == registry.get_case(carol, case.id)
    assert (detail.case.created_by, detail.case.updated_by) == ("alice", "carol")
    assert list(detail.findings) == registry.list_findings(carol, case.id)
    assert list(detail.labs) == registry.list_labs(carol, case.id)
    assert [(lab.value, lab.created_by) for lab in detail.labs] == [
        (7.1, "carol"),
        (8.0, "alice"),
        (40.0, "carol"),
    ]
    assert list(detail.uploads) == registry.list_uploads(carol, case.id)
    assert detail.uploads[0].created_by == "alice"
    assert list(detail.analyses) == registry.list_analyses(carol, case.id)
    assert detail.analyses[0].created_by == "carol"
    assert detail.analyses[0].result is None
    assert registry.get_analysis(carol, case.id).result == {"marbledx_version": "1", "hpo_release": "x"}


def test_audit_events_for_view_create_update_delete(
    registry: Registry, alice: UserInfo, bob: UserInfo
) -> None:
    case = registry.create_case(alice, "Jane Doe", findings=[FindingRecord("HP:0011002")])
    registry.get_case(alice, case.id)
    registry.update_case(alice, case.id, version=1, label="Jane D.")
    registry.set_findings(alice, case.id, [FindingRecord("HP:0001744")])
    registry.add_lab(alice, case.id, "haemoglobin", 8.0, "g/dL")
    registry.list_labs(alice, case.id)
    registry.record_analysis(alice, case.id, {"marbledx_version": "1", "hpo_release": "x"})
    registry.delete_case(alice, case.id)
    events = registry.audit_log(alice, case.id)
    assert [e.action for e in reversed(events)] == [
        "create",
        "view",
        "update",
        "update",
        "update",
        "view",
        "analyze",
        "delete",
    ]
    assert all(e.user == "alice" and e.case_id == case.id for e in events)
    assert events[0].at >= events[-1].at
    text = " ".join(e.detail for e in registry.audit_log(alice))
    for private in ("Jane", "HP:0011002", "HP:0001744", "haemoglobin", "8.0"):
        assert private not in text
    assert "fields: label" in text
    assert registry.audit_log(bob) == []  # another team's trail
    assert registry.audit_log(alice)[-1].detail == "1 findings"


def test_list_writes_one_view_event(registry: Registry, alice: UserInfo) -> None:
    registry.create_case(alice, "a")
    registry.create_case(alice, "b")
    registry.list_cases(alice, limit=1)
    assert next((e.action, e.case_id, e.detail) for e in registry.audit_log(alice)) == (
        "view",
        None,
        "case list",
    )


def test_failed_write_leaves_nothing(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    before = registry.counts()

    def fail_half_way() -> None:
        with registry.unit_of_work() as session:
            session.add(FindingRow(case_id=1, hpo_id="HP:0011002", excluded=False, source="entered"))
            session.add(
                LabMeasurement(
                    case_id=1,
                    analyte="x",
                    value=1.0,
                    unit="u",
                    created_at=case.created_at,
                    created_by_id=alice.id,
                )
            )
            session.flush()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert registry.counts() == before


def test_sqlite_is_in_wal_mode_with_foreign_keys(registry: Registry, tmp_path: Path) -> None:
    with registry.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "registry.sqlite3").stat().st_mode & 0o077 == 0
