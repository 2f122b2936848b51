"""Plain words to HPO terms, offline: ``"8-month-old with anaemia, big spleen and no fractures"``.

Phrases are matched against HPO labels and synonyms after the same normalisation on both sides (case,
accents, British/American spelling, plurals, lay adjectives such as big/large/enlarged), plus a small
lexicon of lay phrases (``lexicon.yaml``). Negation cues ("no", "without", "absent", "negative for",
"normal X") turn the phrases they govern into excluded findings. Every mapping is reported back so the
user can check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import yaml

from marbledx._text import normalise_text
from marbledx.errors import InputError, UnknownTermError
from marbledx.ontology import PHENOTYPIC_ABNORMALITY_ID, Ontology

__all__ = ["TextMapping", "TextParse", "TextParser"]

# British -> American spellings (applied to whole words after lower-casing).
_SPELLING = (
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
)
# Lay adjectives that HPO labels and synonyms use interchangeably.
_CANON = {
    "big": "large",
    "enlarged": "large",
    "enlargement": "large",
    "large": "large",
    "small": "small",
    "little": "small",
    "tiny": "small",
    "low": "low",
    "decreased": "low",
    "reduced": "low",
    "diminished": "low",
    "high": "high",
    "elevated": "high",
    "raised": "high",
}
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "his",
        "her",
        "their",
        "its",
        "this",
        "that",
        "these",
        "those",
        "very",
        "some",
        "any",
        "has",
        "have",
        "had",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "who",
        "which",
        "patient",
        "child",
        "baby",
        "infant",
        "boy",
        "girl",
        "man",
        "woman",
    ]
)
_NEGATION = re.compile(
    r"^(?:no|not|without|absent|absence of|negative for|denies|free of|lack of|never had|normal|unremarkable)\b\s*"
)
_POST_NEGATION = re.compile(r"\s+(?:absent|not present|ruled out|excluded|is normal|was normal|normal)$")
_AGE = re.compile(
    r"\b(\d+(?:\.\d+)?)\s*-?\s*(day|week|month|year|yr|mo)s?\s*-?\s*old\b|\baged?\s+(\d+(?:\.\d+)?)\s*(day|week|month|year)s?\b"
)
# "A newborn with ..." gives the age when no number does: the neonatal period is the first 28 days (HPO
# HP:0003623 "Neonatal onset"), so 0 days, the start of it. "Newborn screening" is not an age.
_NEWBORN = re.compile(r"\b(?:newborn|neonate)\b(?!\s+screen)")
_UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "mo": 365.25 / 12, "year": 365.25, "yr": 365.25}
_CONNECTOR = re.compile(r"(,|\band\b|\bor\b|\bnor\b|\bwith\b|\bhas\b|\bhad\b|\bshows?\b|\bplus\b)")
_RESETTING = frozenset({"and", "with", "has", "had", "show", "shows", "plus"})
_FEMALE = re.compile(r"\b(girl|female|woman|daughter|she|her|sister|mother)\b")
_MALE = re.compile(r"\b(boy|male|man|son|he|his|brother|father)\b")


def _word(token: str) -> str:
    for pattern, replacement in _SPELLING:
        token = pattern.sub(replacement, token)
    token = _CANON.get(token, token)
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and token.endswith(("ches", "shes", "sses", "xes")):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_word(t) for t in normalise_text(text).split() if t not in _STOP)


@dataclass(frozen=True)
class TextMapping:
    """One phrase of the text and the HPO term it became (shown to the user)."""

    phrase: str
    hpo_id: str
    label: str
    excluded: bool


@dataclass(frozen=True)
class TextParse:
    mappings: tuple[TextMapping, ...]
    unmatched: tuple[str, ...]
    age_days: float | None
    sex: str | None


class TextParser:
    """Maps free text to HPO findings against one ontology (built lazily, about half a second)."""

    def __init__(self, ontology: Ontology, lexicon: Path | None = None) -> None:
        self.ontology = ontology
        self._lexicon_path = lexicon or Path(str(resources.files("marbledx.findings") / "lexicon.yaml"))

    @cached_property
    def _lexicon(self) -> dict[tuple[str, ...], str]:
        data = yaml.safe_load(self._lexicon_path.read_text(encoding="utf-8"))
        entries: dict[tuple[str, ...], str] = {}
        for item in data["phrases"]:
            try:
                term = self.ontology.resolve(item["hpo_id"])
            except UnknownTermError:
                continue  # an id the release in use does not know; the label index still applies
            for phrase in item["phrases"]:
                entries[_tokens(phrase)] = term
        return entries

    @cached_property
    def _index(self) -> dict[tuple[str, ...], tuple[int, int]]:
        """Sorted normalised tokens of every label and synonym -> (term index, 0 label / 1 synonym)."""
        ontology = self.ontology
        index: dict[tuple[str, ...], tuple[int, int]] = {}
        # Only phenotypes, not onsets, modes of inheritance or frequencies.
        for term_id in sorted(ontology.descendants(PHENOTYPIC_ABNORMALITY_ID, include_self=True)):
            position = ontology.index(term_id)
            for kind, text in (
                (0, ontology.label_at(position)),
                *((1, s) for s in ontology.synonyms(term_id)),
            ):
                key = tuple(sorted(_tokens(text)))
                if key and (key not in index or (kind, position) < index[key][::-1]):
                    index[key] = (position, kind)
        return index

    def _match(self, tokens: tuple[str, ...]) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, term id) matches, longest first."""
        found: list[tuple[int, int, str]] = []
        taken = [False] * len(tokens)
        for length in range(len(tokens), 0, -1):
            for start in range(len(tokens) - length + 1):
                if any(taken[start : start + length]):
                    continue
                span = tokens[start : start + length]
                term = self._lexicon.get(span)
                if term is None:
                    hit = self._index.get(tuple(sorted(span)))
                    term = self.ontology.id_at(hit[0]) if hit else None
                if term is not None:
                    found.append((start, start + length, term))
                    for i in range(start, start + length):
                        taken[i] = True
        return sorted(found)

    def parse(self, text: str) -> TextParse:
        """Find HPO terms, negations, age and sex in ``text``."""
        if not text.strip():
            msg = (
                "--text is empty; expected a description such as '8-month-old with anaemia and no fractures'"
            )
            raise InputError(msg)
        # "without X" / "with no X" inside a phrase start a new, negated phrase.
        lowered = re.sub(r"\bwith\s+no\b|\bwithout\b", ", no ", text.lower())
        age_days = None
        age = _AGE.search(lowered)
        if age:
            number, unit = (age.group(1), age.group(2)) if age.group(1) else (age.group(3), age.group(4))
            age_days = float(number) * _UNIT_DAYS[unit]
            lowered = lowered[: age.start()] + " " + lowered[age.end() :]
        else:
            newborn = _NEWBORN.search(lowered)
            if newborn:
                age_days = 0.0
                lowered = lowered[: newborn.start()] + " " + lowered[newborn.end() :]
        female, male = bool(_FEMALE.search(lowered)), bool(_MALE.search(lowered))
        sex = "female" if female and not male else "male" if male and not female else None
        mappings: list[TextMapping] = []
        unmatched: list[str] = []
        for sentence in re.split(r"[.;:!?]|\bbut\b|\bhowever\b", lowered):
            negated = False
            pieces = re.split(_CONNECTOR, sentence)
            # re.split with one capturing group alternates: phrase, connector, phrase, connector, ...
            for index in range(0, len(pieces), 2):
                phrase = pieces[index].strip()
                connector = pieces[index - 1].strip() if index else ""
                # Negation carries over a list ("no fever, rash or seizures"); "with"/"and" restart it.
                if connector in _RESETTING:
                    negated = False
                if not phrase:
                    continue
                cue = _NEGATION.match(phrase)
                if cue:
                    negated = True
                    phrase = phrase[cue.end() :]
                post = _POST_NEGATION.search(phrase)
                excluded = negated or bool(post)
                if post:
                    phrase = phrase[: post.start()]
                tokens = _tokens(phrase)
                if not tokens:
                    continue
                matches = self._match(tokens)
                if not matches:
                    unmatched.append(phrase.strip())
                for _, _, term in matches:
                    mappings.append(TextMapping(phrase.strip(), term, self.ontology.label(term), excluded))
        return TextParse(tuple(mappings), tuple(unmatched), age_days, sex)
