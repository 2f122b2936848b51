"""Longitudinal lab charts for the case page: one series per analyte with its reference band, as geometry
for an inline SVG (drawn by the template; no script, no network).

Values are converted to the unit of the latest reading (the unit the team uses now) so g/dL and g/L
readings share one axis. The band at each reading is the interval that reading was judged against (the reporting
laboratory's when it was entered, else the cited interval for the patient's age at that test, when stored,
or the case's age, and sex; see
``marbledx.findings.interpret_labs``); between readings it is drawn as a straight line.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from marbledx.errors import InputError
from marbledx.findings import (
    LabInterpretation,
    LabTable,
    bundled_lab_table,
    interpret_labs,
    make_lab_value,
)
from marbledx.registry import LabRecord

__all__ = ["CHART_ANALYTES", "ChartPoint", "LabChart", "lab_charts", "nice_ticks"]

# The three values that track marrow failure and hypocalcaemia in osteopetrosis over time (reference §2.3,
# §5: haemoglobin and platelets for the cytopenias, calcium for hypocalcaemia and after HSCT).
CHART_ANALYTES = ("haemoglobin", "platelets", "calcium")

WIDTH, HEIGHT = 480, 170
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 10, 28


@dataclass(frozen=True)
class ChartPoint:
    """One reading: its place on the chart and what it was."""

    x: float
    y: float
    date: str
    value: float
    interpretation: str


@dataclass(frozen=True)
class LabChart:
    """The geometry of one analyte's chart (SVG user units, origin top left)."""

    analyte: str
    name: str
    unit: str
    points: tuple[ChartPoint, ...]
    band_path: str  # an SVG path of the reference band; "" when no reading had an interval
    line_path: str
    y_ticks: tuple[tuple[float, str], ...]
    x_labels: tuple[tuple[float, str], ...]
    undated: int  # readings without a date, listed in the table but not plotted
    band_source: str
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return WIDTH - RIGHT

    @property
    def plot_bottom(self) -> int:
        return HEIGHT - BOTTOM


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering ``[low, high]`` (steps of 1, 2 or 5 times a power of ten)."""
    if not high > low:
        return [low]
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _label(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class _Reading:
    date: dt.date
    value: float
    low: float | None
    high: float | None
    interpretation: str
    laboratory: bool


def _readings(
    labs: Sequence[LabRecord], analyte: str, *, age_days: float | None, sex: str | None, table: LabTable
) -> tuple[list[_Reading], str, int, str]:
    """The analyte's dated readings in date order, in the unit of the latest one (as the team enters it),
    with the number of undated readings and where the band comes from."""
    spec = table.analyte(analyte)
    rows: list[tuple[dt.date, LabInterpretation]] = []
    undated = 0
    for lab in labs:
        if table.find(lab.analyte) is not spec:
            continue
        if lab.measured_on is None:
            undated += 1
            continue
        try:
            value = make_lab_value(
                lab.analyte,
                lab.value,
                lab.unit,
                where=f"lab {lab.id}",
                low=lab.low,
                high=lab.high,
                # The value's own age at the test, when stored, chooses its band (else the case's age).
                age_days=lab.age_at_test_days,
                table=table,
            )
            (row,) = interpret_labs([value], age_days=age_days, sex=sex, table=table, strict=False)
        except InputError:
            continue  # a value the table cannot read is listed in the table but not plotted
        rows.append((lab.measured_on, row))
    rows.sort(key=lambda item: item[0])
    unit = rows[-1][1].value.unit if rows else spec.unit
    readings = []
    for day, row in rows:

        def shown(number: float | None, given: str = row.value.unit) -> float | None:
            return None if number is None else table.convert(spec, number, given, unit)

        interval = row.interval
        readings.append(
            _Reading(
                date=day,
                value=table.convert(spec, row.value.value, row.value.unit, unit),
                low=shown(interval.low) if interval else None,
                high=shown(interval.high) if interval else None,
                interpretation=row.interpretation,
                laboratory=bool(interval and interval.laboratory),
            )
        )
    labs_given = sum(r.laboratory for r in readings)
    if not readings or all(r.low is None and r.high is None for r in readings):
        source = "no reference interval available for these readings"
    elif labs_given == len(readings):
        source = "the reporting laboratory's interval"
    elif labs_given:
        source = "the reporting laboratory's interval where entered, else the cited interval for age and sex"
    else:
        source = "the cited interval for the patient's age and sex (labs.yaml)"
    return readings, unit, undated, source


def lab_charts(
    labs: Sequence[LabRecord],
    *,
    age_days: float | None,
    sex: str | None,
    analytes: Sequence[str] = CHART_ANALYTES,
    table: LabTable | None = None,
) -> list[LabChart]:
    """A chart for each analyte with at least one dated reading, in ``analytes`` order."""
    lab_table = table or bundled_lab_table()
    charts = []
    for analyte in analytes:
        readings, unit, undated, source = _readings(
            labs, analyte, age_days=age_days, sex=sex, table=lab_table
        )
        if readings:
            charts.append(_chart(analyte, lab_table.analyte(analyte).name, unit, readings, undated, source))
    return charts


def _chart(
    analyte: str, name: str, unit: str, readings: list[_Reading], undated: int, source: str
) -> LabChart:
    values = [r.value for r in readings]
    limits = [v for r in readings for v in (r.low, r.high) if v is not None]
    low, high = min(values + limits), max(values + limits)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    y_min, y_max = max(0.0, low - pad), high + pad
    first, last = readings[0].date, readings[-1].date
    span_days = max((last - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(day: dt.date) -> float:
        if first == last:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (day - first).days / span_days

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - (value - y_min) / (y_max - y_min))

    points = tuple(
        ChartPoint(
            round(x_of(r.date), 1), round(y_of(r.value), 1), r.date.isoformat(), r.value, r.interpretation
        )
        for r in readings
    )
    line = "M" + " L".join(f"{p.x},{p.y}" for p in points) if len(points) > 1 else ""
    return LabChart(
        analyte=analyte,
        name=name,
        unit=unit,
        points=points,
        band_path=_band(readings, x_of, y_of, y_min, y_max, single=first == last),
        line_path=line,
        y_ticks=tuple((round(y_of(t), 1), _label(t)) for t in nice_ticks(y_min, y_max)),
        x_labels=_x_labels(first, last, x_of),
        undated=undated,
        band_source=source,
    )


def _band(
    readings: list[_Reading],
    x_of: Callable[[dt.date], float],
    y_of: Callable[[float], float],
    y_min: float,
    y_max: float,
    *,
    single: bool,
) -> str:
    """The band as one closed path: along the upper limits left to right, back along the lower ones.

    A reading with only one limit is open on the other side (to the chart's edge). Readings without an
    interval split the band.
    """
    paths: list[str] = []
    run: list[_Reading] = []
    for reading in [*readings, None]:
        if reading is not None and (reading.low is not None or reading.high is not None):
            run.append(reading)
            continue
        if run:
            xs = [x_of(r.date) for r in run]
            if single or len(run) == 1:
                xs = [LEFT, WIDTH - RIGHT] if single else [xs[0] - 4, xs[0] + 4]
                run = [run[0], run[0]]
            tops = [y_of(r.high if r.high is not None else y_max) for r in run]
            bottoms = [y_of(r.low if r.low is not None else y_min) for r in run]
            upper = " L".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, tops, strict=True))
            lower = " L".join(f"{x:.1f},{y:.1f}" for x, y in reversed(list(zip(xs, bottoms, strict=True))))
            paths.append(f"M{upper} L{lower} Z")
        run = []
    return " ".join(paths)


def _x_labels(
    first: dt.date, last: dt.date, x_of: Callable[[dt.date], float]
) -> tuple[tuple[float, str], ...]:
    if first == last:
        return ((round(x_of(first), 1), first.isoformat()),)
    return ((float(LEFT), first.isoformat()), (float(WIDTH - RIGHT), last.isoformat()))
