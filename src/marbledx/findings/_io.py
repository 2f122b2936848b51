"""Reading the user's input files with one-line errors that name the file."""

from __future__ import annotations

from pathlib import Path

from marbledx.errors import InputError

__all__ = ["MAX_TEXT_BYTES", "read_text_file"]


# The largest input file read whole. Phenopackets, Family files, PED files and lab tables are kilobytes; a
# cohort's Family is a few megabytes. The cap keeps a device or an endless pipe given by mistake
# (/dev/zero, /dev/urandom) from filling the memory; a named pipe or process substitution still works.
MAX_TEXT_BYTES = 64 * 1024 * 1024


def read_text_file(path: Path) -> str:
    """The UTF-8 text of ``path`` (a leading byte-order mark, as Windows editors write, is dropped); a missing
    or unreadable file, and one larger than :data:`MAX_TEXT_BYTES`, is an :class:`InputError` naming it."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_TEXT_BYTES + 1)
        if len(data) > MAX_TEXT_BYTES:
            limit = MAX_TEXT_BYTES
            size = f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit:,} bytes"
            msg = f"{path}: larger than {size}; expected a phenopacket, pedigree or table file"
            raise InputError(msg)
        # As text mode reads it: universal newlines, so that a file written on Windows or old macOS splits
        # into the same lines.
        return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except FileNotFoundError:
        if path.is_symlink():
            msg = f"{path}: broken symbolic link (its target {path.readlink()} does not exist)"
        else:
            msg = f"{path}: no such file or folder"
        raise InputError(msg) from None
    except IsADirectoryError:
        msg = f"{path}: is a folder; expected a file"
        raise InputError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})"
        raise InputError(msg) from None
