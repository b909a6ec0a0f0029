"""The family history as a PDF for a strategy discussion, read back page by page with pypdf.

One long history is rendered once for the module (WeasyPrint takes seconds): a cover page, the
protective marking and "Page N of M" on every page, the chronology's table header on every page
the table spans, and no personal data in the PDF's metadata (a child's name is seeded as a marker
and must appear on the pages, never in the document information or XMP). Then `hub chronology
export` through the real app: the file is owner-only and the export is on the audit trail with its
purpose; someone not allowed to read the referral gets no file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from hub.chronology.assembly import assemble
from hub.chronology.family_history import build
from hub.chronology.pdf import history_pdf
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from schemas import EntryCategory, InvolvementRole, Referral
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, candidate, entry, example_referral, person, reply
from tests.staff import add_staff_accounts, refusal, sign_in_as, success
from tests.staff import hub_command as hub

MARKER = "Zephyrine"
"""A given name seeded into the child's record: it must be on the pages and nowhere in the metadata."""
PRODUCED_AT = datetime(2026, 11, 3, 9, 5, tzinfo=UTC)
ENTRIES = 120
HEADER = ("Date", "Event", "What happened", "Source", "People")


def long_referral() -> Referral:
    referral = example_referral()
    subjects = [
        subject.model_copy(
            update={"person": person(f"{MARKER} Amara", "Okafor-Reid", "2015-03-14")}
        )  # the name the referral gives the child
        if subject.subject_id == "S1"
        else subject
        for subject in referral.subjects
    ]
    return referral.model_copy(update={"subjects": subjects})


def long_history_pdf() -> bytes:
    """A child with 120 police occurrences: the chronology alone runs to several pages."""
    referral = long_referral()
    child = person(f"{MARKER} Amara", "Okafor-Reid", "2015-03-14")
    occurrences = [
        entry(
            "police",
            f"OCC-{number:04d}",
            f"20{10 + number % 15:02d}-{1 + number % 12:02d}-{1 + number % 27:02d}",
            [("P-1", InvolvementRole.CHILD_PRESENT)],
            category=EntryCategory.POLICE_OCCURRENCE,
            summary=f"Occurrence number {number}: police attended a report of shouting at the family home; "
            "officers spoke to the adults and saw the children.",
        )
        for number in range(ENTRIES)
    ]
    replies = [reply("police", "S1", candidates=[candidate("P-1", child)], entries=occurrences)]
    chronologies = assemble(referral, replies, assembled_at=ASSEMBLED_AT)
    history = build(referral, chronologies, ["health", "police", "education", "housing"], now=PRODUCED_AT)
    return history_pdf(history, produced_by="user:sam.practitioner", produced_at=PRODUCED_AT)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return long_history_pdf()


@pytest.fixture(scope="module")
def pages(pdf: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_a_long_history_runs_to_several_pages_each_marked_and_numbered(pages: list[str]) -> None:
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, number  # at the top and at the bottom of every page
        assert f"Page {number} of {len(pages)}" in text
        assert f"Family history {REFERRAL_ID}" in text


def test_the_cover_page_says_what_whose_when_by_whom_and_why(pages: list[str]) -> None:
    cover = pages[0]
    assert f"Family history for referral {REFERRAL_ID}" in cover
    assert "Prepared for a strategy discussion" in cover
    for subject in (f"{MARKER} Amara Okafor-Reid", "Tyler Okafor-Reid", "Grace Okafor", "Liam Hartley"):
        assert subject in cover
    assert "Produced 03 Nov 2026 09:05 UTC" in cover and "Produced by user:sam.practitioner" in cover
    assert "Share only under the lawful basis recorded" in cover
    assert "Occurrence number" not in cover and "Agency checks" not in pages[0]  # the cover stands alone


def test_the_chronologys_header_is_repeated_on_every_page_it_spans(pages: list[str]) -> None:
    spanned = [text for text in pages if re.search(r"Occurrence number \d+", text)]
    assert len(spanned) > 2
    for text in spanned:
        assert all(column in text for column in HEADER)
        assert text.index("What happened") < text.index("Occurrence number")  # the header heads the page's rows
    shown = [int(number) for text in spanned for number in re.findall(r"Occurrence number (\d+):", text)]
    assert sorted(shown) == list(range(ENTRIES))  # every row once: none lost, none split over two pages


def test_the_metadata_says_no_more_than_the_pages(pdf: bytes, pages: list[str]) -> None:
    assert any(MARKER in text for text in pages)  # the marker is real: the pages show it
    reader = PdfReader(io.BytesIO(pdf))
    info = {key: str(value) for key, value in (reader.metadata or {}).items()}
    assert info["/Title"] == f"Family history {REFERRAL_ID} (OFFICIAL-SENSITIVE)"
    assert "/Author" not in info and "/Subject" not in info and "/Keywords" not in info
    assert not [key for key, value in info.items() if MARKER in value or "Okafor" in value]
    xmp = reader.xmp_metadata
    assert xmp is None or MARKER.encode() not in xmp.stream.get_data()
    assert not reader.attachments


# `hub chronology export` through the real app.

PIPELINE = {"actor": "service:pipeline", "purpose": "mash_checks"}


@pytest.fixture
def settings(hub_home: Path) -> HubSettings:
    return HubSettings.from_env()


@pytest.fixture
def store(settings: HubSettings) -> Iterator[HubStore]:
    """The sample referral with a short history, and two practitioners: only Sam is allocated."""
    opened = open_store(settings)
    referral = example_referral()
    opened.save_referral(referral, actor=PIPELINE["actor"], purpose=PIPELINE["purpose"])
    replies = [reply("police", "S1", candidates=[candidate("P-1", referral.subject("S1").person)])]
    for each in replies:
        opened.save_reply(each, actor=PIPELINE["actor"])
    for chronology in assemble(referral, replies, assembled_at=ASSEMBLED_AT):
        opened.save_chronology(chronology, actor=PIPELINE["actor"])
    add_staff_accounts(opened, {"sam.practitioner": "practitioner", "lee.practitioner": "practitioner"})
    opened.allocate(REFERRAL_ID, "sam.practitioner", actor="service:test-setup", purpose="test allocation")
    yield opened
    opened.close()


def test_an_export_writes_an_owner_only_pdf_and_is_audited_as_an_export(
    settings: HubSettings, store: HubStore, tmp_path: Path
) -> None:
    sign_in_as(settings, store, "sam.practitioner")
    out = tmp_path / "strategy" / "history.pdf"
    printed = success(hub("chronology", "export", REFERRAL_ID, "--pdf", str(out)))
    assert "PDF written to" in printed
    assert out.stat().st_mode & 0o777 == 0o600
    assert not [name for name in out.parent.iterdir() if name.name != "history.pdf"]  # no partial file left
    assert "Produced by user:sam.practitioner" in " ".join(PdfReader(out).pages[0].extract_text().split())
    events = [
        (event.action, event.object_id, event.purpose, event.actor)
        for event in store.audit_trail(referral_id=REFERRAL_ID)
        if event.actor == "user:sam.practitioner"
    ]
    exports = [event for event in events if event[0] == "chronology.export"]
    assert exports == [
        ("chronology.export", f"{REFERRAL_ID}/{child}/v1", "strategy_discussion", "user:sam.practitioner")
        for child in ("S1", "S2")
    ]
    assert {purpose for action, _, purpose, _ in events if action == "chronology.read"} == {"strategy_discussion"}


def test_someone_not_allocated_gets_no_pdf(settings: HubSettings, store: HubStore, tmp_path: Path) -> None:
    sign_in_as(settings, store, "lee.practitioner")
    out = tmp_path / "history.pdf"
    assert "allocated" in refusal(hub("chronology", "export", REFERRAL_ID, "--pdf", str(out)))
    assert not out.exists()
    assert not [event for event in store.audit_trail(referral_id=REFERRAL_ID) if event.action == "chronology.export"]
