"""Running the command line in tests, on the fixture release: the exit status and what it wrote."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from marbledx.cli import main

from ..conftest import MINI_RELEASE


@pytest.fixture(autouse=True)
def mini_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command of the importing test module reads the fixture release."""
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``marbledx ARGV``: exit status, stdout and stderr. A user never sees a traceback."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


FULL_DISK = Path("/dev/full")
needs_full_disk = pytest.mark.skipif(not FULL_DISK.exists(), reason="needs /dev/full")


def run_with_full_disk(*argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m marbledx ARGV`` in a new process whose standard output is /dev/full, where every write
    fails with "No space left on device". Opening the device for writing leaves it as it is."""
    with FULL_DISK.open("w", encoding="utf-8") as full:
        return subprocess.run(
            [sys.executable, "-m", "marbledx", *argv],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
