"""Error messages for web users: what the command line calls a flag, the web app calls a form field.

The analysis and the readers under it are shared with ``marbledx analyze``, so their messages tell a
command-line user which flag to pass (``--sample NAME``, ``--genes-bed FILE``, ``--value '…'``). A user of
the pages or the REST API has no flags: :func:`for_web` rewrites those hints into what they can do there
(a field of the case, a file to upload again, a task for the server's administrator). A message without
such a hint is returned as it is. Every message goes out as one line with its control characters escaped
(:func:`one_line`), as the command line prints its errors.
"""

from __future__ import annotations

import re
from typing import Final

from marbledx._format import printable

__all__ = ["COUPLE_LABEL", "SAMPLE_LABEL", "for_web", "one_line"]

SAMPLE_LABEL: Final = "Proband's sample"
"""The label of the case page's upload field that chooses the proband's sample of a VCF."""
COUPLE_LABEL: Final = "Couple for the risks"
"""The label of the case page's upload field that chooses a PED file's couple (whose next child the
counselling risks are for: ``marbledx analyze --couple``)."""

# (pattern, replacement), applied in order. Each names the hint of one reader message (see the modules in
# marbledx.findings and marbledx.genotype that raise it), so an unrelated text is never touched.
_REWRITES: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (
        re.compile(r"^--text is empty; expected a description such as"),
        "the plain-words box is empty; describe the findings in words, such as",
    ),
    # A stored lab value the analysis refuses (stored before the pages and the API checked values).
    (
        re.compile(r"--value ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"),
        r"the stored lab value \1 (remove it under Labs over time)",
    ),
    (
        re.compile(
            r"pass --sample NAME to (?:choose the proband|say which one is the proband|name the proband's sample)"
        ),
        "upload the VCF again and enter the proband's sample name in the upload form's field "
        f'"{SAMPLE_LABEL}" (?sample=NAME in the REST API)',
    ),
    # The counselling's request for a couple (an adult proband with no partner or several in the PED file, or
    # no affected person with both parents), then any other mention of the flag (the engine's checks of it).
    (
        re.compile(r"(choose whose next child to compute|name the partner) with --couple FATHER,MOTHER"),
        r"\1: upload the PED file again and enter FATHER,MOTHER (two ids of the file) in the upload form's "
        f'field "{COUPLE_LABEL}" (?couple=FATHER,MOTHER in the REST API)',
    ),
    (re.compile(r"--couple\b"), "the PED upload's couple"),
    (
        re.compile(r"annotate it, or pass --genes-bed FILE \(or run `marbledx data fetch genes`\)"),
        "annotate it with VEP or SnpEff and upload it again, or ask the server's administrator to run "
        "'marbledx data fetch genes'",
    ),
    (
        re.compile(
            r"pass --genome (?:GRCh37 or GRCh38|GRCh37\|GRCh38)(?: to say which build the coordinates are in)?"
        ),
        "add a ##reference line naming GRCh37 or GRCh38 to the VCF header, then upload it again",
    ),
    (
        re.compile(r"give the age at the test with --age \(an ISO 8601 duration such as P6M\)"),
        "enter the patient's age in the case details",
    ),
    (re.compile(r"give --sex female or --sex male"), "enter the patient's sex in the case details"),
    (re.compile(r"\(--lenient drops it\)"), "(or remove the finding from the case)"),
    # The knowledge base's lookup (a subtype name that is no card, or a group such as "ARO") and an unknown HPO
    # id point to commands; the web app has the same lists.
    (re.compile(r"\(see 'marbledx subtypes'\)"), "(see the Subtypes page, or GET /api/subtypes)"),
    (
        re.compile(r"\('marbledx term WORDS' finds one\)"),
        "(the finding box's suggestions, or GET /api/hpo/search?q=WORDS, find one)",
    ),
)


def one_line(message: str) -> str:
    """``message`` on one line, with control characters escaped (``\\x1b``): it may quote what a request
    sent (a JSON key, a file name, a sample name), which must not break the line or reach a terminal as an
    escape sequence when a client prints it."""
    return printable(" ".join(message.split()))


def for_web(message: str) -> str:
    """``message`` with command-line hints (flags) rewritten for a user of the pages or the REST API, as
    one line (:func:`one_line`)."""
    for pattern, replacement in _REWRITES:
        message = pattern.sub(replacement, message)
    return one_line(message)
