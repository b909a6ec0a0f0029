"""A practitioner reading a family history in the browser: the referral page, its filters, and the PDF download.

The hub holds tests/hub/web's referral histories (referral_fixtures.py: two versions of MY_REFERRAL with
health, police and education answering, housing not).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from hub.web.assets import Assets
from tests.browser.conftest import OpenPage, Server, served_for_browsers
from tests.hub.web.conftest import MY_REFERRAL, PRACTITIONER, seed
from tests.hub.web.referral_fixtures import seed_histories

pytestmark = pytest.mark.browser
EDUCATION_ENTRY = "Permanently excluded from Larch Primary School."
HEALTH_ENTRY = "A&E attendance with a wrist injury."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, web_assets: Assets) -> Iterator[Server]:
    yield from served_for_browsers(tmp_path_factory, web_assets, seed, seed_histories)


def test_a_practitioner_reads_a_history_and_narrows_it_with_the_filters(open_page: OpenPage) -> None:
    tab = open_page()
    tab.sign_in(PRACTITIONER)
    tab.check("inbox")
    tab.page.get_by_role("link", name=MY_REFERRAL).click()  # from the inbox to the referral's page
    tab.check("referral")
    expect(tab.page).to_have_url(f"{tab.base_url}/referrals/{MY_REFERRAL}")
    chronology = tab.page.get_by_role("table", name=re.compile("^Chronology for")).first
    expect(chronology).to_contain_text(EDUCATION_ENTRY)
    expect(chronology).to_contain_text(HEALTH_ENTRY)
    agencies = tab.page.get_by_role("group", name="Agency")
    agencies.get_by_role("checkbox", name=re.compile("education", re.IGNORECASE)).check()
    tab.page.get_by_role("group", name="Significance").get_by_role("checkbox", name="Key concerns").check()
    tab.page.get_by_role("button", name="Apply").click()
    tab.check("filtered-by-education-and-key")
    tab.page.get_by_role("link", name="Remove this filter Key concerns").click()  # MoJ's selected-filter tag
    tab.check("filtered-by-education")
    expect(tab.page).to_have_url(re.compile(r"agency=education"))
    expect(tab.page).not_to_have_url(re.compile(r"significance"))
    chronology = tab.page.get_by_role("table", name=re.compile("^Chronology for")).first
    expect(chronology).to_contain_text(EDUCATION_ENTRY)
    expect(chronology).not_to_contain_text(HEALTH_ENTRY)
    expect(tab.page.get_by_text(re.compile(r"Showing \d+ of \d+ entries \(filtered\)")).first).to_be_visible()
    tab.page.get_by_role("link", name="Clear filters").click()
    tab.check("filters-cleared")
    expect(tab.page.get_by_role("table", name=re.compile("^Chronology for")).first).to_contain_text(HEALTH_ENTRY)


def test_a_practitioner_downloads_the_history_as_a_pdf(open_page: OpenPage) -> None:
    tab = open_page()
    tab.sign_in(PRACTITIONER)
    tab.goto(f"/referrals/{MY_REFERRAL}", "referral")
    with tab.page.expect_download() as downloading:
        tab.page.get_by_role("button", name="Download for a strategy discussion (PDF)").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    path = download.path()
    assert path.read_bytes().startswith(b"%PDF-")
    tab.check("after-download")  # the page stays as it was


def test_without_javascript_the_filters_still_narrow_the_history(open_page: OpenPage) -> None:
    """The MoJ filter panel simply shows without JavaScript; it is a plain GET form, its tags plain links."""
    tab = open_page(javascript=False)
    tab.sign_in(PRACTITIONER)
    tab.goto(f"/referrals/{MY_REFERRAL}", "referral-without-javascript")
    tab.page.get_by_role("group", name="Agency").get_by_role("checkbox", name=re.compile("education", re.I)).check()
    tab.page.get_by_role("button", name="Apply").click()
    tab.check("filtered-without-javascript")
    chronology = tab.page.get_by_role("table", name=re.compile("^Chronology for")).first
    expect(chronology).to_contain_text(EDUCATION_ENTRY)
    expect(chronology).not_to_contain_text(HEALTH_ENTRY)
    tab.page.get_by_role("radio", name="Timeline").check()
    tab.page.get_by_role("button", name="Apply").click()
    expect(tab.page.locator(".moj-timeline").first).to_contain_text(EDUCATION_ENTRY)
    tab.page.get_by_role("link", name=re.compile("^Remove this filter Education")).click()
    tab.check("timeline-unfiltered-without-javascript")
    expect(tab.page).to_have_url(re.compile(r"layout=timeline"))
    expect(tab.page.locator(".moj-timeline").first).to_contain_text(HEALTH_ENTRY)


def test_the_chronology_as_a_timeline_with_periods_with_nothing_recorded(open_page: OpenPage) -> None:
    tab = open_page()
    tab.sign_in(PRACTITIONER)
    tab.goto(f"/referrals/{MY_REFERRAL}", "referral")
    tab.page.get_by_role("radio", name="Timeline").check()
    tab.page.get_by_role("radio", name="Oldest first").check()
    tab.page.get_by_role("button", name="Apply").click()
    tab.check("timeline-oldest-first")
    timeline = tab.page.get_by_role("region", name=re.compile("^Chronology for")).first
    expect(timeline.locator(".moj-timeline__item").first).to_contain_text("Not answered")
    expect(timeline.locator(".hub-quiet")).to_contain_text(
        re.compile(r"Nothing recorded by any agency for .* 2023 to .* 2024")
    )
    expect(timeline.locator(".moj-timeline__byline").first).to_contain_text("by ")
    expect(tab.page.get_by_role("table", name=re.compile("^Chronology for"))).to_have_count(0)
