"""The audit search in the browser: filters narrow, pages are stable, bad input is an error summary, and
IG pages refuse a practitioner (each refusal on the trail). Also the reports' figures for seeded events."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape

import httpx
import pytest

from hub.audit.search import AuditQuery
from hub.store.audited import Acting, acting
from tests.hub.web.conftest import IG, MARKER, MY_REFERRAL, OTHER, PRACTITIONER, form_token, sign_in
from tests.hub.web.ig_fixtures import BUSY_READS, IgServed, ig_served

__all__ = ["ig_served"]

EVENT_ROW = re.compile(r'<tr class="govuk-table__row" id="event-(\d+)">')


@contextmanager
def signed_in(served: IgServed, username: str) -> Iterator[httpx.Client]:
    """A browser signed in as `username`, closed afterwards."""
    with served.client() as client:
        assert sign_in(client, username).status_code == 303
        yield client


def seqs(html: str) -> list[int]:
    return [int(found) for found in EVENT_ROW.findall(html)]


def links(html: str, pattern: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html) if re.search(pattern, unescape(href))]


def test_filters_narrow_the_events(ig_served: IgServed) -> None:
    with signed_in(ig_served, IG) as browser:
        everything = browser.get("/audit")
        assert everything.status_code == 200 and len(seqs(everything.text)) == 50
        by_other = browser.get("/audit", params={"user": OTHER, "referral": MY_REFERRAL})
        shown = seqs(by_other.text)
        trail = ig_served.store.audit_trail(referral_id=MY_REFERRAL, actor=f"user:{OTHER}")
        assert shown == sorted((event.seq for event in trail), reverse=True) and len(shown) == 4
        assert "jo.other</strong> (practitioner) read the referral" in by_other.text
        assert "Allowed on break-glass access 1" in by_other.text
        quiet = browser.get(
            "/audit",
            params={
                "user": PRACTITIONER,
                "action": "referral.read",
                "outcome": "allowed",
                "from": ig_served.days.quiet1.isoformat(),
                "to": f"{ig_served.days.quiet1.isoformat()} 10:00",
            },
        )
        assert len(seqs(quiet.text)) == 1
        refused = browser.get("/audit", params={"outcome": "denied", "user": PRACTITIONER})
        assert refused.status_code == 200
        for seq in seqs(refused.text):
            assert ig_served.store.audit_trail()[seq - 1].outcome == "denied"


def test_pages_are_newest_first_and_stable(ig_served: IgServed) -> None:
    query = {"user": PRACTITIONER, "action": "referral.read"}
    with signed_in(ig_served, IG) as browser:
        first = browser.get("/audit", params=query)
        page_one = seqs(first.text)
        assert len(page_one) == 50 and page_one == sorted(page_one, reverse=True)
        (next_href,) = links(first.text, r"page=2")
        assert "upto=" in next_href
        with signed_in(ig_served, PRACTITIONER) as sam:  # new matching events arrive meanwhile
            sam.get("/referrals")
            with acting(Acting(f"user:{PRACTITIONER}", "practitioner", "allocated")):
                ig_served.store.load_referral(MY_REFERRAL, actor=f"user:{PRACTITIONER}", purpose="mash_enquiry")
        second = browser.get(next_href)
        page_two = seqs(second.text)
        total = BUSY_READS + 3 + 1
        assert len(page_two) == total - 50 and max(page_two) < min(page_one)
        assert not links(second.text, r"page=3") and links(second.text, r"page=1")
        again = browser.get(links(second.text, r"page=1")[0])
        assert seqs(again.text) == page_one  # the new read is not on the old first page
    searches = ig_served.store.audit_trail(actor=f"user:{IG}", action="audit.read")
    assert any(e.purpose == "ig_audit_search" and e.object_id.startswith(f"actor=cli:{PRACTITIONER}") for e in searches)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "31/02/2026"}, "from", "From must be a date such as 2026-03-01"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to", "The end must be after the start"),
        ({"referral": "Smith, Jane 2015-03-14"}, "referral", "Enter a referral id"),
        ({"action": "chronology.steal"}, "action", "Choose an action from the list"),
        ({"outcome": "maybe"}, "outcome", "Choose any, allowed or refused"),
        ({"page": "-1"}, "page", "That page does not exist"),
    ],
)
def test_bad_filters_give_an_error_summary(
    ig_served: IgServed, params: dict[str, str], field: str, message: str
) -> None:
    with signed_in(ig_served, IG) as browser:
        response = browser.get("/audit", params=params)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text and message in unescape(response.text)
    assert f'href="#{field}"' in response.text


def test_every_ig_page_refuses_a_practitioner_and_the_refusals_are_audited(ig_served: IgServed) -> None:
    before = len([e for e in ig_served.store.audit_trail(actor=f"user:{PRACTITIONER}") if e.outcome == "denied"])
    with signed_in(ig_served, PRACTITIONER) as browser:
        token = form_token(browser.get("/referrals").text)
        for path in ("/audit", "/audit/reports", "/audit/verify", "/audit/export", "/break-glass"):
            response = browser.get(path)
            assert response.status_code == 403, path
            assert "You cannot do that" in response.text
        for path, data in (
            ("/audit/verify", {}),
            ("/audit/export", {"format": "csv"}),
            ("/break-glass/1", {"decision": "appropriate", "note": "fine"}),
        ):
            assert browser.post(path, data={"csrf_token": token, **data}).status_code == 403, path
        nav = browser.get("/referrals").text
        assert 'href="/audit"' not in nav and 'href="/break-glass"' not in nav
    after = [e for e in ig_served.store.audit_trail(actor=f"user:{PRACTITIONER}") if e.outcome == "denied"]
    assert len(after) - before == 8
    assert ig_served.store.audit_trail()[-1].seq == max(e.seq for e in ig_served.store.audit_trail())
    assert ig_served.store.break_glass(1).review == "pending"


def test_reports_count_the_seeded_accesses(ig_served: IgServed) -> None:
    days = ig_served.days
    with signed_in(ig_served, IG) as browser:
        page = browser.get("/audit/reports")
        assert page.status_code == 200
        html = unescape(page.text)
    unallocated = html.split('id="unallocated"')[1].split('id="break-glass"')[0]
    assert "jo.other" in unallocated and "break-glass:1" in unallocated
    assert re.search(r"govuk-table__cell--numeric\">2<", unallocated)  # the two reads under break-glass 1
    assert "sam.patel" not in unallocated
    out_of_hours = html.split('id="out-of-hours"')[1].split('id="volume"')[0]
    rows = [row for row in out_of_hours.split('<tr class="govuk-table__row">') if "<td" in row]
    seeded = [row for row in rows if days.today.strftime("%-d %b %Y") not in row]  # today's may be late too
    assert len(seeded) == 1, [re.sub(r"<[^>]+>|\s+", " ", row) for row in seeded]
    (saturday,) = seeded
    assert days.saturday.strftime("%a %-d %b %Y") in saturday and PRACTITIONER in saturday
    assert 'numeric">1<' in saturday
    volume = html.split('id="volume"')[1]
    assert days.busy.strftime("%a %-d %b %Y") in volume and f">{BUSY_READS}<" in volume
    pending = html.split('id="break-glass"')[1].split('id="out-of-hours"')[0]
    assert "#break-glass-3" in pending
    (to_search,) = [href for href in links(unallocated, r"^/audit\?") if "user=jo.other" in href]
    found = seqs(browser_get(ig_served, to_search))
    assert len(found) == 4  # that day on that referral: two break-glasses opened, two reads under the first
    report_reads = ig_served.store.audit_trail(actor=f"user:{IG}", action="audit.read")
    assert any(e.purpose == "ig_audit_report" and e.object_id.startswith("report;since=") for e in report_reads)


def browser_get(served: IgServed, href: str) -> str:
    with signed_in(served, IG) as browser:
        return browser.get(href).text


def test_bad_report_period_is_an_error_summary(ig_served: IgServed) -> None:
    with signed_in(ig_served, IG) as browser:
        response = browser.get("/audit/reports", params={"from": "yesterday"})
    assert response.status_code == 400 and "From must be a date such as 2026-03-01" in response.text


def test_no_personal_data_in_addresses_or_logs(ig_served: IgServed) -> None:
    with signed_in(ig_served, IG) as browser:
        hrefs: list[str] = []
        for path in ("/audit", "/audit/reports", "/audit/verify", "/audit/export", "/break-glass"):
            page = browser.get(path)
            assert page.status_code == 200, path
            hrefs += links(page.text, ".")
            assert MARKER not in page.text, path
            assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), path  # the CSP allows neither
            assert "<style" not in page.text and " style=" not in page.text, path
    assert hrefs and not [href for href in hrefs if MARKER in href]
    assert ig_served.log and not [line for line in ig_served.log if MARKER in line or "?" in line]


def test_the_query_matches_what_the_web_asked_for() -> None:
    assert AuditQuery(allowed=True).describe() == "allowed"


def test_selected_filters_are_tags_each_a_link_to_the_search_without_it(ig_served: IgServed) -> None:
    with signed_in(ig_served, IG) as browser:
        page = browser.get("/audit", params={"user": OTHER, "referral": MY_REFERRAL, "outcome": "denied"})
        plain = browser.get("/audit").text
        bad = browser.get("/audit", params={"user": OTHER, "from": "not a date"}).text
    tags = {
        " ".join(re.sub(r"<[^>]+>", " ", words).split()): unescape(href)
        for href, words in re.findall(r'<a class="moj-filter__tag" href="([^"]+)">(.*?)</a>', page.text, flags=re.S)
    }
    assert tags == {
        f"Remove this filter {OTHER}": f"/audit?referral={MY_REFERRAL}&outcome=denied",
        f"Remove this filter {MY_REFERRAL}": f"/audit?user={OTHER}&outcome=denied",
        "Remove this filter Refused": f"/audit?user={OTHER}&referral={MY_REFERRAL}",
    }
    assert 'href="/audit">Clear filters</a>' in page.text and 'class="moj-filter-layout' in page.text
    assert "moj-filter__tag" not in plain and "moj-filter__tag" not in bad  # nothing chosen; or an error to fix
    assert "From must be a date such as 2026-03-01" in bad
