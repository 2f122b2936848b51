"""The written form of a couple: whose next child the counselling risks are for, two individual ids of a PED
file as ``FATHER,MOTHER``.

One parser for every place a couple is typed: ``--couple`` of ``marbledx risk`` and ``marbledx analyze``, and
the couple chosen with a PED upload of the registry (the web app's upload form and the REST API's
``?couple=``). It lives outside the command line so that the registry and the web app need not import it.
"""

from __future__ import annotations

from typing import Final

from marbledx.errors import InputError

__all__ = ["COUPLE_METAVAR", "parse_couple"]

COUPLE_METAVAR: Final = "FATHER,MOTHER"
"""How a couple is written: two individual ids of the PED file separated by a comma, the father first."""


def parse_couple(value: str | None, *, what: str = "--couple") -> tuple[str, str] | None:
    """``value`` (``FATHER,MOTHER``) as two ids with surrounding spaces dropped; ``None`` when not given.

    Only the form is checked here; whether the ids are in the pedigree, differ and are a father and a mother
    is checked against the file by the counselling code (and, for an upload, by the registry when the file
    arrives). ``what`` names the field in the one-line :class:`InputError` (``--couple`` on the command line,
    ``couple`` for an upload), which quotes the value as typed.
    """
    if value is None:
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2 or not all(parts):
        msg = f"{what} {value!r}: expected two individual ids separated by a comma, {COUPLE_METAVAR}"
        raise InputError(msg)
    return parts[0], parts[1]
