"""Printing the referral page from Chromium gives what the PDF export gives (issue 14).

The hub holds MY_REFERRAL with a long history: two children, the first with enough police
occurrences to run over several pages. The page is printed as a person would print it (print media,
Chromium's own PDF), read back with pypdf, and looked at page by page: the protective marking at the
top and bottom and "Page N of M" on every page, the referral at the top of every page, the
chronology's header on every page its table spans, each child's chronology from a new page, every
child printed (not only the open tab), and nothing to press or fill in. Page 1 is the PDF's cover (the
marking, the referral, who produced it and when, the handling words) and the history starts on page 2;
on screen the cover is neither shown nor read out.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from importlib.resources import files

import pytest
from jinja2 import Template
from pypdf import PdfReader

from hub.chronology.assembly import assemble
from hub.chronology.report import HANDLING, PROTECTIVE_MARKING, css_string
from hub.store import HubStore
from hub.web.assets import STATIC_FOLDER, Assets
from schemas import EntryCategory, InvolvementRole
from tests.browser.conftest import OpenPage, Server, served_for_browsers
from tests.hub.builders import ASSEMBLED_AT, candidate, entry, reply
from tests.hub.web.conftest import MY_REFERRAL, PRACTITIONER, seed

pytestmark = pytest.mark.browser
OCCURRENCES = 90
VISITS = 30
HEADER = "Date What happened Source"
ABSENT = "absent from school without a reason given."
SHOUTING = "police attended a report of shouting at the family home; officers spoke to the adults and saw the children."
CHILDREN = ("Amara", "Tyler")
NOT_ON_PAPER = (
    "Skip to main content",
    "Your referrals",
    "Sign out",
    "Filter and sort the chronology",
    "Apply",
    "Clear filters",
    "Download for a strategy discussion",
    "Signed in as",
    "Relationships as a list",
    "See every version",
)


def seed_long_history(store: HubStore) -> None:
    """MY_REFERRAL's chronologies: 90 police occurrences about Amara (S1), 30 school records about Tyler (S2),
    a fortnight apart from January 2010."""
    referral = store.load_referral(MY_REFERRAL, actor="service:test-setup", purpose="test histories")
    amara, tyler = (subject.person for subject in referral.subjects[:2])  # as the referral names them
    answers = (
        ("S1", amara, "police", InvolvementRole.CHILD_PRESENT, EntryCategory.POLICE_OCCURRENCE, OCCURRENCES, SHOUTING),
        ("S2", tyler, "education", InvolvementRole.PUPIL, EntryCategory.ATTENDANCE, VISITS, ABSENT),
    )
    replies = []
    for subject_id, child, agency, role, category, count, words in answers:
        records = [
            entry(
                agency,
                f"{agency}-{n:04d}",
                (date(2010, 1, 4) + timedelta(days=14 * n)).isoformat(),
                [(f"{agency}-1", role)],
                category=category,
                summary=f"{agency.capitalize()} record {n}: {words}",
            )
            for n in range(count)
        ]
        found = [candidate(f"{agency}-1", child)]
        replies.append(reply(agency, subject_id, referral_id=MY_REFERRAL, candidates=found, entries=records))
    for chronology in assemble(referral, replies, assembled_at=ASSEMBLED_AT):
        store.save_chronology(chronology, actor="service:test-setup")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, web_assets: Assets) -> Iterator[Server]:
    yield from served_for_browsers(tmp_path_factory, web_assets, seed, seed_long_history)


def printed_pages(open_page: OpenPage) -> list[str]:
    """The referral page printed by Chromium (print media, its paper size from the page's CSS), as text per page."""
    tab = open_page()
    tab.sign_in(PRACTITIONER)
    tab.goto(f"/referrals/{MY_REFERRAL}", "referral")  # JavaScript on: GOV.UK's tabs hide all children but one
    tab.page.emulate_media(media="print")
    tab.check("referral-print-media")
    pdf = tab.page.pdf(prefer_css_page_size=True)
    tab.folder.mkdir(parents=True, exist_ok=True)
    (tab.folder / "referral.pdf").write_bytes(pdf)  # kept beside the screenshots, to look at
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def assert_cover(pages: list[str]) -> None:
    """Page 1 is the cover, as the PDF's: the marking, the referral, who produced it, the handling words; no history."""
    cover, first = pages[0], pages[1]
    for words in (
        f"{PROTECTIVE_MARKING} Family history for referral {MY_REFERRAL}",
        f"Referral {MY_REFERRAL}, received",
        "Subjects Amara",
        f"Produced by user:{PRACTITIONER}",
        "Chronologies Amara",
        f"{PROTECTIVE_MARKING}: {HANDLING}",
    ):
        assert words in cover, f"the cover lacks {words!r}\n{cover}"
    for history in ("Key concerns", "Checks due", "Lines and who says so", "Police record"):
        assert history not in cover, f"the cover prints {history!r}: the history must start on page 2\n{cover}"
    assert "Family history" in first and "Checks due" in first, f"page 2 is not the history's start\n{first}"


def test_the_printed_referral_page_has_the_pdfs_cover_marking_page_numbers_and_headers(open_page: OpenPage) -> None:
    pages = printed_pages(open_page)
    assert_cover(pages)
    total = len(pages)
    assert total > 2, f"a long history prints on {total} page(s)"
    for number, text in enumerate(pages, start=1):
        assert text.count(PROTECTIVE_MARKING) >= 2, f"page {number}: the marking at the top and bottom\n{text}"
        assert f"Page {number} of {total}" in text, f"page {number}: no page number\n{text}"
        assert f"Family history {MY_REFERRAL}" in text, f"page {number}: no referral\n{text}"
        for words in NOT_ON_PAPER:
            assert words not in text, f"page {number} prints {words!r}"
    occurrence_pages = [n for n, text in enumerate(pages) if re.search(r"Police record \d+", text)]
    visit_pages = [n for n, text in enumerate(pages) if re.search(r"Education record \d+", text)]
    assert len(occurrence_pages) > 1, "Amara's chronology spans pages"
    assert visit_pages, "Tyler's chronology is printed although its tab is not the open one"
    for number in occurrence_pages + visit_pages:
        assert HEADER in pages[number], f"page {number + 1}: the chronology's header is not repeated\n{pages[number]}"
    assert not set(occurrence_pages) & set(visit_pages), "each child's chronology starts on a page of its own"
    for index in range(OCCURRENCES):  # each row whole on one page: no row is split between pages
        whole = f"Police record {index}: {SHOUTING}"
        assert sum(whole in text for text in pages) == 1, f"occurrence {index} is not printed once, whole"
    joined = " ".join(pages)
    for name in CHILDREN:
        assert name in joined


def test_the_cover_is_neither_shown_nor_read_out_on_screen(open_page: OpenPage) -> None:
    tab = open_page()
    tab.sign_in(PRACTITIONER)
    tab.goto(f"/referrals/{MY_REFERRAL}", "referral")
    cover = tab.page.locator(".hub-print-cover")
    assert cover.count() == 1 and cover.is_hidden()
    assert tab.page.get_by_role("region", name="Cover page").count() == 0  # not in the accessibility tree
    assert not tab.page.get_by_text("Printed from the referral page").is_visible()
    tab.page.emulate_media(media="print")
    assert cover.is_visible()


def test_the_print_stylesheet_is_the_pdfs_page() -> None:
    """hub/print.css repeats the PDF's page rules (a static file cannot take the referral): they must agree."""
    template = (files("hub.chronology") / "templates" / "print.css.j2").read_text(encoding="utf-8")
    pdf_css = Template(template).render(marking=css_string(PROTECTIVE_MARKING), referral='"R"')  # as render_html
    browser_css = (STATIC_FOLDER / "hub" / "print.css").read_text(encoding="utf-8")
    shared = [
        line.strip()
        for line in pdf_css.splitlines()
        if line.strip().startswith(
            ("size:", "margin:", "@top-left", "@bottom-left", "@bottom-right", "thead", "tr, th")
        )
    ]
    assert len(shared) == 7
    for line in shared:
        assert line in browser_css, f"hub/print.css differs from the PDF's print.css.j2 at {line!r}"
