"""The bulk screen is used only where it can pay for loading numba: large files (session s37).

Loading numba and the screen's compiled code cost about 0.35 s with numba's cache filled and about 12 s without
it, against about 8 µs saved per record; a 4-record example VCF took 0.4 s to read with the screen and 0.002 s
without. So text VCFs below ``_SCREEN_MIN_BYTES_TEXT`` and compressed ones below
``_SCREEN_MIN_BYTES_COMPRESSED`` are read record by record (docs/genotype.md, "Reading speed"). The genotype
tests' conftest sets both to 0; these tests set them back to sizes around their files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from marbledx.genotype import VcfReadResult, read_vcf
from marbledx.genotype import _screen as screen_module
from marbledx.genotype import _vcf as vcf_module
from tests.unit.genotype.test_vcf_screen import Clinvar, mixed_lines, n_screened, same, write

# The sizes as the code has them: read at import, before the genotype tests' conftest sets them to 0.
TEXT_LIMIT = vcf_module._SCREEN_MIN_BYTES_TEXT
COMPRESSED_LIMIT = vcf_module._SCREEN_MIN_BYTES_COMPRESSED


def _read_counting_screens(monkeypatch: pytest.MonkeyPatch, path: Path) -> tuple[VcfReadResult, int]:
    """The read, and how many blocks of text the screen was given."""
    blocks = []
    real = screen_module.screen_chunk

    def counting(*args: Any, **kwargs: Any) -> Any:
        blocks.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(screen_module, "screen_chunk", counting)
    # As test_vcf_screen reads its mixed lines: the ClinVar table classifies one common allele.
    return read_vcf(path, sex="male", clinvar=Clinvar()), len(blocks)


@pytest.mark.parametrize("suffix", [".vcf", ".vcf.gz"])
def test_a_file_below_the_size_is_read_record_by_record_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, suffix: str
) -> None:
    lines, expected = mixed_lines()
    path = write(tmp_path / f"case{suffix}", lines)
    size = path.stat().st_size
    limit = "_SCREEN_MIN_BYTES_TEXT" if suffix == ".vcf" else "_SCREEN_MIN_BYTES_COMPRESSED"
    other = "_SCREEN_MIN_BYTES_COMPRESSED" if suffix == ".vcf" else "_SCREEN_MIN_BYTES_TEXT"
    # Only the limit of the file's own kind counts: the other kind's is 0 here.
    monkeypatch.setattr(vcf_module, other, 0)
    monkeypatch.setattr(vcf_module, limit, size + 1)
    below, screened_below = _read_counting_screens(monkeypatch, path)
    monkeypatch.setattr(vcf_module, limit, size)
    at, screened_at = _read_counting_screens(monkeypatch, path)
    assert (screened_below, screened_at) == (0, 1)
    assert n_screened(at) == expected > 0  # before the calls are read, which builds them
    same(at, below)


def test_the_bundled_example_vcf_is_far_below_the_sizes() -> None:
    # The example of `make demo` and the README: a few records, read without numba (and tests/unit/
    # test_import_cost.py checks that the CLI does not import it for that file).
    example = Path(__file__).parents[3] / "examples" / "infant-aro.vcf"
    assert example.stat().st_size * 100 < COMPRESSED_LIMIT < TEXT_LIMIT
