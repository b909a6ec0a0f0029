"""Restricted records: only roles cleared for an agency's restricted material read them; others learn whom to ask.

A chronology holding a restricted police record is stored as the pipeline stores it; the practitioner
(not cleared) and the manager (cleared for police in roles.yaml) read it through the real `hub` app,
in the terminal, as JSON, as the HTML report and as a comparison of versions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.access.roles import load_access_config
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from schemas import Chronology, ChronologyEntry, EntryCategory, Sensitivity
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, ROLE, entry, example_referral
from tests.staff import add_staff_accounts, sign_in_as, success
from tests.staff import hub_command as hub

PIPELINE = {"actor": "service:pipeline", "purpose": "mash_checks"}
# What the restricted record says: none of it may reach someone not cleared for police restricted material.
WITHHELD = ("Sensitive intelligence KESTREL-41", "INT-KESTREL-9", "Referred to the CSE panel KESTREL-41")
NOTICE = "A restricted police record exists. To learn more, ask the police Public Protection Unit"
ORDINARY = "Police attended a report at the family home."


def restricted_record() -> ChronologyEntry:
    """A police record the police marked restricted, with Amara (S1) as its victim and an unknown suspect."""
    marked = entry(
        "police",
        WITHHELD[1],
        "2026-09-20",
        [("P-1", ROLE.VICTIM), ("P-99", ROLE.SUSPECT)],
        category=EntryCategory.CHILD_EXPLOITATION_CONCERN,
        summary=WITHHELD[0],
    )
    people = [marked.people[0].model_copy(update={"subject_id": "S1"}), marked.people[1]]
    return marked.model_copy(
        update={"sensitivity": Sensitivity.RESTRICTED, "action_taken": WITHHELD[2], "people": people}
    )


def chronology(*entries: ChronologyEntry) -> Chronology:
    return Chronology(
        referral_id=REFERRAL_ID,
        child_subject_id="S1",
        version=1,
        assembled_at=ASSEMBLED_AT,
        entries=list(entries),
        checks=[],
    )


@pytest.fixture
def store(settings: HubSettings) -> Iterator[HubStore]:
    """Version 1 of Amara's chronology holds an ordinary police record; version 2 adds the restricted one."""
    opened = open_store(settings)
    opened.save_referral(example_referral(), **PIPELINE)
    ordinary = entry("police", "OCC-1", "2026-11-01", [("P-1", ROLE.CHILD_PRESENT)], summary=ORDINARY)
    ordinary = ordinary.model_copy(update={"people": [ordinary.people[0].model_copy(update={"subject_id": "S1"})]})
    assert opened.save_chronology(chronology(ordinary), actor="service:pipeline") == 1
    assert opened.save_chronology(chronology(ordinary, restricted_record()), actor="service:pipeline") == 2
    add_staff_accounts(opened, {"sam.practitioner": "practitioner", "kim.manager": "manager"})
    yield opened
    opened.close()


def read_as(settings: HubSettings, store: HubStore, username: str, tmp_path: Path) -> dict[str, str]:
    """Everything the person can get of the history: terminal, JSON, HTML report, and both kinds of comparison."""
    store.allocate(REFERRAL_ID, username, actor="service:test-setup", purpose="test allocation")
    sign_in_as(settings, store, username)
    report = tmp_path / f"{username}.html"
    return {
        "terminal": success(hub("chronology", "show", REFERRAL_ID, "--html", str(report), COLUMNS="400")),
        "json": success(hub("chronology", "show", REFERRAL_ID, "--json")),
        "html": " ".join(report.read_text().split()),
        "diff": success(hub("chronology", "diff", REFERRAL_ID, COLUMNS="400")),
        "diff --json": success(hub("chronology", "diff", REFERRAL_ID, "--json")),
    }


def test_restricted_police_record_is_withheld_from_a_practitioner_in_every_form(
    settings: HubSettings, store: HubStore, tmp_path: Path
) -> None:
    assert "police" not in load_access_config(settings).role("practitioner").restricted_agencies
    seen = read_as(settings, store, "sam.practitioner", tmp_path)
    for form, text in seen.items():
        assert (ORDINARY in text) is not form.startswith("diff"), form  # a comparison shows what changed only
        for withheld in WITHHELD:
            assert withheld not in text, (form, withheld)
        if form == "terminal":  # a table cell: its lines stand between other cells' lines
            assert all(part in text for part in ("A restricted police record exists.", "Public Protection Unit's"))
        else:
            assert NOTICE in text.replace("&#x27;", "'").replace("&#39;", "'"), form
    # Nor what kind of record it is, or who figures in it as what.
    for form in seen:
        assert "exploitation" not in seen[form] and "suspect" not in seen[form] and "victim" not in seen[form], form

    (shown,) = [row for row in json.loads(seen["json"])["children"][0]["rows"] if row["sensitivity"] == "restricted"]
    assert shown["summary"] == (
        "A restricted police record exists. To learn more, ask the police Public Protection Unit's "
        "sensitive-intelligence desk (MASH police officer)."
    )
    assert (shown["when"], shown["category"]) == ("20 Sep 2026", "other")


def test_a_manager_cleared_for_police_restricted_material_reads_it(
    settings: HubSettings, store: HubStore, tmp_path: Path
) -> None:
    assert "police" in load_access_config(settings).role("manager").restricted_agencies
    seen = read_as(settings, store, "kim.manager", tmp_path)
    for form, text in seen.items():
        assert WITHHELD[0] in text, form
        assert "A restricted police record exists" not in text, form
