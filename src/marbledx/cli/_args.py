"""Argument types shared by the subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["file_path"]


def file_path(text: str) -> Path:
    """A file flag's value as a path; an empty one is refused, since ``Path('')`` is the current folder and an
    unset shell variable (``--vcf "$VCF"``) would otherwise be read as ``.``."""
    if not text:
        msg = "is empty; expected a file name"
        raise argparse.ArgumentTypeError(msg)
    return Path(text)
