"""Text normalisation shared by every look-up by name (HPO labels, knowledge-base names)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise_text", "normalise_texts"]


_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NOT_WORD_OR_LINE = re.compile(r"[^a-z0-9\n]+")


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalise_text(text: str) -> str:
    """Lower-case, accent-free form with punctuation folded to single spaces ("Albers-Schönberg" → "albers schonberg")."""
    if not text.isascii():  # most names are ASCII already; decomposing them would only cost time
        text = _without_accents(text)
    return _NOT_WORD.sub(" ", text.lower()).strip()


def normalise_texts(texts: list[str]) -> list[str]:
    """:func:`normalise_text` of many one-line texts at once (one regular-expression pass over all)."""
    blob = "\n".join(t if t.isascii() else _without_accents(t) for t in texts)
    return [line.strip() for line in _NOT_WORD_OR_LINE.sub(" ", blob.lower()).split("\n")]
