"""Formatting shared by the readers, the advice texts, the reports, the command line and the web pages."""

from __future__ import annotations

import math

__all__ = ["age_text", "percent", "printable"]


def percent(value: float | None) -> str:
    """A probability as a percentage that never rounds up to certainty: 0.997 is ``99.7%``, not ``100%``.

    Near the ends it keeps a decimal (``99.7%``, ``>99.9%``, ``<0.1%``); elsewhere whole percentages (and
    one decimal below 10%). Exactly 0 and 1 print as ``0%`` and ``100%``.
    """
    if value is None:
        return "—"
    if value >= 1.0:
        return "100%"
    if value >= 0.995:
        return f"{value:.1%}" if value < 0.9995 else ">99.9%"
    if value < 0.001:
        return "<0.1%" if value > 0 else "0%"
    return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"


def _completed(value: float, digits: int = 0) -> float:
    """``value`` cut down (never rounded up) to ``digits`` decimals; a hair's tolerance keeps an exact number of
    units (4 months entered as 121.75 days) from reading one less."""
    scale = 10.0**digits
    return math.floor(value * scale + 1e-9) / scale


def age_text(age_days: float | None) -> str | None:
    """A readable age: days under 2 months, months under 2 years, else years to one decimal; None when
    unknown.

    Ages are completed units, cut down and never rounded up, as ages are told: 17.96 years is "17.9 years", not
    "18 years", which would disagree with the care plan's child band (an adult from 18 years), and 364 days is
    "11 months", not an infant's "12 months".
    """
    if age_days is None:
        return None
    # Months from two completed months (60.9 days), so that 60 days is not "1 months".
    if age_days < 2 * 30.4375:
        return f"{_completed(age_days):.0f} days"
    if age_days < 2 * 365.25:
        return f"{_completed(age_days / 30.4375):.0f} months"
    return f"{_completed(age_days / 365.25, 1):.1f} years".replace(".0 years", " years")


def printable(value: str | None) -> str:
    """``value`` with control characters escaped (``\\n``, ``\\x1b``): a case id, path or field from a file
    must not break a one-line error or a table's lines, or send escape sequences to a terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in value or "")


QUOTE_LIMIT = 40


def clipped(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters (and an ellipsis) for a message: a 10,000-digit value or a pasted
    line must not make a one-line error a page long."""
    return text if len(text) <= limit else text[:limit] + "\u2026"


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` quoted for an error message, cut to ``limit`` characters (:func:`clipped`)."""
    return repr(clipped(text, limit))
