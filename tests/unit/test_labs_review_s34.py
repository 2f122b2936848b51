"""Clinical review of the lab interpretation (s34): the values checked by hand, and the fixes it made.

Each fix has a test here that fails without it:

- neonatal ionised calcium entered in mg/dL is compared with the limits as Gomella states them in mg/dL
  ("< 0.75 to < 1.10 mmol/L (3.0-4.4 mg/dL)"), not with 0.75 mmol/L converted (3.006 mg/dL);
- a laboratory interval with one limit calls a value "normal" only where nothing is read from the open side:
  a haemoglobin of 5 g/dL against "< 13.5" was normal;
- LDH, creatinine and 25-hydroxyvitamin D (reference §2.3) are analytes, read against the laboratory's
  interval; they were refused as unknown analytes (and left unread in plain words);
- "1,25(OH)2 vitamin D" in plain words is not read as 25-hydroxyvitamin D;
- a refused value is shown as typed: "ck 1e+06 U/L ... expected 0-1e+06" named the bound, not 1000001.
"""

from __future__ import annotations

import pytest

from marbledx.errors import InputError
from marbledx.findings import TextParse, TextParser
from marbledx.findings._labs import (
    LabInterpretation,
    bundled_lab_table,
    interpret_labs,
    lab_findings,
    parse_lab_value,
)

MONTH = 365.25 / 12
YEAR = 365.25
NEWBORN, TWO_MONTHS, EIGHT_MONTHS, THREE_YEARS, TWELVE_YEARS, ADULT = (
    0.0,
    2 * MONTH,
    8 * MONTH,
    3 * YEAR,
    12 * YEAR,
    30 * YEAR,
)


def one(text: str, *, age_days: float | None, sex: str | None = None) -> LabInterpretation:
    return interpret_labs([parse_lab_value(text)], age_days=age_days, sex=sex)[0]


def _read(parser: TextParser, text: str) -> TextParse:
    return parser.parse(text, labs=True)


# ----------------------------------------------------------------------------- the values checked by hand


@pytest.mark.parametrize(
    ("text", "age", "sex", "interpretation", "hpo_id"),
    [
        # Haemoglobin: WHO 2024 from 6 months; none under 6 months (reference §5.1: no WHO cut-off, never an
        # adult threshold); a value on the cut-off is not anaemia.
        ("hb=14 g/dL", NEWBORN, "male", "unknown", None),
        ("hb=9 g/dL", TWO_MONTHS, "female", "unknown", None),
        ("hb=10.5 g/dL", EIGHT_MONTHS, "female", "normal", "HP:0001903"),  # excluded
        ("hb=10.4 g/dL", EIGHT_MONTHS, "female", "low", "HP:0001903"),
        ("hb=6.5 mmol/L", EIGHT_MONTHS, None, "low", "HP:0001903"),  # 104.7 g/L
        ("hb=110 g/L", THREE_YEARS, "male", "normal", "HP:0001903"),
        ("hb=10.99 g/dL", THREE_YEARS, "male", "low", "HP:0001903"),
        ("hb=11.9 g/dL", TWELVE_YEARS, None, "low", "HP:0001903"),  # 12-14 y: 120 g/L for both sexes
        ("hb=12.9 g/dL", ADULT, "male", "low", "HP:0001903"),
        ("hb=12.9 g/dL", ADULT, "female", "normal", "HP:0001903"),
        # Platelets: the < 150 fallback is [UNVERIFIED] (reference §5.2); the laboratory's interval is used.
        ("plt=45 10^9/L", EIGHT_MONTHS, None, "unknown", None),
        ("plt=90 10^9/L", 3, None, "unknown", None),
        ("plt=150 10^9/L low=150 high=450", EIGHT_MONTHS, None, "normal", None),
        ("plt=149 K/uL low=150 high=450", EIGHT_MONTHS, None, "low", "HP:0001873"),
        # White cells: ANC 1.0 (2 weeks-1 year) and 1.5 (after) x 10^9/L; WBC only by the laboratory.
        ("anc=0.99 10^9/L", TWO_MONTHS, None, "low", "HP:0001875"),
        ("anc=1.0 10^9/L", TWO_MONTHS, None, "normal", None),
        ("anc=1.5 10^9/L", THREE_YEARS, None, "normal", None),
        ("anc=1490 /uL", THREE_YEARS, None, "low", "HP:0001875"),
        ("anc=0.5 10^9/L", 13, None, "unknown", None),  # first two weeks: neonatal charts
        ("wbc=2.1 10^9/L", THREE_YEARS, None, "unknown", None),
        ("wbc=45 10^9/L low=5 high=15", THREE_YEARS, None, "high", "HP:0001974"),
        # Total calcium: Gomella in the first week, in both units as stated; Martinez 2010 > 11.0 mg/dL later.
        ("ca=8.0 mg/dL", NEWBORN, None, "normal", None),
        ("ca=7.99 mg/dL", NEWBORN, None, "low", "HP:0002901"),
        ("ca=2.0 mmol/L", NEWBORN, None, "normal", None),
        ("ca=2.66 mmol/L", NEWBORN, None, "high", "HP:0003072"),
        ("ca=11.0 mg/dL", TWO_MONTHS, None, "unknown", None),  # not high; no verified lower limit
        ("ca=11.01 mg/dL", TWO_MONTHS, None, "high", "HP:0003072"),
        ("ca=2.75 mmol/L", ADULT, "male", "high", "HP:0003072"),  # 11.02 mg/dL
        ("ca=2.0 mmol/L low=2.2 high=2.6", THREE_YEARS, None, "low", "HP:0002901"),
        # Ionised calcium: one HPO term for both (no ionised-hypocalcaemia term in HPO 2025-01-16).
        ("ica=0.74 mmol/L", 3, None, "low", "HP:0002901"),
        ("ica=0.9 mmol/L low=1.1 high=1.35", EIGHT_MONTHS, None, "low", "HP:0002901"),
        # Phosphate, PTH (pmol/L x 9.43 = pg/mL), ALP: the laboratory's interval only.
        ("po4=2.0 mg/dL low=3.5 high=6.0", TWELVE_YEARS, "male", "low", "HP:0002148"),
        ("pth=120 pg/mL", EIGHT_MONTHS, None, "unknown", None),  # 15-65 pg/mL is [UNVERIFIED]
        ("pth=12 pmol/L low=1.6 high=6.9", EIGHT_MONTHS, None, "high", "HP:0003165"),
        ("alp=1200 U/L", EIGHT_MONTHS, None, "unknown", None),
        ("alp=1200 U/L low=100 high=400", EIGHT_MONTHS, None, "high", "HP:0003155"),
        # CK-BB: any detectable value; TRACP-5b and acid phosphatase: HP:0003148.
        ("ck-bb=0 U/L", TWELVE_YEARS, None, "normal", None),
        ("ck-bb=0.1 ukat/L", TWELVE_YEARS, None, "high", "HP:0032233"),
        ("tracp5b=6.5 U/L low=1.0 high=4.2", TWELVE_YEARS, None, "high", "HP:0003148"),
        ("acp=12 U/L high=5.5", ADULT, "female", "high", "HP:0003148"),
        # Bicarbonate and pH: no term on their own (see metabolic acidosis).
        ("hco3=14 mmol/L low=20 high=28", THREE_YEARS, None, "low", None),
        ("ph=7.21 low=7.32 high=7.43", THREE_YEARS, None, "low", None),
    ],
)
def test_the_values_checked_by_hand(
    text: str, age: float, sex: str | None, interpretation: str, hpo_id: str | None
) -> None:
    row = one(text, age_days=age, sex=sex)
    assert (row.interpretation, row.hpo_id) == (interpretation, hpo_id)
    assert row.excluded == (interpretation == "normal" and hpo_id is not None)
    if row.interval is not None:
        assert row.interval.source  # every interval names its source
        assert row.source


def test_infant_haemoglobin_and_platelets_say_why_they_are_not_interpreted() -> None:
    infant = one("hb=9 g/dL", age_days=TWO_MONTHS, sex="female")
    assert "No WHO cut-off under 6 months" in (infant.note or "")
    assert "Do not call anaemia from an adult threshold" in (infant.note or "")
    platelets = one("plt=40 10^9/L", age_days=THREE_YEARS)
    assert "[UNVERIFIED]" in (platelets.note or "")
    assert "not used" in (platelets.note or "")


def test_plt_40k_in_words_is_refused_for_its_unit(parser: TextParser) -> None:
    (lab,) = _read(parser, "3-year-old with splenomegaly, plt 40k").labs
    assert lab.value is None
    assert "'k' is not an accepted unit for platelets" in (lab.note or "")


def test_conversions_are_exact() -> None:
    table = bundled_lab_table()
    calcium, pth = table.analyte("calcium"), table.analyte("pth")
    assert table.convert(calcium, 1.0, "mmol/L", "mg/dL") == pytest.approx(4.008, rel=1e-5)
    assert table.convert(pth, 1.0, "pmol/L", "pg/mL") == pytest.approx(9.43)
    assert table.convert(table.analyte("creatinine"), 1.0, "mg/dL", "umol/L") == pytest.approx(88.42)
    assert table.convert(table.analyte("vitamin_d"), 1.0, "ng/mL", "nmol/L") == pytest.approx(2.496)


# --------------------------------------------------------------------- fix 1: neonatal ionised calcium mg/dL


@pytest.mark.parametrize(
    ("text", "interpretation", "hpo_id", "note"),
    [
        ("ica=3.0 mg/dL", "unknown", None, "Low by some published definitions only."),  # was low
        ("ica=2.99 mg/dL", "low", "HP:0002901", None),
        ("ica=4.39 mg/dL", "unknown", None, "Low by some published definitions only."),
        ("ica=4.4 mg/dL", "unknown", None, "Not low; no verified upper limit."),  # was in the grey zone
    ],
)
def test_neonatal_ionised_calcium_in_mg_dl_uses_the_limits_as_stated(
    text: str, interpretation: str, hpo_id: str | None, note: str | None
) -> None:
    row = one(text, age_days=3)
    assert (row.interpretation, row.hpo_id) == (interpretation, hpo_id)
    assert row.interval is not None
    assert (row.interval.low, row.interval.indeterminate_below, row.interval.unit) == (3.0, 4.4, "mg/dL")
    if note is not None:
        assert (row.note or "").startswith(note)


def test_neonatal_ionised_calcium_3_mg_dl_in_words_is_not_hypocalcaemia(parser: TextParser) -> None:
    (lab,) = _read(parser, "newborn with splenomegaly, iCa 3.0 mg/dL").labs
    assert lab.reading is not None
    assert lab.reading.interpretation == "unknown"
    assert lab.reading.hpo_id is None


# ------------------------------------------------------------ fix 2: one-sided laboratory intervals


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("hb=5 g/dL high=13.5", "Not high; the laboratory's interval has no lower limit"),
        ("plt=20 10^9/L high=450", "Not high; the laboratory's interval has no lower limit"),
        ("ca=1.5 mmol/L high=2.6", "Not high; the laboratory's interval has no lower limit"),
        ("pth=300 pg/mL low=15", "Not low; the laboratory's interval has no upper limit"),
        ("hco3=12 mmol/L high=28", "Not high; the laboratory's interval has no lower limit"),  # acidosis rule
    ],
)
def test_a_one_sided_laboratory_interval_does_not_call_the_open_side_normal(text: str, note: str) -> None:
    row = one(text, age_days=EIGHT_MONTHS)
    assert row.interpretation == "unknown"  # was "normal"
    assert row.hpo_id is None
    assert not row.excluded
    assert (row.note or "").startswith(note)
    assert lab_findings([row]) == []


@pytest.mark.parametrize(
    "text",
    [
        "ck-bb=3 U/L high=5",  # a laboratory's "< 5": nothing is read from a low CK-BB
        "plt=200 10^9/L low=150",
        "alp=300 U/L high=400",
        "pth=40 pg/mL high=65",
        "anc=2.0 10^9/L low=1.5",
    ],
)
def test_a_one_sided_laboratory_interval_is_normal_where_the_open_side_means_nothing(text: str) -> None:
    assert one(text, age_days=EIGHT_MONTHS).interpretation == "normal"


def test_a_one_sided_laboratory_interval_still_says_calcium_is_not_high() -> None:
    rows = interpret_labs(
        [parse_lab_value("ca=2.0 mmol/L high=2.6"), parse_lab_value("pth=120 pg/mL high=65")],
        age_days=EIGHT_MONTHS,
        sex=None,
    )
    findings = {f.hpo_id for f in lab_findings(rows)}
    assert findings == {"HP:0003165", "HP:0000867"}  # secondary hyperparathyroidism [INFERENCE]


def test_a_one_sided_interval_in_words_is_not_read_as_normal(parser: TextParser) -> None:
    (lab,) = _read(parser, "3-year-old with splenomegaly, Hb 5.0 g/dL (< 13.5)").labs
    assert not lab.interpreted
    assert "no lower limit" in (lab.note or "")


# -------------------------------------------------------------- fix 3: LDH, creatinine, 25-OH vitamin D


@pytest.mark.parametrize(
    ("text", "interpretation", "hpo_id"),
    [
        ("ldh=900 U/L low=150 high=500", "high", "HP:0025435"),
        ("ldh=15 ukat/L low=2.5 high=8.3", "high", "HP:0025435"),
        ("creatinine=1.2 mg/dL low=0.2 high=0.5", "high", "HP:0003259"),
        ("creat=30 umol/L low=20 high=40", "normal", None),
        ("vitamin d=8 ng/mL low=20 high=100", "low", "HP:0100512"),
        ("25-oh vitamin d=75 nmol/L low=50 high=250", "normal", None),
    ],
)
def test_ldh_creatinine_and_vitamin_d_are_read_against_the_laboratorys_interval(
    text: str, interpretation: str, hpo_id: str | None
) -> None:
    row = one(text, age_days=THREE_YEARS)
    assert (row.interpretation, row.hpo_id, row.excluded) == (interpretation, hpo_id, False)


@pytest.mark.parametrize("text", ["ldh=900 U/L", "creatinine=120 umol/L", "vitamin d=8 ng/mL"])
def test_ldh_creatinine_and_vitamin_d_have_no_bundled_interval(text: str) -> None:
    row = one(text, age_days=THREE_YEARS)
    assert row.interpretation == "unknown"
    assert "give the laboratory's interval" in (row.note or "")
    assert row.source  # the reference section that gives none


def test_ldh_creatinine_and_vitamin_d_are_found_by_loinc() -> None:
    table = bundled_lab_table()
    assert {code: table.for_loinc(code).key for code in ("2532-0", "2160-0", "14682-9", "14635-7")} == {  # type: ignore[union-attr]
        "2532-0": "ldh",
        "2160-0": "creatinine",
        "14682-9": "creatinine",
        "14635-7": "vitamin_d",
    }


def test_ldh_creatinine_and_vitamin_d_in_words(parser: TextParser) -> None:
    parsed = _read(
        parser,
        "3-year-old with splenomegaly, 25-OH vitamin D 8 ng/mL (20-100), LDH 900 U/L (150-500), "
        "creatinine 120 umol/L (20-40)",
    )
    assert [(lab.analyte, lab.reading and lab.reading.hpo_id) for lab in parsed.labs] == [
        ("vitamin_d", "HP:0100512"),
        ("ldh", "HP:0025435"),
        ("creatinine", "HP:0003259"),
    ]


def test_an_implausible_creatinine_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError, match=r"--value: creatinine 9000 umol/L is not physiologically possible"):
        parse_lab_value("creatinine=9000 umol/L")


# ------------------------------------------------------------------ fix 4: 1,25-dihydroxyvitamin D


@pytest.mark.parametrize(
    "written",
    ["1,25(OH)2 vitamin D 150 nmol/L", "1,25-dihydroxy vitamin D 150 nmol/L", "1,25 vitamin D 150 nmol/L"],
)
def test_calcitriol_is_not_read_as_25_hydroxyvitamin_d(parser: TextParser, written: str) -> None:
    (lab,) = _read(parser, f"3-year-old with splenomegaly, {written} (50-125)").labs
    assert lab.value is None
    assert "is not a name the lab table knows" in (lab.note or "")


# -------------------------------------------------------------- fix 5: a refused value is shown as typed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "ck=1000001 U/L",
            r"ck 1000001 U/L is not physiologically possible; expected a value from 0-1000000 U/L",
        ),
        (
            "pth=99999 pg/mL",
            r"pth 99999 pg/mL is not physiologically possible; expected a value from 0-10000 pg/mL",
        ),
    ],
)
def test_a_refused_value_is_shown_as_typed(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_lab_value(text)
