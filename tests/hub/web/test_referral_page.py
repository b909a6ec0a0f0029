"""The practitioner's referral page over a real server: access and its audit, the history in words, filters
and sorting, the versions and their diff, and the PDF download.

One server and one set of stored histories for the module (`referral_fixtures`): a test only reads,
except the exports, which add audit events that no other test counts.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html import unescape

import httpx
import pytest
from pypdf import PdfReader

from hub.audit import AuditAction, AuditEvent
from hub.audit.search import AuditQuery
from hub.settings import HubSettings
from hub.store import HubStore
from hub.web.app import create_app
from hub.web.assets import Assets
from hub.web.web_sessions import CookiePolicy
from tests.hub.web.conftest import (
    MARKER,
    MY_REFERRAL,
    OTHER,
    OTHERS_REFERRAL,
    PRACTITIONER,
    Served,
    collected_logs,
    form_token,
    seed,
    serve,
    sign_in,
)
from tests.hub.web.referral_fixtures import CLEAR_REFERRAL, RESTRICTED_SUMMARY, seed_histories

PAGE = f"/referrals/{MY_REFERRAL}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, web_assets: Assets) -> Iterator[Served]:
    """The application with the seeded referrals and their histories, served once for the module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUB_HOME", str(tmp_path_factory.mktemp("referral-page") / "hub-home"))
        patch.delenv("HUB_DATABASE_URL", raising=False)
        settings = HubSettings.from_env()
        app = create_app(settings, assets=web_assets, cookies=CookiePolicy(secure=False))
        store: HubStore = app.state.store
        seed(store)
        seed_histories(store)
        with collected_logs() as lines:
            try:
                for url in serve(app):
                    yield Served(url, app, store, settings, lines)
            finally:
                store.close()


@pytest.fixture(scope="module")
def practitioner(site: Served) -> Iterator[httpx.Client]:
    """The allocated practitioner, signed in (the requests each test makes share one session)."""
    with site.client() as client:
        assert sign_in(client, PRACTITIONER).status_code == 303
        yield client


def text(response: httpx.Response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def chronology_rows(response: httpx.Response, child: str = "S1") -> list[str]:
    """The entries of one child's chronology, as text, in the order shown (gap rows left out)."""
    html = response.text
    start = html.index(f'id="child-{child}"')
    table = html[html.index("<tbody", start) : html.index("</tbody>", start)]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table, flags=re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows]


def events(store: HubStore, referral_id: str, actor: str) -> list[AuditEvent]:
    query = AuditQuery(referral_id=referral_id, actors=frozenset({actor}))
    return list(
        store.read_audit_trail(query, action=AuditAction.AUDIT_READ, actor="service:test", purpose="test check")
    )


def test_the_allocated_practitioner_reads_the_history_and_the_read_is_audited(
    site: Served, practitioner: httpx.Client
) -> None:
    before = len(events(site.store, MY_REFERRAL, f"user:{PRACTITIONER}"))
    page = practitioner.get(PAGE)
    assert page.status_code == 200
    words = text(page)
    assert MARKER in words  # the child's name is on the page
    for expected in ("Family history", "Amber", "Allocated to sam.patel", "Key concerns", "Domestic abuse incident"):
        assert expected in words, expected
    assert "2 Nov 2026" in words and "1 Nov 2026" in words  # dates as GOV.UK writes them
    assert "OCC-1" not in words and "H-1" not in words  # no agency record ids
    assert 'class="hub-household"' in page.text and "<svg" in page.text
    assert "Relationships as a list" in words
    assert "style=" not in page.text and "<script>" not in page.text  # the CSP allows neither
    after = events(site.store, MY_REFERRAL, f"user:{PRACTITIONER}")[before:]
    reads = [event for event in after if event.action == AuditAction.CHRONOLOGY_READ]
    assert reads, [event.action for event in after]
    assert {(event.purpose, event.basis, event.role, event.outcome) for event in reads} == {
        ("mash_enquiry", "allocated", "practitioner", "success")
    }


def test_a_practitioner_not_allocated_is_refused_and_the_refusal_is_audited(site: Served) -> None:
    with site.client() as other:
        assert sign_in(other, OTHER).status_code == 303
        refused = other.get(PAGE)
        assert refused.status_code == 403
        assert "You cannot do that" in text(refused)
        assert MARKER not in refused.text
        own = other.get(f"/referrals/{OTHERS_REFERRAL}")  # their own, which has no history yet
        assert own.status_code == 200
        export = other.post(f"{PAGE}/export", data={"csrf_token": form_token(own.text)})
        assert export.status_code == 403 and export.headers["content-type"].startswith("text/html")
    denied = [event for event in events(site.store, MY_REFERRAL, f"user:{OTHER}") if event.outcome == "denied"]
    assert denied and denied[-1].action == AuditAction.CHRONOLOGY_READ and denied[-1].basis == "none"


def test_restricted_records_are_withheld_as_for_the_cli(practitioner: httpx.Client) -> None:
    words = text(practitioner.get(PAGE))
    assert RESTRICTED_SUMMARY not in words
    assert "A restricted police record exists" in words
    assert "Police: restricted records" in words  # and it is a key concern


def test_the_incomplete_history_says_so_and_is_never_an_all_clear(practitioner: httpx.Client) -> None:
    words = text(practitioner.get(PAGE))
    match = re.search(r"This history is incomplete: (\d+) checks have not answered", words)
    assert match and int(match.group(1)) > 0
    assert "No key concerns recorded" not in words
    assert "Failed" in words and "Not answered" in words  # a tag's words, and the gap rows in the chronology
    assert "Police has not answered for Liam Hartley" in words


def test_every_check_answered_with_nothing_is_the_only_all_clear(practitioner: httpx.Client) -> None:
    page = practitioner.get(f"/referrals/{CLEAR_REFERRAL}")
    assert page.status_code == 200
    words = text(page)
    assert "No key concerns recorded in the agencies' answers so far" in words
    assert "This history is incomplete" not in words
    assert "No record" in words


def key_concerns_section(page: httpx.Response) -> str:
    """The words of the "Key concerns" section only (up to the household)."""
    html = page.text
    start = html.index('id="key-concerns"')
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html[start : html.index('id="household"', start)])).split())


def test_key_concerns_come_from_the_indicators_each_with_its_sources_in_words(practitioner: httpx.Client) -> None:
    section = key_concerns_section(practitioner.get(PAGE))
    assert "Key concern Domestic abuse 1 record, the most recent 1 Nov 2026; DASH risk level not recorded." in section
    assert f"Police: domestic abuse incident, 1 Nov 2026 (about Amara Joy {MARKER})" in section
    assert "Key concern Permanent exclusion from school 1 record, the most recent 3 Mar 2025." in section
    assert "Education: exclusion, 3 Mar 2025" in section
    assert "OCC-1" not in section and "EXC-1" not in section  # sources in words, never the agency's ids
    assert "Attended A&E" not in section and "Emergency attendance" not in section  # Amara was ten, not under two
    assert "There may be more" in section  # police failed for one adult and housing never answered


def test_the_suggested_level_is_a_suggestion_and_says_it_may_change_while_checks_are_out(
    practitioner: httpx.Client,
) -> None:
    section = key_concerns_section(practitioner.get(PAGE))
    assert "Suggested by the hub from the records found: level 3, Child in need" in section
    assert "The practitioner decides. Not every check has answered, so this may change." in section
    clear = key_concerns_section(practitioner.get(f"/referrals/{CLEAR_REFERRAL}"))
    assert "The hub suggests no level of need" in clear and "may change" not in clear


def test_each_entry_an_indicator_matches_is_tagged_with_it_in_the_chronology(practitioner: httpx.Client) -> None:
    rows = chronology_rows(practitioner.get(PAGE))
    incident = next(row for row in rows if "Domestic incident at the family home" in row)
    assert "Key concern" in incident
    excluded = next(row for row in rows if "Permanently excluded" in row)
    assert "Key concern" in excluded
    assert not any("Key concern" in row for row in rows if "Health visitor contact" in row or "wrist injury" in row)


def test_each_filter_narrows_the_rows_and_sorting_reverses_them(practitioner: httpx.Client) -> None:
    everything = chronology_rows(practitioner.get(PAGE))
    assert len(everything) >= 6
    dates = [row.split(" ")[2] for row in everything]  # "5 Dec 2025 ..." -> year
    assert dates == sorted(dates, reverse=True)  # newest first by default
    oldest = chronology_rows(practitioner.get(PAGE, params={"sort": "oldest"}))
    assert oldest == list(reversed(everything))
    narrowed = {
        "agency": chronology_rows(practitioner.get(PAGE, params={"agency": "health"})),
        "person": chronology_rows(practitioner.get(PAGE, params={"person": "S3"})),
        "dates": chronology_rows(practitioner.get(PAGE, params={"from": "1/1/2025", "to": "2025-12-31"})),
        "significance": chronology_rows(practitioner.get(PAGE, params={"significance": "key"})),
        "category": chronology_rows(practitioner.get(PAGE, params={"category": "exclusion"})),
    }
    for name, rows in narrowed.items():
        assert 0 < len(rows) < len(everything) or (name == "person" and len(rows) < len(everything)), name
    assert all("Health (NHS)" in row for row in narrowed["agency"])
    assert all("2025" in row for row in narrowed["dates"])
    assert len(narrowed["dates"]) == 2  # the exclusion and the A&E attendance
    assert all(("Key concern" in row) or ("Restricted" in row) for row in narrowed["significance"])
    assert narrowed["category"] and all("Exclusion" in row for row in narrowed["category"])
    assert "Showing" in text(practitioner.get(PAGE, params={"agency": "health"}))


@pytest.mark.parametrize(
    "params",
    [{"from": "2026-13-40"}, {"agency": "interpol"}, {"to": "1/1/2020", "from": "1/1/2024"}, {"sort": "sideways"}],
)
def test_bad_filter_values_get_an_error_summary_not_a_500(practitioner: httpx.Client, params: dict[str, str]) -> None:
    page = practitioner.get(PAGE, params=params)
    assert page.status_code == 400
    words = text(page)
    assert "There is a problem with the filters" in words
    assert "interpol" not in words  # the error names the field, never what was sent
    assert "Sorry, there is a problem with the service" not in words
    assert chronology_rows(page)  # the chronology is still there, unfiltered


def test_the_marker_name_is_never_in_a_url_the_access_log_or_an_error_page(
    site: Served, practitioner: httpx.Client
) -> None:
    page = practitioner.get(PAGE)
    assert MARKER in page.text
    for link in re.findall(r'(?:href|action|src)="([^"]*)"', page.text):
        assert MARKER not in link and "Okafor" not in link, link
    not_found = practitioner.get(f"/referrals/{MARKER}")
    bad_shape = practitioner.get("/referrals/%3Cscript%3E")
    for response in (not_found, bad_shape):
        assert response.status_code == 404
        assert MARKER not in response.text and "script%3E" not in response.text
    typed = "Nobody-Typedthis"
    for bad in (
        practitioner.get(f"{PAGE}/versions", params={"from": typed}),
        practitioner.get(PAGE, params={"person": typed}),
    ):
        assert bad.status_code == 400 and typed not in bad.text
    assert all(MARKER not in line for line in site.log)
    assert any("/referrals/{referral_id}" in line for line in site.log)


def test_the_versions_and_what_changed_between_them(practitioner: httpx.Client) -> None:
    page = practitioner.get(f"{PAGE}/versions")
    assert page.status_code == 200
    words = text(page)
    assert "First version" in words and "Partial" in words
    assert "version 1 to version 2" in words
    assert "Added" in words and "Domestic incident at the family home" in words
    assert "Police for Liam Hartley: not listed before → failed: the agency did not answer in time" in words
    assert "OCC-1" not in words
    explicit = practitioner.get(f"{PAGE}/versions", params={"from": "1", "to": "2"})
    assert explicit.status_code == 200 and "version 1 to version 2" in text(explicit)
    backwards = practitioner.get(f"{PAGE}/versions", params={"from": "2", "to": "1"})
    assert backwards.status_code == 400 and "must be later" in text(backwards)
    missing = practitioner.get(f"{PAGE}/versions", params={"to": "9"})
    assert missing.status_code == 400 and "There is a problem" in text(missing)


def test_the_pdf_download_needs_the_form_token_and_is_audited(site: Served, practitioner: httpx.Client) -> None:
    token = form_token(practitioner.get(PAGE).text)
    refused = practitioner.post(f"{PAGE}/export", data={})
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    before = len(events(site.store, MY_REFERRAL, f"user:{PRACTITIONER}"))
    download = practitioner.post(f"{PAGE}/export", data={"csrf_token": token})
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == f'attachment; filename="family-history-{MY_REFERRAL}.pdf"'
    assert download.headers["cache-control"] == "no-store"
    pages = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(download.content)).pages)
    assert MY_REFERRAL in pages
    assert RESTRICTED_SUMMARY not in pages
    exports = [
        event
        for event in events(site.store, MY_REFERRAL, f"user:{PRACTITIONER}")[before:]
        if event.action == AuditAction.CHRONOLOGY_EXPORT
    ]
    assert exports and {(event.purpose, event.basis) for event in exports} == {("strategy_discussion", "allocated")}


def quiet_rows(response: httpx.Response, child: str = "S1") -> list[str]:
    html = response.text
    start = html.index(f'id="child-{child}"')
    found = re.findall(r'class="[^"]*hub-quiet[^"]*">(.*?)</(?:tr|div>\s*</div)>', html[start:], flags=re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in found]


def test_a_year_with_nothing_recorded_is_shown_between_the_entries_in_either_order(practitioner: httpx.Client) -> None:
    newest = practitioner.get(PAGE)
    (quiet,) = quiet_rows(newest)
    assert quiet.startswith("Nothing recorded Nothing recorded by any agency for more than 1 year")
    assert "(February 2023 to May 2024)" in quiet and "does not mean nothing happened" in quiet
    html = newest.text[newest.text.index('id="child-S1"') :]
    assert html.index("10 May 2024") < html.index("hub-quiet") < html.index("1 Feb 2023")  # newest first
    oldest = practitioner.get(PAGE, params={"sort": "oldest"})
    assert quiet_rows(oldest) == [quiet]
    html = oldest.text[oldest.text.index('id="child-S1"') :]
    assert html.index("1 Feb 2023") < html.index("hub-quiet") < html.index("10 May 2024")
    filtered = quiet_rows(practitioner.get(PAGE, params={"agency": "police"}))
    assert all("that matches these filters" in row for row in filtered)


def test_the_timeline_layout_shows_each_entry_with_its_source_and_the_unanswered_agencies_first(
    practitioner: httpx.Client,
) -> None:
    page = practitioner.get(PAGE, params={"layout": "timeline"})
    assert page.status_code == 200
    html = page.text[page.text.index('id="child-S1"') :]
    timeline = html[html.index('class="moj-timeline hub-timeline"') :]
    assert "<table" not in html[: html.index('class="moj-timeline hub-timeline"')]
    items = re.findall(r'<div class="moj-timeline__item( [^"]*)?">', timeline.split('id="child-S2"')[0])
    assert items[0] == " hub-gap" and " hub-quiet" in items  # housing has not answered: first
    assert 'class="moj-timeline__byline">by ' in timeline and '<time datetime="2024-05-10">' in timeline
    assert "Included through" in text(page) or "moj-timeline__description" in timeline
    assert 'name="layout" type="radio" value="timeline" checked' in page.text
    assert chronology_rows(practitioner.get(PAGE, params={"layout": "table"}))


def test_a_bad_layout_is_an_error_beside_its_field_and_the_table_is_shown(practitioner: httpx.Client) -> None:
    page = practitioner.get(PAGE, params={"layout": "sideways"})
    assert page.status_code == 400
    assert '<a href="#filter-layout">Choose to show the chronology as a table or a timeline</a>' in page.text
    assert "sideways" not in page.text and chronology_rows(page)


def test_selected_filters_are_tags_each_removing_just_that_filter(practitioner: httpx.Client) -> None:
    page = practitioner.get(
        PAGE, params={"agency": ["health", "education"], "significance": "key", "layout": "timeline"}
    )
    tags = dict(
        (" ".join(unescape(re.sub(r"<[^>]+>", " ", words)).split()), unescape(href))
        for href, words in re.findall(r'<a class="moj-filter__tag" href="([^"]+)">(.*?)</a>', page.text, flags=re.S)
    )
    assert set(tags) == {
        "Remove this filter Education",
        "Remove this filter Health (NHS)",
        "Remove this filter Key concerns",
    }, tags
    without_key = tags["Remove this filter Key concerns"]
    assert without_key == f"/referrals/{MY_REFERRAL}?agency=education&agency=health&layout=timeline#chronology"
    assert (
        "Clear filters</a>" in page.text and f'href="/referrals/{MY_REFERRAL}?layout=timeline#chronology"' in page.text
    )
    for href in tags.values():
        assert MARKER not in href and "Okafor" not in href
    assert "moj-filter__tag" not in practitioner.get(PAGE).text  # nothing selected, no tags
