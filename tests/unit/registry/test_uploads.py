"""Uploads: streamed to a temp file, size-limited, checksummed, renamed atomically to a generated name."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from marbledx.errors import InputError
from marbledx.registry import NotFoundError, Registry, UploadTooLargeError, UserInfo

from .helpers import VCF


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_store_upload(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    upload = registry.store_upload(
        alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=10_000, original_name="C:\\lab\\Jane Doe.vcf"
    )
    assert re.fullmatch(r"[0-9a-f]{32}\.vcf", upload.stored_name)
    assert upload.original_name == "Jane Doe.vcf"  # metadata only, without the folder
    assert (upload.size, upload.sha256) == (len(VCF), hashlib.sha256(VCF).hexdigest())
    path = registry.uploads_dir / upload.stored_name
    assert path.read_bytes() == VCF
    assert path.stat().st_mode & 0o077 == 0
    assert _files(registry.uploads_dir) == [upload.stored_name]
    record, opened = registry.open_upload(alice, case.id, upload.id)
    assert (record, opened) == (upload, path)
    assert registry.list_uploads(alice, case.id) == [upload]
    actions = [(e.action, e.detail) for e in registry.audit_log(alice, case.id)]
    assert actions[:3] == [
        ("view", "uploads"),
        ("download", f"upload {upload.id}"),
        ("upload", f"vcf {upload.id}, {len(VCF)} bytes"),
    ]


def test_generated_names_differ_and_gzip_keeps_its_suffix(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    first = registry.store_upload(
        alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=10_000, original_name="a.vcf"
    )
    second = registry.store_upload(
        alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=10_000, original_name="a.vcf"
    )
    assert first.stored_name != second.stored_name
    assert first.sha256 == second.sha256
    packed = registry.store_upload(alice, case.id, "vcf", io.BytesIO(gzip.compress(VCF)), max_bytes=10_000)
    assert packed.stored_name.endswith(".vcf.gz")


def test_chunks_are_accepted(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")

    def chunks() -> Iterator[bytes]:
        yield b"fam1 child father mother 1 2\n"
        yield b""
        yield b"fam1 father 0 0 1 1\n"

    upload = registry.store_upload(alice, case.id, "ped", chunks(), max_bytes=1000)
    assert (registry.uploads_dir / upload.stored_name).read_bytes().count(b"\n") == 2
    assert upload.stored_name.endswith(".ped")


def test_size_limit_leaves_no_file(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    exact = registry.store_upload(alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=len(VCF))
    with pytest.raises(UploadTooLargeError, match=f"larger than {len(VCF) - 1} bytes"):
        registry.store_upload(alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=len(VCF) - 1)
    big = (b"x" * 4096 for _ in range(1000))  # 4 MB, refused after the first 8 kB
    with pytest.raises(UploadTooLargeError):
        registry.store_upload(alice, case.id, "vcf", big, max_bytes=8192)
    assert _files(registry.uploads_dir) == [exact.stored_name]
    assert registry.counts()["uploads"] == 1


def test_refused_uploads(registry: Registry, alice: UserInfo, bob: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    with pytest.raises(NotFoundError):
        registry.store_upload(bob, case.id, "vcf", io.BytesIO(VCF), max_bytes=10_000)
    with pytest.raises(InputError, match="kind 'bam'"):
        registry.store_upload(alice, case.id, "bam", io.BytesIO(VCF), max_bytes=10_000)
    with pytest.raises(InputError, match="empty upload"):
        registry.store_upload(alice, case.id, "vcf", io.BytesIO(b""), max_bytes=10_000)
    with pytest.raises(InputError, match="max_bytes"):
        registry.store_upload(alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=0)
    upload = registry.store_upload(alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=10_000)
    with pytest.raises(NotFoundError):
        registry.open_upload(bob, case.id, upload.id)
    other = registry.create_case(alice, "patient 8")
    with pytest.raises(NotFoundError, match="no upload"):
        registry.open_upload(alice, other.id, upload.id)
    (registry.uploads_dir / upload.stored_name).unlink()
    with pytest.raises(NotFoundError, match="missing"):
        registry.open_upload(alice, case.id, upload.id)
    assert _files(registry.uploads_dir) == []


def test_a_failed_commit_removes_the_renamed_file(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")

    def fail(_session: Session) -> None:
        raise RuntimeError("commit failed")

    event.listen(Session, "before_commit", fail)
    try:
        with pytest.raises(RuntimeError, match="commit failed"):
            registry.store_upload(alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=10_000)
    finally:
        event.remove(Session, "before_commit", fail)
    assert _files(registry.uploads_dir) == []
    assert registry.counts()["uploads"] == 0


def test_a_failing_stream_leaves_no_file(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")

    def broken() -> Iterator[bytes]:
        yield VCF
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        registry.store_upload(alice, case.id, "vcf", broken(), max_bytes=10_000)
    assert _files(registry.uploads_dir) == []
