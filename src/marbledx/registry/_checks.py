"""Validation of what goes into the registry: names, roles, passwords, case fields, findings, labs.

Every refusal is an :class:`~marbledx.errors.InputError` with a one-line message that names the field and
what is expected, and never echoes a password.
"""

from __future__ import annotations

import gzip
import io
import math
import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Final, Protocol, cast

from marbledx._couple import COUPLE_METAVAR, parse_couple
from marbledx._format import printable
from marbledx.advice._risk import couple_in_file
from marbledx.errors import InputError
from marbledx.findings import PED_AFFECTED_CODES, PED_SEX_CODES, Pedigree, parse_iso_age, ped_rows, read_ped
from marbledx.registry._models import AGE_AT_TEST_LENGTH, ROLES, SEXES, SOURCES, look_alike_key
from marbledx.registry._records import FindingRecord, Role

__all__ = [
    "MAX_COUPLE_LENGTH",
    "MAX_PASSWORD_LENGTH",
    "MAX_SAMPLE_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "SNIFF_BYTES",
    "STORED_SAMPLE_NAMES",
    "FindingLike",
    "check_age",
    "check_age_at_test",
    "check_couple",
    "check_findings",
    "check_flag",
    "check_label",
    "check_name",
    "check_number",
    "check_password",
    "check_role",
    "check_sample",
    "check_sex",
    "check_team",
    "check_text",
    "check_upload_head",
    "check_vcf_header",
    "couple_in_ped",
    "days_as_iso_age",
    "json_safe",
    "look_alike_key",
    "matchable",
    "mixed_scripts",
    "sample_in_header",
    "sample_listing",
    "vcf_sample_names",
]

MIN_PASSWORD_LENGTH: Final = 10
MAX_PASSWORD_LENGTH: Final = 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_HPO_ID = re.compile(r"HP:\d{7}")
_MAX_AGE_DAYS = 130 * 365.25


class FindingLike(Protocol):
    """A finding as the registry accepts it: its FindingRecord, or marbledx.findings.Finding."""

    @property
    def hpo_id(self) -> str: ...
    @property
    def excluded(self) -> bool: ...
    @property
    def source(self) -> str: ...


def check_name(value: str, what: str) -> str:
    text = value.strip()
    # Names are ASCII, so the pattern below refuses a bidirectional control too; named first, as for every
    # other free-text field, rather than as a character "not allowed" that the message cannot show.
    _refuse_bidi(text, what)
    if not _NAME.fullmatch(text):
        # Quoted cut short: a name of a million characters must not make the one-line error a page long.
        msg = (
            f"{what} {_shown(value)} is not allowed; expected 1-100 letters, digits or . _ @ - "
            "(starting with a letter or digit)"
        )
        raise InputError(msg)
    return text


_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_CONTROL: Final = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode's category Cc


def _refuse_unstorable(text: str, what: str) -> None:
    """PostgreSQL cannot store a NUL character in text (SQLite can): refused on both, so they agree. Neither
    database driver can encode a lone surrogate (a JSON string may hold one, ``"\\ud800"``): refused too."""
    if "\x00" in text:
        msg = f"{what} contains a NUL character (U+0000); expected text without it"
        raise InputError(msg)
    surrogate = _SURROGATE.search(text)
    if surrogate is not None:
        msg = (
            f"{what} contains a lone surrogate (U+{ord(surrogate.group()):04X}), which is no character; "
            "expected Unicode text"
        )
        raise InputError(msg)


def _refuse_control(text: str, what: str) -> None:
    """One line of text shown in lists and on the terminal: no control character (shown escaped if found)."""
    control = _CONTROL.search(text)
    if control is not None:
        msg = f"{what} contains a control character ({printable(control.group())}); expected one line of text"
        raise InputError(msg)


# Unicode's explicit bidirectional formatting characters: the embeddings and overrides (U+202A-U+202E) and the
# isolates (U+2066-U+2069). They reorder how the text around them is displayed, so a label can show one thing
# while holding another ("Trojan Source", CVE-2021-42574; Unicode UAX #9, "Explicit Directional Formatting";
# Unicode TR #36, "Bidirectional Text Spoofing"). The implicit marks (U+200E, U+200F, U+061C) are kept: they
# only nudge neutral characters, and right-to-left scripts use them in ordinary text.
_BIDI_CONTROL: Final = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _refuse_bidi(text: str, what: str) -> None:
    """Refuse a bidirectional control character in one line of stored text (named, with its code point)."""
    found = _BIDI_CONTROL.search(text)
    if found is not None:
        char = found.group()
        msg = (
            f"{what} contains a Unicode bidirectional control character (U+{ord(char):04X} "
            f"{unicodedata.name(char)}), which can reverse how the text around it is shown; expected text "
            "without it"
        )
        raise InputError(msg)


def matchable(value: str) -> bool:
    """Whether stored text can equal ``value``: none holds a NUL, which PostgreSQL refuses even in a query,
    or a lone surrogate, which no database driver can encode."""
    return "\x00" not in value and _SURROGATE.search(value) is None


def check_team(value: str) -> str:
    text = " ".join(value.split())
    if not text or len(text) > 100:
        msg = "team name must be 1-100 characters"
        raise InputError(msg)
    _refuse_unstorable(text, "team name")
    # A team name is shown in tables, pages and the terminal: an escape sequence (ESC) or a bell in it would
    # reach the terminal of whoever lists the accounts. Line breaks and tabs were folded into spaces above.
    _refuse_control(text, "team name")
    _refuse_bidi(text, "team name")
    return text


# Scripts whose letters look alike: a Cyrillic "a" (U+0430) or a Greek "o" (U+03BF) in an otherwise Latin name makes a name
# that reads as another (Unicode TR #39, "Mixed-Script Detection").
_CONFUSABLE_SCRIPTS: Final = ("LATIN", "CYRILLIC", "GREEK")


def mixed_scripts(text: str) -> list[str]:
    """The look-alike scripts (Latin, Cyrillic, Greek) whose letters ``text`` mixes, in that order; fewer
    than two when it does not mix them (Unicode TR #39, "Mixed-Script Detection")."""
    seen: set[str] = set()
    for char in text:
        if char.isalpha():
            script = unicodedata.name(char, "").split(" ", 1)[0]
            if script in _CONFUSABLE_SCRIPTS:
                seen.add(script)
    return [script for script in _CONFUSABLE_SCRIPTS if script in seen]


def check_role(value: str) -> Role:
    if value not in ROLES:
        msg = f"unknown role {value!r}; expected one of {', '.join(ROLES)}"
        raise InputError(msg)
    return cast("Role", value)


def check_password(password: str) -> str:
    """Refuse passwords that are empty, too short, absurdly long, only spaces, or hold a character that
    cannot be typed into the sign-in form or hashed (the message never echoes them, nor any part)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"password too short; expected at least {MIN_PASSWORD_LENGTH} characters"
        raise InputError(msg)
    if len(password) > MAX_PASSWORD_LENGTH:
        msg = f"password too long; expected at most {MAX_PASSWORD_LENGTH} characters"
        raise InputError(msg)
    if not password.strip():
        msg = "password is only spaces; expected a real password"
        raise InputError(msg)
    # A NUL, an escape or a line break cannot be typed into the sign-in form, so the account could never
    # sign in; a lone surrogate (undecodable input read leniently) cannot even be hashed.
    if _CONTROL.search(password) is not None:
        msg = "password contains a control character (a NUL, tab, escape or line break); expected printable characters"
        raise InputError(msg)
    if _SURROGATE.search(password) is not None:
        msg = "password is not valid Unicode text (undecodable bytes?); expected UTF-8 text"
        raise InputError(msg)
    return password


def check_label(value: str) -> str:
    text = value.strip()
    if not text or len(text) > 200:
        msg = "case label must be 1-200 characters"
        raise InputError(msg)
    _refuse_unstorable(text, "case label")
    # A label is one line shown in lists and titles: a line break, a tab or a terminal escape (ESC) in it is
    # a mistake or an attack, never part of a team's case label.
    _refuse_control(text, "case label")
    _refuse_bidi(text, "case label")
    return text


def check_age(value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = "age_days must be a number of days"
        raise InputError(msg)
    if not 0 <= value <= _MAX_AGE_DAYS:
        msg = f"age_days {value} is out of range; expected 0 to {_MAX_AGE_DAYS:.0f} days"
        raise InputError(msg)
    return float(value)


def days_as_iso_age(days: float) -> str:
    """An age in days as an ISO 8601 duration that reads back as the same number (``P60.875D``): the shortest
    text of the float, positional (ISO 8601 has no exponent)."""
    text = repr(float(days))
    if "e" in text:  # under a millisecond, or a huge number the range check refuses anyway
        text = f"{days:.20f}".rstrip("0")
    return f"P{text.removesuffix('.0')}D"


def check_age_at_test(value: str | float | None, where: str = "age_at_test") -> str | None:
    """A lab value's age at the test as the registry keeps it: an ISO 8601 duration (``P2M``; upper case, a
    decimal comma as a point, as :func:`marbledx.findings.parse_iso_age` reads it), or a number of days
    written as one (``P60.875D``); None when unknown. Anything else, or an age over 130 years, is a one-line
    :class:`InputError` naming ``where``: an age that silently matched no band would read the value at the
    case's age instead."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        msg = (
            f"{where}: {printable(repr(value))[:80]} is not an age; expected an ISO 8601 duration such as P8M"
        )
        raise InputError(msg)
    if isinstance(value, int | float):
        if not math.isfinite(value) or not 0 <= value <= _MAX_AGE_DAYS:
            msg = f"{where}: {value!r} is not an age in days; expected 0 to {_MAX_AGE_DAYS:.0f} days"
            raise InputError(msg)
        return days_as_iso_age(float(value))
    text = value.strip().upper().replace(",", ".")
    if len(text) > AGE_AT_TEST_LENGTH:
        msg = (
            f"{where}: {printable(repr(value[:20]))}… is not an ISO 8601 age (over {AGE_AT_TEST_LENGTH} "
            "characters); expected a duration such as P8M, P2Y6M or P10D"
        )
        raise InputError(msg)
    parse_iso_age(value, where=where)  # its one-line message names ``where`` and the expected form
    return text


def check_sex(value: str | None) -> str | None:
    if value is not None and value not in SEXES:
        msg = f"sex {value!r} is not allowed; expected one of {', '.join(SEXES)} or none"
        raise InputError(msg)
    return value


def check_flag(value: bool, what: str) -> bool:
    """A yes/no field (a case's family history): True or False only. A truthy string or number ("no", 1) is
    refused rather than read as yes: a family history wrongly stated shifts the ranking."""
    if not isinstance(value, bool):
        msg = f"{what} {printable(repr(value))[:80]} is not allowed; expected true or false"
        raise InputError(msg)
    return value


def check_findings(findings: Iterable[FindingLike]) -> list[FindingRecord]:
    seen: dict[str, FindingRecord] = {}
    for finding in findings:
        hpo_id, excluded, source = finding.hpo_id, bool(finding.excluded), finding.source
        if not isinstance(hpo_id, str) or not _HPO_ID.fullmatch(hpo_id):
            msg = f"finding {hpo_id!r} is not an HPO id; expected HP: and 7 digits, e.g. HP:0011002"
            raise InputError(msg)
        if source not in SOURCES:
            msg = f"finding {hpo_id}: source {source!r} is not allowed; expected one of {', '.join(SOURCES)}"
            raise InputError(msg)
        previous = seen.get(hpo_id)
        if previous is not None and previous.excluded != excluded:
            msg = f"finding {hpo_id} is both observed and excluded; expected one state per term"
            raise InputError(msg)
        seen.setdefault(hpo_id, FindingRecord(hpo_id, excluded, source))
    return list(seen.values())


def check_number(value: float | None, what: str, *, required: bool = False) -> float | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"lab {what} must be a finite number"
        raise InputError(msg)
    return float(value)


def check_text(value: str, what: str, limit: int) -> str:
    text = value.strip()
    if not text or len(text) > limit:
        msg = f"lab {what} must be 1-{limit} characters"
        raise InputError(msg)
    _refuse_unstorable(text, f"lab {what}")
    _refuse_bidi(text, f"lab {what}")
    return text


def json_safe(value: Any) -> Any:
    """The value with non-finite floats as None (JSON and PostgreSQL have no NaN or infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


# -- uploads ---------------------------------------------------------------------------------------------

SNIFF_BYTES: Final = 1 << 16
"""How much of an upload :func:`check_upload_head` looks at (a whole BGZF block, most PED files)."""

# Files people pick by mistake, by their first bytes: named in the refusal so the user sees what happened.
_LOOKS_LIKE: Final = (
    (b"{", "JSON (a phenopacket? enter its findings on the case page instead)"),
    (b"[", "JSON"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive or an Office document"),
    (b"<", "HTML or XML"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
)
_TEXT_BYTES: Final = b"\t\n\r" + bytes(range(32, 256))  # tab, line ends, printable ASCII and UTF-8 bytes
_PED_SEX: Final = PED_SEX_CODES
_PED_AFFECTED: Final = PED_AFFECTED_CODES
_PED_COLUMNS: Final = "family, individual, father, mother, sex, affected"


def _looks_like(head: bytes) -> str:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    what = next((name for magic, name in _LOOKS_LIKE if start.startswith(magic)), None)
    if what is None and head.translate(None, _TEXT_BYTES):
        what = "binary data, not text"
    return f": it looks like {what}" if what else ""


def _is_bgzf(head: bytes) -> bool:
    # A BGZF block is a gzip member with the FEXTRA flag and a "BC" extra subfield (SAM/BAM spec, 4.1).
    return len(head) >= 14 and head[:2] == b"\x1f\x8b" and bool(head[3] & 4) and head[12:14] == b"BC"


def _decompressed_start(head: bytes, size: int = 64) -> bytes:
    """The first ``size`` bytes of bgzip-compressed ``head``, read across its gzip members: a BGZF file is a
    series of them, and an empty one (the end-of-file block) may come first."""
    out, data = b"", head
    while data[:2] == b"\x1f\x8b" and len(out) < size:
        member = zlib.decompressobj(wbits=31)
        out += member.decompress(data, size - len(out))
        if not member.eof:
            break  # enough read, or the member goes on past the sniffed bytes
        data = member.unused_data
    return out


def _check_vcf_head(head: bytes, *, complete: bool, name: str) -> None:
    inner = head
    if head[:2] == b"\x1f\x8b":
        if not _is_bgzf(head):
            # htslib, which reads the VCF at analysis, takes bgzip's blocks but not a plain gzip stream.
            msg = "the VCF is compressed with plain gzip, which cannot be read; recompress it with bgzip (or upload it uncompressed)"
            raise InputError(msg)
        try:
            inner = _decompressed_start(head)
        except zlib.error:
            msg = "the file is damaged: its bgzip-compressed data cannot be read; expected a VCF or BCF file"
            raise InputError(msg) from None
        if complete and not inner:
            # bgzip of an empty file (a pipeline step that wrote nothing) is only the end-of-file block.
            msg = (
                f"{name} is empty once decompressed (bgzip blocks without any text); expected a VCF with at "
                "least its header (##fileformat=VCF … #CHROM)"
            )
            raise InputError(msg)
    if inner.startswith((b"##fileformat=VCF", b"BCF\x02")):
        return
    msg = (
        f"not a VCF file{_looks_like(inner)}; expected VCF text starting with '##fileformat=VCF', "
        "a bgzip-compressed VCF (.vcf.gz) or a BCF file"
    )
    raise InputError(msg)


def _check_ped_head(head: bytes, *, complete: bool) -> None:
    if head[:2] == b"\x1f\x8b":
        msg = "the PED file is compressed; upload it as plain text"
        raise InputError(msg)
    if head.translate(None, _TEXT_BYTES):
        msg = f"not a PED file{_looks_like(head)}; expected a text file with the columns {_PED_COLUMNS}"
        raise InputError(msg)
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if text.startswith("##fileformat=VCF"):
        msg = "this is a VCF file, not a PED file; upload it as kind VCF"
        raise InputError(msg)
    lines = text.splitlines()
    if not complete:
        lines = lines[:-1]  # the last line may be cut off where the sniffed bytes end
    people = 0
    # The checks of the PED reader the analysis uses (marbledx.findings.read_ped), on each line read so far;
    # the messages name the line and column, never the file's contents.
    for number, columns in ped_rows(lines):
        if len(columns) < 6:
            msg = (
                f"not a PED file{'' if people else _looks_like(head)}: line {number} has {len(columns)} "
                f"column{'s' if len(columns) != 1 else ''}; expected 6 or more ({_PED_COLUMNS})"
            )
            raise InputError(msg)
        if columns[4] not in _PED_SEX:
            msg = f"not a PED file: line {number}, column 5 (sex) is not 1 (male), 2 (female) or 0 (unknown)"
            raise InputError(msg)
        if columns[5] not in _PED_AFFECTED:
            msg = (
                f"not a PED file: line {number}, column 6 (affected) is not 1 (unaffected), 2 (affected) "
                "or 0 (unknown)"
            )
            raise InputError(msg)
        people += 1
    if complete and people == 0:
        msg = f"the PED file lists no individuals; expected one line per person ({_PED_COLUMNS})"
        raise InputError(msg)


def check_upload_head(kind: str, head: bytes, *, complete: bool, name: str | None = None) -> None:
    """Refuse an upload whose first bytes (``head``, at most :data:`SNIFF_BYTES`; ``complete`` when that is
    the whole file) are not of its ``kind``: a VCF must be VCF text, bgzip-compressed VCF or BCF (not empty
    once decompressed); a PED file text whose lines have the six PED columns with valid sex and affected
    codes. ``name`` is how a message names the file (the client's file name), ``the VCF`` when None.

    A quick look, not the full check: the analysis still reads the whole file, and says what is wrong with
    a file that passes here but not there (:func:`check_vcf_header` reads a VCF's whole header).
    """
    if kind == "vcf":
        _check_vcf_head(head, complete=complete, name=_file_named(name))
    elif kind == "ped":
        _check_ped_head(head, complete=complete)


def _file_named(name: str | None) -> str:
    """How a message names an uploaded VCF: by its file name as the client sent it (already escaped), as the
    analysis names an upload."""
    return f"the VCF file {name}" if name else "the VCF file"


def check_vcf_header(path: Path, name: str | None = None) -> None:
    """Refuse a VCF or BCF whose header the analysis cannot read: opened with the genotype reader's own
    opening (:func:`marbledx.genotype._vcf._open`: htslib's header parse, with the reader's one-line reasons
    for a missing or malformed ``#CHROM`` line, text that is not UTF-8, a bgzip file cut short), reading the
    header only. ``name`` names the file in the message, never ``path`` (an upload not yet kept).

    A header without records passes: a pipeline that called nothing writes one, and the analysis reports
    that the VCF gives no genotype evidence. So does a sites-only header: only its records would tell.
    """
    # Imported here: the genotype reader brings htslib (pysam) and numpy, which the registry's other users
    # (the command line's backups, user management) never need.
    from marbledx.genotype._vcf import _close, _open, _quiet_htslib

    where = _file_named(name)
    with _quiet_htslib():
        try:
            vcf = _open(path, where)
        except InputError as exc:
            message = str(exc).replace(str(path), where)
            if "#CHROM line" in message and "expected" not in message:
                message += "; expected a header that ends with it, as variant callers write it"
            raise InputError(message) from None
        _close(vcf)


# -- a VCF's samples -------------------------------------------------------------------------------------

MAX_SAMPLE_LENGTH: Final = 255
"""The longest sample name an upload may choose (the ``uploads.sample`` column)."""
STORED_SAMPLE_NAMES: Final = 50
"""How many of a VCF header's sample names an upload keeps to show them (their number is kept as well)."""
_HEADER_LIMIT: Final = 64 << 20  # bytes of (decompressed) header read in search of the #CHROM line
_LINE_LIMIT: Final = 16 << 20  # the longest header line read (a #CHROM line of a very large cohort)
_LISTED: Final = 10  # sample names listed in a message


def _shown(name: str, limit: int = 40) -> str:
    return repr(name if len(name) <= limit else name[: limit - 1] + "…")


def sample_listing(samples: Sequence[str], count: int | None = None) -> str:
    """The sample names for a message or a page: the first ten, then how many there are in all."""
    total = len(samples) if count is None else count
    # Escaped: the names come from the file's header, which may hold control characters.
    shown = ", ".join(printable(name if len(name) <= 40 else name[:39] + "…") for name in samples[:_LISTED])
    return shown if total <= _LISTED else f"{shown}, … ({total} in all)"


def _chrom_line_samples(line: bytes) -> list[str] | None:
    columns = line.rstrip(b"\r\n\x00").decode("utf-8", errors="replace").split("\t")
    if len(columns) < 8:  # not the tab-separated #CHROM line (spaces for tabs?): the analysis says so
        return None
    names = columns[9:]
    return None if any("\x00" in name for name in names) else names


def _bcf_header_samples(stream: io.BufferedIOBase) -> list[str] | None:
    size = int.from_bytes(stream.read(4), "little")  # l_text, after the magic (VCF 4.3 spec, 6.2)
    if size > _HEADER_LIMIT:
        return None
    for line in stream.read(size).split(b"\n"):
        if line.startswith(b"#CHROM"):
            return _chrom_line_samples(line)
    return None


def _text_header_samples(stream: io.BufferedIOBase) -> list[str] | None:
    seen = 0
    while line := stream.readline(_LINE_LIMIT):
        seen += len(line)
        if seen > _HEADER_LIMIT or (len(line) == _LINE_LIMIT and not line.endswith(b"\n")):
            return None
        if line.startswith(b"#CHROM"):
            return _chrom_line_samples(line)
        if not line.startswith(b"#"):
            return None  # a record before any #CHROM line
    return None


def vcf_sample_names(path: Path) -> list[str] | None:
    """The sample names in the header of the VCF or BCF file at ``path`` (plain text, bgzip-compressed or
    BCF), from its ``#CHROM`` line: ``[]`` for a sites-only VCF, None when no ``#CHROM`` line can be read
    (the analysis then says what is wrong with the file).

    Only the header is read (at most 64 MiB of it, decompressed), never the records.
    """
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            stream: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
            with stream:
                if stream.read(5).startswith(b"BCF\x02"):
                    return _bcf_header_samples(stream)
                stream.seek(0)
                return _text_header_samples(stream)
    except (OSError, EOFError, zlib.error):  # gzip.BadGzipFile is an OSError
        return None


def check_sample(kind: str, sample: str | None) -> str | None:
    """The proband's sample chosen for an upload of ``kind``, before the file is read: None when not given
    (or blank). Only a VCF takes one; the name is checked against the header by :func:`sample_in_header`."""
    if sample is None or not sample.strip():
        return None
    if kind != "vcf":
        msg = (
            "sample is for a VCF upload only (the proband's sample in a VCF with several); leave it empty "
            "for a PED file"
        )
        raise InputError(msg)
    if len(sample) > MAX_SAMPLE_LENGTH:
        msg = (
            f"sample is {len(sample)} characters long; expected the proband's sample name as the VCF "
            f"header spells it (at most {MAX_SAMPLE_LENGTH} characters)"
        )
        raise InputError(msg)
    _refuse_unstorable(sample, "sample")
    return sample


def sample_in_header(sample: str, samples: Sequence[str] | None) -> str:
    """``sample`` as the VCF header spells it (surrounding spaces dropped if the header has none), or an
    :class:`InputError` naming the field and listing the header's samples (``samples`` from
    :func:`vcf_sample_names`)."""
    if samples is None:
        msg = (
            f"sample {_shown(sample)} cannot be checked: the VCF header has no #CHROM line naming its "
            "samples; expected a VCF whose header ends with the tab-separated #CHROM line"
        )
        raise InputError(msg)
    if not samples:
        msg = (
            f"sample {_shown(sample)} is not in the VCF: it has no sample columns (a sites-only VCF); "
            "expected a VCF with the proband's genotypes"
        )
        raise InputError(msg)
    for name in (sample, sample.strip()):
        if name in samples:
            return name
    msg = f"sample {_shown(sample)} is not a sample of this VCF; expected one of its samples: {sample_listing(samples)}"
    raise InputError(msg)


# -- a PED file's couple ---------------------------------------------------------------------------------

MAX_COUPLE_LENGTH: Final = 511
"""The longest couple an upload may choose as typed (the ``uploads.couple`` column: two ids and a comma)."""


def check_couple(kind: str, couple: str | None) -> tuple[str, str] | None:
    """The couple chosen for an upload of ``kind`` (``FATHER,MOTHER``: whose next child the counselling risks
    are for), before the file is read: None when not given (or blank). Only a PED file takes one; its form is
    the command line's ``--couple`` (:func:`marbledx._couple.parse_couple`), and the ids are checked against
    the file by :func:`couple_in_ped`."""
    if couple is None or not couple.strip():
        return None
    if kind != "ped":
        msg = (
            "couple is for a PED upload only (whose next child the counselling risks are for); leave it empty "
            f"for a {kind.upper()} file"
        )
        raise InputError(msg)
    if len(couple) > MAX_COUPLE_LENGTH:
        msg = (
            f"couple is {len(couple)} characters long; expected two individual ids of the PED file, "
            f"{COUPLE_METAVAR} (at most {MAX_COUPLE_LENGTH} characters)"
        )
        raise InputError(msg)
    _refuse_unstorable(couple, "couple")
    return parse_couple(couple, what="couple")


def _near_miss(couple: tuple[str, str], pedigree: Pedigree) -> str:
    """Why the couple's id that is not in ``pedigree`` may look as if it were, for its refusal: an id of the
    file it differs from only in compatibility forms (full-width letters, a decomposed accent), or a
    character that is not plain ASCII (a Cyrillic capital ER, U+0420, for a Latin "P"; a zero-width space).
    Empty when neither: the listing of the file's individuals then says enough. Without it, a refusal of a
    Cyrillic "P1" ("is not in the PED file; its individuals: P1") would read as a contradiction."""
    named = [
        *pedigree.ids,
        *(p for person in pedigree.individuals for p in (person.father, person.mother) if p),
    ]
    known = set(named)
    missing = next((name.strip() for name in couple if name.strip() not in known), None)
    if missing is None:
        return ""
    # Compatibility forms only, not case: the listing of the file's ids shows a case slip plainly.
    key = unicodedata.normalize("NFKC", missing)
    alike = next((name for name in named if unicodedata.normalize("NFKC", name) == key), None)
    if alike is not None:
        return f"; did you mean {_shown(alike)}? ids must match the file exactly"
    # A character the file's own ids use (an "é" of a file that spells names) is no sign of a look-alike.
    used = {char for name in named for char in name}
    odd = next((c for c in missing if not (c.isascii() and c.isprintable()) and c not in used), None)
    if odd is not None:
        name = unicodedata.name(odd, "an unnamed or control character")
        return (
            f"; {_shown(missing)} holds U+{ord(odd):04X} ({name}), which may look like a plain letter or be "
            "invisible: type the id again"
        )
    return ""


def couple_in_ped(couple: tuple[str, str], path: Path) -> tuple[str, str]:
    """``couple`` checked against the PED file at ``path`` (an upload not yet kept), as the analysis reads it:
    each id must be in the file (listed, or named as a parent: the counselling code's own check), the two must
    differ and, where the file gives both sexes, be a male and a female. Otherwise a one-line
    :class:`InputError` naming the field and the id; a file the analysis cannot read is refused with the
    reader's message. Messages name the file "the PED file", never the temporary path."""
    where = "the PED file"
    try:
        pedigree = replace(read_ped(path), path=where)
    except InputError as exc:
        raise InputError(str(exc).replace(str(path), where)) from None
    try:
        first, second = couple_in_file(pedigree, couple)
    except InputError as exc:
        # The counselling check names the command line's flag; here the field is the upload's couple.
        msg = (
            f"{str(exc).removeprefix('--')}{_near_miss(couple, pedigree)}; its individuals: "
            f"{sample_listing(pedigree.ids)}"
        )
        raise InputError(msg) from None
    if first == second:
        msg = f"couple names {_shown(first)} twice; expected two different people of the PED file, {COUPLE_METAVAR}"
        raise InputError(msg)
    sexes = [person.sex if person is not None else None for person in map(pedigree.get, (first, second))]
    if sexes[0] is not None and sexes[0] == sexes[1]:
        msg = (
            f"couple: {_shown(first)} and {_shown(second)} are both {sexes[0]} in the PED file; expected a "
            f"father and a mother, {COUPLE_METAVAR}"
        )
        raise InputError(msg)
    return first, second
