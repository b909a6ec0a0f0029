"""Reading MoJ sortable tables out of a page's HTML, as the MoJ script would sort them.

`sortable_tables(html)` finds each `data-module="moj-sortable-table"` table with its headings' `aria-sort`
and, per row, each cell's sort value: its `data-sort-value`, else its text. MoJ's script compares two
values as numbers when both are numbers, else as text; `sort_key` does the same, so a test can check that
the order the server sent is the order the heading's `aria-sort` claims, and what a click would give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Heading:
    text: str
    aria_sort: str | None


@dataclass
class SortableTable:
    caption: str = ""
    headings: list[Heading] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    """Each row's cells' sort values, in column order (`th` and `td` alike, as MoJ's script counts them)."""

    def column(self, heading: str) -> list[str]:
        index = [h.text for h in self.headings].index(heading)
        return [row[index] for row in self.rows]

    def sorted_by(self, heading: str) -> str | None:
        return self.headings[[h.text for h in self.headings].index(heading)].aria_sort


def sort_key(value: str) -> tuple[int, float, str]:
    """Numbers before text, numbers by value: what MoJ's `getCellValue` and `sort` do for one column."""
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[SortableTable] = []
        self._table: SortableTable | None = None
        self._cell: list[str] | None = None
        self._cell_value: str | None = None
        self._in_head = False
        self._in_caption = False
        self._aria: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        if tag == "table" and given.get("data-module") == "moj-sortable-table":
            self._table = SortableTable()
        if self._table is None:
            return
        if tag == "thead":
            self._in_head = True
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and not self._in_head:
            self._table.rows.append([])
        elif tag in ("th", "td"):
            self._cell, self._cell_value, self._aria = [], given.get("data-sort-value"), given.get("aria-sort")

    def handle_endtag(self, tag: str) -> None:
        if self._table is None:
            return
        if tag == "table":
            self.tables.append(self._table)
            self._table = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._in_head:
                self._table.headings.append(Heading(text, self._aria))
            else:
                self._table.rows[-1].append(self._cell_value if self._cell_value is not None else text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption and self._table is not None:
            self._table.caption += data.strip()


def sortable_tables(html: str) -> list[SortableTable]:
    reader = _Reader()
    reader.feed(html)
    return reader.tables


def in_claimed_order(table: SortableTable) -> bool:
    """Whether the rows come in the order the heading marked ascending or descending says (ties in any order)."""
    claimed = [(i, h.aria_sort) for i, h in enumerate(table.headings) if h.aria_sort in ("ascending", "descending")]
    if not claimed:
        return True
    index, direction = claimed[0]
    keys = [sort_key(row[index]) for row in table.rows]
    return keys == sorted(keys, reverse=direction == "descending")
