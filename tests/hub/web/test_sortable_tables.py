"""MoJ sortable tables on the lists (inbox, allocation, team, identity reviews, IG reports).

Without JavaScript a table is in the server's order, which is the order its heading's `aria-sort` claims;
with it, MoJ's script sorts by `data-sort-value` where a cell has one: times as numbers (so due times sort
by time, not by their words) and RAG ratings as ranks (red, then amber, then green).
"""

from __future__ import annotations

from datetime import datetime

from hub.web.pages.inbox import rag_rank
from tests.hub.web.conftest import IG, MANAGER, PRACTITIONER
from tests.hub.web.ig_fixtures import IgServed, ig_served
from tests.hub.web.sortable import SortableTable, in_claimed_order, sort_key, sortable_tables
from tests.hub.web.staff_work import Office, office
from tests.hub.web.test_ig_search import signed_in

__all__ = ["ig_served", "office"]


def the_table(html: str) -> SortableTable:
    (table,) = sortable_tables(html)
    return table


def is_time(value: str) -> bool:
    return value.isdigit() and datetime.fromtimestamp(int(value)).year >= 2000


def test_rag_ranks_red_then_amber_then_green_then_unknown() -> None:
    assert [rag_rank(r) for r in ("red", "amber", "green", "")] == [1, 2, 3, 4]


def test_the_inbox_sorts_by_rag_rank_and_by_time(office: Office) -> None:
    with office.client(PRACTITIONER) as browser:
        table = the_table(browser.get("/referrals").text)
    assert [(h.text, h.aria_sort) for h in table.headings] == [
        ("Referral", "none"),
        ("RAG", "none"),
        ("Received", "descending"),
        ("Checks due", "none"),
        ("Checks", None),
    ]
    assert in_claimed_order(table)  # most recently received first, as the server sends it
    assert set(table.column("RAG")) == {"1", "2", "3"}  # sam.patel holds red, amber and green referrals
    assert all(is_time(value) for value in table.column("Received") + table.column("Checks due"))
    by_rag = [row[1] for row in sorted(table.rows, key=lambda row: sort_key(row[1]))]
    assert (by_rag[0], by_rag[-1]) == ("1", "3")


def test_allocation_sorts_by_rag_then_due_time(office: Office) -> None:
    with office.client(MANAGER) as browser:
        table = the_table(browser.get("/allocation").text)
    assert [h.aria_sort for h in table.headings] == ["none", "none", None]  # the form's column is not sortable
    values = [int(value) for value in table.column("RAG and checks due")]
    ranks = {value // 10_000_000_000 for value in values}
    assert ranks <= {1, 2, 3} and 1 in ranks
    assert all(is_time(str(value % 10_000_000_000)) for value in values)


def test_the_team_view_is_sorted_as_it_claims(office: Office) -> None:
    with office.client(MANAGER) as browser:
        table = the_table(browser.get("/team").text)
    assert table.sorted_by("Referrals") == "descending" and in_claimed_order(table)


def test_identity_reviews_oldest_first_and_sortable(office: Office) -> None:
    with office.client(PRACTITIONER) as browser:
        table = the_table(browser.get("/reviews").text)
    assert table.sorted_by("Review") == "ascending" and in_claimed_order(table)
    assert table.sorted_by("Why it needs a person") is None
    assert all(value.isdigit() for value in table.column("Review"))


def test_ig_reports_tables_sort_by_time_and_day(ig_served: IgServed) -> None:
    with signed_in(ig_served, IG) as browser:
        tables = sortable_tables(browser.get("/audit/reports").text)
    captions = [table.caption for table in tables]
    assert "Access without allocation" in captions and "Out-of-hours access" in captions
    for table in tables:
        assert in_claimed_order(table), table.caption
        for heading in ("First", "Last", "Opened"):
            if heading in [h.text for h in table.headings]:
                assert all(is_time(value) for value in table.column(heading)), (table.caption, heading)
        if "Day" in [h.text for h in table.headings]:
            assert all(value.isdigit() for value in table.column("Day"))
    purpose = next(table for table in tables if table.caption == "Break-glass awaiting review")
    assert purpose.sorted_by("Purpose") is None
