"""A referral's latest family history, read from the store and shown: every read is audited."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.console import Console

from hub.chronology.restricted import Clearance
from hub.errors import UserError
from hub.settings import HubSettings

if TYPE_CHECKING:
    from hub.chronology.family_history import FamilyHistory, ReturnedRecord
    from hub.store.hub_store import HubStore
    from schemas import Chronology, Referral

PRACTITIONER_PURPOSE = "practitioner_view"


def council_time_zone(settings: HubSettings) -> tzinfo:
    """The time zone the council works in (`config/deadlines.yaml`), so due times read as its clocks show them."""
    from hub.deadlines.config import load_deadlines

    return ZoneInfo(str(load_deadlines(settings).calendar.time_zone))


def _returned(
    store: HubStore, referral: Referral, chronologies: list[Chronology], actor: str, purpose: str
) -> list[ReturnedRecord]:
    """The records agencies returned that are not linked, from the stored replies (each read audited)."""
    from hub.chronology.returned import returned_records

    replies = store.load_replies(referral.referral_id, actor=actor, purpose=purpose)
    latest = max(chronologies, key=lambda item: (item.assembled_at, item.child_subject_id)) if chronologies else None
    return returned_records(referral, replies, latest.links if latest is not None else [])


@dataclass(frozen=True)
class HistoryRead:
    """A history as read, with what it was built from: the referral and each child's chronology as shown.

    The web page needs the stored entries beside the history's rows (to filter by agency, category,
    person and date without parsing words back) and the referral for the household diagram; the
    chronologies here are the ones the reader may see (`Clearance.withhold` applied), in the order
    `FamilyHistory.children` lists them, with one row per entry.
    """

    history: FamilyHistory
    referral: Referral
    chronologies: list[Chronology]


def read_history(
    settings: HubSettings,
    referral_id: str,
    *,
    actor: str,
    clearance: Clearance,
    purpose: str = PRACTITIONER_PURPOSE,
    returned: bool = False,
) -> FamilyHistory:
    """The latest family history, every read audited; checks as they stand now, from the ledger.

    Restricted entries the reader is not cleared for are withheld (`clearance`), in every form the
    history takes. With `returned`, the stored agency replies are read too (audited) and the records
    they returned that are not linked to the person checked are added.
    """
    from hub.store.home import open_store

    store = open_store(settings)
    return read_from_store(
        store, settings, referral_id, actor=actor, clearance=clearance, purpose=purpose, returned=returned
    ).history


def read_from_store(
    store: HubStore,
    settings: HubSettings,
    referral_id: str,
    *,
    actor: str,
    clearance: Clearance,
    purpose: str = PRACTITIONER_PURPOSE,
    returned: bool = False,
    agencies: Sequence[str] | None = None,
    zone: tzinfo | None = None,
) -> HistoryRead:
    """`read_history` through a store already open (the web application's, shared by its requests).

    `agencies` (the registry's ids) and `zone` (the council's time zone) are read from the config files
    unless given: a web application that serves many pages reads each file again only when it changes.
    """
    from hub.agencies import load_registry
    from hub.chronology.family_history import build

    if not store.referral_exists(referral_id):
        raise UserError(f"No referral with id '{referral_id}' in {settings.home}. Check the id, or set HUB_HOME.")
    referral = store.load_referral(referral_id, actor=actor, purpose=purpose)
    chronologies = [
        clearance.withhold(chronology)
        for chronology in store.latest_chronologies(referral_id, actor=actor, purpose=purpose)
    ]
    checks = store.referral_checks(referral_id)
    history = build(
        referral,
        chronologies,
        list(agencies) if agencies is not None else load_registry(settings).ids,
        progress=store.check_progress(referral_id),
        stage=checks.stage if checks else None,
        now=datetime.now(zone or council_time_zone(settings)),
        returned=_returned(store, referral, chronologies, actor, purpose) if returned else None,
    )
    shown = sorted(chronologies, key=lambda item: item.child_subject_id)  # as `build` lists the children
    return HistoryRead(history, referral, shown)


def record_export(
    settings: HubSettings, history: FamilyHistory, *, actor: str, purpose: str, store: HubStore | None = None
) -> None:
    """Record in the audit trail that `actor` took this history out of the hub as a document, and why.

    `store` is the one already open, if any (the web application's); otherwise the home's is opened.
    """
    from hub.store.home import open_store

    versions = [(child.subject_id, child.version) for child in history.children]
    (store or open_store(settings)).record_history_export(history.referral_id, versions, actor=actor, purpose=purpose)


def show_history(
    settings: HubSettings,
    referral_id: str,
    *,
    actor: str,
    clearance: Clearance,
    console: Console,
    html: Path | None = None,
    as_json: bool = False,
    purpose: str = PRACTITIONER_PURPOSE,
    returned: bool = False,
) -> FamilyHistory:
    """Print the latest family history (as JSON when asked), and write it as HTML when asked.

    Every read is audited (`read_history`); the HTML file, a copy outside the hub, is audited as an
    export too.
    """
    from hub.chronology.history_json import history_document
    from hub.chronology.report import print_family_history, write_html

    history = read_history(settings, referral_id, actor=actor, clearance=clearance, purpose=purpose, returned=returned)
    if as_json:
        # ASCII-only JSON: every control character and non-ASCII letter is a \u escape, so none reaches the terminal.
        console.out(json.dumps(history_document(history), indent=2, ensure_ascii=True), highlight=False)
    else:
        print_family_history(history, console)
    if html is not None:
        record_export(settings, history, actor=actor, purpose=purpose)
        written = write_html(history, html, produced_by=actor)
        if not as_json:
            console.print(f"HTML report written to [bold]{written}[/]")
    return history


def export_history_pdf(
    settings: HubSettings,
    referral_id: str,
    out: Path,
    *,
    actor: str,
    clearance: Clearance,
    purpose: str,
    prepared_for: str,
) -> Path:
    """Write the latest family history as a PDF to `out` (0600, whole or not at all); the export is audited.

    The reads are audited as any reading is, and then the export, with its purpose, before the file
    is written: a PDF that leaves the hub is always on record.
    """
    from hub.chronology.pdf import history_pdf
    from hub.settings import write_private

    history = read_history(settings, referral_id, actor=actor, clearance=clearance, purpose=purpose)
    document = history_pdf(history, produced_by=actor, prepared_for=prepared_for)
    record_export(settings, history, actor=actor, purpose=purpose)
    return write_private(out, document)
