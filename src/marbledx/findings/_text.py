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
from functools import cache, cached_property
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
# The canonical direction words. A phrase whose direction word is left out of every match is not read: a
# match on "calcium" alone would turn "high calcium" into its opposite.
_DIRECTION = frozenset({"large", "small", "low", "high"})
# Words that only say where or how a quantity was measured. HPO synonyms carry them ("Elevated serum pth",
# "Low blood phosphate level"); a clinician's "high PTH" or "low phosphate" does not.
_MEASUREMENT = frozenset(
    {"serum", "blood", "plasma", "circulating", "level", "concentration", "count", "value", "measurement"}
)
# Connectors across which a leading direction word is shared: "enlarged liver and spleen".
_SHARING = frozenset({",", "and", "or", "nor"})
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
        "there",
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
        "son",
        "daughter",
        "whose",
    ]
)
_NEGATION = re.compile(
    r"^(?:no|not|without|absent|absence of|negative for|denies|free of|lack of|never had|normal|unremarkable)\b\s*"
)
_NOT_SEEN = re.compile(
    r"\s+(?:(?:is|was|are|were)\s+)?not\s+(?:seen|found|observed|detected|present|noted|identified|reported)\b"
)
_INLINE_NEGATION = re.compile(
    r"\bwith\s+no\b|\bwithout\b|\bno\b"
    r"|\b(?:(?:do|does|did|has|have|had|is|was|are|were)\s+)?(?:not|never)"
    r"(?:\s+(?:have|has|had|show|shows|showed|shown|develop|developed|experience|experienced))?\b"
)
_POST_NEGATION = re.compile(
    r"\s+(?:(?:is|was|are|were|been)\s+)?(?:absent|not present|ruled out|excluded|normal)$"
)
# Uncertain or hypothetical findings ("rule out osteopetrosis", "possible hepatomegaly", "? splenomegaly",
# "at risk of fractures") are not findings of the patient; like the ConText algorithm's hypothetical and
# uncertain triggers (Harkema et al. 2009, PMID:19435614) they are shown to the user and not read.
_UNCERTAIN = re.compile(
    r"^(?:(?:to\s+)?rule\s+out|r/o|possible|possibly|probable|probably|likely|suspected|suspect|suspicion\s+of"
    r"|query|questionable|(?:evaluate|evaluation|screen|screening|screened|assess|assessment|test|tested)\s+for"
    r"|(?:at\s+)?risk\s+(?:of|for)|concern\s+for|concerning\s+for|unlikely|may\s+have|might\s+have"
    r"|could\s+be|cannot\s+(?:exclude|rule\s+out)|to\s+exclude|consider|considered|differential\s+includes)\b\s*"
)
_POST_UNCERTAIN = re.compile(
    r"\s+(?:unlikely|suspected|possible|likely|not\s+excluded|cannot\s+be\s+excluded|to\s+be\s+excluded"
    r"|questioned)$"
)
# "X was not ruled out" and a question mark next to a word ("? splenomegaly", "splenomegaly?") are
# uncertain, and read before the negation cues see their "not".
_NOT_RULED_OUT = re.compile(
    r"\s+(?:(?:is|was|has\s+been|have\s+been)\s+)?not\s+(?:been\s+)?(?:ruled\s+out|excluded)\b"
)
_QUESTION_BEFORE = re.compile(r"(?:^|(?<=[\s,;(]))\?\s*(?=[a-z])")
_QUESTION_AFTER = re.compile(r"(?<=[a-z])\s*\?")
_AGE = re.compile(
    r"\b(\d+(?:\.\d+)?)\s*-?\s*(day|week|month|year|yr|mo)s?\s*-?\s*old\b|\baged?\s+(\d+(?:\.\d+)?)\s*(day|week|month|year)s?\b"
)
# "A newborn with ..." gives the age when no number does: the neonatal period is the first 28 days (HPO
# HP:0003623 "Neonatal onset"), so 0 days, the start of it. "Newborn screening" is not an age.
_NEWBORN = re.compile(r"\b(?:newborn|neonate)\b(?!\s+screen)")
_UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "mo": 365.25 / 12, "year": 365.25, "yr": 365.25}
_CONNECTOR = re.compile(
    r"(,|\band\b|\bor\b|\bnor\b|\bwith\b|\bhas\b|\bhad\b|\bshows?\b|\bshowed\b|\brevealed\b|\bdemonstrated\b"
    r"|\bplus\b)"
)
_RESETTING = frozenset(
    {"and", "with", "has", "had", "show", "shows", "showed", "revealed", "demonstrated", "plus"}
)
# Sentences end at a full stop (not a decimal point: "Hb 7.2 g/dL"), at "but"/"however", and where a case
# report turns to the patient ("presented with", "was admitted with"), which also ends a relative's clause.
_SENTENCE = re.compile(
    r"(?<!\d)\.|\.(?!\d)|[;:!?]|\bbut\b|\bhowever\b|\bpresent(?:ed|s|ing)\b|\badmitted\b|\breferred\b"
)
# Words for the patient's sex; a relative's ("mother", "brother") say nothing of it.
_FEMALE = re.compile(r"\b(girl|female|woman|daughter|she|her)\b")
_MALE = re.compile(r"\b(boy|male|man|son|he|his)\b")
# A relative's findings are not the patient's: from such a word to the next comma or the end of the
# sentence, nothing is read ("anaemia, father had fractures"; ConText's experiencer "other", PMID:19435614).
# Family history has its own flags. The singular "relative" is left out: "Hypoplasia of maxilla relative to
# mandible".
_RELATIVE = re.compile(
    r"\b(?:mother|father|mum|mom|dad|parents?|sisters?(?! chromatid)|brothers?|siblings?|sibs?|cousins?|aunts?|uncles?"
    r"|grand(?:mother|father|parents?)|nieces?|nephews?|relatives|family history|family members?)\b"
)


@cache  # labels repeat their words: about 12,000 distinct words in 144,000 (HPO 2025-01-16)
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
    words = normalise_text(text).split()
    last = len(words) - 1
    # "a" is an article, except as the last of several words: "Reduced hemoglobin A", "Hepatitis A".
    return tuple(
        _word(w) for i, w in enumerate(words) if w not in _STOP or (w == "a" and i == last and i > 0)
    )


def _spread_post_cues(pieces: list[str]) -> list[str]:
    """Give a trailing cue to the earlier items of its list: "hepatomegaly and splenomegaly absent" is
    "hepatomegaly absent and splenomegaly absent" (NegEx's backward scope).

    ``pieces`` alternate phrase, connector, phrase, ... The cue goes back over "and", "or" and "nor", and over
    a comma only in a list joined by one of them ("anaemia, pallor and fever absent"); in "anaemia, fever
    absent" the comma ends it. It stops at a phrase with a cue of its own.
    """
    out = list(pieces)
    for i in range(0, len(out), 2):
        cue = _POST_NEGATION.search(out[i]) or _POST_UNCERTAIN.search(out[i])
        if cue is None:
            continue
        suffix = out[i][cue.start() :]
        joined = False
        j = i
        while j >= 2:
            connector = out[j - 1].strip()
            joined = joined or connector in {"and", "or", "nor"}
            if connector not in {"and", "or", "nor"} and not (connector == "," and joined):
                break
            j -= 2
            earlier = out[j].strip()
            if not earlier or _NEGATION.match(earlier) or _UNCERTAIN.match(earlier):
                break
            if _POST_NEGATION.search(earlier) or _POST_UNCERTAIN.search(earlier):
                break
            out[j] = earlier + suffix
    return out


def _hedge(phrase: str, hedged: bool) -> tuple[str, bool]:
    """The phrase without its uncertainty cue, and whether it is uncertain (or follows an uncertain one)."""
    cue = _UNCERTAIN.match(phrase)
    if cue:
        return phrase[cue.end() :].strip(), True
    post = _POST_UNCERTAIN.search(phrase)
    if post:
        return phrase[: post.start()].strip(), True
    return phrase, hedged


@dataclass(frozen=True)
class _Keys:
    """Look-up tables from normalised tokens to a term's index in the ontology.

    ``ordered`` matches the words in their order. ``bag`` lets the user's order differ ("spleen enlarged"),
    but only for a set of words that a single term owns: as bags, "Left-to-right shunt" and "Right-to-left
    shunt" are the same words. ``measured`` reads "high PTH" as "Elevated serum pth" (see _MEASUREMENT).
    Words that several terms share map to ``_AMBIGUOUS``: they are not read, and no shorter part of them is
    read either ("Diminished neutrophil myeloperoxidase activity" must not become neutropenia).
    """

    ordered: dict[tuple[str, ...], int]
    bag: dict[tuple[str, ...], int]
    measured: dict[tuple[str, ...], int]


# The position recorded for words that several terms share.
_AMBIGUOUS = -1


def _unambiguous(keys: dict[tuple[str, ...], set[int]]) -> dict[tuple[str, ...], int]:
    return {key: next(iter(p)) if len(p) == 1 else _AMBIGUOUS for key, p in keys.items()}


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
    # Text about a relative ("father had fractures"), shown to the user and not read as findings.
    about_relatives: tuple[str, ...] = ()
    # Uncertain or hypothetical findings ("possible hepatomegaly", "rule out osteopetrosis"), not read.
    uncertain: tuple[str, ...] = ()


class TextParser:
    """Maps free text to HPO findings against one ontology (built lazily, about half a second)."""

    def __init__(self, ontology: Ontology, lexicon: Path | None = None) -> None:
        self.ontology = ontology
        self._lexicon_path = lexicon or Path(str(resources.files("marbledx.findings") / "lexicon.yaml"))

    @cached_property
    def _lexicons(self) -> tuple[dict[tuple[str, ...], str], dict[tuple[str, ...], str]]:
        """Lay phrases -> term id: those read anywhere, and those read only in a negated phrase."""
        data = yaml.safe_load(self._lexicon_path.read_text(encoding="utf-8"))
        anywhere: dict[tuple[str, ...], str] = {}
        negated_only: dict[tuple[str, ...], str] = {}
        for section, entries in (("phrases", anywhere), ("negated_only", negated_only)):
            for item in data.get(section) or []:
                try:
                    term = self.ontology.resolve(item["hpo_id"])
                except UnknownTermError:
                    continue  # an id the release in use does not know; the label index still applies
                for phrase in item["phrases"]:
                    entries[_tokens(phrase)] = term
        return anywhere, negated_only

    @cached_property
    def _keys(self) -> _Keys:
        """Every phenotype label and synonym, as normalised tokens in order, as a bag, and without its
        measurement words (built once per parser, about a second on a full release)."""
        ontology = self.ontology
        labels: dict[tuple[str, ...], set[int]] = {}
        synonyms: dict[tuple[str, ...], set[int]] = {}
        bags: dict[tuple[str, ...], set[int]] = {}
        measured: dict[tuple[str, ...], set[int]] = {}
        # Only phenotypes, not onsets, modes of inheritance or frequencies.
        for term_id in sorted(ontology.descendants(PHENOTYPIC_ABNORMALITY_ID, include_self=True)):
            position = ontology.index(term_id)
            for is_synonym, text in (
                (False, ontology.label_at(position)),
                *((True, s) for s in ontology.synonyms(term_id)),
            ):
                tokens = _tokens(text)
                if not tokens:
                    continue
                (synonyms if is_synonym else labels).setdefault(tokens, set()).add(position)
                bags.setdefault(tuple(sorted(tokens)), set()).add(position)
                if not (_DIRECTION.isdisjoint(tokens) or _MEASUREMENT.isdisjoint(tokens)):
                    key = tuple(sorted(t for t in tokens if t not in _MEASUREMENT))
                    if len(key) >= 2:
                        measured.setdefault(key, set()).add(position)
        return _Keys(
            # A label wins over other terms' synonyms with the same words ("Lipoma", a synonym of
            # "Multiple lipomas" after plurals are folded); words that several terms share otherwise, such
            # as "ASD" (atrial septal defect, autism), are not read.
            ordered={**_unambiguous(synonyms), **_unambiguous(labels)},
            bag=_unambiguous(bags),
            measured={key: p for key, p in _unambiguous(measured).items() if key not in bags},
        )

    def _lookup(self, span: tuple[str, ...], *, negated: bool) -> str | None:
        """The term id the words name, ``""`` when several terms share them, or ``None``."""
        anywhere, negated_only = self._lexicons
        term = anywhere.get(span) or (negated_only.get(span) if negated else None)
        if term is not None:
            return term
        keys = self._keys
        position = keys.ordered.get(span)
        if position is None:
            position = keys.bag.get(tuple(sorted(span)))
        if position is None and not _DIRECTION.isdisjoint(span):
            position = keys.measured.get(tuple(sorted(t for t in span if t not in _MEASUREMENT)))
        if position is None:
            return None
        return "" if position == _AMBIGUOUS else self.ontology.id_at(position)

    def _match(self, tokens: tuple[str, ...], *, negated: bool) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, term id) matches, longest first.

        Empty when a direction word of the phrase is outside every match ("high calcium" must not be read
        as "calcium").
        """
        found: list[tuple[int, int, str]] = []
        taken = [False] * len(tokens)
        for length in range(len(tokens), 0, -1):
            for start in range(len(tokens) - length + 1):
                if any(taken[start : start + length]):
                    continue
                term = self._lookup(tokens[start : start + length], negated=negated)
                if term is not None:
                    if term:
                        found.append((start, start + length, term))
                    for i in range(start, start + length):
                        taken[i] = True
        if any(token in _DIRECTION and not covered for token, covered in zip(tokens, taken, strict=True)):
            return []
        return sorted(found)

    def _names_a_term(self, phrase: str, cue: str) -> bool:
        """Whether the words of a negation cue begin the name of a term: "absent speech" is a finding."""
        matches = self._match(_tokens(phrase), negated=False)
        return bool(matches) and matches[0][0] == 0 and matches[0][1] >= len(_tokens(cue))

    def parse(self, text: str) -> TextParse:
        """Find HPO terms, negations, age and sex in ``text``."""
        if not text.strip():
            msg = (
                "--text is empty; expected a description such as '8-month-old with anaemia and no fractures'"
            )
            raise InputError(msg)
        # Rewrites before the sentence is split, in this order: "X was not ruled out" and "? X" / "X?" are
        # uncertain (before the negation cues see their "not"); "X was not seen" is "X absent"; "without X",
        # "with no X", "did not have X", "has never had X" and a "no" inside a phrase ("there were no
        # fractures") start a new, negated phrase (before "has"/"had" split it and end the negation).
        lowered = _NOT_RULED_OUT.sub(" possible", text.lower())
        lowered = _QUESTION_BEFORE.sub("possible ", lowered)
        lowered = _QUESTION_AFTER.sub(" possible.", lowered)  # the question mark still ends the sentence
        lowered = _NOT_SEEN.sub(" absent", lowered)
        lowered = _INLINE_NEGATION.sub(", no ", lowered)
        # A parenthesis with a number ("anaemia (Hb 7.2 g/dL)") is a phrase of its own; other brackets are
        # part of the name ("Acroosteolysis of distal phalanges (feet)").
        lowered = re.sub(r"\(([^()]*\d[^()]*)\)", r", \1,", lowered)
        lowered = re.sub(r"[()\[\]]", " ", lowered)
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
        about_relatives: list[str] = []
        uncertain: list[str] = []
        for sentence in _SENTENCE.split(lowered):
            negated = False
            hedged = False  # an uncertainty cue carries over a list as a negation does
            relative: list[str] | None = None  # the words about a relative so far, while in such a clause
            # The leading direction word of the previous phrase (as written, canonical), shared with the
            # next phrases of a list that have none of their own: "enlarged liver and spleen".
            shared: tuple[str, str] | None = None
            pieces = _spread_post_cues(re.split(_CONNECTOR, sentence))
            # re.split with one capturing group alternates: phrase, connector, phrase, connector, ...
            for index in range(0, len(pieces), 2):
                phrase = " ".join(pieces[index].split())
                connector = pieces[index - 1].strip() if index else ""
                # Negation carries over a list ("no fever, rash or seizures"); "with"/"and" restart it.
                if connector in _RESETTING:
                    negated = hedged = False
                if connector not in _SHARING:
                    shared = None
                if connector == "," and relative is not None:
                    about_relatives.append(" ".join(relative))
                    relative = None
                mention = _RELATIVE.search(phrase) if relative is None else None
                if mention:
                    before = phrase[: mention.start()].strip()
                    # "born to consanguineous parents": words before the relative that name no finding
                    # belong to the same mention.
                    if not self._match(_tokens(before), negated=False):
                        before = ""
                    relative = [phrase[len(before) :].strip()]
                    phrase = before
                elif relative is not None:
                    relative.extend(w for w in (connector, phrase) if w)
                    continue
                if not phrase:
                    continue
                cue = _NEGATION.match(phrase)
                if cue and self._names_a_term(phrase, cue.group()):
                    cue = None  # "absent speech", "normal pressure hydrocephalus": a finding, not a negation
                if cue:
                    negated = True
                    phrase = phrase[cue.end() :].strip()
                post = _POST_NEGATION.search(phrase)
                excluded = negated or bool(post)
                if post:
                    phrase = phrase[: post.start()].strip()
                as_written = phrase
                phrase, hedged = _hedge(phrase, hedged)
                tokens = _tokens(phrase)
                if not tokens:
                    continue
                matches = self._match(tokens, negated=excluded)
                if hedged and matches:
                    uncertain.append(as_written)
                    continue
                shown = phrase
                if tokens[0] in _DIRECTION:
                    shared = (phrase.split()[0], tokens[0])
                elif not matches and shared is not None and _DIRECTION.isdisjoint(tokens):
                    matches = self._match((shared[1], *tokens), negated=excluded)
                    shown = f"{shared[0]} {phrase}"
                if not matches:
                    unmatched.append(phrase)
                    shared = None
                elif shown == phrase and tokens[0] not in _DIRECTION:
                    shared = None
                for _, _, term in matches:
                    mappings.append(TextMapping(shown, term, self.ontology.label(term), excluded))
            if relative is not None:
                about_relatives.append(" ".join(relative))
        return TextParse(
            tuple(mappings), tuple(unmatched), age_days, sex, tuple(about_relatives), tuple(uncertain)
        )
