"""Reading the user's input files with one-line errors that name the file."""

from __future__ import annotations

from pathlib import Path

from marbledx.errors import InputError

__all__ = ["read_text_file"]


def read_text_file(path: Path) -> str:
    """The UTF-8 text of ``path`` (a leading byte-order mark, as Windows editors write, is dropped); a missing
    or unreadable file is an :class:`InputError` naming it."""
    try:
        return path.read_text(encoding="utf-8-sig")
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
