"""What every insight report returns: a chart, tables to read it by, notes, and a CSV for a spreadsheet.

A report is data, not markup: the web pages draw the chart as SVG with the tables beside it as its text
equivalent, the CLI prints the tables, and the CSV is the report's own rows. Every CSV cell goes through
the audit export's `inert`, so an organisation's name a referrer typed (`=HYPERLINK(...)`) never runs as a
formula when a manager opens the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from hub.audit.csv_export import inert

Cell = str | int | float | None


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float, ...]
    """One value per category of its chart."""


@dataclass(frozen=True)
class Chart:
    """Bars, stacked when there are several series: one bar per category."""

    title: str
    description: str
    """What the chart shows, in a sentence (the SVG's desc); the tables hold the figures."""
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str
    horizontal: bool = False
    """Bars across (categories with long names: referrer types, schools) rather than up (months, weeks)."""
    top: float | None = None
    """The axis' end when it is fixed (100 for a share or a score); otherwise the largest bar, rounded up."""


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: frozenset[int] = frozenset()
    """Which columns hold figures (right-aligned)."""


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    period: str
    summary: tuple[str, ...]
    """A few sentences that say what the chart says."""
    chart: Chart | None
    tables: tuple[Table, ...]
    csv: str
    notes: tuple[str, ...] = field(default=())
    """What a reader must know to read the figures right (what is counted, what the hub cannot tell)."""


def table_csv(columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """Rows as CSV with a header, every cell inert."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([inert(cell if not isinstance(cell, float) else f"{cell:g}") for cell in row])
    return out.getvalue()


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def counted(part: int, whole: int) -> str:
    """`12 (30%)`: a count and its share of `whole`."""
    return f"{part} ({percent(share(part, whole))})"
