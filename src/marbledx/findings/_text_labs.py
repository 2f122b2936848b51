"""Lab values written in plain words ("Hb 7.2 g/dL, platelets 45 x10^9/L"), read through the lab table.

:class:`~marbledx.findings.TextParser` (``parse(text, labs=True)``) finds each analyte name the lab table
knows (``data/labs.yaml``: keys, names and aliases) followed by a number and a unit. The parser's cues say
whose value it is and whether it is stated or hypothetical; the values that are the patient's are then
validated and interpreted by the lab-table code of ``marbledx labs`` (:func:`make_lab_value`,
:func:`interpret_labs`, :func:`lab_report`): the same units, plausibility bounds, reference intervals, HPO
mappings, derived rules and exclusions. No threshold lives here.

A value is never guessed. One that cannot be read with certainty is reported back with the reason: a unit the
table does not accept or no unit, a limit rather than a measurement ("Hb < 7"), a range or several numbers, a
decimal comma, an implausible value, a name the table does not know with its qualifier ("ionised Ca", "urine
calcium"), a target ("target Hb 10 g/dL"), a value dated to another time ("at 3 months"), an interval that
needs an age or sex nobody gave, or a laboratory flag ("L", "H") that the table's reading does not share.

Nothing here logs: lab values are patient data.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from marbledx._format import age_text
from marbledx.errors import InputError, UnknownTermError
from marbledx.findings._labs import (
    AnalyteSpec,
    Censored,
    LabInterpretation,
    LabReport,
    LabTable,
    LabValue,
    interpret_labs,
    lab_report,
    make_lab_value,
)
from marbledx.ontology import Ontology

__all__ = [
    "LabMention",
    "TextLab",
    "TextLabReading",
    "find_lab_mentions",
    "join_split_values",
    "read_text_labs",
]

# Words between an analyte's name and its number: "Hb 7.2", "Hb: 7.2", "Hb = 7.2", "Hb of 7.2", "Hb was 7.2",
# "platelet count of 45", "Hb fell to 6.5".
_FILLER = (
    r"(?:\s*(?:[:=]|[-\u2013](?=\s)|(?:was|is|of|at|now|levels?|count|concentration|values?"
    r"|(?:fell|fallen|falls?|dropped|drops|rose|risen|rises|decreased|increased)\s+to)(?![a-z])))*\s*"
)
# Before the number: a laboratory's censored result written with a symbol ("PTH >1000 pg/mL", "CK-BB < 5
# U/L") is read as the bound it is, as ``marbledx labs`` reads it (docs/labs.md, "Censored values"). Words
# are not ("Hb below 7", "keep Hb above 10", "Hb about 7"): in prose they give thresholds and estimates.
_CENSORED_SYMBOLS: dict[str, Censored] = {
    "<": "<",
    "<=": "<=",
    "\u2264": "<=",
    ">": ">",
    ">=": ">=",
    "\u2265": ">=",
}
_COMPARATOR = (
    r"(?P<cmp>(?:<=|>=|<|>|\u2264|\u2265|~|\u2248|(?:less|more|greater)\s+than|below|above|under|over"
    r"|up\s+to|approx(?:imately|\.)?|about|around|circa)\s*)?"
)
_NUMBER = r"(?P<number>\d+(?:\.\d+)?)(?!\d)(?!\.\d)"
# After the number: another number ("7.2/8.1", "7.2 -> 9.1", "7.2-8.0", "7.2 to 8.0") or a decimal comma.
_SEVERAL = re.compile(r"\s*(?:/|-+>|\u2192|[-\u2013]|to\b)\s*\d+(?:\.\d+)?", re.IGNORECASE)
_COMMA_DECIMAL = re.compile(r",\d+")
# The unit ends at a comma, a semicolon, a bracket, a line end or a full stop that ends the sentence.
_UNIT_END = re.compile(r"[,;?!()\[\]\n]|\.(?=\s|$)")
# Tokens that look like a unit, so that one the table does not accept is reported rather than taken for a
# word: "45k", "80%", "7.2 mg", "1.1 umol/L".
_UNIT_LIKE = re.compile(
    r"^(?:.*[/%^*\u00d7\u00b5\u03bc\d].*|x|(?:[mun\u00b5\u03bcpkd]|mc)?(?:g|mol|l|iu|u|eq|kat)|k)$",
    re.IGNORECASE,
)
# A number followed by one of these is a duration, not a lab value ("Ca 3 months").
_TIME_WORDS = frozenset(
    {"day", "days", "d", "week", "weeks", "wk", "wks", "w", "month", "months", "mo", "mos", "m"}
    | {
        "year",
        "years",
        "yr",
        "yrs",
        "y",
        "yo",
        "hour",
        "hours",
        "hr",
        "hrs",
        "min",
        "mins",
        "minute",
        "minutes",
    }
)
# The reporting laboratory's interval written after the value: "(ref 150-450)", "[N: 11.5-15.5 g/dL]",
# "(150-450)", "(< 5)". Reference §5: the laboratory's interval is preferred to the bundled fallbacks.
_INTERVAL = re.compile(
    r"\s*[(\[]\s*(?:(?:ref(?:erence)?(?:\s+(?:range|interval))?|rr|ri|nr|normal(?:\s+range)?|n)\s*[:=]?\s*)?"
    r"(?:(?P<low>\d+(?:\.\d+)?)\s*(?:-|\u2013|to)\s*(?P<high>\d+(?:\.\d+)?)"
    r"|(?:<=|<|\u2264)\s*(?P<upper>\d+(?:\.\d+)?)|(?:>=|>|\u2265)\s*(?P<lower>\d+(?:\.\d+)?))"
    r"\s*(?P<unit>[^()\[\],;]*?)\s*[)\]]",
    re.IGNORECASE,
)
# A laboratory's flag between the number and its unit, as LIS printouts align it: "72   L    g/L".
_COLUMN_FLAG = re.compile(r"[ \t]+(?P<letter>[LH])(?P<mark>[!*]?)(?=[ \t]+\S)")
# A LIS printout's reference range in a column after the unit: "g/L   105-135". Two blanks or a tab before it
# (a column), and the line's end after it, which the word parser has already made a space or "; " before a
# capital, so a range in prose ("Hb 7 g/dL 3-4 times") is not one.
_COLUMN_RANGE = re.compile(
    r"(?:[ ]{2,}|[ ]*\t[ \t]*)(?P<low>\d+(?:\.\d+)?)[ \t]*[-\u2013][ \t]*(?P<high>\d+(?:\.\d+)?)"
    r"(?=[ \t]*(?:\r?\n|$|[;,]|\.(?:\s|$))|\s+[A-Z])"
)
# A laboratory's flag after the value: "(L)", "H", "(low)", "↓".
_FLAG = re.compile(
    r"\s*(?:[(\[]\s*(?P<bracketed>l|h|low|high|\u2193|\u2191)\s*[)\]]|(?P<arrow>\u2193|\u2191)"
    r"|(?P<letter>[lh])(?![a-z0-9]))",
    re.IGNORECASE,
)
_FLAGS = {"l": "low", "low": "low", "\u2193": "low", "h": "high", "high": "high", "\u2191": "high"}
# A laboratory's remark right after the value that the specimen is unfit: "LDH 1200 U/L (haemolysed)",
# "K 6.1 mmol/L, hemolyzed sample". Haemolysis releases LDH, potassium and phosphate from red cells, so the
# value is not read (as a CSV export's comment, docs/labs.md). "haemolysis" alone may be the patient's.
_UNFIT = re.compile(
    r"\s*[(\[,;:\-\u2013]?\s*(?:(?:the\s+)?(?:sample|specimen)\s+(?:was\s+|is\s+)?)?"
    r"(?P<remark>h(?:ae|e)moly[sz]ed|clotted)(?![a-z])",
    re.IGNORECASE,
)
# Where the words around a value end: the clause it belongs to.
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]\n]|\.(?!\d)|\b(?:and|but|with|while|whereas)\b", re.IGNORECASE)
# Words that date a value to another time than the patient's age ("Hb 9 g/dL at 3 months", "previous ALP"):
# the interval is chosen by the age at the test, which is then not known.
_DATED = re.compile(
    r"\b(?:at\s+birth|cord|neonatal(?:ly)?|(?:at|since|from|when|by|until|before|after|in)\s+(?:the\s+)?"
    r"(?:age\s+(?:of\s+)?)?\d+(?:\.\d+)?\s*-?\s*(?:days?|d|weeks?|wks?|w|months?|mos?|m|years?|yrs?|y)\b"
    r"|(?:on\s+)?day\s+\d+|previous(?:ly)?|prior|earlier|initial(?:ly)?|ago|last\s+(?:week|month|year)"
    r"|in\s+(?:19|20)\d\d|\d{4}-\d\d-\d\d|\d{1,2}/\d{1,2}/\d{2,4})\b",
    re.IGNORECASE,
)
# Words before or after a value that make it a target or a threshold, not a measurement.
_TARGET_WORDS = frozenset(
    {
        "target",
        "targets",
        "goal",
        "aim",
        "aiming",
        "threshold",
        "trigger",
        "keep",
        "maintain",
        "cutoff",
        "cut",
    }
)
# A word right before the name that makes it another measurement or specimen than the table's analyte:
# "ionised Ca" (the table's "ca" is total calcium), "urine calcium", "corrected calcium", "bone-specific ALP",
# "mean cell Hb", "fetal Hb", "arterial pH". Such a value is not read: the name is ambiguous.
_QUALIFIERS = frozenset(
    {
        "ionised",
        "ionized",
        "free",
        "corrected",
        "adjusted",
        "urine",
        "urinary",
        "csf",
        "stool",
        "faecal",
        "fecal",
        "sweat",
        "saliva",
        "salivary",
        "pleural",
        "ascitic",
        "peritoneal",
        "synovial",
        "amniotic",
        "arterial",
        "capillary",
        "bone",
        "specific",
        "fractional",
        "mean",
        "cell",
        "corpuscular",
        "reticulocyte",
        "fetal",
        "foetal",
        "glycated",
        "glycosylated",
        "24h",
        "24hr",
        "dihydroxy",
    }
)
# The same, written with symbols the word rule does not see: "1,25(OH)2 vitamin D" is calcitriol, not the
# 25-hydroxyvitamin D of the lab table.
_QUALIFIER_SYMBOLS = re.compile(r"(?:\(\s*oh\s*\)\s*2|(?<![\d.])1\s*,\s*25)[\s\-]*$", re.IGNORECASE)
# A mention's place in the text handed to the word parser: letters around a number, so that a bracket
# holding a value stays a phrase of its own ("anaemia (Hb 7.2 g/dL)"), and no age or date rule reads it.
PLACEHOLDER = re.compile(r"zzlab(\d+)zz")

_TRANSFUSION = re.compile(r"\btransfus", re.IGNORECASE)


@dataclass(frozen=True)
class LabMention:
    """An analyte name followed by a number in the words, before the parser's cues are applied.

    ``start``/``name_end``/``end`` are offsets in the text: the name, then the rest of the value (number,
    unit, laboratory interval, flag). ``problem`` says why the value cannot be read; ``dated`` the words that
    date it to another time. ``low``/``high`` are the laboratory's limits in ``unit``.
    """

    start: int
    name_end: int
    end: int
    written: str
    name: str
    analyte: AnalyteSpec | None
    number: str = ""
    unit: str = ""
    low: float | None = None
    high: float | None = None
    flag: str | None = None
    problem: str | None = None
    dated: str | None = None
    censored: Censored | None = None


@dataclass(frozen=True)
class TextLab:
    """A lab value found in the words and what became of it (shown to the user).

    ``written`` is the value as written ("Hb 7.2 g/dL"); ``analyte`` the lab table's key, None when the name
    was not read; ``value`` the validated value, None when it could not be read; ``reading`` the lab table's
    interpretation, None when the value was not interpreted; ``note`` why it was not read or not interpreted,
    or the caveats of its reading.
    """

    written: str
    analyte: str | None
    value: LabValue | None = None
    reading: LabInterpretation | None = None
    note: str | None = None

    @property
    def interpreted(self) -> bool:
        """Whether the lab table classified the value (low, normal or high)."""
        return self.reading is not None and self.reading.interpretation != "unknown"


@dataclass(frozen=True)
class TextLabTerm:
    """An HPO term from lab values in the words: the values as written, the term and how it was read."""

    phrase: str
    hpo_id: str
    label: str
    excluded: bool
    detail: str


@dataclass(frozen=True)
class TextLabReading:
    """What :func:`read_text_labs` made of the mentions: each value, the terms to add, and notes."""

    labs: tuple[TextLab, ...] = ()
    terms: tuple[TextLabTerm, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------------------------------------
# Finding the values
# --------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _mention_pattern(table: LabTable) -> re.Pattern[str]:
    """Every name of every analyte, longest first, then the words up to the number."""
    names: set[str] = set()
    for analyte in table.analytes:
        for name in (analyte.key.replace("_", " "), analyte.name, *analyte.aliases):
            # Letters of any script, so that a German alias ("hämoglobin") is one word, not "h" and "moglobin".
            chunks = re.findall(r"(?:[^\W_]|\+)+", name.lower())
            if chunks:
                names.add(r"[\s\-]*".join(re.escape(chunk) for chunk in chunks))
    alternatives = "|".join(sorted(names, key=lambda n: (-len(n), n)))
    # A name that ends in a letter may touch its number ("Hb7.2"); one that ends in a digit or "+" may not
    # ("PO4", "Ca2+"), and no name runs into a longer word ("ALPL", "HbA1c").
    boundary = r"(?:(?<=[a-z])(?![a-z])|(?<![a-z])(?![a-z0-9+]))"
    return re.compile(
        rf"(?<![a-z0-9+])(?P<name>{alternatives}){boundary}(?P<filler>{_FILLER}){_COMPARATOR}{_NUMBER}",
        re.IGNORECASE,
    )


def _accepted(table: LabTable, analyte: AnalyteSpec, unit: str) -> str | None:
    """The accepted spelling of ``unit`` for ``analyte``, or None."""
    try:
        return table.unit(analyte, unit).unit
    except InputError:
        return None


def _unit_at(
    text: str, pos: int, analyte: AnalyteSpec, table: LabTable
) -> tuple[str, int, str | None] | None:
    """The unit after a number: (unit, end, problem); None when the number is a duration, not a value."""
    segment = text[pos:]
    stop = _UNIT_END.search(segment)
    segment = segment[: stop.start()] if stop else segment
    tokens = list(re.finditer(r"\S+", segment))
    # "x 10^9/L" and "g / dL" are several tokens: the longest run the table accepts is the unit.
    for count in range(min(4, len(tokens)), 0, -1):
        written = segment[tokens[0].start() : tokens[count - 1].end()]
        accepted = _accepted(table, analyte, written)
        if accepted is not None:
            return accepted, pos + tokens[count - 1].end(), None
    first = tokens[0].group() if tokens else ""
    if first.lower() in _TIME_WORDS:
        return None
    if first and _UNIT_LIKE.match(first) and not re.fullmatch(r"[\d.]+", first):
        accepted_units = ", ".join(u.unit for u in analyte.units)
        problem = f"{first!r} is not an accepted unit for {analyte.key}; expected one of {accepted_units}"
        return first, pos + tokens[0].end(), problem
    bare = _accepted(table, analyte, "")
    if bare is not None:  # pH takes no unit
        return bare, pos, None
    accepted_units = ", ".join(u.unit for u in analyte.units)
    return "", pos, f"no unit; {analyte.key} needs one of {accepted_units}"


def _clause_around(text: str, start: int, end: int) -> tuple[str, str]:
    """The words of the value's clause before and after it."""
    before = text[:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    clause_start = breaks[-1].end() if breaks else 0
    after = text[end:]
    stop = _CLAUSE_BREAK.search(after)
    return before[clause_start:], after[: stop.start()] if stop else after


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def find_lab_mentions(text: str, table: LabTable) -> list[LabMention]:
    """Each analyte name of ``table`` followed by a number in ``text``, in order, with what stops it being
    read (``problem``) or interpreted (``dated``)."""
    mentions: list[LabMention] = []
    for match in _mention_pattern(table).finditer(text):
        name = match.group("name")
        analyte = table.find(name)
        attached = match.group("filler") == "" and match.start("number") == match.end("name")
        pos = match.end("number")
        problem: str | None = None
        unit = ""
        censored = _CENSORED_SYMBOLS.get((match.group("cmp") or "").strip())
        if match.group("cmp") and censored is None:
            problem = f"{' '.join(match.group('cmp').split())!r} makes it a limit or an estimate, not a measured value"
        several = _SEVERAL.match(text, pos)
        comma = _COMMA_DECIMAL.match(text, pos)
        if text.startswith("+", pos):
            continue  # "2+" is a grade, not a concentration
        if several:
            problem = problem or "a range or several numbers, not one measured value"
            pos = several.end()
        elif comma:
            problem = problem or (
                f"'{match.group('number')}{comma.group()}' has a comma: a decimal comma or a thousands "
                "separator; write decimals with a point and no thousands separator"
            )
            pos = comma.end()
        if analyte is None:  # defensive: every name of the pattern is the table's
            continue
        flag = None
        column_flag = _COLUMN_FLAG.match(text, pos)
        if column_flag and not several and not comma:
            # "72   L    g/L": the flag only where a unit the analyte accepts follows it.
            after_flag = _unit_at(text, column_flag.end(), analyte, table)
            if after_flag is not None and after_flag[2] is None and after_flag[0]:
                flag = _FLAGS[column_flag["letter"].lower()]
                pos = column_flag.end()
        found = _unit_at(text, pos, analyte, table)
        if found is None:
            continue  # "Ca 3 months": a duration
        unit, pos, unit_problem = found
        if attached and (unit_problem or not unit):
            continue  # "CA2, TCIRG1": a gene, not calcium 2
        problem = problem or unit_problem
        low = high = None
        interval = _INTERVAL.match(text, pos)
        if interval:
            pos = interval.end()
            low, high, interval_problem = _interval_limits(interval, analyte, unit, table)
            problem = problem or interval_problem
        flagged = _FLAG.match(text, pos) if flag is None else None
        if flagged:
            written_flag = next(g for g in flagged.group("bracketed", "arrow", "letter") if g)
            flag = _FLAGS[written_flag.lower()]
            pos = flagged.end()
        if not interval:
            # The interval after the flag ("6.9 g/dL (L) [10.5-13.5]"), or in a printout's column.
            interval = _INTERVAL.match(text, pos)
            if interval:
                pos = interval.end()
                low, high, interval_problem = _interval_limits(interval, analyte, unit, table)
                problem = problem or interval_problem
            elif unit and (column := _COLUMN_RANGE.match(text, pos)):
                pos = column.end()
                low, high = float(column["low"]), float(column["high"])
        unfit = _UNFIT.match(text, pos)
        if unfit and problem is None:
            problem = (
                f"the laboratory remarks the specimen {unfit['remark'].lower()}, so the value may be wrong; "
                "repeat the test"
            )
        before, after = _clause_around(text, match.start(), pos)
        before_words = _words(before)
        after_words = _words(after)
        qualifier = re.findall(r"[a-z0-9][a-z0-9-]*", before.lower())[-1:]  # "bone-specific" whole
        if problem is None and qualifier and qualifier[0].rsplit("-", 1)[-1] in _QUALIFIERS:
            problem = (
                f"'{qualifier[0]} {name}' is not a name the lab table knows (its {name!r} is "
                f"{analyte.name}), so which measurement it is stays open"
            )
        symbols = _QUALIFIER_SYMBOLS.search(text[max(0, match.start() - 24) : match.start()])
        if problem is None and symbols:
            problem = (
                f"'{symbols.group().strip()} {name}' is not a name the lab table knows (its {name!r} is "
                f"{analyte.name}), so which measurement it is stays open"
            )
        if problem is None and _TARGET_WORDS.intersection([*before_words[-3:], *after_words[:2]]):
            problem = "a target or threshold, not a measured value"
        if problem is None and censored is not None and flag is None and low is None and high is None:
            # In notes "Hb < 7 g/dL" is a threshold ("transfuse when Hb < 7 g/dL", "anaemia defined as Hb < 7
            # g/dL") as often as a laboratory's censored result, and read as a result it gave Anemia observed.
            # Only the laboratory's own interval or flag with it, as a printout or a copied result has them,
            # makes it a result ("PTH >1000 pg/mL (15-65)", "PTH >1000 H pg/mL 15-65").
            problem = (
                f"{match.group('cmp').strip()!r} makes it a limit or an estimate, not a measured value: in notes "
                "a threshold as often as a laboratory's result; a result is read with the laboratory's interval "
                "or flag after it, e.g. 'PTH >1000 pg/mL (15-65)'"
            )
        dated = _DATED.search(before) or _DATED.search(after)
        mentions.append(
            LabMention(
                start=match.start(),
                name_end=match.end("name"),
                end=pos,
                written=" ".join(text[match.start() : pos].split()),
                name=name,
                analyte=analyte,
                number=match.group("number"),
                unit=unit,
                low=low,
                high=high,
                flag=flag,
                problem=problem,
                dated=" ".join(dated.group().split()) if dated else None,
                censored=censored,
            )
        )
    return mentions


def _interval_limits(
    interval: re.Match[str], analyte: AnalyteSpec, unit: str, table: LabTable
) -> tuple[float | None, float | None, str | None]:
    """The laboratory's limits in the value's unit, or a problem when the interval's unit is not accepted."""
    low_text = interval.group("low") or interval.group("lower")
    high_text = interval.group("high") or interval.group("upper")
    low = float(low_text) if low_text else None
    high = float(high_text) if high_text else None
    written_unit = interval.group("unit").strip()
    if not written_unit:
        return low, high, None
    accepted = _accepted(table, analyte, written_unit)
    if accepted is None or not unit:
        accepted_units = ", ".join(u.unit for u in analyte.units)
        return None, None, (f"the interval's unit {written_unit!r} is not one of {accepted_units}")

    def convert(limit: float | None) -> float | None:
        return None if limit is None else table.convert(analyte, limit, accepted, unit)

    return convert(low), convert(high), None


# A line that is only an analyte's name, a bullet before it and a colon or "=" after it allowed ("Hb", "- Platelets:"),
# and a line that starts with a figure (see join_split_values).
_NAME_ALONE = re.compile(
    r"[ \t]*(?:[-*\u2022\u00b7][ \t]+)?(?P<name>[a-z][^\n:=]*?)[ \t]*(?:[:=][ \t]*)?\r?", re.IGNORECASE
)
_VALUE_START = re.compile(r"[ \t]*\d")


def _name_alone(line: str, table: LabTable) -> str | None:
    """The analyte's name that ``line`` holds and nothing else (see _NAME_ALONE), or None."""
    match = _NAME_ALONE.fullmatch(line)
    if match is None:
        return None
    name = match.group("name")
    found = _mention_pattern(table).match(f"{name} 1")
    return name if found is not None and found.end("name") == len(name) else None


def join_split_values(text: str, table: LabTable) -> str:
    """``text`` with a value written under its analyte's name read as one line: "Hb" then "7.2 g/dL, big spleen"
    is "Hb 7.2 g/dL, big spleen" (the name and the value were words not found, the line break before a figure
    ending the sentence). Only a line that is the name alone (see _NAME_ALONE) and a next line that starts with
    a value the lab table reads with no problem (a number and an accepted unit, as "Hb 7.2 g/dL" would be) are
    joined; a blank line between them keeps them apart. A column of names ("Calcium" / "Phosphate" / "2.1
    mmol/L") or of values ("Hb" / "7.2 g/dL" / "8.1 g/dL") does not say which value is which name's, and is
    left as it is."""
    lines = text.split("\n")
    names = [_name_alone(line, table) for line in lines]
    joined = [lines[0]]
    for index in range(1, len(lines)):
        name = names[index - 1]
        value = lines[index].strip()
        if (
            name is not None
            and (index < 2 or names[index - 2] is None)
            and _VALUE_START.match(lines[index])
            and (index + 1 == len(lines) or not _VALUE_START.match(lines[index + 1]))
            and any(
                m.start == 0 and m.name_end == len(name) and m.problem is None
                for m in find_lab_mentions(f"{name} {value}", table)[:1]
            )
        ):
            joined[-1] = f"{joined[-1].rstrip()} {value}"
        else:
            joined.append(lines[index])
    return "\n".join(joined)


def mark_lab_mentions(text: str, mentions: Sequence[LabMention]) -> str:
    """``text`` with each mention's value replaced by its placeholder; the analyte's name stays, for the words
    around it ("normal Hb 12 g/dL" still says normal Hb)."""
    parts: list[str] = []
    end = 0
    for index, mention in enumerate(mentions):
        parts.append(text[end : mention.name_end])
        parts.append(f" zzlab{index}zz")
        end = mention.end
    parts.append(text[end:])
    return "".join(parts)


def lab_value_text(text: str, mention: LabMention) -> str:
    """The value part of a mention as written (what its placeholder stands for)."""
    return " ".join(text[mention.name_end : mention.end].split())


# --------------------------------------------------------------------------------------------------------
# Reading the values through the lab table
# --------------------------------------------------------------------------------------------------------


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _reading_text(row: LabInterpretation, table: LabTable) -> str:
    """ "low: below 10.5 g/dL, WHO 2024, at age 8 months" (the age only where the interval depends on it)"""
    interval = row.interval
    if interval is None:
        return row.interpretation
    # "10^9/L" reads as "x10^9/L" after a number.
    unit = f" {'x' if interval.unit[:1].isdigit() else ''}{interval.unit}" if interval.unit else ""
    low, high = interval.low, interval.high
    if row.interpretation == "low":
        limit = f"below {_number(low)}{unit}"
    elif row.interpretation == "high":
        limit = f"above {_number(high)}{unit}"
    elif low is not None and high is not None:
        limit = f"within {_number(low)}-{_number(high)}{unit}"
    elif low is not None:
        limit = f"not below {_number(low)}{unit}"
    else:
        limit = f"not above {_number(high)}{unit}"
    if interval.laboratory:
        return f"{row.interpretation}: {limit}, the laboratory's interval written with it"
    by_age = any(band.age_dependent for band in table.analyte(row.value.analyte).bands)
    age = f", at age {age_text(row.age_days)}" if by_age and row.age_days is not None else ""
    return f"{row.interpretation}: {limit}, {interval.source}{age}"


def _not_interpreted(row: LabInterpretation) -> str:
    name = row.name.lower()
    if row.needs == "age":
        return (
            f"not interpreted: the {name} reference interval depends on age, and the patient's age is not "
            "known (give the age)"
        )
    if row.needs == "sex":
        return (
            f"not interpreted: the {name} reference interval at this age depends on sex, and the patient's "
            "sex is not known (give the sex)"
        )
    laboratory = row.value.low is not None or row.value.high is not None
    hint = "" if laboratory else " Write the laboratory's interval after the value: '(ref LOW-HIGH)'."
    return f"not interpreted: {row.note or 'no reference interval.'}{hint}"


def read_text_labs(
    text: str,
    mentions: Sequence[LabMention],
    contexts: Sequence[str | None],
    words: Sequence[tuple[str, bool]],
    *,
    ontology: Ontology,
    table: LabTable,
    age_days: float | None,
    sex: str | None,
    exclusions: bool = True,
) -> TextLabReading:
    """Interpret the mentions that are the patient's, and merge their terms with the words' findings.

    ``contexts`` gives each mention's standing from the parser's cues: ``"patient"``, ``"relative"``,
    ``"uncertain"`` (uncertain or hypothetical), or None when its words were not read. ``words`` are the
    words' findings (id, excluded). As with entered findings and lab values elsewhere
    (:func:`~marbledx.findings.prepare_lab_findings`), the words win over a lab term that contradicts them,
    with a note.
    """
    labs: dict[int, TextLab] = {}
    notes: list[str] = []
    candidates: list[tuple[int, LabValue]] = []
    for index, mention in enumerate(mentions):
        key = mention.analyte.key if mention.analyte is not None else None
        context = contexts[index] if index < len(contexts) else None
        reason: str | None = None
        if context == "relative":
            reason = "about a relative, not read as the patient's"
        elif context == "uncertain":
            reason = "uncertain or hypothetical, not read"
        elif context is None:
            reason = "its words were not read"
        elif mention.problem is not None:
            reason = f"not read: {mention.problem}"
        if reason is not None or mention.analyte is None:
            labs[index] = TextLab(mention.written, key, note=reason)
            continue
        where = f"'{mention.written}'"
        try:
            value = make_lab_value(
                mention.analyte.key,
                mention.number,
                mention.unit,
                where=where,
                low=mention.low,
                high=mention.high,
                censored=mention.censored,
                table=table,
            )
        except InputError as exc:
            labs[index] = TextLab(
                mention.written, key, note=f"not read: {str(exc).removeprefix(where + ': ')}"
            )
            continue
        if mention.dated is not None:
            labs[index] = TextLab(
                mention.written,
                key,
                value,
                note=(
                    f"not interpreted: '{mention.dated}' dates it to another time, and the age at that test "
                    "is not known"
                ),
            )
            continue
        candidates.append((index, value))
    # A laboratory's flag is its own interval's verdict; a table reading that differs is not used.
    first = interpret_labs([v for _, v in candidates], age_days=age_days, sex=sex, table=table, strict=False)
    kept: list[tuple[int, LabValue]] = []
    for (index, value), row in zip(candidates, first, strict=True):
        flag = mentions[index].flag
        if flag is not None and row.interpretation != flag:
            reading = (
                f"reads it as {_reading_text(row, table)}"
                if row.interpretation != "unknown"
                else "cannot classify it"
            )
            labs[index] = TextLab(
                mentions[index].written,
                value.analyte,
                value,
                note=(
                    f"not interpreted: the laboratory flags it {flag}, and the lab table {reading}; "
                    "write the laboratory's interval after the value: '(ref LOW-HIGH)'"
                ),
            )
            continue
        kept.append((index, value))
    transfused = bool(_TRANSFUSION.search(text))
    report = lab_report(
        [v for _, v in kept],
        age_days=age_days,
        sex=sex,
        table=table,
        exclusions=exclusions and not transfused,
        strict=False,
    )
    written: list[str] = []
    for (index, value), row in zip(kept, report.rows, strict=True):
        written.append(mentions[index].written)
        note: str | None
        if row.interpretation == "unknown":
            note = _not_interpreted(row)
        elif row.hpo_id is None:
            note = f"{_reading_text(row, table)}; no HPO term" + (f". {row.note}" if row.note else "")
        else:
            note = row.note
        labs[index] = TextLab(mentions[index].written, value.analyte, value, row, note)
    if transfused and exclusions and any(row.excluded for row in report.rows):
        # A transfused infant can have a normal haemoglobin despite anaemia (docs/labs.md); transfusion-
        # dependent anaemia is common in infantile osteopetrosis (reference §1, ASH 2025 abstract; §3,
        # GeneReviews PMID:20301306).
        notes.append(
            "the words mention a transfusion, so a normal haemoglobin does not exclude anaemia "
            "(a transfusion can mask it)"
        )
    notes[:0] = [f"'{labs[i].written}': {labs[i].note}" for i in sorted(labs) if labs[i].note]
    terms = _terms(report, written, words, ontology, table, notes)
    notes.extend(report.notes)
    return TextLabReading(tuple(labs[i] for i in sorted(labs)), tuple(terms), tuple(notes))


def _terms(
    report: LabReport,
    written: Sequence[str],
    words: Sequence[tuple[str, bool]],
    ontology: Ontology,
    table: LabTable,
    notes: list[str],
) -> list[TextLabTerm]:
    """The report's findings as terms of the release in use, each with the values it came from; a term the
    words contradict is left out with a note."""
    stated: dict[str, bool] = {}
    for term, excluded in words:
        stated.setdefault(term, excluded)
    terms: list[TextLabTerm] = []
    for finding in report.findings:
        phrase, detail = _origin(report, written, finding.hpo_id, finding.excluded, table)
        label = report.labels.get(finding.hpo_id, finding.hpo_id)
        try:
            current = ontology.resolve(finding.hpo_id)
        except UnknownTermError:
            notes.append(f"'{phrase}' -> {finding.hpo_id} {label}: not in this HPO release; not added")
            continue
        label = ontology.label(current)
        state = "excluded" if finding.excluded else "observed"
        conflict = _contradiction(current, finding.excluded, stated, ontology)
        if conflict is not None:
            notes.append(
                f"'{phrase}' gives {current} {label} {state}, but the words give {conflict}; the words' finding "
                "is kept"
            )
            continue
        terms.append(TextLabTerm(phrase, current, label, finding.excluded, detail))
    return terms


def _contradiction(term: str, excluded: bool, stated: dict[str, bool], ontology: Ontology) -> str | None:
    """What the words say against a lab term: the same term in the other state, an excluded broader term of
    an observed one, or an observed narrower term of an excluded one."""
    if term in stated and stated[term] != excluded:
        return f"{term} {'observed' if excluded else 'excluded'}"
    for other, other_excluded in stated.items():
        if not excluded and other_excluded and other in ontology.ancestors(term):
            return f"its broader term {other} {ontology.label(other)} excluded"
        if excluded and not other_excluded and term in ontology.ancestors(other):
            return f"its narrower term {other} {ontology.label(other)} observed"
    return None


def _origin(
    report: LabReport, written: Sequence[str], hpo_id: str, excluded: bool, table: LabTable
) -> tuple[str, str]:
    """The values a finding came from, as written, and how they were read."""
    rows = list(zip(report.rows, written, strict=True))
    direct = [
        (row, text)
        for row, text in rows
        if row.hpo_id == hpo_id
        and row.excluded == excluded
        and (excluded or row.interpretation in ("low", "high"))
    ]
    if direct:
        phrase = ", ".join(dict.fromkeys(text for _, text in direct))
        return phrase, "; ".join(dict.fromkeys(_reading_text(row, table) for row, _ in direct))
    derived = next(d for d in report.derived if d.hpo_id == hpo_id)
    used = [
        text
        for row, text in rows
        if row.value.analyte in derived.based_on and row.interpretation != "unknown"
    ]
    # The rule's own words say [INFERENCE ...] where the table has them.
    inference = " [INFERENCE]" if derived.inference and "[INFERENCE" not in derived.rule else ""
    return ", ".join(dict.fromkeys(used)), f"derived: {derived.rule} ({derived.source}){inference}"
