"""Uploads: streamed to a temp file, size-limited, checksummed, renamed atomically to a generated name."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pysam.libcbgzf import BGZFile
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


def test_generated_names_differ_and_gzip_keeps_its_suffix(
    registry: Registry, alice: UserInfo, tmp_path: Path
) -> None:
    case = registry.create_case(alice, "patient 7")
    first = registry.store_upload(
        alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=10_000, original_name="a.vcf"
    )
    second = registry.store_upload(
        alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=10_000, original_name="a.vcf"
    )
    assert first.stored_name != second.stored_name
    assert first.sha256 == second.sha256
    bgzipped = tmp_path / "a.vcf.gz"
    with BGZFile(str(bgzipped), "wb") as out:
        out.write(VCF)
    packed = registry.store_upload(alice, case.id, "vcf", io.BytesIO(bgzipped.read_bytes()), max_bytes=10_000)
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


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("vcf", b'{"id": "patient 7", "phenotypicFeatures": []}', "not a VCF file: it looks like JSON"),
        ("vcf", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not a VCF file: it looks like a PNG image"),
        ("vcf", b"CHROM POS\n1 100\n", "not a VCF file; expected VCF text starting with '##fileformat=VCF'"),
        ("vcf", gzip.compress(VCF), "plain gzip"),
        ("ped", VCF, "this is a VCF file, not a PED file; upload it as kind VCF"),
        ("ped", b"not a pedigree\n", "line 1 has 3 columns; expected 6 or more"),
        ("ped", b"fam child 0 0 boy 2\n", "line 1, column 5 (sex)"),
        ("ped", b"# a comment only\n", "lists no individuals"),
        ("ped", b"\x89PNG\r\n\x1a\n\x00\x00", "not a PED file: it looks like a PNG image"),
    ],
)
def test_a_file_of_the_wrong_kind_is_refused_at_upload(
    registry: Registry, alice: UserInfo, kind: str, content: bytes, message: str
) -> None:
    """A wrong file is refused at once with one line, rather than stored to fail every analysis later."""
    case = registry.create_case(alice, "patient 7")
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        registry.store_upload(alice, case.id, kind, io.BytesIO(content), max_bytes=10_000)
    assert "\n" not in str(caught.value)
    assert _files(registry.uploads_dir) == []
    assert registry.counts()["uploads"] == 0


def test_a_wrong_file_is_refused_before_the_rest_is_read(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    read = 0

    def garbage() -> Iterator[bytes]:
        nonlocal read
        for _ in range(1000):  # 64 MB if read to the end
            read += 1
            yield b"\x00" * 65536

    with pytest.raises(InputError, match="binary data"):
        registry.store_upload(alice, case.id, "vcf", garbage(), max_bytes=2**30)
    assert read == 1
    assert _files(registry.uploads_dir) == []


def test_a_bcf_and_a_real_pedigree_are_accepted(registry: Registry, alice: UserInfo, tmp_path: Path) -> None:
    import pysam

    from ...conftest import TESTS

    examples = TESTS.parent / "examples"
    with (
        pysam.VariantFile(str(examples / "infant-aro.vcf")) as vcf,
        pysam.VariantFile(str(tmp_path / "p.bcf"), "wb", header=vcf.header) as bcf,
    ):
        for record in vcf:
            bcf.write(record)
    case = registry.create_case(alice, "patient 7")
    for kind, path in (("vcf", tmp_path / "p.bcf"), ("ped", examples / "infant-aro.ped")):
        with path.open("rb") as handle:
            registry.store_upload(alice, case.id, kind, handle, max_bytes=2**20)
    assert [u.kind for u in registry.list_uploads(alice, case.id)] == ["vcf", "ped"]


def test_removing_an_upload_removes_its_file(registry: Registry, alice: UserInfo, bob: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    upload = registry.store_upload(alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=10_000)
    with pytest.raises(NotFoundError):
        registry.delete_upload(bob, case.id, upload.id)
    with pytest.raises(NotFoundError, match="no upload"):
        registry.delete_upload(alice, case.id, "nonsense\x00")
    registry.delete_upload(alice, case.id, upload.id)
    assert registry.list_uploads(alice, case.id) == []
    assert _files(registry.uploads_dir) == []
    assert registry.audit_log(alice, case.id)[1].detail == f"upload removed: {upload.id}"
