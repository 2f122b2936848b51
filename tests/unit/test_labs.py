"""Lab values → HPO terms: the cited table, unit conversion, intervals, derived rules, inputs and errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from marbledx.errors import InputError, KnowledgeBaseError
from marbledx.findings import read_case_file
from marbledx.findings._labs import (
    LabInterpretation,
    LabValue,
    bundled_lab_table,
    bundled_lab_table_path,
    derive_lab_findings,
    interpret_labs,
    lab_findings,
    lab_report,
    load_lab_table,
    make_lab_value,
    parse_lab_date,
    parse_lab_value,
    prepare_lab_findings,
    read_labs_csv,
)
from marbledx.findings._phenopacket import read_phenopacket_labs
from marbledx.ontology import Hpo

from ..conftest import TESTS

LABS = TESTS / "data" / "labs"
MONTH = 365.25 / 12
YEAR = 365.25


def one(text: str, *, age_days: float | None, sex: str | None = None) -> LabInterpretation:
    return interpret_labs([parse_lab_value(text)], age_days=age_days, sex=sex)[0]


# ---------------------------------------------------------------------------------------------- the table


def test_bundled_table_loads_once_and_ships_inside_the_package() -> None:
    table = bundled_lab_table()
    assert table is bundled_lab_table()  # functools.cache, no module-level singleton
    path = bundled_lab_table_path()
    assert path.is_file()
    assert path.parent.parent.name == "findings"  # under src/marbledx, so hatch packages it
    keys = {a.key for a in table.analytes}
    assert {
        "haemoglobin",
        "platelets",
        "wbc",
        "anc",
        "calcium",
        "ionised_calcium",
        "phosphate",
        "pth",
        "alp",
        "ck_bb",
        "tracp5b",
        "bicarbonate",
        "ph",
        "igg",
    } <= keys


def test_every_clinical_number_is_cited_with_a_known_reference() -> None:
    table = bundled_lab_table()
    cited = []
    for analyte in table.analytes:
        cited += [u.sources for u in analyte.units]
        cited += [analyte.plausible.sources, *(b.sources for b in analyte.bands)]
        cited += [m.sources for m in (analyte.low, analyte.high) if m is not None]
    cited += [rule.sources for rule in table.derived]
    assert all(sources for sources in cited)
    assert all(s.removeprefix("ref:") in table.references for sources in cited for s in sources)


def test_unverified_reference_values_never_classify() -> None:
    table = bundled_lab_table()
    unverified = [(a.key, b) for a in table.analytes for b in a.bands if b.unverified]
    assert {key for key, _ in unverified} >= {"platelets", "pth"}
    row = one("plt=40 10^9/L", age_days=YEAR)
    assert row.interpretation == "unknown"
    assert row.interval is None
    assert "UNVERIFIED" in (row.note or "")
    assert row.hpo_id is None


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "labs.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _bundled_document() -> dict:
    return yaml.safe_load(bundled_lab_table_path().read_text(encoding="utf-8"))


def test_broken_yaml_fails_with_file_analyte_and_field(tmp_path: Path) -> None:
    document = _bundled_document()
    del document["analytes"][0]["bands"][1]["sources"]
    with pytest.raises(
        KnowledgeBaseError, match=r"labs.yaml: analyte 'haemoglobin', field 'bands\[1\]\.sources'"
    ):
        load_lab_table(_write(tmp_path, document))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["analytes"][0]["bands"][1].update(sources=["ref:nowhere"]),
            r"citation 'ref:nowhere' has no entry",
        ),
        (
            lambda d: d["analytes"][0]["bands"][1].update(sources=["PMID:1"]),
            r"is not a citation; expected ref:KEY",
        ),
        (lambda d: d["analytes"][0]["bands"][1].update(age_from="P1M"), r"overlap in age and sex"),
        (lambda d: d["analytes"][0]["bands"][1].update(unit="mg/dL"), r"not one of the analyte's units"),
        (lambda d: d["analytes"][0]["bands"][1].update(low=200, high=100), r"low \(200.*below high"),
        (lambda d: d["analytes"][0]["low"].update(hpo_id="HP:1"), r"field 'low\.hpo_id'"),
        (lambda d: d["analytes"][1]["aliases"].append("Hb"), r"'Hb' is also a name of analyte 'haemoglobin'"),
        (
            lambda d: d["derived"][0]["all_of"][0].update(analytes=["hemoglobin"]),
            r"unknown analyte 'hemoglobin'",
        ),
        (lambda d: d["analytes"][0]["units"][0].update(factor=0), r"units\[0\]\.factor"),
        (lambda d: d.update(extra=1), r"field 'extra'"),
    ],
)
def test_table_validation_names_the_problem(tmp_path: Path, change, message: str) -> None:
    document = _bundled_document()
    change(document)
    with pytest.raises(KnowledgeBaseError, match=message):
        load_lab_table(_write(tmp_path, document))


def test_invalid_yaml_syntax_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "labs.yaml"
    path.write_text("version: 1\nanalytes: [\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"labs.yaml: line \d+:"):
        load_lab_table(path)


# -------------------------------------------------------------------------------------- names and codes


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("hemoglobin", "haemoglobin"),
        ("haemoglobin", "haemoglobin"),
        ("Hb", "haemoglobin"),
        ("HGB", "haemoglobin"),
        ("plt", "platelets"),
        ("wbc", "wbc"),
        ("ANC", "anc"),
        ("ca", "calcium"),
        ("iCa", "ionised_calcium"),
        ("ionized calcium", "ionised_calcium"),
        ("po4", "phosphate"),
        ("PTH", "pth"),
        ("alp", "alp"),
        ("CK-BB", "ck_bb"),
        ("ck bb", "ck_bb"),
        ("tracp5b", "tracp5b"),
        ("TRACP-5b", "tracp5b"),
        ("hco3", "bicarbonate"),
        ("HCO3-", "bicarbonate"),
        ("pH", "ph"),
        ("IgG", "igg"),
    ],
)
def test_analyte_aliases(name: str, key: str) -> None:
    assert bundled_lab_table().analyte(name).key == key


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("718-7", "haemoglobin"),
        ("777-3", "platelets"),
        ("6690-2", "wbc"),
        ("751-8", "anc"),
        ("17861-6", "calcium"),
        ("1994-3", "ionised_calcium"),
        ("2777-1", "phosphate"),
        ("2731-8", "pth"),
        ("6768-6", "alp"),
        ("1963-8", "bicarbonate"),
        ("LOINC:2746-6", "ph"),
        ("loinc:2465-3", "igg"),
    ],
)
def test_loinc_codes(code: str, key: str) -> None:
    found = bundled_lab_table().for_loinc(code)
    assert found is not None
    assert found.key == key


def test_unverified_loinc_code_is_not_mapped() -> None:
    # 2746-0 was proposed for venous pH; LOINC's code is 2746-6 ("pH of Venous blood").
    assert bundled_lab_table().for_loinc("2746-0") is None


# ---------------------------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("analyte", "value", "source", "target", "expected"),
    [
        ("haemoglobin", 8.0, "g/dL", "g/L", 80.0),
        ("haemoglobin", 1.0, "mmol/L", "g/dL", 1.61145),
        ("calcium", 8.0, "mg/dL", "mmol/L", 1.996),
        ("ionised_calcium", 1.0, "mmol/L", "mg/dL", 1 / 0.2495),
        ("phosphate", 3.1, "mg/dL", "mmol/L", 3.1 * 0.3229),
        ("pth", 10.0, "pmol/L", "pg/mL", 94.3),
        ("pth", 94.3, "pg/mL", "pmol/L", 10.0),
        ("platelets", 150000, "/uL", "10^9/L", 150.0),
        ("wbc", 4.5, "10^3/uL", "10^9/L", 4.5),
        ("alp", 1.0, "ukat/L", "U/L", 60.0),
        ("bicarbonate", 22.0, "mEq/L", "mmol/L", 22.0),
        ("igg", 800.0, "mg/dL", "g/L", 8.0),
    ],
)
def test_unit_conversions(analyte: str, value: float, source: str, target: str, expected: float) -> None:
    table = bundled_lab_table()
    assert table.convert(table.analyte(analyte), value, source, target) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("analyte", "spelling", "unit"),
    [
        ("haemoglobin", "g/dl", "g/dL"),
        ("haemoglobin", "G/DL", "g/dL"),
        ("platelets", "x10^9/L", "10^9/L"),
        ("platelets", "10*9/L", "10^9/L"),
        ("platelets", "10⁹/L", "10^9/L"),
        ("platelets", "\u00d7 10^9/L", "10^9/L"),
        ("platelets", "UCUM:10*9/L", "10^9/L"),
        ("platelets", "K/µL", "10^9/L"),
        ("platelets", "/μL", "/uL"),
        ("alp", "IU/L", "U/L"),
        ("alp", "µkat/L", "ukat/L"),
        ("ph", "[pH]", "pH"),
        ("ph", "", "pH"),
    ],
)
def test_unit_spellings(analyte: str, spelling: str, unit: str) -> None:
    table = bundled_lab_table()
    assert table.unit(table.analyte(analyte), spelling).unit == unit


# ------------------------------------------------------------------------------------ interpretation


def test_contract_example_haemoglobin_8_at_6_months_is_anaemia() -> None:
    row = one("hemoglobin=8 g/dL", age_days=6 * MONTH, sex="female")
    assert row.interpretation == "low"
    assert (row.hpo_id, row.hpo_label, row.excluded) == ("HP:0001903", "Anemia", False)
    assert row.interval is not None
    assert (row.interval.low, row.interval.high, row.interval.unit) == (10.5, None, "g/dL")
    assert "WHO 2024" in row.interval.source
    data = row.to_dict()
    for key in (
        "analyte",
        "value",
        "unit",
        "reference_interval",
        "interpretation",
        "hpo_id",
        "hpo_label",
        "date",
        "source",
    ):
        assert key in data
    assert data["reference_interval"] == {
        "low": 10.5,
        "high": None,
        "unit": "g/dL",
        "source": "WHO 2024",
        "laboratory": False,
    }
    json.dumps(data)


@pytest.mark.parametrize(
    ("age", "sex", "hb_g_l", "interpretation"),
    [
        (6 * MONTH, None, 104.9, "low"),
        (6 * MONTH, None, 105, "normal"),  # the cut-off itself is not anaemia ("Hb < 105")
        (23 * MONTH, None, 104, "low"),
        (24 * MONTH, None, 109, "low"),
        (59 * MONTH, None, 110, "normal"),
        (5 * YEAR, None, 114, "low"),
        (12 * YEAR, None, 119, "low"),
        (15 * YEAR, "female", 125, "normal"),
        (15 * YEAR, "male", 125, "low"),
        (40 * YEAR, "male", 130, "normal"),
    ],
)
def test_haemoglobin_who_2024_bands(age: float, sex: str | None, hb_g_l: float, interpretation: str) -> None:
    assert one(f"hb={hb_g_l} g/L", age_days=age, sex=sex).interpretation == interpretation


def test_haemoglobin_limit_is_exact_across_units() -> None:
    assert one("hb=10.5 g/dL", age_days=YEAR).interpretation == "normal"
    assert one("hb=10.49 g/dL", age_days=YEAR).interpretation == "low"


def test_a_limit_the_source_states_in_two_units_is_exact_in_both() -> None:
    # Gomella: hypocalcaemia below 2.0 mmol/L (8.0 mg/dL); 8.0 mg/dL converts to 1.996 mmol/L.
    assert one("ca=8.0 mg/dL", age_days=3).interpretation == "normal"
    assert one("ca=7.99 mg/dL", age_days=3).interpretation == "low"
    assert one("ca=2.0 mmol/L", age_days=3).interpretation == "normal"
    assert one("ca=1.99 mmol/L", age_days=3).interpretation == "low"
    assert one("ca=10.6 mg/dL", age_days=3).interpretation == "normal"
    row = one("ca=8.0 mg/dL", age_days=3)
    assert row.interval is not None
    assert (row.interval.low, row.interval.high, row.interval.unit) == (8.0, 10.6, "mg/dL")


@pytest.mark.parametrize(
    ("text", "age_days"),
    [("hb=12 g/L", 2 * YEAR), ("ca=2.2 mg/dL", 3.0), ("ica=0.3 mmol/L", 3.0)],
)
def test_likely_unit_slips_are_flagged(text: str, age_days: float) -> None:
    row = one(text, age_days=age_days)
    assert "Check the value and its unit" in (row.note or "")


def test_ordinary_low_values_are_not_flagged_as_unit_slips() -> None:
    row = one("hb=6 g/dL", age_days=2 * YEAR)
    assert row.interpretation == "low"
    assert "Check the value and its unit" not in (row.note or "")


@pytest.mark.parametrize(
    ("text", "example"),
    [("ph=7,1", "ph=7."), ("hb=8,5 g/dL", "haemoglobin=10"), ("plt=abc /uL", "platelets=150 ")],
)
def test_error_hints_give_a_plausible_example(text: str, example: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_lab_value(text)
    hint = str(caught.value).rsplit("such as ", 1)[1]
    assert hint.startswith(f"'{example}"), hint
    entry = hint.strip("'")
    parse_lab_value(entry)  # the example itself is accepted


def test_no_adult_threshold_under_6_months() -> None:
    row = one("hb=8 g/dL", age_days=2 * MONTH)
    assert row.interpretation == "unknown"
    assert row.hpo_id is None
    assert "Do not call anaemia from an adult threshold" in (row.note or "")


def test_missing_age_or_sex_is_an_error_naming_the_flag() -> None:
    with pytest.raises(
        InputError, match=r"--value: the haemoglobin reference interval depends on age; .*--age"
    ):
        one("hb=8 g/dL", age_days=None)
    with pytest.raises(InputError, match=r"depends on sex; give --sex female or --sex male"):
        one("hb=12.5 g/dL", age_days=20 * YEAR)
    # Age-independent rules and laboratory intervals need no age.
    assert one("ck-bb=3 U/L", age_days=None).interpretation == "high"
    assert one("plt=40 10^9/L low=150 high=450", age_days=None).interpretation == "low"


def test_missing_age_is_reported_not_raised_when_lenient() -> None:
    rows = interpret_labs([parse_lab_value("hb=8 g/dL")], age_days=None, sex=None, strict=False)
    assert rows[0].interpretation == "unknown"
    assert rows[0].needs == "age"


def test_value_age_wins_over_the_patient_age() -> None:
    value = parse_lab_value("hb=9 g/dL age=P8M")
    assert interpret_labs([value], age_days=2 * MONTH, sex=None)[0].interpretation == "low"


def test_normal_haemoglobin_excludes_anaemia_unless_another_value_is_low() -> None:
    normal = one("hb=12 g/dL", age_days=YEAR)
    assert (normal.interpretation, normal.hpo_id, normal.excluded) == ("normal", "HP:0001903", True)
    assert [(f.hpo_id, f.excluded, f.source) for f in lab_findings([normal])] == [("HP:0001903", True, "lab")]
    assert lab_findings([normal], exclusions=False) == []
    low = one("hb=8 g/dL date=2024-02-01", age_days=YEAR)
    assert [(f.hpo_id, f.excluded) for f in lab_findings([normal, low])] == [("HP:0001903", False)]


def test_other_normal_values_exclude_nothing() -> None:
    rows = [
        one("anc=3 10^9/L", age_days=YEAR),
        one("plt=250 10^9/L low=150 high=450", age_days=YEAR),
        one("ck-bb=0 U/L", age_days=YEAR),
    ]
    assert [r.interpretation for r in rows] == ["normal", "normal", "normal"]
    assert lab_findings(rows) == []


@pytest.mark.parametrize(
    ("text", "age", "interpretation", "hpo_id"),
    [
        ("anc=0.9 10^9/L", 6 * MONTH, "low", "HP:0001875"),
        ("anc=1.2 10^9/L", 2 * YEAR, "low", "HP:0001875"),
        ("anc=1.2 10^9/L", 6 * MONTH, "normal", None),
        ("anc=0.3 10^9/L", 5, "unknown", None),  # first two weeks: neonatal charts, no single cut-off
        ("ca=1.9 mmol/L", 3, "low", "HP:0002901"),
        ("ca=7.5 mg/dL", 3, "low", "HP:0002901"),
        ("ca=2.8 mmol/L", 3, "high", "HP:0003072"),  # above the first-week normal range
        ("ca=2.5 mmol/L", 3, "normal", None),
        ("ca=2.5 mmol/L", 20, "unknown", None),  # not low; no verified upper limit after the first week
        ("ca=11.5 mg/dL", YEAR, "high", "HP:0003072"),  # Martinez 2010
        ("ca=2.9 mmol/L", YEAR, "high", "HP:0003072"),
        ("ca=2.0 mmol/L", YEAR, "unknown", None),  # no verified lower limit beyond the neonatal period
        ("ica=0.7 mmol/L", 5, "low", "HP:0002901"),
        ("ica=0.9 mmol/L", 5, "unknown", None),  # low by some neonatal definitions only
        ("ica=1.2 mmol/L", 5, "unknown", None),  # not low; no upper limit given
        ("ica=0.9 mmol/L", YEAR, "unknown", None),
        ("ck-bb=5 U/L", 30 * YEAR, "high", "HP:0032233"),
        ("ck-bb=0 U/L", 30 * YEAR, "normal", None),
        ("po4=0.6 mmol/L low=1.1 high=2.0", YEAR, "low", "HP:0002148"),
        ("pth=120 pg/mL low=15 high=65", YEAR, "high", "HP:0003165"),
        ("alp=900 U/L low=100 high=400", YEAR, "high", "HP:0003155"),
        ("tracp5b=12 U/L high=5", YEAR, "high", "HP:0003148"),
        ("igg=300 mg/dL low=500 high=1200", YEAR, "low", "HP:0004315"),  # lab limits in the value's unit
        ("wbc=43150 /uL low=6000 high=17500", YEAR, "high", "HP:0001974"),
        ("wbc=2.5 10^9/L low=6 high=17.5", YEAR, "low", "HP:0001882"),
        ("hco3=14 mmol/L low=20 high=28", YEAR, "low", None),  # no term of its own; see metabolic acidosis
        ("ph=7.45 low=7.32 high=7.42", YEAR, "high", None),
    ],
)
def test_interpretation_and_mapping(text: str, age: float, interpretation: str, hpo_id: str | None) -> None:
    row = one(text, age_days=age)
    assert (row.interpretation, row.hpo_id) == (interpretation, hpo_id)


def test_laboratory_interval_wins_over_the_bundled_one() -> None:
    row = one("hb=10 g/dL low=9.5 high=14", age_days=YEAR)
    assert row.interpretation == "normal"
    assert row.interval is not None
    assert row.interval.laboratory
    assert row.interval.source == "reporting laboratory"


def test_neonatal_ionised_calcium_interval_shows_the_grey_zone() -> None:
    row = one("ica=0.9 mmol/L", age_days=5)
    assert row.interval is not None
    assert row.interval.to_dict()["indeterminate_below"] == 1.1
    assert "some published definitions" in (row.note or "")


def test_interval_is_shown_in_the_unit_of_the_value() -> None:
    row = one("ca=2.9 mmol/L", age_days=YEAR)
    assert row.interval is not None
    assert (row.interval.high, row.interval.unit) == (pytest.approx(2.745, abs=1e-3), "mmol/L")
    same_unit = one("ca=11.5 mg/dL", age_days=YEAR)
    assert same_unit.interval is not None
    assert same_unit.interval.high == 11.0


# -------------------------------------------------------------------------------------- derived rules


def _panel(date: str | None, **overrides: str) -> list[LabValue]:
    when = f" date={date}" if date else ""
    texts = {
        "hb": "hb=8 g/dL",
        "plt": "plt=40 10^9/L low=150 high=450",
        "wbc": "wbc=2 10^9/L low=4 high=11",
        **overrides,
    }
    return [parse_lab_value(text + when) for text in texts.values() if text]


def test_pancytopenia_needs_all_three_lines_low_on_one_date() -> None:
    rows = interpret_labs(_panel("2024-03-01"), age_days=YEAR, sex=None)
    derived = derive_lab_findings(rows)
    assert [(d.hpo_id, d.date) for d in derived] == [("HP:0001876", "2024-03-01")]
    assert set(derived[0].based_on) == {"haemoglobin", "platelets", "wbc"}
    ids = [f.hpo_id for f in lab_findings(rows)]
    assert ids == ["HP:0001903", "HP:0001873", "HP:0001882", "HP:0001876"]


def test_anc_can_stand_for_the_white_cells() -> None:
    rows = interpret_labs(_panel(None, wbc="anc=0.4 10^9/L"), age_days=YEAR, sex=None)
    assert [d.hpo_id for d in derive_lab_findings(rows)] == ["HP:0001876"]


def test_no_pancytopenia_across_dates_or_with_a_normal_line() -> None:
    values = [*_panel("2024-03-01", wbc=""), parse_lab_value("wbc=2 10^9/L low=4 high=11 date=2024-03-09")]
    assert derive_lab_findings(interpret_labs(values, age_days=YEAR, sex=None)) == []
    normal_platelets = _panel("2024-03-01", plt="plt=200 10^9/L low=150 high=450")
    assert derive_lab_findings(interpret_labs(normal_platelets, age_days=YEAR, sex=None)) == []


@pytest.mark.parametrize(
    ("calcium", "expected"),
    [
        ("ica=0.9 mmol/L low=1.1 high=1.35", ["HP:0000867"]),  # low calcium: secondary hyperparathyroidism
        ("ca=2.3 mmol/L low=2.2 high=2.7", ["HP:0000867"]),  # normal calcium
        ("ca=2.3 mmol/L", ["HP:0000867"]),  # not high by the Martinez limit
        ("ca=12 mg/dL", ["HP:0000843"]),  # high calcium: hyperparathyroidism
        ("ica=1.0 mmol/L", []),  # no verified ionised interval at one year: no rule
    ],
)
def test_parathyroid_rules(calcium: str, expected: list[str]) -> None:
    values = [parse_lab_value("pth=150 pg/mL low=15 high=65"), parse_lab_value(calcium)]
    assert [
        d.hpo_id for d in derive_lab_findings(interpret_labs(values, age_days=YEAR, sex=None))
    ] == expected


def test_metabolic_acidosis_needs_low_ph_and_low_bicarbonate() -> None:
    acid = [parse_lab_value("ph=7.2 low=7.32 high=7.42"), parse_lab_value("hco3=12 mEq/L low=20 high=28")]
    derived = derive_lab_findings(interpret_labs(acid, age_days=YEAR, sex=None))
    assert [(d.hpo_id, d.inference) for d in derived] == [("HP:0001942", True)]
    respiratory = [acid[0], parse_lab_value("hco3=26 mEq/L low=20 high=28")]
    assert derive_lab_findings(interpret_labs(respiratory, age_days=YEAR, sex=None)) == []


def test_report_notes_the_calcium_phosphate_product() -> None:
    values = [parse_lab_value("ca=7.5 mg/dL date=2024-03-01"), parse_lab_value("po4=3 mg/dL date=2024-03-01")]
    report = lab_report(values, age_days=YEAR, sex=None)
    assert len(report.notes) == 1
    assert report.notes[0].startswith("2024-03-01: Ca x P product 22 (mg/dL)^2")
    assert "Kaplan 1993" in report.notes[0]
    data = report.to_dict()
    assert set(data) == {"age_days", "sex", "rows", "derived", "findings", "notes"}


# -------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "glucose=5 mmol/L",
            r"--value: unknown analyte 'glucose'; expected one of haemoglobin \(hemoglobin\), platelets",
        ),
        (
            "hb=8 mg/dL",
            r"--value: 'mg/dL' is not an accepted unit for haemoglobin; expected one of g/L, g/dL, mmol/L",
        ),
        ("hb=8", r"--value: haemoglobin needs a unit; expected one of g/L, g/dL, mmol/L"),
        ("hb=eight g/dL", r"--value: 'eight' is not a number"),
        ("hb=8,5 g/dL", r"'8,5' is not a number .use a point"),
        (
            "hb=-1 g/dL",
            r"haemoglobin -1 g/dL is negative, which is impossible; expected a value from 0-30 g/dL",
        ),
        (
            "hb=35 g/dL",
            r"haemoglobin 35 g/dL is not physiologically possible; expected a value from 0-30 g/dL",
        ),
        ("ph=8.2", r"ph 8.2 pH is not physiologically possible; expected a value from 6.5-8 pH"),
        ("ph=6.4", r"not physiologically possible"),
        (
            "hb=8 g/dL date=01/03/2024",
            r"--value \(date\): '01/03/2024' is not an ISO 8601 date; expected YYYY-MM-DD",
        ),
        ("hb=8 g/dL age=8M", r"--value \(age\): '8M' is not an ISO 8601 age"),
        ("plt=40 10^9/L low=450 high=150", r"low limit \(450\) must be below its high limit \(150\)"),
        ("hemoglobin 8 g/dL", r"is not a lab value; expected ANALYTE=VALUE UNIT"),
        ("hb=nan g/dL", r"--value: 'nan' is not a number; expected ANALYTE=VALUE UNIT"),
    ],
)
def test_value_errors_are_one_line_and_name_the_input(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_lab_value(text)
    assert "\n" not in str(info.value)


def test_make_lab_value_accepts_numbers() -> None:
    value = make_lab_value("Hb", 95, "g/L", where="api", date="2024-03-01T10:00:00Z")
    assert (value.analyte, value.value, value.unit, value.date, value.source) == (
        "haemoglobin",
        95.0,
        "g/L",
        "2024-03-01",
        "api",
    )


@pytest.mark.parametrize(
    ("text", "iso"), [("2024-03-01", "2024-03-01"), ("2024-03-01T08:30:00+01:00", "2024-03-01")]
)
def test_parse_lab_date(text: str, iso: str) -> None:
    assert parse_lab_date(text) == iso


# ----------------------------------------------------------------------------------------------- CSV


def test_read_labs_csv_fixture() -> None:
    values = read_labs_csv(LABS / "labs.csv")
    assert [v.analyte for v in values] == ["haemoglobin", "platelets", "wbc", "calcium", "pth"]
    assert values[1].low == 150
    assert values[1].high == 450
    assert values[1].unit == "10^9/L"
    assert values[0].source.endswith("labs.csv, line 2")
    rows = interpret_labs(values, age_days=YEAR, sex=None)
    assert "HP:0001876" in [f.hpo_id for f in lab_findings(rows)]
    assert "HP:0000867" in [d.hpo_id for d in derive_lab_findings(rows)]


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labs.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("analyte,value\nhb,8\n", r"labs.csv, line 1: the header lacks column\(s\) unit"),
        # A column name the reader does not know ('units' is now Epic's name for the unit column: see below).
        (
            "analyte,value,measured in\nhb,8,g/dL\n",
            r"labs.csv, line 1, column 3: 'measured in' is not a known column",
        ),
        ("hb,8,g/dL\n", r"labs.csv, line 1, column 1: 'hb' is not a known column"),
        (
            "analyte,value,unit,date\nhb,8,g/dL,2024-03-01\nhb,x,g/dL,2024-03-02\n",
            r"labs.csv, line 3, column 2 \(value\): 'x' is not a number",
        ),
        (
            "analyte,value,unit,date\nhb,8,g/dL,March 1\n",
            r"labs.csv, line 2, column 4 \(date\): 'March 1' is not an ISO 8601 date",
        ),
        (
            "analyte,value,unit\nglucose,5,mmol/L\n",
            r"labs.csv, line 2, column 1 \(analyte\): unknown analyte 'glucose'",
        ),
        (
            "analyte,value,unit\nhb,8,mg/dL\n",
            r"labs.csv, line 2, column 3 \(unit\): 'mg/dL' is not an accepted unit",
        ),
        (
            "analyte,value,unit\nhb,40,g/dL\n",
            r"labs.csv, line 2, column 2 \(value\): haemoglobin 40 g/dL is not physiologically possible",
        ),
        ("analyte,value,unit\nhb,8,g/dL,extra\n", r"labs.csv, line 2, column 4: unexpected extra field"),
        ("analyte,value,unit\n", r"labs.csv: no lab values below the header"),
        (
            "analyte,value,value\nhb,8,9\n",
            r"labs.csv, line 1, column 3: column 'value' appears twice in the header",
        ),
        ("analyte,value,unit\n,8,g/dL\n", r"labs.csv, line 2, column 1 \(analyte\): empty analyte"),
        ("analyte,value,unit\nhb,nan,g/dL\n", r"labs.csv, line 2, column 2 \(value\): 'nan' is not a number"),
        ("analyte,value,unit\nhb,inf,g/dL\n", r"labs.csv, line 2, column 2 \(value\): 'inf' is not a number"),
        (
            "analyte,value,unit,age\nhb,8,g/dL,8M\n",
            r"labs.csv, line 2, column 4 \(age\): '8M' is not an ISO 8601 age; expected a duration such as P8M",
        ),
        ("# only a comment\n", r"labs.csv: no lab values; expected a header row"),
        ("", r"labs.csv: no lab values"),
    ],
)
def test_csv_errors_name_file_line_and_column(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_labs_csv(_csv(tmp_path, text))


def test_a_units_column_is_the_unit_column(tmp_path: Path) -> None:
    # Epic and most US exports name it 'Units' (s40); it was refused as an unknown column.
    (value,) = read_labs_csv(_csv(tmp_path, "analyte,value,units\nhb,8,g/dL\n"))
    assert (value.analyte, value.value, value.unit) == ("haemoglobin", 8.0, "g/dL")


def test_csv_semicolons_bom_comments_and_blank_lines(tmp_path: Path) -> None:
    path = _csv(tmp_path, "\ufeff# exported 2024-03-02\nAnalyte;Value;Unit;Date\n\nHb;8;g/dL;2024-03-01\n")
    values = read_labs_csv(path)
    assert [(v.analyte, v.value, v.date) for v in values] == [("haemoglobin", 8.0, "2024-03-01")]
    assert values[0].source.endswith("line 4")


def test_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope.csv: no such file"):
        read_labs_csv(tmp_path / "nope.csv")


# ---------------------------------------------------------------------------------------- phenopackets


def test_phenopacket_measurements_become_lab_findings(mini_hpo: Hpo) -> None:
    case = read_case_file(LABS / "case_measurements.json", mini_hpo.ontology)
    assert [v.analyte for v in case.labs] == ["haemoglobin", "platelets", "wbc", "calcium"]
    lab = [(f.hpo_id, f.excluded) for f in case.findings if f.source == "lab"]
    # Leukopenia (HP:0001882) is not in the mini release: dropped with a warning.
    assert lab == [("HP:0001903", False), ("HP:0001873", False), ("HP:0001876", False)]
    assert [f.hpo_id for f in case.findings if f.source == "entered"] == ["HP:0011002", "HP:0001744"]
    assert any("measurements[4].assay: LOINC:29463-7 is not a lab analyte" in w for w in case.warnings)
    assert any("HP:0001882 is not in this HPO release; dropped" in w for w in case.warnings)
    haemoglobin = case.labs[0]
    assert haemoglobin.date == "2024-03-01"
    assert haemoglobin.age_days == pytest.approx(213.35, abs=0.01)  # timestamp minus dateOfBirth
    assert case.labs[2].unit == "/uL"
    assert (case.labs[2].low, case.labs[2].high) == (4000, 11000)


def test_phenopacket_with_measurements_only(mini_hpo: Hpo) -> None:
    case = read_case_file(LABS / "measurements_only.json", mini_hpo.ontology)
    # Hb 95 g/L at 3 years, platelets and ANC all low (undated = one date): pancytopenia as well.
    assert case.observed == ("HP:0001903", "HP:0001873", "HP:0001876")
    assert all(f.source == "lab" for f in case.findings)


def test_phenopacket_without_age_reports_age_dependent_values(mini_hpo: Hpo) -> None:
    case = read_case_file(LABS / "no_age.json", mini_hpo.ontology)
    assert case.observed == ("HP:0011002", "HP:0001873")
    assert any(
        "haemoglobin not interpreted; its reference interval depends on age" in w for w in case.warnings
    )


def test_phenopacket_bad_unit_names_the_field(mini_hpo: Hpo) -> None:
    with pytest.raises(
        InputError, match=r"bad_unit.json: measurements\[0\]\.value\.quantity\.unit: 'mg/dL' is not"
    ):
        read_case_file(LABS / "bad_unit.json", mini_hpo.ontology)
    case = read_case_file(LABS / "bad_unit.json", mini_hpo.ontology, strict=False)
    assert case.labs == ()
    assert any("(skipped)" in w for w in case.warnings)


def test_phenopacket_measurement_before_birth_names_the_field(mini_hpo: Hpo, tmp_path: Path) -> None:
    document = json.loads((LABS / "case_measurements.json").read_text(encoding="utf-8"))
    document["measurements"][0]["timeObserved"] = {"timestamp": "2020-01-01T00:00:00Z"}
    path = tmp_path / "before_birth.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"before_birth.json: measurements\[0\]\.timeObserved\.timestamp: 2020-01-01 is before the date of birth",
    ):
        read_case_file(path, mini_hpo.ontology)


def test_entered_finding_wins_over_a_contradicting_lab_value(mini_hpo: Hpo, tmp_path: Path) -> None:
    document = json.loads((LABS / "case_measurements.json").read_text(encoding="utf-8"))
    document["phenotypicFeatures"].append({"type": {"id": "HP:0001903", "label": "Anemia"}, "excluded": True})
    path = tmp_path / "contradiction.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    case = read_case_file(path, mini_hpo.ontology)
    assert "HP:0001903" in case.excluded
    assert any(
        re.search(r"lab values show HP:0001903 \(Anemia\) but it is entered as excluded", w)
        for w in case.warnings
    )


def test_read_phenopacket_labs_needs_no_ontology() -> None:
    packet = read_phenopacket_labs(LABS / "case_measurements.json")
    assert packet.sex == "female"
    assert packet.age_days == pytest.approx(7 * MONTH)
    assert len(packet.labs) == 4
    assert len(packet.warnings) == 1


def test_prepare_lab_findings_resolves_and_deduplicates(mini_hpo: Hpo) -> None:
    rows = interpret_labs(_panel(None), age_days=YEAR, sex=None)
    triples, warnings = prepare_lab_findings(
        mini_hpo.ontology, lab_findings(rows), [("HP:0001903", False, "entered")], where="--labs"
    )
    assert triples == [("HP:0001873", False, "lab"), ("HP:0001876", False, "lab")]
    assert warnings == ["--labs: lab finding HP:0001882 is not in this HPO release; dropped"]
