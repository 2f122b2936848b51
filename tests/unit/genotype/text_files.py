"""Writing hand-made VCF text for the reader's tests, plain or bgzipped."""

from __future__ import annotations

from pathlib import Path

import pysam


def write_text(path: Path, text: str, *, compress: bool = False) -> Path:
    """Write ``text`` to ``path``, bgzipped (by htslib) when ``compress``; return ``path``."""
    if compress:
        plain = path.with_suffix(".tmp")
        plain.write_text(text, encoding="utf-8")
        pysam.tabix_compress(str(plain), str(path), force=True)
        plain.unlink()
    else:
        path.write_text(text, encoding="utf-8")
    return path
