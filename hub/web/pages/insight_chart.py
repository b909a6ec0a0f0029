"""An insight chart drawn on the server as SVG shapes: bars with their coordinates and a series class each.

No script and no style attribute (the Content-Security-Policy allows neither): each bar carries a class
`hub-chart__series-N`, which hub/insight.css colours from GOV.UK Frontend's custom properties, and the
template writes the shapes. The chart is an image with a title and a description; the report's tables
beside it are its text equivalent, so a screen reader never has to read bars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hub.insight.report import Chart

WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 64
"""Room for the value axis' labels (left) and the categories' labels (below)."""
LABEL_LEFT = 230
"""A horizontal chart's room for category names (referrer types, schools) at the left."""
ROW = 26
MAX_LABELS = 14
CHARACTER = 6.5
"""About the width of a character of a 12px label: a category's label is written only where it fits."""


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str
    """The bar's figure in words (an SVG title: shown on hover)."""


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str


@dataclass(frozen=True)
class Drawn:
    chart: Chart
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, float, float, float], ...]
    """Grid lines (x1, y1, x2, y2)."""
    labels: tuple[Label, ...]
    axis: tuple[float, float, float, float]


def _nice_top(largest: float) -> float:
    """The value axis' end for counts: four equal steps of a whole, round number (1, 2, 2.5 or 5 times a power
    of ten, 2.5 only from 25 up), so every tick is a whole count: 3 referrals reach 4, 23 reach 40."""
    need = max(largest, 1.0) / 4
    magnitude = 10.0 ** math.floor(math.log10(need)) if need >= 1 else 1.0
    for step in (1, 2, 2.5, 5, 10):
        size = step * magnitude
        if size >= need and size == int(size):
            return 4 * size
    return 40 * magnitude


def _figure(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def draw(chart: Chart) -> Drawn:
    totals = [sum(series.values[index] for series in chart.series) for index in range(len(chart.categories))]
    top = chart.top if chart.top is not None else _nice_top(max(totals, default=0.0))
    return _across(chart, top) if chart.horizontal else _up(chart, top)


def _up(chart: Chart, top: float) -> Drawn:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(chart.categories), 1)
    slot = plot_w / count
    bars, labels, ticks = [], [], []
    longest = max((len(category) for category in chart.categories), default=1) * CHARACTER + 8
    every = max(1, math.ceil(count / MAX_LABELS), math.ceil(longest / slot))
    for index, category in enumerate(chart.categories):
        base = float(TOP + plot_h)
        for number, series in enumerate(chart.series):
            value = series.values[index]
            height = plot_h * value / top
            if value > 0:
                title = f"{category}, {series.label}: {_figure(value)} {chart.unit}"
                bars.append(Bar(LEFT + index * slot + slot * 0.15, base - height, slot * 0.7, height, number, title))
            base -= height
        if index % every == 0:
            labels.append(Label(LEFT + (index + 0.5) * slot, TOP + plot_h + 18, category, "middle"))
    for step in range(5):
        value = top * step / 4
        y = TOP + plot_h - plot_h * step / 4
        ticks.append((LEFT, y, LEFT + plot_w, y))
        labels.append(Label(LEFT - 6, y + 4, _figure(round(value, 1)), "end"))
    return Drawn(chart, WIDTH, HEIGHT, tuple(bars), tuple(ticks), tuple(labels), (LEFT, TOP, LEFT, TOP + plot_h))


def _across(chart: Chart, top: float) -> Drawn:
    count = max(len(chart.categories), 1)
    height = TOP + count * ROW + 40
    plot_w = WIDTH - LABEL_LEFT - RIGHT
    bars, labels, ticks = [], [], []
    for index, category in enumerate(chart.categories):
        y = TOP + index * ROW
        start = float(LABEL_LEFT)
        for number, series in enumerate(chart.series):
            value = series.values[index]
            width = plot_w * value / top
            if value > 0:
                title = f"{category}, {series.label}: {_figure(round(value, 1))} {chart.unit}"
                bars.append(Bar(start, y + 4, width, ROW - 8, number, title))
            start += width
        name = category if len(category) <= 34 else category[:33] + "…"
        labels.append(Label(LABEL_LEFT - 8, y + ROW / 2 + 4, name, "end"))
    bottom = TOP + count * ROW
    for step in range(5):
        x = LABEL_LEFT + plot_w * step / 4
        ticks.append((x, TOP, x, bottom))
        labels.append(Label(x, bottom + 18, _figure(round(top * step / 4, 1)), "middle"))
    return Drawn(chart, WIDTH, height, tuple(bars), tuple(ticks), tuple(labels), (LABEL_LEFT, TOP, LABEL_LEFT, bottom))
