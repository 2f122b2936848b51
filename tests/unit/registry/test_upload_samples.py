"""A VCF upload's samples: read from the header at upload, the proband's sample chosen and checked there."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

import pysam
import pytest

from marbledx.errors import InputError
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from marbledx.registry import STORED_SAMPLE_NAMES, Registry, UserInfo
from marbledx.registry._checks import vcf_sample_names

TRIO = ("KID", "DAD", "MUM")


def _trio_vcf(folder: Path, name: str = "trio.vcf") -> Path:
    variant = SyntheticVariant("chr1", 100, "A", "G", "GENE1", genotypes={"KID": "0/1", "DAD": "0/1"})
    return write_vcf(folder / name, [variant], samples=TRIO, build=None)


def _as_bcf(vcf: Path, out: Path, *, compressed: bool = True) -> Path:
    with (
        pysam.VariantFile(str(vcf)) as source,
        pysam.VariantFile(str(out), "wb", header=source.header) as sink,
    ):
        for record in source:
            sink.write(record)
    if not compressed:  # BCF is BGZF-compressed; its uncompressed form starts with the magic itself
        out.write_bytes(gzip.decompress(out.read_bytes()))
        assert out.read_bytes().startswith(b"BCF\x02")
    return out


def _files(registry: Registry) -> list[str]:
    folder = registry.uploads_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("form", ["vcf", "vcf.gz", "bcf", "uncompressed bcf"])
def test_a_vcf_upload_keeps_its_samples_and_the_chosen_one(
    registry: Registry, alice: UserInfo, tmp_path: Path, form: str
) -> None:
    path = _trio_vcf(tmp_path)
    if form == "vcf.gz":
        path = _trio_vcf(tmp_path, "trio.vcf.gz")
    elif form.endswith("bcf"):
        path = _as_bcf(path, tmp_path / "trio.bcf", compressed=form == "bcf")
    assert vcf_sample_names(path) == list(TRIO)
    case = registry.create_case(alice, "patient 7")
    upload = registry.store_upload(
        alice, case.id, "vcf", io.BytesIO(path.read_bytes()), max_bytes=1 << 20, sample="DAD"
    )
    assert (upload.sample, upload.samples, upload.sample_count) == ("DAD", TRIO, 3)
    assert upload.to_dict() | {"sample": "DAD", "samples": list(TRIO), "sample_count": 3} == upload.to_dict()
    assert registry.case_detail(alice, case.id).uploads == (upload,)


def test_an_unknown_sample_is_refused_naming_the_field_and_the_samples(
    registry: Registry, alice: UserInfo, tmp_path: Path
) -> None:
    case = registry.create_case(alice, "patient 7")
    trio = _trio_vcf(tmp_path).read_bytes()
    with pytest.raises(InputError) as refused:
        registry.store_upload(alice, case.id, "vcf", io.BytesIO(trio), max_bytes=1 << 20, sample="kid")
    assert str(refused.value) == (
        "sample 'kid' is not a sample of this VCF; expected one of its samples: KID, DAD, MUM"
    )
    cohort = (
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
        + "\t".join(f"S{i}" for i in range(120))
        + "\n"
    ).encode()
    with pytest.raises(InputError) as long_list:
        registry.store_upload(alice, case.id, "vcf", io.BytesIO(cohort), max_bytes=1 << 20, sample="P1")
    message = str(long_list.value)
    assert message.endswith("S0, S1, S2, S3, S4, S5, S6, S7, S8, S9, … (120 in all)")
    assert "\n" not in message
    assert registry.counts()["uploads"] == 0
    assert _files(registry) == []  # nothing kept
    kept = registry.store_upload(alice, case.id, "vcf", io.BytesIO(cohort), max_bytes=1 << 20)
    assert kept.sample is None
    assert kept.sample_count == 120
    assert kept.samples == tuple(f"S{i}" for i in range(STORED_SAMPLE_NAMES))


def test_a_multi_sample_vcf_without_a_sample_is_kept(
    registry: Registry, alice: UserInfo, tmp_path: Path
) -> None:
    """A PED file uploaded with it may name the affected child, so the choice can wait for the analysis."""
    case = registry.create_case(alice, "patient 7")
    upload = registry.store_upload(
        alice, case.id, "vcf", io.BytesIO(_trio_vcf(tmp_path).read_bytes()), max_bytes=1 << 20, sample="  "
    )
    assert (upload.sample, upload.samples, upload.sample_count) == (None, TRIO, 3)
    spaced = registry.store_upload(
        alice, case.id, "vcf", io.BytesIO(_trio_vcf(tmp_path).read_bytes()), max_bytes=1 << 20, sample=" MUM "
    )
    assert spaced.sample == "MUM"  # as the header spells it


def test_a_sample_for_a_ped_upload_is_refused_before_reading(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    stream = io.BytesIO(b"fam1 KID DAD MUM 1 2\nfam1 DAD 0 0 1 1\nfam1 MUM 0 0 2 1\n")
    with pytest.raises(InputError, match=r"^sample is for a VCF upload only"):
        registry.store_upload(alice, case.id, "ped", stream, max_bytes=1 << 20, sample="KID")
    assert stream.tell() == 0
    ped = registry.store_upload(alice, case.id, "ped", stream, max_bytes=1 << 20, sample="")
    assert (ped.sample, ped.samples, ped.sample_count) == (None, None, None)


@pytest.mark.parametrize(
    ("text", "samples", "message"),
    [
        (
            "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
            [],
            "sample 'KID' is not in the VCF: it has no sample columns (a sites-only VCF)",
        ),
        (
            "##fileformat=VCFv4.2\nchr1\t100\t.\tA\tG\t50\tPASS\t.\n",
            None,
            "sample 'KID' cannot be checked: the VCF header has no #CHROM line",
        ),
        (
            "##fileformat=VCFv4.2\n#CHROM POS ID REF ALT QUAL FILTER INFO FORMAT KID\n",  # spaces for tabs
            None,
            "sample 'KID' cannot be checked",
        ),
    ],
)
def test_a_header_without_sample_names(
    registry: Registry, alice: UserInfo, tmp_path: Path, text: str, samples: list[str] | None, message: str
) -> None:
    path = tmp_path / "odd.vcf"
    path.write_text(text)
    assert vcf_sample_names(path) == samples
    case = registry.create_case(alice, "patient 7")
    with pytest.raises(InputError, match=f"^{re.escape(message)}"):
        registry.store_upload(
            alice, case.id, "vcf", io.BytesIO(text.encode()), max_bytes=1 << 20, sample="KID"
        )
    kept = registry.store_upload(alice, case.id, "vcf", io.BytesIO(text.encode()), max_bytes=1 << 20)
    assert (kept.sample, kept.samples) == (None, None)
    assert kept.sample_count == (None if samples is None else 0)


def test_a_long_header_is_read_past_the_first_64_kib(registry: Registry, alice: UserInfo) -> None:
    contigs = "".join(f"##contig=<ID=chrUn_{i:06d},length=1000>\n" for i in range(3000))  # about 120 kB
    text = f"##fileformat=VCFv4.2\n{contigs}#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tKID\tDAD\n"
    assert len(text) > 1 << 16
    case = registry.create_case(alice, "patient 7")
    upload = registry.store_upload(
        alice, case.id, "vcf", io.BytesIO(text.encode()), max_bytes=1 << 20, sample="KID"
    )
    assert (upload.sample, upload.samples) == ("KID", ("KID", "DAD"))


def test_a_damaged_bgzip_header_reads_as_no_samples(tmp_path: Path) -> None:
    whole = _trio_vcf(tmp_path, "trio.vcf.gz").read_bytes()
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(whole[:40])
    assert vcf_sample_names(cut) is None


def test_the_sample_name_is_checked_for_length_and_nul(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    vcf = io.BytesIO(b"##fileformat=VCFv4.2\n")
    with pytest.raises(InputError, match=r"^sample is 256 characters long"):
        registry.store_upload(alice, case.id, "vcf", vcf, max_bytes=1 << 20, sample="x" * 256)
    with pytest.raises(InputError, match=r"^sample contains a NUL character"):
        registry.store_upload(alice, case.id, "vcf", vcf, max_bytes=1 << 20, sample="K\x00ID")
