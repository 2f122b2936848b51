"""Long runs of blanks in plain words: cut before the patterns read them, with the same readings."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser, _text

from .text_parse import found


def test_a_long_run_of_blanks_is_cut_to_a_few_characters() -> None:
    # Patterns starting with "\s+" were tried at every character of such a run (50,000 spaces: minutes).
    assert _text._shorten_blank_runs("a" + " " * 50_000 + "b") == "a" + " " * _text._BLANK_RUN_KEPT + "b"
    mixed = "\u00a0\t " * 1_000
    assert _text._shorten_blank_runs(f"a{mixed}b") == f"a{mixed[: _text._BLANK_RUN_KEPT]}b"
    # Line breaks are not blanks within a line: a blank line still ends a sentence.
    assert _text._shorten_blank_runs("a\n\n\n\nb") == "a\n\n\n\nb"
    assert _text._shorten_blank_runs("a" + " " * _text._BLANK_RUN_KEPT + "b") == "a" + " " * 8 + "b"


@pytest.mark.parametrize("blanks", [" " * 2, " " * 9, " " * 50_000, "\t" * 20_000, "\u00a0" * 20_000])
@pytest.mark.parametrize(
    "template", ["anaemia{run}splenomegaly", "anaemia.{run}no splenomegaly", "no anaemia,{run}fever"]
)
def test_the_readings_do_not_depend_on_how_long_a_run_of_blanks_is(
    parser: TextParser, template: str, blanks: str
) -> None:
    expected = found(parser, template.format(run="  "))
    assert expected  # the fixture release knows these words
    assert found(parser, template.format(run=blanks)) == expected
