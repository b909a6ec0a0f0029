"""The insight chart's value axis: counts get whole-number ticks reaching past the largest bar; shares end at 100."""

from __future__ import annotations

from itertools import pairwise

import pytest

from hub.insight.report import Chart, Series
from hub.web.pages.insight_chart import draw


def _ticks(values: tuple[float, ...], *, horizontal: bool = False, top: float | None = None) -> list[str]:
    """The value axis' labels: at the left of a chart of columns, under a chart of bars across."""
    categories = tuple(f"Month {chr(65 + index)}" for index in range(len(values)))
    chart = Chart("t", "d", categories, (Series("s", values),), "referrals", horizontal=horizontal, top=top)
    axis_anchor = "middle" if horizontal else "end"
    return [label.text for label in draw(chart).labels if label.anchor == axis_anchor and label.text not in categories]


@pytest.mark.parametrize(
    ("largest", "expected"),
    [
        (0, ["0", "1", "2", "3", "4"]),
        (1, ["0", "1", "2", "3", "4"]),
        (3, ["0", "1", "2", "3", "4"]),
        (5, ["0", "2", "4", "6", "8"]),
        (9, ["0", "5", "10", "15", "20"]),
        (23, ["0", "10", "20", "30", "40"]),
        (90, ["0", "25", "50", "75", "100"]),
        (1234, ["0", "500", "1000", "1500", "2000"]),
    ],
)
def test_counts_have_whole_number_ticks_above_the_largest_bar(largest: int, expected: list[str]) -> None:
    assert _ticks((float(largest), 0.0)) == expected
    assert _ticks((float(largest),), horizontal=True) == expected


def test_every_count_from_0_to_2000_gets_whole_ticks_reaching_it() -> None:
    for largest in range(2001):
        ticks = [float(text) for text in _ticks((float(largest),))]
        assert all(tick == int(tick) for tick in ticks), (largest, ticks)
        assert ticks[-1] >= largest and (largest < 2 or ticks[-1] < 3 * largest), (largest, ticks)


def test_a_share_ends_at_100() -> None:
    assert _ticks((37.5,), horizontal=True, top=100.0) == ["0", "25", "50", "75", "100"]


def test_week_labels_under_columns_are_thinned_so_none_overlaps() -> None:
    weeks = tuple(f"w/c {day} Jan 2025" for day in range(1, 54))
    chart = Chart("t", "d", weeks, (Series("s", tuple(1.0 for _ in weeks)),), "referrals")
    shown = sorted(label.x for label in draw(chart).labels if label.text in weeks)
    assert 4 <= len(shown) <= 14
    assert all(right - left >= len(weeks[0]) * 6.5 for left, right in pairwise(shown))
