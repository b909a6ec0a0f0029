"""The referral page's view model without a server: periods with nothing recorded, the layout, removable tags."""

from __future__ import annotations

from datetime import date

import pytest

from hub.web.pages.filter_tags import selected_filters
from hub.web.pages.referral_view import (
    Layout,
    QuietPeriod,
    Sort,
    add_months,
    length_words,
    parse_filters,
    quiet_periods,
)
from schemas import ChronologyEntry, DatePrecision
from tests.hub.builders import ROLE, entry

AGENCIES = ("police", "health")
PEOPLE = ("S1", "S2")


def at(day: str, *, precision: DatePrecision = DatePrecision.DAY, ended: str | None = None) -> ChronologyEntry:
    made = entry("police", f"P-{day}", day, [("P-1", ROLE.CHILD_PRESENT)])
    return made.model_copy(
        update={"date_precision": precision, "ended_on": date.fromisoformat(ended) if ended else None}
    )


def periods(*entries: ChronologyEntry, filtered: bool = False) -> list[tuple[int, QuietPeriod]]:
    return quiet_periods(list(entries), filtered=filtered)


def test_more_than_twelve_months_apart_is_a_period_with_nothing_recorded() -> None:
    ((index, period),) = periods(at("2018-09-10"), at("2019-06-15"), at("2021-09-15"))
    assert index == 2 and (period.start, period.end) == (date(2019, 6, 15), date(2021, 9, 15))
    assert period.words == "Nothing recorded by any agency for 2 years 3 months (June 2019 to September 2021)"


def test_the_words_never_say_nothing_happened_and_say_when_filters_narrowed_it() -> None:
    ((_, period),) = periods(at("2019-06-15"), at("2021-09-20"), filtered=True)
    assert period.words == (
        "Nothing recorded that matches these filters for more than 2 years 3 months (June 2019 to September 2021)"
    )
    assert "happened" not in period.words and "no concerns" not in period.words.lower()


@pytest.mark.parametrize(
    ("first", "second", "quiet"),
    [
        ("2020-03-05", "2021-03-05", False),  # exactly 12 months
        ("2020-03-05", "2021-03-06", True),  # a day more
        ("2020-03-05", "2020-03-05", False),  # the same day
        ("2020-02-29", "2021-02-28", False),  # a leap day: 12 months on is 28 Feb
        ("2020-02-29", "2021-03-01", True),
        ("2020-01-31", "2021-01-31", False),
    ],
)
def test_the_twelve_month_boundary(first: str, second: str, quiet: bool) -> None:
    assert bool(periods(at(first), at(second))) is quiet


def test_partial_dates_never_make_a_gap_that_may_not_be_there() -> None:
    # "2019" may be December 2019; "Jan 2021" may be 1 January: 12 months and a day at the least
    year_then_month = periods(
        at("2019-01-01", precision=DatePrecision.YEAR), at("2021-01-01", precision=DatePrecision.MONTH)
    )
    ((_, period),) = year_then_month
    assert (period.start, period.end) == (date(2019, 12, 31), date(2021, 1, 1))
    assert period.words.endswith("(2019 to January 2021)")
    # "Mar 2020" may be 31 March; 12 months on is 31 March 2021, which "Mar 2021" may be
    assert not periods(at("2020-03-01", precision=DatePrecision.MONTH), at("2021-03-01", precision=DatePrecision.MONTH))
    assert not periods(at("2019-01-01", precision=DatePrecision.YEAR), at("2020-12-01"))


def test_a_period_that_an_entry_spans_is_not_empty() -> None:
    plan = at("2016-01-01", ended="2020-06-01")  # a plan from 2016 to 2020
    assert not periods(plan, at("2018-01-01"), at("2021-01-01"))
    ((index, period),) = periods(plan, at("2018-01-01"), at("2022-01-01"))
    assert index == 2 and period.start == date(2020, 6, 1)


def test_length_words() -> None:
    assert length_words(date(2020, 1, 1), date(2021, 1, 1)) == "1 year"
    assert length_words(date(2020, 1, 1), date(2021, 1, 2)) == "more than 1 year"
    assert length_words(date(2020, 1, 15), date(2022, 2, 15)) == "2 years 1 month"
    assert length_words(date(2020, 1, 15), date(2021, 6, 14)) == "more than 1 year 4 months"
    assert add_months(date(2020, 1, 31), 1) == date(2020, 2, 29)


def test_the_layout_is_a_table_unless_asked_and_a_bad_one_is_an_error() -> None:
    def parsed(**query: str) -> tuple[Layout, tuple[tuple[str, str], ...]]:
        filters = parse_filters({k: [v] for k, v in query.items()}, agencies=AGENCIES, people=PEOPLE)
        return filters.layout, filters.errors

    assert parsed() == (Layout.TABLE, ())
    assert parsed(layout="timeline") == (Layout.TIMELINE, ())
    assert parsed(layout="table") == (Layout.TABLE, ())
    layout, errors = parsed(layout="<script>")
    assert layout is Layout.TABLE
    assert errors == (("filter-layout", "Choose to show the chronology as a table or a timeline"),)


def test_each_tag_removes_just_its_own_filter_and_keeps_the_order_and_layout() -> None:
    query = {
        "agency": ["police", "health"],
        "person": ["S2"],
        "from": ["1/1/2024"],
        "sort": ["oldest"],
        "layout": ["timeline"],
    }
    filters = parse_filters(query, agencies=AGENCIES, people=PEOPLE)
    assert filters.sort is Sort.OLDEST and filters.active
    selected = selected_filters(
        "/referrals/R",
        filters.pairs(),
        {"agency": ("Agency", str.upper), "person": ("Person", str), "from": ("Dates", str), "to": ("Dates", str)},
        kept=filters.view_pairs(),
        fragment="#chronology",
    )
    assert [group.heading for group in selected.groups] == ["Agency", "Person", "Dates"]
    hrefs = {tag.text: tag.href for group in selected.groups for tag in group.tags}
    assert (
        hrefs["POLICE"] == "/referrals/R?agency=health&person=S2&from=2024-01-01&sort=oldest&layout=timeline#chronology"
    )
    assert (
        hrefs["S2"] == "/referrals/R?agency=health&agency=police&from=2024-01-01&sort=oldest&layout=timeline#chronology"
    )
    assert (
        hrefs["2024-01-01"]
        == "/referrals/R?agency=health&agency=police&person=S2&sort=oldest&layout=timeline#chronology"
    )
    assert selected.clear_href == "/referrals/R?sort=oldest&layout=timeline#chronology"
