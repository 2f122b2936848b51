"""Reading the user's input files with one-line errors that name the file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marbledx.errors import InputError

__all__ = ["MAX_JSON_LIST_ITEMS", "MAX_TEXT_BYTES", "check_path", "parse_json_object", "read_text_file"]


# The largest input file read whole. Phenopackets, Family files, PED files and lab tables are kilobytes; a
# cohort's Family is a few megabytes. The cap keeps a device or an endless pipe given by mistake
# (/dev/zero, /dev/urandom) from filling the memory; a named pipe or process substitution still works.
MAX_TEXT_BYTES = 64 * 1024 * 1024

# The most items one JSON list of a phenopacket or Family file may hold (the callers raise it for
# pedigree.persons). A case has tens of findings and at most thousands of lab values; the protobuf parser
# reads about 50,000 list items a second, so 1,000,000 findings in a 55 MB file took 20 s and 870 MB, and is
# refused before it is parsed.
MAX_JSON_LIST_ITEMS = 10_000


_ANY_FILE = "a phenopacket, pedigree or table file"


def check_path(path: str | Path, *, argument: str | None = None, expected: str = _ANY_FILE) -> Path:
    """``path`` as a :class:`Path`, refused when it holds a NUL character: no file name has one, and
    ``open()`` would raise ``ValueError``, a traceback. The one-line :class:`InputError` names ``argument``
    (an API argument such as ``labs``, so that its reader's own wording is kept) or else the path, and says
    what is ``expected``."""
    if "\x00" in str(path):
        if argument is None:
            msg = f"{str(path)!r}: a path cannot contain a NUL character; expected {expected}"
        else:
            msg = f"{argument}: {str(path)!r} contains a NUL character; expected {expected}"
        raise InputError(msg)
    return Path(path)


def read_text_file(path: Path) -> str:
    """The UTF-8 text of ``path`` (a leading byte-order mark, as Windows editors write, is dropped); a missing
    or unreadable file, one that is not UTF-8 text (naming the line), one larger than :data:`MAX_TEXT_BYTES`
    and a path with a NUL character (:func:`check_path`) are an :class:`InputError` naming it."""
    check_path(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_TEXT_BYTES + 1)
        if len(data) > MAX_TEXT_BYTES:
            limit = MAX_TEXT_BYTES
            size = f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit:,} bytes"
            msg = f"{path}: larger than {size}; expected {_ANY_FILE}"
            raise InputError(msg)
        # As text mode reads it: universal newlines, so that a file written on Windows or old macOS splits
        # into the same lines. Done on the bytes (a line end is never part of a UTF-8 sequence), so that a
        # decoding error's position counts the same lines.
        return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.object[:2] in (b"\xff\xfe", b"\xfe\xff"):  # the byte-order marks of UTF-16 (Windows "Unicode")
            msg = f"{path}: cannot read (UTF-16 text); expected UTF-8 text (save the file as UTF-8)"
            raise InputError(msg) from None
        line = exc.object[: exc.start].count(b"\n") + 1
        msg = (
            f"{path}: cannot read (line {line} is not UTF-8 text: byte 0x{exc.object[exc.start]:02x}); "
            "expected UTF-8 text"
        )
        raise InputError(msg) from None
    except FileNotFoundError:
        if path.is_symlink():
            msg = f"{path}: broken symbolic link (its target {path.readlink()} does not exist)"
        else:
            msg = f"{path}: no such file or folder"
        raise InputError(msg) from None
    except IsADirectoryError:
        msg = f"{path}: is a folder; expected a file"
        raise InputError(msg) from None
    except OSError as exc:
        msg = f"{path}: cannot read ({exc.strerror or exc})"
        raise InputError(msg) from None


def parse_json_object(
    path: Path, text: str, *, expected: str, list_limits: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """The JSON object in ``text`` (read from ``path``); anything else is a one-line :class:`InputError`
    naming the file, the fault and ``expected`` (for example "a GA4GH Phenopacket v2").

    A list of more than :data:`MAX_JSON_LIST_ITEMS` items is refused too, naming its field (such as
    ``phenotypicFeatures`` or ``proband.measurements``); ``list_limits`` sets another limit for a field by
    that name (``{"pedigree.persons": 100_000}``).
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = (
            f"{path}: malformed JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); expected {expected}"
        )
        raise InputError(msg) from None
    except RecursionError:
        msg = f"{path}: JSON nested too deeply; expected {expected}"
        raise InputError(msg) from None
    except ValueError:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        msg = f"{path}: a number has too many digits to be read; expected {expected}"
        raise InputError(msg) from None
    if not isinstance(document, dict):
        msg = f"{path}: expected a JSON object ({expected}), found {type(document).__name__}"
        raise InputError(msg)
    _check_list_sizes(path, document, list_limits or {})
    return document


def _has_list_longer_than(document: dict[str, Any], bound: int) -> bool:
    """Whether any list in ``document`` (as json.loads made it: dicts, lists and scalars) has more than
    ``bound`` items. No field names are built, so this is several times faster than naming the list."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            items = node.values()
        else:
            if len(node) > bound:
                return True
            items = node
        stack.extend(value for value in items if type(value) is dict or type(value) is list)
    return False


def _check_list_sizes(path: Path, document: dict[str, Any], limits: Mapping[str, int]) -> None:
    """Refuse a list longer than its limit, naming its field; iterative, as JSON may nest deeply.

    A list is measured before its items are visited, so a long one is refused without walking it. Field names
    are built only when some list is longer than the smallest limit: naming every node cost about 0.3 ms of a
    phenopacket's 1.4 ms read.
    """
    if not _has_list_longer_than(document, min([MAX_JSON_LIST_ITEMS, *limits.values()])):
        return
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(
                (f"{where}.{key}" if where else key, value)
                for key, value in node.items()
                if isinstance(value, dict | list)
            )
            continue
        limit = limits.get(where, MAX_JSON_LIST_ITEMS)
        if len(node) > limit:
            msg = f"{path}: {where} has {len(node):,} items; expected at most {limit:,}"
            raise InputError(msg)
        stack.extend(
            (f"{where}[{i}]", value) for i, value in enumerate(node) if isinstance(value, dict | list)
        )
