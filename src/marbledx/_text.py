"""Text normalisation shared by every look-up by name (HPO labels, knowledge-base names)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

__all__ = [
    "LAY_SYNONYMS",
    "SPELLING_RULES",
    "american_spelling",
    "normalise_text",
    "normalise_texts",
    "search_fold",
    "search_typed_form",
    "singular",
]


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


# British -> American spellings, applied to one lower-cased word. HPO labels are American; its British
# synonyms cover only some terms ("Anaemia" is one, "Haematuria" and "Papilloedema" are not).
SPELLING_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"haem"), "hem"),
    (re.compile(r"aem"), "em"),
    (re.compile(r"^oe"), "e"),
    (re.compile(r"oea"), "ea"),
    (re.compile(r"foet"), "fet"),
    (re.compile(r"paed"), "ped"),
    (re.compile(r"oesoph"), "esoph"),
    (re.compile(r"(?<=[a-z]{3})our$"), "or"),
    (re.compile(r"(?<=[a-z]{3})tre$"), "ter"),
    (re.compile(r"(?<=[a-z]{3})yse$"), "yze"),
    (re.compile(r"leuc"), "leuk"),  # leucopenia, leucocytosis
    (re.compile(r"paen"), "pen"),  # neutropaenia, thrombocytopaenia
    (re.compile(r"oed"), "ed"),  # papilloedema, oedematous
    (re.compile(r"aesth"), "esth"),  # anaesthesia
    # Adjectives of the blood findings read as the finding: "anaemic", "thrombocytopenic".
    (re.compile(r"(?<=[a-z]{2})emic$"), "emia"),
    (re.compile(r"(?<=[a-z]{2})penic$"), "penia"),
)

# Lay adjectives that HPO labels and synonyms use interchangeably, folded to one word each.
LAY_SYNONYMS: dict[str, str] = {
    "big": "large",
    "enlarged": "large",
    "enlargement": "large",
    "large": "large",
    "small": "small",
    "tiny": "small",
    "low": "low",
    "decreased": "low",
    "reduced": "low",
    "diminished": "low",
    "high": "high",
    "elevated": "high",
    "raised": "high",
    "increased": "high",
}


def american_spelling(word: str) -> str:
    """``word`` (lower case) with the British spellings of :data:`SPELLING_RULES` made American."""
    for pattern, replacement in SPELLING_RULES:
        word = pattern.sub(replacement, word)
    return word


def singular(word: str) -> tuple[str, bool]:
    """``word`` without an English plural ending, and whether one was taken off ("bones" → "bone").

    Words in -ss, -us and -is are left as they are (abscess, bronchus, pelvis), and so are words of up to three
    letters (gas, his)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y", True
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2], True
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1], True
    return word, False


# Folds only the term search makes (the plain-words reader keeps its own rules above): "-logical" as HPO's
# "-logic" ("pathological fracture" finds Pathologic fracture), Latin plurals in -ae ("vertebrae" finds
# "vertebral", "sclerae" equals "sclera") and the irregular English plurals of HPO's texts.
_SEARCH_ONLY_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<=[a-z]{2})logical$"), "logic"),
    (re.compile(r"(?<=[a-z]{3})ae$"), "a"),
)
_IRREGULAR_PLURALS: dict[str, str] = {"teeth": "tooth", "feet": "foot"}
# A British digraph cut off at the end of a word being typed ("papilloe", "anae"), as American spelling
# writes it ("papille", "ane"): the word the user is typing may be "papilloedema", which HPO spells "papilledema".
_TYPED_DIGRAPH = re.compile(r"(?<=[a-z]{2})[ao]e$")


@cache  # labels and synonyms repeat their words: about 12,000 distinct words in HPO
def search_fold(word: str) -> str:
    """The form in which a look-up by words compares ``word`` (lower case, as :func:`normalise_text` gives it):
    American spelling, one word for each group of :data:`LAY_SYNONYMS`, singular (with the Latin "-ae" and
    "teeth", "feet"), and "-logical" as "-logic"."""
    folded = american_spelling(word)
    folded = singular(LAY_SYNONYMS.get(folded, folded))[0]
    folded = _IRREGULAR_PLURALS.get(folded, folded)
    for pattern, replacement in _SEARCH_ONLY_RULES:
        folded = pattern.sub(replacement, folded)
    return folded


def search_typed_form(word: str) -> str | None:
    """``word`` with a British "ae" or "oe" cut off at its end while typing ("papilloe") written as American
    spelling writes the digraph ("papille", which begins "papilledema"), or None when it does not end so."""
    return _TYPED_DIGRAPH.sub("e", word) if _TYPED_DIGRAPH.search(word) else None
