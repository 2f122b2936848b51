"""A note's template headings on one line ("Name: X Age: 7 years Sex: F"), a name heading whose value is
never read, and a stated sex that the other words contradict, on the tiny fixture release."""

from __future__ import annotations

import logging

import pytest

from marbledx.findings import TextParse, TextParser

from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)
from .text_parse import found

ANAEMIA, SPLEEN = "HP:0001903", "HP:0001744"
MONTH = 365.25 / 12
YEAR = 365.25
AGE_7_NOTE = (
    "'age 7': an age without a unit may be years or months; not used (write '7 years' or '7 months', or give "
    "--age)"
)


def _everything_shown(parsed: TextParse) -> str:
    """Every text of a parse that a user or a log may see."""
    return " | ".join(
        [
            *(f"{m.phrase} {m.label}" for m in parsed.mappings),
            *parsed.unmatched,
            *parsed.about_relatives,
            *parsed.uncertain,
            *parsed.notes,
        ]
    ).lower()


# Several headings on one line.


@pytest.mark.parametrize(
    ("text", "days", "sex", "unmatched"),
    [
        ("Name: Jane Zebedee Age: 7 years Sex: F\nAnaemia", 7 * YEAR, "female", ()),
        # Consanguinity is family history (--consanguineous), not an HPO finding: "yes" is about a relative, "no"
        # says nothing; neither is reported as not found (see the tests of consanguinity headings below).
        ("Age: 8 months  Sex: male  Consanguinity: yes. Anaemia", 8 * MONTH, "male", ()),
        ("Sex: F  Consanguinity: no  Age: 7 months\nAnaemia", 7 * MONTH, "female", ()),
        ("Patient sex: F Patient age: 7y, anaemia", 7 * YEAR, "female", ()),
        # Read before too, since the age is taken out first; they must stay so.
        ("Age 2y Sex F, anaemia", 2 * YEAR, "female", ()),
        ("Sex F Age 7 mo, anaemia", 7 * MONTH, "female", ()),
        ("Sex: M Age: 2 years 4 months, anaemia", 2 * YEAR + 4 * MONTH, "male", ()),
        ("Age: 4/12 Gender: female, anaemia", 4 * MONTH, "female", ()),
        ("Age: 7 yo Sex: M; anaemia", 7 * YEAR, "male", ()),
        ("Age: 7 years Sex - F\nAnaemia", 7 * YEAR, "female", ()),
    ],
)
def test_headings_on_one_line_give_the_age_and_sex(
    parser: TextParser, text: str, days: float, sex: str, unmatched: tuple[str, ...]
) -> None:
    parsed = parser.parse(text)
    assert (parsed.age_days, parsed.sex) == (pytest.approx(days), sex)
    assert found(parser, text) == {(ANAEMIA, False)}
    assert (parsed.unmatched, parsed.notes) == (unmatched, ())


def test_a_date_of_birth_heading_does_not_hide_the_sex_after_it(parser: TextParser) -> None:
    parsed = parser.parse("Age: 7 years DOB: 01/02/2018 Sex: F\nAnaemia")
    assert (parsed.age_days, parsed.sex) == (pytest.approx(7 * YEAR), "female")


@pytest.mark.parametrize(
    ("one_line", "lines"),
    [
        (
            "Age: 8 months  Sex: male  Consanguinity: yes. Anaemia",
            "Age: 8 months\nSex: male\nConsanguinity: yes\nAnaemia",
        ),
        (
            "Name: Jane Zebedee Age: 7 years Sex: F\nAnaemia",
            "Name: Jane Zebedee\nAge: 7 years\nSex: F\nAnaemia",
        ),
        ("Age: 7 Sex: F Consanguinity: no\nAnaemia", "Age: 7\nSex: F\nConsanguinity: no\nAnaemia"),
    ],
)
def test_headings_on_one_line_read_as_on_separate_lines(
    parser: TextParser, one_line: str, lines: str
) -> None:
    assert parser.parse(one_line) == parser.parse(lines)


@pytest.mark.parametrize(
    "text",
    [
        "Name: Jane Zebedee Age: 7 Sex: F\nAnaemia",
        "Age 7 Sex F, anaemia",
        "Age: 7 Sex: F Consanguinity: no\nAnaemia",
    ],
)
def test_an_age_heading_without_a_unit_on_a_heading_line_keeps_its_note(
    parser: TextParser, text: str
) -> None:
    parsed = parser.parse(text)
    assert (parsed.age_days, parsed.sex) == (None, "female")
    assert parsed.notes == (AGE_7_NOTE,)


@pytest.mark.parametrize(
    ("text", "days", "sex"),
    [
        # Prose, not headings: no sex and no age is read from them.
        ("The sex of the sibling was not recorded; anaemia", None, None),
        ("aged: unknown; anaemia", None, None),
        ("anaemia since age 2 years", None, None),
        # "age:" after a word that makes it another age stays with that word.
        ("Sex: F bone age: 2 years, anaemia", None, "female"),
        ("Age: 7 years onset age: 3 months, anaemia", 7 * YEAR, None),
    ],
)
def test_words_like_headings_in_prose_are_not_split_off(
    parser: TextParser, text: str, days: float | None, sex: str | None
) -> None:
    parsed = parser.parse(text)
    assert parsed.age_days == (pytest.approx(days) if days is not None else None)
    assert parsed.sex == sex
    assert (ANAEMIA, False) in found(parser, text)


@pytest.mark.parametrize(
    ("text", "days", "sex"),
    [
        # A relative's heading on the patient's line is the relative's, as on a line of its own.
        ("Age: 7 years Mother's age: 30 years\nAnaemia", 7 * YEAR, None),
        ("Sex: F Sibling sex: M\nAnaemia", None, "female"),
        ("Age: 7 years Sibling sex: M\nAnaemia", 7 * YEAR, None),
        ("Anaemia, mother's age: 30 years", None, None),
    ],
)
def test_a_relatives_heading_on_the_line_is_not_the_patients(
    parser: TextParser, text: str, days: float | None, sex: str | None
) -> None:
    parsed = parser.parse(text)
    assert parsed.age_days == (pytest.approx(days) if days is not None else None)
    assert (parsed.sex, parsed.notes) == (sex, ())
    assert found(parser, text) == {(ANAEMIA, False)}


# A name heading.


@pytest.mark.parametrize(
    ("text", "expected", "sex"),
    [
        ("Name: Anaemia Zebedee\nSplenomegaly", {(SPLEEN, False)}, None),
        ("Name: Anaemia Zebedee Age: 7 years Sex: F. Splenomegaly", {(SPLEEN, False)}, "female"),
        ("Patient name - Anaemia Zebedee; splenomegaly", {(SPLEEN, False)}, None),
        ("Name: Zebedee, Anaemia, 7 yo girl with splenomegaly", {(SPLEEN, False)}, "female"),
        ("Name: Dr. Anaemia Zebedee\nSplenomegaly", {(SPLEEN, False)}, None),
        ("Name: A. Anaemia Zebedee. Splenomegaly", {(SPLEEN, False)}, None),
        ("Mother's name: Anaemia Zebedee. Boy with splenomegaly", {(SPLEEN, False)}, "male"),
        ("Surname: Anaemia Zebedee\r\nSplenomegaly, no anaemia", {(SPLEEN, False), (ANAEMIA, True)}, None),
        ("splenomegaly | name: Anaemia Zebedee | sex: F", {(SPLEEN, False)}, "female"),
        ("First name: Anaemia Last name: Zebedee, splenomegaly", {(SPLEEN, False)}, None),
        ("Given name: Anaemia Zebedee Surname: Zebedee Sex: F, splenomegaly", {(SPLEEN, False)}, "female"),
    ],
)
def test_a_name_is_never_read_nor_shown(
    parser: TextParser, text: str, expected: set[tuple[str, bool]], sex: str | None
) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == expected
    assert parsed.sex == sex
    assert parsed.unmatched == ()
    assert "zebedee" not in _everything_shown(parsed)
    assert "name" not in _everything_shown(parsed)


def test_a_name_is_not_logged(parser: TextParser, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    parser.parse("Name: Anaemia Zebedee Sex: F\nSplenomegaly")
    assert not any("zebedee" in record.getMessage().lower() for record in caplog.records)


def test_a_long_name_value_has_a_note_without_the_name(parser: TextParser) -> None:
    parsed = parser.parse("Name: Zebedee girl with anaemia and splenomegaly")
    assert parsed.mappings == ()
    assert parsed.notes == (
        "more than 4 words after a name heading were taken as the name and not read (a name is never read as "
        "findings); put findings on a line of their own",
    )
    assert "zebedee" not in _everything_shown(parsed)


def test_the_command_line_shows_no_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys, "rank", "--text", "Name: Anaemia Zebedee Age: 7 years Sex: F\nSplenomegaly", "--top", "1"
    )
    assert code == 0, err
    assert "zebedee" not in (out + err).lower()
    assert "text: 'splenomegaly' -> HP:0001744 Splenomegaly (observed)" in out
    assert "text: sex female" in out


# A stated sex that other words contradict.


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("Sex: F. Boy with anaemia", "'sex f' female, 'boy' male"),
        ("Sex: M. Girl with anaemia", "'girl' female, 'sex m' male"),
        ("Sex: female\nAnaemia in this son of ours", "'sex female' female, 'son' male"),
        ("Sex: F Gender: male. Anaemia", "'sex f' female, 'gender male' male"),
        ("3 mo F, boy with anaemia", "'f' female, 'boy' male"),
    ],
)
def test_strong_words_that_disagree_give_no_sex_and_a_note(parser: TextParser, text: str, note: str) -> None:
    parsed = parser.parse(text)
    assert parsed.sex is None
    assert parsed.notes == (f"the words disagree on the sex: {note}; no sex used (give --sex)",)


@pytest.mark.parametrize(
    ("text", "sex", "words"),
    [
        ("Sex: F. He has anaemia", "female", "'sex f' female, 'he' male"),
        ("Sex: M\nAnaemia, her spleen is big", "male", "'her' female, 'sex m' male"),
        (
            "Girl with anaemia. His spleen is big, give him blood",
            "female",
            "'girl' female, 'his', 'him' male",
        ),
        (
            "Patient's sex: F. She is pale, his spleen is big",
            "female",
            "'patient's sex f', 'she' female, 'his' male",
        ),
    ],
)
def test_a_pronoun_that_disagrees_gives_way_to_the_heading_with_a_note(
    parser: TextParser, text: str, sex: str, words: str
) -> None:
    parsed = parser.parse(text)
    assert parsed.sex == sex
    assert parsed.notes == (
        f"the words disagree on the sex: {words}; {sex} used, as a pronoun may be another person's (give --sex if "
        "it is wrong)",
    )


def test_pronouns_alone_that_disagree_give_no_sex_and_a_note(parser: TextParser) -> None:
    parsed = parser.parse("She has anaemia. He is pale")
    assert parsed.sex is None
    assert parsed.notes == (
        "the words disagree on the sex: 'she' female, 'he' male; no sex used (give --sex)",
    )


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("Sex: F. Girl with anaemia, she is pale", "female"),
        ("Sex: F. Anaemia; her brother had fractures", "female"),  # the brother's words are not the patient's
        ("Sex: M\nBoy with anaemia. His mother is pale", "male"),
        ("He has anaemia", "male"),
    ],
)
def test_words_that_agree_give_the_sex_without_a_note(parser: TextParser, text: str, sex: str) -> None:
    parsed = parser.parse(text)
    assert (parsed.sex, parsed.notes) == (sex, ())


def test_the_command_line_shows_the_conflict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "rank", "--text", "Sex: F\nBoy with splenomegaly", "--top", "1")
    assert code == 0, err
    assert (
        "text: note: the words disagree on the sex: 'sex f' female, 'boy' male; no sex used (give --sex)"
        in out
    )
    assert "text: sex " not in out


# A date of birth: patient data, cut out as a name is, and never turned into an age.

DOB_NOTE = "a date of birth is not used (the date of the note is not known); give the age with --age"


@pytest.mark.parametrize(
    "text",
    [
        "DOB: 01/02/2018\nAnaemia",
        "Date of birth: 2018-02-01\nAnaemia",
        "D.O.B. 1 Feb 2018\nAnaemia",
        "DOB 1st of February, 2018, anaemia",
        "Girl, DOB: Feb 1, 2018, with anaemia",
        "Born: 01.02.18. Anaemia",
        "born 01/02/2018 with anaemia",
        "Birth date = 20180201; anaemia",
        "DOB - 01-Feb-2018 anaemia",
        "Name: Anaemia Zebedee DOB: 01/02/2018\nAnaemia",
        "DOB: 1st of the 2nd, anaemia",  # no date it knows: cut to the comma, as a name is
    ],
)
def test_a_date_of_birth_is_never_read_nor_shown_nor_made_an_age(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == {(ANAEMIA, False)}
    assert (parsed.unmatched, parsed.about_relatives, parsed.uncertain) == ((), (), ())
    assert parsed.age_days is None
    assert parsed.notes == (DOB_NOTE,)
    shown = _everything_shown(parsed)
    assert not any(part in shown for part in ("2018", "feb", "01", "1st", "2nd", "zebedee"))


@pytest.mark.parametrize(
    ("text", "days"),
    [
        # Another age in the words, or none said: no note.
        ("Age: 7 years DOB: 01/02/2018 Sex: F\nAnaemia", 7 * YEAR),
        ("DOB: 01/02/2018, 8-month-old with anaemia", 8 * MONTH),
        ("Mother's DOB: 03/04/1990\nAnaemia", None),  # the mother's
        ("DOB: unknown\nAnaemia", None),  # no date given
    ],
)
def test_a_date_of_birth_has_no_note_when_another_age_is_read_or_none_is_given(
    parser: TextParser, text: str, days: float | None
) -> None:
    parsed = parser.parse(text)
    assert parsed.age_days == (pytest.approx(days) if days is not None else None)
    assert (parsed.unmatched, parsed.notes) == ((), ())
    assert (ANAEMIA, False) in found(parser, text)
    assert not any(part in _everything_shown(parsed) for part in ("1990", "03/04", "2018", "unknown"))


def test_a_date_of_birth_has_no_note_when_the_caller_gives_the_age(parser: TextParser) -> None:
    assert parser.parse("DOB: 01/02/2018\nAnaemia", age_days=200.0).notes == ()


@pytest.mark.parametrize(
    ("text", "unmatched"),
    [
        ("born at term, anaemia", ("born at term",)),  # prose: no date after "born"
        ("born 2500 g, anaemia", ("born 2500 g",)),
        ("DOB withheld, anaemia", ("withheld",)),  # without a colon, only the heading is cut
    ],
)
def test_born_without_a_date_is_prose(parser: TextParser, text: str, unmatched: tuple[str, ...]) -> None:
    parsed = parser.parse(text)
    assert (parsed.unmatched, parsed.notes) == (unmatched, ())


def test_a_long_date_of_birth_value_has_a_note_without_it(parser: TextParser) -> None:
    parsed = parser.parse("DOB: the first of the second twenty eighteen\nSplenomegaly")
    assert found(parser, "DOB: the first of the second twenty eighteen\nSplenomegaly") == {(SPLEEN, False)}
    assert parsed.notes == (
        "more than 4 words after a date-of-birth heading were taken as the date and not read (a date of birth "
        "is never read as findings); put findings on a line of their own",
    )
    assert "eighteen" not in _everything_shown(parsed)


def test_a_date_of_birth_is_not_logged_nor_shown_by_the_command_line(
    parser: TextParser, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    code, out, err = run_cli(capsys, "rank", "--text", "DOB: 01/02/2018 Sex: F\nSplenomegaly", "--top", "1")
    assert code == 0, err
    assert "2018" not in out + err
    assert not any("2018" in record.getMessage() for record in caplog.records)
    assert f"text: note: {DOB_NOTE}" in out
    assert "text: sex female" in out
    assert "text: age" not in out


# A consanguinity heading reads as the words "consanguineous parents" do.


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Consanguinity: yes. Anaemia", "consanguinity: yes"),
        ("Consanguineous: yes\nAnaemia", "consanguineous: yes"),
        ("Parents consanguineous: yes\nAnaemia", "parents consanguineous: yes"),
        ("Parental consanguinity - yes, anaemia", "parental consanguinity: yes"),
        ("Consanguinity (+), anaemia", "consanguinity: present"),
        ("Age: 8 months Consanguinity: Y Sex: M, anaemia", "consanguinity: y"),
        ("Consanguinity: first cousins, anaemia", "consanguinity: first cousins"),
    ],
)
def test_a_consanguinity_heading_that_says_yes_is_family_history_as_the_words_are(
    parser: TextParser, text: str, shown: str
) -> None:
    words = parser.parse("Consanguineous parents, anaemia")
    assert words.about_relatives == ("consanguineous parents",)
    parsed = parser.parse(text)
    assert parsed.mappings == words.mappings
    assert (parsed.about_relatives, parsed.unmatched, parsed.uncertain) == ((shown,), (), ())


@pytest.mark.parametrize(
    "text",
    [
        "Consanguinity: no\nAnaemia",  # "no" at the end of a heading's line no longer negates the next line
        "Consanguineous: no. Anaemia",
        "Parents consanguineous: no\nAnaemia",
        "Consanguinity: unknown, anaemia",
        "Consanguinity: not known\nAnaemia",
        "Consanguinity: NK; anaemia",
        "Consanguinity (-), anaemia",
        "Sex: F  Consanguinity: no  Age: 7 months\nAnaemia",
    ],
)
def test_a_consanguinity_heading_that_says_no_or_not_known_says_nothing(
    parser: TextParser, text: str
) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == {(ANAEMIA, False)}
    assert (parsed.about_relatives, parsed.unmatched, parsed.uncertain, parsed.notes) == ((), (), (), ())


def test_a_heading_whose_value_is_no_ends_its_line(parser: TextParser) -> None:
    # Its "no" was read as a connector that carries on: "Splenomegaly: no" then "Anaemia" excluded anaemia.
    assert found(parser, "Splenomegaly: no\nAnaemia") == {(SPLEEN, True), (ANAEMIA, False)}
    assert found(parser, "no anaemia or\nSplenomegaly") == {(ANAEMIA, True), (SPLEEN, True)}  # as before


def test_the_command_line_shows_a_consanguinity_heading_as_family_history(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(capsys, "rank", "--text", "Consanguinity: yes\nSplenomegaly", "--top", "1")
    assert code == 0, err
    assert "text: 'consanguinity: yes' is about a relative, not read as the patient's findings" in out
    assert "no HPO term found" not in out


# A sex heading with prose after its value on the line.


@pytest.mark.parametrize(
    ("text", "sex", "expected"),
    [
        ("Sex: F anaemia", "female", {(ANAEMIA, False)}),
        ("Sex: M anaemia and splenomegaly", "male", {(ANAEMIA, False), (SPLEEN, False)}),
        ("Gender: female anaemia", "female", {(ANAEMIA, False)}),
        ("sex m anaemia", "male", {(ANAEMIA, False)}),
        ("Sex: male infant with anaemia", "male", {(ANAEMIA, False)}),
        ("Age: 7 years Sex: F anaemia, splenomegaly", "female", {(ANAEMIA, False), (SPLEEN, False)}),
    ],
)
def test_a_sex_heading_with_prose_after_its_value_gives_the_sex(
    parser: TextParser, text: str, sex: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = parser.parse(text)
    assert parsed.sex == sex
    assert found(parser, text) == expected
    assert (parsed.unmatched, parsed.notes) == ((), ())


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Sex: female-to-male\nAnaemia", "sex female-to-male"),
        ("Sex: M/F unknown\nAnaemia", "sex m/f unknown"),
        ("Sex: male to female, anaemia", "sex male to female"),
        ("Sex: F or M anaemia", "sex f or m"),
        ("Sex: F? anaemia", "sex f possible"),
        ("Sex: M unknown, anaemia", "sex m unknown"),
    ],
)
def test_a_sex_heading_that_is_not_clearly_one_sex_gives_no_sex_and_a_note(
    parser: TextParser, text: str, written: str
) -> None:
    parsed = parser.parse(text)
    assert parsed.sex is None
    assert found(parser, text) == {(ANAEMIA, False)}
    assert parsed.unmatched == ()
    assert parsed.notes == (f"'{written}': not clearly one sex; not used as the sex (give --sex)",)


def test_an_unclear_sex_heading_leaves_the_other_words_to_give_the_sex(parser: TextParser) -> None:
    parsed = parser.parse("Sex: M/F\nGirl with anaemia")
    assert parsed.sex == "female"
    assert parsed.notes == ("'sex m/f': not clearly one sex; not used as the sex (give --sex)",)


# A heading written with a spaced dash ("Fractures - no") at the end of its line.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Its "no" was read as a connector that carries on to the next line: anaemia was excluded.
        ("Splenomegaly - no\nAnaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("Splenomegaly \u2013 no\r\nAnaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("SPLENOMEGALY - NO\n- Anaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("Splenomegaly - no\n\nAnaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("Anaemia - yes\nSplenomegaly - no", {(ANAEMIA, False), (SPLEEN, True)}),
        # As before: a "no" that is no heading's value still carries on, and a line that wraps in lower case
        # goes on.
        ("Anaemia, no\nSplenomegaly", {(ANAEMIA, False), (SPLEEN, True)}),
        ("no anaemia or\nSplenomegaly", {(ANAEMIA, True), (SPLEEN, True)}),
        ("Anaemia, no\nsplenomegaly", {(ANAEMIA, False), (SPLEEN, True)}),
    ],
)
def test_a_dash_heading_whose_value_is_no_ends_its_line(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


def test_a_dash_heading_ends_its_line_as_a_colon_heading_does(parser: TextParser) -> None:
    for value in ("no", "No", "yes", "absent", "present"):
        dash, colon = (f"Splenomegaly{mark}{value}\nAnaemia" for mark in (" - ", ": "))
        assert parser.parse(dash).mappings == parser.parse(colon).mappings, value


# A sex heading whose value says the sex is not known.


@pytest.mark.parametrize(
    "text",
    [
        "Sex: unknown\nAnaemia",
        "Sex: not recorded\nAnaemia",
        "Sex: U\nAnaemia",
        "Gender: ?\nAnaemia",
        "Sex - unknown\nAnaemia",
        "Sex: n/k; anaemia",
        "Gender = not known, anaemia",
        "Sex unknown, anaemia",
        "Patient's sex: not stated. Anaemia",
        "Sex: unknown anaemia",
        "Age: 7 months Sex: unknown\nAnaemia",
        "Sex: unknown Age: 7 months\nAnaemia",
    ],
)
def test_a_sex_heading_that_says_the_sex_is_not_known_says_nothing(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert parsed.sex is None
    assert found(parser, text) == {(ANAEMIA, False)}
    assert (parsed.unmatched, parsed.notes, parsed.uncertain, parsed.about_relatives) == ((), (), (), ())


def test_a_sex_heading_that_says_the_sex_is_not_known_leaves_the_other_words_to_give_it(
    parser: TextParser,
) -> None:
    parsed = parser.parse("Sex: unknown\nGirl with anaemia")
    assert (parsed.sex, parsed.notes, parsed.unmatched) == ("female", (), ())


@pytest.mark.parametrize(
    ("text", "unmatched"),
    [
        # Words that may describe the child, not the record (atypical genitalia is a finding): still shown.
        ("Sex: ambiguous\nAnaemia", ("sex ambiguous",)),
        ("Sex: indeterminate\nAnaemia", ("sex indeterminate",)),
        # Prose, not a heading.
        ("The sex of the sibling was not recorded; anaemia", ("recorded",)),
    ],
)
def test_other_words_about_the_sex_are_still_shown(
    parser: TextParser, text: str, unmatched: tuple[str, ...]
) -> None:
    parsed = parser.parse(text)
    assert parsed.sex is None
    assert parsed.unmatched == unmatched
