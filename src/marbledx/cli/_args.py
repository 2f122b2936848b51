"""Argument types and values shared by the subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

# The --couple value of 'marbledx risk' and 'marbledx analyze' (whose next child the counselling risks are
# for) is parsed where the registry's PED uploads parse theirs too; re-exported for the subcommands.
from marbledx._couple import COUPLE_METAVAR, parse_couple

__all__ = ["COUPLE_METAVAR", "file_path", "parse_couple"]


def file_path(text: str) -> Path:
    """A file flag's value as a path; an empty one is refused, since ``Path('')`` is the current folder and an
    unset shell variable (``--vcf "$VCF"``) would otherwise be read as ``.``."""
    if not text:
        msg = "is empty; expected a file name"
        raise argparse.ArgumentTypeError(msg)
    return Path(text)
