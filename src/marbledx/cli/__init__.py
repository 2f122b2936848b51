"""Command-line interface (``marbledx``), a thin layer over :mod:`marbledx`."""

from marbledx.cli._main import build_parser, main

__all__ = ["build_parser", "main"]
