"""Running the command line in tests, on the fixture release: the exit status and what it wrote."""

from __future__ import annotations

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
