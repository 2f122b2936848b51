"""Number formatting shared by the advice texts and the reports."""

from __future__ import annotations

__all__ = ["percent"]


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
