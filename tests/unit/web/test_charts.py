"""The lab charts' geometry: units, bands, undated readings and tick values."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from marbledx.registry import LabRecord
from marbledx.web._charts import LabChart, lab_charts, nice_ticks

WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def lab(
    analyte: str,
    value: float,
    unit: str,
    day: str | None,
    low: float | None = None,
    high: float | None = None,
    lab_id: int = 1,
) -> LabRecord:
    return LabRecord(
        id=lab_id,
        analyte=analyte,
        value=value,
        unit=unit,
        measured_on=dt.date.fromisoformat(day) if day else None,
        low=low,
        high=high,
        created_at=WHEN,
        created_by="alice",
    )


def numbers(path: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", path)]


def only(charts: list[LabChart]) -> LabChart:
    assert len(charts) == 1
    return charts[0]


def test_readings_share_the_latest_unit_and_are_in_date_order() -> None:
    chart = only(
        lab_charts(
            [
                lab("haemoglobin", 7.9, "g/dL", "2026-03-01", 9.5, 13.5),
                lab("haemoglobin", 91, "g/L", "2026-01-01", 95, 135),
                lab("hemoglobin", 10.2, "g/dL", "2026-02-01", 9.5, 13.5),  # an alias of the analyte
            ],
            age_days=120,
            sex="male",
        )
    )
    assert chart.unit == "g/dL"
    assert [p.date for p in chart.points] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert [p.value for p in chart.points] == pytest.approx([9.1, 10.2, 7.9])
    assert [p.interpretation for p in chart.points] == ["low", "normal", "low"]
    xs = [p.x for p in chart.points]
    assert xs == sorted(xs)
    assert xs[0] == chart.plot_left
    assert xs[-1] == chart.plot_right
    low_point = min(chart.points, key=lambda p: p.value)
    assert low_point.y == max(p.y for p in chart.points)  # lower values are drawn lower (larger y)
    assert chart.band_source == "the reporting laboratory's interval"
    assert chart.line_path.startswith("M")


def test_the_band_follows_the_interval_of_each_reading() -> None:
    chart = only(
        lab_charts(
            [
                lab("platelets", 62, "10^9/L", "2026-01-01", 150, 450),
                lab("platelets", 90, "10^9/L", "2026-02-01", 150, 450),
            ],
            age_days=120,
            sex=None,
        )
    )
    values = numbers(chart.band_path)
    ys = values[1::2]
    assert len(set(ys)) == 2  # one upper and one lower edge: the interval did not change
    top, bottom = min(ys), max(ys)
    assert all(bottom < p.y for p in chart.points)  # both readings are below the band
    assert top < bottom


def test_a_reading_without_an_interval_splits_the_band_and_undated_ones_are_counted() -> None:
    chart = only(
        lab_charts(
            [
                lab("calcium", 1.9, "mmol/L", "2026-01-01", 2.2, 2.7),
                lab("calcium", 2.0, "mmol/L", "2026-01-15"),  # no laboratory interval entered
                lab("calcium", 2.3, "mmol/L", "2026-02-01", 2.2, 2.7),
                lab("calcium", 2.4, "mmol/L", None, 2.2, 2.7),
            ],
            age_days=None,  # the cited calcium interval depends on age, so without it there is none
            sex=None,
        )
    )
    assert chart.undated == 1
    assert len(chart.points) == 3
    assert chart.band_path.count("M") == 2
    assert "where entered" in chart.band_source


def test_analytes_without_dated_readings_get_no_chart_and_order_is_fixed() -> None:
    charts = lab_charts(
        [
            lab("calcium", 2.3, "mmol/L", "2026-01-01", 2.2, 2.7),
            lab("haemoglobin", 12, "g/dL", None),
            lab("platelets", 300, "10^9/L", "2026-01-01"),
            lab("alkaline_phosphatase", 300, "U/L", "2026-01-01"),
        ],
        age_days=400,
        sex="female",
    )
    assert [c.analyte for c in charts] == ["platelets", "calcium"]
    single = charts[1]
    assert len(single.points) == 1
    assert single.points[0].x == pytest.approx((single.plot_left + single.plot_right) / 2)
    assert numbers(single.band_path)[0] == single.plot_left  # one reading: the band spans the chart
    assert single.line_path == ""


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 10, [0, 5, 10]),
        (7.1, 13.9, [8, 10, 12]),
        (45, 470, [200, 400]),
        (2.05, 2.81, [2.2, 2.4, 2.6, 2.8]),
    ],
)
def test_nice_ticks(low: float, high: float, expected: list[float]) -> None:
    assert nice_ticks(low, high) == pytest.approx(expected)
    assert nice_ticks(3, 3) == [3]
