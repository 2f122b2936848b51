"""Argument types and values shared by the subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

from marbledx.errors import InputError

__all__ = ["COUPLE_METAVAR", "file_path", "parse_couple"]

# The form of --couple (marbledx risk and marbledx analyze): whose next child the counselling risks are for.
COUPLE_METAVAR = "FATHER,MOTHER"


def file_path(text: str) -> Path:
    """A file flag's value as a path; an empty one is refused, since ``Path('')`` is the current folder and an
    unset shell variable (``--vcf "$VCF"``) would otherwise be read as ``.``."""
    if not text:
        msg = "is empty; expected a file name"
        raise argparse.ArgumentTypeError(msg)
    return Path(text)


def parse_couple(value: str | None) -> tuple[str, str] | None:
    """The ``--couple FATHER,MOTHER`` value of ``risk`` and ``analyze`` as two ids (``None`` when not given).

    Only the form is checked here; whether the ids are in the pedigree, differ and are a father and a mother
    is checked against the file by the counselling code, with the same messages for both commands. The
    message is an :class:`InputError` rather than argparse's, so that it quotes the value as typed.
    """
    if value is None:
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2 or not all(parts):
        msg = f"--couple {value!r}: expected two individual ids separated by a comma, {COUPLE_METAVAR}"
        raise InputError(msg)
    return parts[0], parts[1]
