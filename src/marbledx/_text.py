"""Text normalisation shared by every look-up by name (HPO labels, knowledge-base names)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise_text"]


def normalise_text(text: str) -> str:
    """Lower-case, accent-free form with punctuation folded to single spaces ("Albers-Schönberg" → "albers schonberg")."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", ascii_only.lower()).strip()
