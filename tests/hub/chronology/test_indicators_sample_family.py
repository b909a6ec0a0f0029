"""The sample family (`sandbox/world/sample_family.py`) end to end: the four sandboxes, the connectors and their
allow-lists, the checks' own steps (no Airflow), the store on SQLite and PostgreSQL, then every view's key concerns.

What the sandboxes hold about the Okafor-Reid household, and so what a practitioner must see first:
a domestic abuse incident graded DASH medium on 1 Nov 2026 with both children present, and the two PPNs
raised after it; Amara's suspension in October 2026 and her attendance of 82% this term (Tyler's 94% is not
persistent absence); a notice seeking possession on the family's tenancy. Amara's A&E attendance at 11
is not an infant's. No MARAC, no exploitation, no missing episode, no CP-IS flag. The hub suggests level 3.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from rich.console import Console

from hub.checks.steps import plan_checks, run_check
from hub.chronology.family_history import FamilyHistory
from hub.chronology.history_json import history_document
from hub.chronology.pdf import history_pdf
from hub.chronology.reading import read_history
from hub.chronology.report import print_family_history, render_html
from hub.chronology.restricted import Clearance
from hub.runtime.sandboxes import record_sandboxes
from hub.settings import HubSettings
from hub.store.home import open_store
from sandbox.common.async_replies import AsyncConfig
from sandbox.common.settings import SandboxSettings
from sandbox.server import SandboxCluster
from schemas import Referral
from tests.conftest import SAMPLE_REFERRAL
from tests.hub.checks.test_partial_history import police_defers_at_once

AGENCIES = ("health", "police", "education", "housing")
EXPECTED = {
    "domestic_abuse": "1 record, the most recent 1 Nov 2026; highest DASH risk level: medium.",
    "public_protection_notice": "2 records, the most recent 1 Nov 2026.",
    "suspensions": "1 record, the most recent 6 Oct 2026.",
    "persistent_absence": (
        "1 record, the most recent 3 Sep 2026 to 30 Oct 2026; lowest attendance 82% (64 of 78 sessions)."
    ),
    "possession": "1 record, the most recent 14 Sep 2026.",
}


@pytest.fixture(scope="module")
def answering_at_once(signing_keys_parsed_once: None) -> Iterator[SandboxCluster]:
    """The four sandboxes as configured, except that police and education answer at once (no job to poll)."""
    defaults = SandboxSettings()
    now = AsyncConfig(mode="sync")
    settings = defaults.model_copy(
        update={
            agency: defaults.for_agency(agency).model_copy(update={"asynchronous": now})
            for agency in ("police", "education")
        }
    )
    with SandboxCluster(settings=settings) as cluster:
        yield cluster


@pytest.fixture
def settings(database_url: str, hub_home: Path, config_copy: Path, monkeypatch: pytest.MonkeyPatch) -> HubSettings:
    """The hub's settings on SQLite, and on a PostgreSQL schema of its own (`police_defers_at_once`)."""
    police_defers_at_once(config_copy)
    if database_url.startswith("postgresql"):
        monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    return HubSettings.from_env()


def checked_sample(settings: HubSettings, cluster: SandboxCluster) -> FamilyHistory:
    """The sample referral stored, every check run as the DAG's tasks run them, and the history read."""
    record_sandboxes(settings, cluster)
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    store = open_store(settings)
    store.save_referral(referral, actor="test", purpose="referral_intake", for_checks=True)
    subjects = plan_checks(referral.referral_id, settings)
    for agency in AGENCIES:
        for subject_id in subjects:
            run_check(referral.referral_id, agency, subject_id, settings)
    return read_history(settings, referral.referral_id, actor="test", clearance=Clearance())


def test_the_sample_family_gives_the_expected_key_concerns_in_every_view(
    settings: HubSettings, answering_at_once: SandboxCluster
) -> None:
    history = checked_sample(settings, answering_at_once)
    assert history.checks_complete, history.gaps
    assert {concern.indicator: concern.detail for concern in history.key_concerns} == EXPECTED
    assert [concern.indicator for concern in history.key_concerns][:1] == ["domestic_abuse"]  # high first
    incident = next(concern for concern in history.key_concerns if concern.indicator == "domestic_abuse")
    [source] = incident.sources
    assert source.words.startswith("Police: domestic abuse incident, 1 Nov 2026 (about ")
    assert {"Amara Joy Okafor-Reid", "Tyler Okafor-Reid", "Grace Okafor"} <= set(source.about.split(", "))
    every_source = " ".join(s.words for concern in history.key_concerns for s in concern.sources)
    assert "OCC-" not in every_source and "CTF/" not in every_source and "NSP" not in every_source
    assert history.suggestion == (
        "Suggested by the hub from the records found: level 3, Child in need (complex needs, Children Act 1989 s17)"
        " (because of: domestic abuse). The practitioner decides."
    )

    amara = next(child for child in history.children if child.subject_id == "S1")
    marked = {row.category: row.highlight for row in amara.rows if row.highlight}
    assert marked["domestic abuse incident"] == "Key concern: Domestic abuse"
    assert marked["attendance"] == "Of note: Persistent absence from school (attendance 90% or less)"
    assert marked["suspension"] == "Of note: Suspensions from school"
    assert "emergency attendance" not in marked  # Amara was 11
    tyler = next(child for child in history.children if child.subject_id == "S2")
    assert not any(row.highlight for row in tyler.rows if row.category == "attendance")  # 94%

    out = io.StringIO()
    print_family_history(history, Console(file=out, width=200, color_system=None))
    terminal = out.getvalue()
    assert terminal.index("Key concerns") < terminal.index("Household")
    assert "Key concern: Domestic abuse - 1 record, the most recent 1 Nov 2026" in terminal
    assert "Suggested by the hub from the records found: level 3" in terminal

    html = render_html(history)
    assert html.index("<h2>Key concerns</h2>") < html.index("<h2>Household</h2>")
    assert "Possession of the family home sought" in html and 'class="marked-high"' in html
    pages = PdfReader(io.BytesIO(history_pdf(history, produced_by="user:test"))).pages
    printed = " ".join(" ".join((page.extract_text() or "").split()) for page in pages)
    assert "Key concerns" in printed and "highest DASH risk level: medium" in printed
    assert "Of note: Suspensions from school" in printed  # the entry's mark, in the printed chronology
    document = history_document(history)
    assert [item["indicator"] for item in document["key_concerns"]] == list(EXPECTED)
