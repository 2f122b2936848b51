"""A PED upload's couple (whose next child the counselling risks are for): chosen at upload as FATHER,MOTHER,
parsed as ``marbledx analyze --couple`` parses it, checked against the file there, stored on the upload
(schema revision 0007) and carried by backups."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from argon2 import PasswordHasher
from sqlalchemy import inspect, text

import marbledx._couple
from marbledx.cli import _args
from marbledx.errors import InputError
from marbledx.registry import MAX_COUPLE_LENGTH, Registry, UserInfo, head_revision

from .helpers import PASSWORD, backup_rows, migration_database, rewrite

# An affected adult with children by two partners and no parents in the file: the analysis has no default
# couple, so the couple is the user's to choose. GF is named as a father without a line of his own.
FAMILY = (
    b"# family individual father mother sex affected\n"
    b"F ADULT 0 0 2 2\n"
    b"F P1 0 0 1 1\n"
    b"F P2 0 0 1 1\n"
    b"F KID1 P1 ADULT 1 0\n"
    b"F KID2 P2 ADULT 2 0\n"
    b"G SIB GF 0 1 1\n"
)
VCF = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def _store(registry: Registry, user: UserInfo, case_id: str, couple: str | None, **kw: Any) -> Any:
    kind = kw.pop("kind", "ped")
    data = kw.pop("data", FAMILY)
    return registry.store_upload(
        user, case_id, kind, io.BytesIO(data), max_bytes=1 << 16, couple=couple, **kw
    )


def _kept(registry: Registry) -> list[str]:
    folder = registry.uploads_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_parser_is_the_command_lines_own() -> None:
    # One parser for --couple and for the upload: the command line re-exports it unchanged.
    assert _args.parse_couple is marbledx._couple.parse_couple
    assert _args.COUPLE_METAVAR == "FATHER,MOTHER"
    with pytest.raises(InputError) as cli:
        _args.parse_couple("DAD")
    assert str(cli.value) == "--couple 'DAD': expected two individual ids separated by a comma, FATHER,MOTHER"


def test_a_ped_upload_keeps_its_couple(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    upload = _store(registry, alice, case.id, "  P1 , ADULT ")
    assert upload.couple == ("P1", "ADULT")  # as the analysis reads it: surrounding spaces dropped
    assert upload.to_dict()["couple"] == ["P1", "ADULT"]
    assert registry.case_detail(alice, case.id).uploads == (upload,)
    # A parent named in the file without a line of their own is a person of it (the counselling's rule).
    assert _store(registry, alice, case.id, "GF,ADULT").couple == ("GF", "ADULT")
    # Not chosen (or blank): none stored, the analysis takes its default.
    assert _store(registry, alice, case.id, None).couple is None
    assert _store(registry, alice, case.id, "  ").couple is None
    assert _store(registry, alice, case.id, None, kind="vcf", data=VCF).to_dict()["couple"] is None


@pytest.mark.parametrize(
    ("couple", "message"),
    [
        ("ADULT", "couple 'ADULT': expected two individual ids separated by a comma, FATHER,MOTHER"),
        (
            "P1,ADULT,P2",
            "couple 'P1,ADULT,P2': expected two individual ids separated by a comma, FATHER,MOTHER",
        ),
        ("P1,", "couple 'P1,': expected two individual ids separated by a comma, FATHER,MOTHER"),
        (
            "ZED,ADULT",
            "couple: 'ZED' is not in the PED file; expected two individual ids from the file, FATHER,MOTHER; "
            "its individuals: ADULT, P1, P2, KID1, KID2, SIB",
        ),
        (
            "P1,adult",
            "couple: 'adult' is not in the PED file; expected two individual ids from the file, FATHER,MOTHER; "
            "its individuals: ADULT, P1, P2, KID1, KID2, SIB",
        ),
        (
            "ADULT,ADULT",
            "couple names 'ADULT' twice; expected two different people of the PED file, FATHER,MOTHER",
        ),
        (
            "P1,P2",
            "couple: 'P1' and 'P2' are both male in the PED file; expected a father and a mother, FATHER,MOTHER",
        ),
        ("P1\x00,ADULT", "couple contains a NUL character (U+0000); expected text without it"),
        (
            "P" * (MAX_COUPLE_LENGTH + 1),
            f"couple is {MAX_COUPLE_LENGTH + 1} characters long; expected two individual ids of the PED file, "
            f"FATHER,MOTHER (at most {MAX_COUPLE_LENGTH} characters)",
        ),
    ],
)
def test_a_wrong_couple_is_refused_in_one_line_and_nothing_is_kept(
    registry: Registry, alice: UserInfo, couple: str, message: str
) -> None:
    case = registry.create_case(alice, "patient 7")
    with pytest.raises(InputError) as refused:
        _store(registry, alice, case.id, couple)
    assert str(refused.value) == message
    assert registry.case_detail(alice, case.id).uploads == ()
    assert _kept(registry) == []


def test_a_couple_is_for_a_ped_file_only(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    with pytest.raises(InputError) as refused:
        _store(registry, alice, case.id, "P1,ADULT", kind="vcf", data=VCF)
    assert str(refused.value) == (
        "couple is for a PED upload only (whose next child the counselling risks are for); leave it empty "
        "for a VCF file"
    )
    assert _kept(registry) == []


def test_a_ped_file_the_analysis_cannot_read_is_refused_with_a_couple_without_its_path(
    registry: Registry, alice: UserInfo
) -> None:
    case = registry.create_case(alice, "patient 7")
    twice = b"F A 0 0 1 1\nF A 0 0 1 1\n"
    with pytest.raises(InputError) as refused:
        _store(registry, alice, case.id, "A,B", data=twice)
    assert str(refused.value) == "the PED file line 2: individual 'A' is already defined at line 1"
    assert _kept(registry) == []
    # Without a couple the file is kept, as before: the analysis says what is wrong with it.
    assert _store(registry, alice, case.id, None, data=twice).couple is None


def test_a_couple_changed_outside_marbledx_reads_as_none(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    _store(registry, alice, case.id, "P1,ADULT")
    with registry.engine.begin() as connection:
        connection.execute(text("UPDATE uploads SET couple = 'P1'"))
    assert [u.couple for u in registry.case_detail(alice, case.id).uploads] == [None]


# -- migration 0007 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0007_adds_the_upload_couple_and_goes_back(tmp_path: Path, backend: str) -> None:
    """Downgraded to 0006, the uploads keep their rows (samples and kind constraint too) without the couple;
    upgraded again, their couple reads as not chosen and a new upload chooses one."""
    from sqlalchemy.exc import IntegrityError

    with migration_database(backend, tmp_path) as (url, config, engine):
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        trio = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tKID\tDAD\tMUM\n"
        with Registry.open(url, uploads_dir=tmp_path, password_hasher=cheap) as registry:
            assert registry.schema_revision() == head_revision()
            alice = registry.add_user("alice", "haematology", "clinician", PASSWORD)
            case = registry.create_case(alice, "patient 7")
            ped = _store(registry, alice, case.id, "P1,ADULT")
            vcf = _store(registry, alice, case.id, None, kind="vcf", data=trio, sample="KID")
        assert ped.couple == ("P1", "ADULT")

        command.downgrade(config, "0006")
        columns = {c["name"] for c in inspect(engine).get_columns("uploads")}
        assert "couple" not in columns
        assert {"sample", "samples", "sample_count"} <= columns
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT stored_name, sample FROM uploads ORDER BY id")).all()
        assert [tuple(row) for row in stored] == [(ped.stored_name, None), (vcf.stored_name, "KID")]
        with pytest.raises(IntegrityError), engine.begin() as connection:  # the kind constraint is kept
            connection.execute(text("UPDATE uploads SET kind = 'bam'"))

        with Registry.open(url, uploads_dir=tmp_path, password_hasher=cheap) as registry:  # to the head again
            assert registry.schema_revision() == head_revision()
            old_ped, old_vcf = registry.case_detail(alice, case.id).uploads
            assert (old_ped.id, old_ped.couple) == (ped.id, None)
            assert (old_vcf.id, old_vcf.sample, old_vcf.couple) == (vcf.id, "KID", None)
            new = _store(registry, alice, case.id, "P2,ADULT")
            assert new.couple == ("P2", "ADULT")


# -- backups -----------------------------------------------------------------------------------------------


def test_a_backup_carries_the_couple(
    registry: Registry, alice: UserInfo, empty_target: Registry, tmp_path: Path
) -> None:
    case = registry.create_case(alice, "patient 7")
    chosen = _store(registry, alice, case.id, "P1,ADULT")
    archive = tmp_path / "backup.tar.gz"
    assert registry.backup(archive)["schema_revision"] == head_revision()
    assert [row["couple"] for row in backup_rows(archive, "uploads")[1]] == ["P1,ADULT"]
    empty_target.restore(archive)
    assert empty_target.list_uploads(alice, case.id) == [chosen]


def test_a_backup_of_revision_0006_restores_without_a_couple(
    registry: Registry, alice: UserInfo, empty_target: Registry, tmp_path: Path
) -> None:
    """Revision 0007 only added a nullable column to uploads: a 0006 backup's upload rows, which lack it,
    restore with no couple chosen."""
    case = registry.create_case(alice, "patient 7")
    chosen = _store(registry, alice, case.id, "P1,ADULT")
    archive = tmp_path / "backup.tar.gz"
    registry.backup(archive)
    manifest, rows = backup_rows(archive, "uploads")
    older = tmp_path / "backup-0006.tar.gz"
    rewrite(
        archive,
        older,
        {
            "manifest.json": json.dumps(dict(manifest, schema_revision="0006")).encode(),
            "tables/uploads.jsonl": "".join(
                json.dumps({k: v for k, v in row.items() if k != "couple"}) + "\n" for row in rows
            ).encode(),
        },
        fix_manifest=True,
    )
    assert empty_target.restore(older)["schema_revision"] == "0006"
    (upload,) = empty_target.list_uploads(alice, case.id)
    assert (upload.id, upload.couple) == (chosen.id, None)
