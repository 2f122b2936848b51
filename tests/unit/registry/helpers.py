"""Shared test helpers for the registry: a populated registry and archive surgery."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.orm import Session

from marbledx.registry import FindingRecord, Registry, UserInfo, normalise_url
from marbledx.registry._db import _config

PASSWORD = "correct horse battery"
VCF = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def populate(registry: Registry) -> dict[str, Any]:
    """Two teams with users, a token, cases with findings, labs, an upload and an analysis."""
    alice = registry.add_user("alice", "haematology", "clinician", PASSWORD)
    registry.add_user("carol", "haematology", "counsellor", PASSWORD)
    bob = registry.add_user("bob", "oncology", "admin", PASSWORD)
    token = registry.issue_token(alice)
    case = registry.create_case(
        alice, "patient 7", age_days=240, sex="female", findings=[FindingRecord("HP:0011002")]
    )
    registry.update_case(alice, case.id, version=1, age_days=250)
    registry.add_lab(alice, case.id, "haemoglobin", 8.1, "g/dL", measured_on="2025-03-01")
    registry.add_lab(alice, case.id, "haemoglobin", 7.2, "g/dL", measured_on="2025-01-01", low=11, high=14)
    upload = registry.store_upload(
        alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=10_000, original_name="p7.vcf"
    )
    analysis = registry.record_analysis(
        alice, case.id, {"marbledx_version": "0.1.0", "hpo_release": "2025-01-16", "ranking": [{"p": 0.5}]}
    )
    other = registry.create_case(bob, "patient 9")
    return {
        "alice": alice,
        "bob": bob,
        "token": token,
        "case": case.id,
        "other": other.id,
        "upload": upload,
        "analysis": analysis.id,
    }


def snapshot(registry: Registry, user: UserInfo, case_id: str) -> dict[str, Any]:
    """What a user sees of a case, without the audit event the viewing itself adds."""
    return registry.case_detail(user, case_id).to_dict()


def rewrite(archive: Path, out: Path, change: dict[str, bytes | None], *, fix_manifest: bool) -> None:
    """Copy a backup archive with members replaced (bytes) or removed (None); optionally re-checksum."""
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    for name, data in change.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    if fix_manifest:
        manifest = json.loads(members["manifest.json"])
        manifest["files"] = {
            name: hashlib.sha256(data).hexdigest()
            for name, data in members.items()
            if name != "manifest.json"
        }
        members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(out, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def backup_rows(archive: Path, table: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The manifest of the backup ``archive`` and the rows of one of its tables (``cases``, ``uploads``)."""
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        lines = tar.extractfile(f"tables/{table}.jsonl").read().decode().splitlines()  # type: ignore[union-attr]
    return manifest, [json.loads(line) for line in lines]


@contextmanager
def migration_database(backend: str, tmp_path: Path) -> Iterator[tuple[URL, Config, Engine]]:
    """An empty database for a migration test: the PostgreSQL test database (wiped before and after) or a SQLite
    file, with the Alembic configuration pointed at it and an engine on it (disposed after)."""
    from ...postgres import postgres_url_or_skip, wipe

    if backend == "postgresql":
        url = normalise_url(postgres_url_or_skip())
        wipe(url.render_as_string(hide_password=False))
    else:
        url = normalise_url(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    config = _config()
    config.attributes["url"] = url.render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        yield url, config, engine
    finally:
        engine.dispose()
        if backend == "postgresql":
            wipe(url.render_as_string(hide_password=False))


def racing_adds(
    registry: Registry, row_type: type[Any], adds: Sequence[tuple[str, str]], password: str
) -> dict[tuple[str, str], Any]:
    """``registry.add_user(name, team, "clinician", password)`` for each (name, team) of ``adds``, in threads
    held at their first insert of a ``row_type`` row until all have passed the application's checks (two server
    processes on PostgreSQL); each add's result or exception, by (name, team)."""
    all_checked = threading.Barrier(len(adds), timeout=30)
    waited = threading.local()

    def hold_before_insert(session: Session, *_: Any) -> None:
        if any(isinstance(row, row_type) for row in session.new) and not getattr(waited, "done", False):
            waited.done = True
            all_checked.wait()

    outcome: dict[tuple[str, str], Any] = {}

    def add(name: str, team: str) -> None:
        try:
            outcome[name, team] = registry.add_user(name, team, "clinician", password)
        except Exception as exc:  # noqa: BLE001 - the caller inspects it
            outcome[name, team] = exc

    event.listen(Session, "before_flush", hold_before_insert)
    try:
        threads = [threading.Thread(target=add, args=pair) for pair in adds]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        event.remove(Session, "before_flush", hold_before_insert)
    return outcome
