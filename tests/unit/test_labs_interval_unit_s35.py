"""A laboratory interval written in another unit than the value (s35).

Limits given without their unit are taken in the value's unit. Written in another unit, they were read
literally: platelets 45000 /uL against "150-450" (x 10^9/L) read *high* in an infant with severe
thrombocytopenia, and haemoglobin 72 g/L against "12-16" (g/dL) read high. The interval is now compared with
the cited (bundled) interval for the patient's age and sex, never with the value: a truly abnormal value lies
far from a correct interval, and judging from the value broke 14 correct readings in s34.
"""

from __future__ import annotations

from marbledx.findings._labs import (
    LabInterpretation,
    interpret_labs,
    lab_findings,
    make_lab_value,
    parse_lab_value,
)

MONTH = 365.25 / 12
YEAR = 365.25
SIX_MONTHS, ONE_YEAR, THREE_YEARS, ADULT = 6 * MONTH, YEAR, 3 * YEAR, 30 * YEAR


def _read(text: str, age_days: float | None = SIX_MONTHS, sex: str | None = None) -> LabInterpretation:
    (row,) = interpret_labs([parse_lab_value(text)], age_days=age_days, sex=sex)
    return row


def test_platelets_per_microlitre_against_limits_in_10e9_per_litre_are_not_read_high() -> None:
    row = _read("plt=45000 /uL low=150 high=450")
    # The bundled platelet interval (< 150 x 10^9/L) is [UNVERIFIED] in reference §5: it reveals the unit
    # slip but classifies nothing, so the value is not interpreted (it was "high").
    assert row.interpretation == "unknown"
    assert row.hpo_id is None
    assert row.note is not None
    first = row.note.split(". ")[0]
    assert first.startswith("Laboratory interval not used: the platelets limits 150-450, taken in /uL")
    assert "they seem to be in 10^9/L" in first
    assert "The cited interval is unverified, so the value is not interpreted" in row.note
    assert lab_findings([row]) == []


def test_count_in_per_microlitre_against_limits_in_10e9_per_litre_is_read_against_the_cited_interval() -> (
    None
):
    # ANC has a verified cited interval (< 1.0 x 10^9/L from 2 weeks to 1 year): the value is read low there.
    row = _read("anc=800 /uL low=1.5 high=8.5")
    assert row.interpretation == "low"
    assert row.hpo_id == "HP:0001875"
    assert row.interval is not None
    assert not row.interval.laboratory
    assert row.interval.low == 1000
    assert row.note is not None
    assert row.note.startswith("Laboratory interval not used: the anc limits 1.5-8.5, taken in /uL")
    assert "they seem to be in 10^9/L" in row.note
    assert "The value is read against the cited interval instead" in row.note


def test_haemoglobin_in_g_per_litre_against_limits_in_g_per_decilitre() -> None:
    row = _read("hb=72 g/L low=12 high=16", age_days=ONE_YEAR)
    assert row.interpretation == "low"  # was "high" against 12-16 g/L
    assert row.hpo_id == "HP:0001903"
    assert not row.excluded
    assert row.interval is not None
    assert not row.interval.laboratory
    assert row.interval.low == 105
    assert row.interval.unit == "g/L"
    assert row.note is not None
    assert "haemoglobin limits 12-16, taken in g/L" in row.note
    assert "they seem to be in g/dL" in row.note
    assert "WHO 2024" in row.note


def test_calcium_in_mg_per_decilitre_against_limits_in_mmol_per_litre() -> None:
    # Past 4 weeks the cited calcium interval has only its upper limit (> 11.0 mg/dL, Martinez 2010).
    row = _read("ca=8.0 mg/dL low=2.2 high=2.6", age_days=THREE_YEARS)
    assert row.interpretation == "unknown"  # "Not high; no verified lower limit", not "high"
    assert row.above is False
    assert row.interval is not None
    assert not row.interval.laboratory
    assert row.note is not None
    assert row.note.startswith("Laboratory interval not used: the calcium limits 2.2-2.6, taken in mg/dL")
    assert "they seem to be in mmol/L" in row.note


def test_pth_in_pg_per_ml_against_limits_in_pmol_per_litre() -> None:
    row = _read("pth=65 pg/mL low=1.6 high=6.9", age_days=ADULT)
    assert row.interpretation == "unknown"  # was "high"; the cited PTH interval is unverified
    assert row.hpo_id is None
    assert row.note is not None
    assert "they seem to be in pmol/L" in row.note


def test_correct_interval_and_a_truly_abnormal_value_are_read_against_the_laboratory_without_a_note() -> None:
    # Far from the interval, as abnormal values are: the readings the value-based check of s34 broke.
    cases = [
        ("plt=20 x10^9/L low=150 high=450", SIX_MONTHS, "low"),
        ("plt=9000 /uL low=150000 high=450000", SIX_MONTHS, "low"),
        ("hb=50 g/L low=105 high=135", ONE_YEAR, "low"),
        ("hb=5.0 g/dL low=10.5 high=13.5", ONE_YEAR, "low"),
        ("anc=0.1 x10^9/L low=1.5 high=8.5", THREE_YEARS, "low"),
        ("ca=3.6 mmol/L low=2.2 high=2.6", THREE_YEARS, "high"),
        ("ca=2.1 mmol/L low=2.2 high=2.6", THREE_YEARS, "low"),
        ("ca=6.0 mg/dL low=8.8 high=10.8", THREE_YEARS, "low"),
        ("pth=640 pg/mL low=15 high=65", ADULT, "high"),
        ("pth=60 pmol/L low=1.6 high=6.9", ADULT, "high"),
    ]
    for text, age, expected in cases:
        row = _read(text, age_days=age)
        assert (row.interpretation, row.note) == (expected, None), text
        assert row.interval is not None
        assert row.interval.laboratory, text


def test_analyte_without_a_cited_interval_is_unchanged() -> None:
    # Phosphate has no cited interval to compare with: limits that look like mg/dL against a value in mmol/L
    # are still taken in mmol/L (the documented limit of the check).
    row = _read("phosphate=1.0 mmol/L low=2.5 high=4.5")
    assert (row.interpretation, row.note) == ("low", None)
    assert row.interval is not None
    assert row.interval.laboratory


def test_no_comparison_when_the_cited_interval_needs_an_unknown_sex_or_age() -> None:
    # Adult haemoglobin cut-offs depend on sex; without it the laboratory's interval is used as before.
    row = _read("hb=72 g/L low=12 high=16", age_days=ADULT, sex=None)
    assert row.interpretation == "high"
    assert row.note == "No HPO term is mapped for a high haemoglobin in the reference."
    # With the sex, the slip is seen.
    row = _read("hb=72 g/L low=12 high=16", age_days=ADULT, sex="female")
    assert row.interpretation == "low"
    assert row.note is not None
    assert row.note.startswith("Laboratory interval not used")


def test_interval_fitting_no_unit_is_kept_with_a_warning() -> None:
    # 0.1-0.3 x 10^9/L is 10x below the cited ANC limit, and 10,000x below it in /uL: no unit explains it,
    # so the laboratory's interval stays (reference §5) and the note asks to check it.
    row = _read("anc=0.2 x10^9/L low=0.1 high=0.3", age_days=THREE_YEARS)
    assert row.interpretation == "normal"
    assert row.interval is not None
    assert row.interval.laboratory
    assert row.note is not None
    assert row.note.startswith(
        "Check the laboratory's interval: the anc limits 0.1-0.3 10^9/L are 0.067 times"
    )
    assert "the laboratory's interval is used (reference §5)" in row.note


def test_stated_unit_of_the_limits_is_converted_and_skips_the_check() -> None:
    value = make_lab_value("platelets", 45000, "/uL", where="x", low=150, high=450, limits_unit="10^9/L")
    assert (value.low, value.high, value.limits_unit) == (150000, 450000, "10^9/L")
    (row,) = interpret_labs([value], age_days=SIX_MONTHS, sex=None)
    assert (row.interpretation, row.note) == ("low", None)
    assert row.interval is not None
    assert row.interval.laboratory
    assert row.hpo_id == "HP:0001873"
    # A stated unit is honoured even where the cited interval disagrees: the check is for limits without one.
    value = make_lab_value("haemoglobin", 72, "g/L", where="x", low=12, high=16, limits_unit="g/L")
    (row,) = interpret_labs([value], age_days=ONE_YEAR, sex=None)
    assert row.interpretation == "high"
    assert row.note == "No HPO term is mapped for a high haemoglobin in the reference."
    assert row.interval is not None
    assert row.interval.laboratory


def test_the_value_does_not_decide() -> None:
    # The same limits are judged the same way whatever the value: only the interval is compared.
    for text in ("hb=72 g/L low=12 high=16", "hb=140 g/L low=12 high=16", "hb=110 g/L low=12 high=16"):
        row = _read(text, age_days=ONE_YEAR)
        assert row.note is not None
        assert row.note.startswith("Laboratory interval not used"), text
        assert row.interval is not None
        assert not row.interval.laboratory
    assert _read("hb=140 g/L low=12 high=16", age_days=ONE_YEAR).interpretation == "normal"
