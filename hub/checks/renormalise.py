"""Re-read every stored raw reply of an agency with today's connector; re-assemble the chronologies that changed.

An integration engineer who fixes a connector's mapping runs this (`hub connectors renormalise`) so
that history already gathered benefits too. Each reply is replayed from its recording, never asked
again; a reply whose recording lacks a request the fixed connector makes is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.console import Console

from connectors.sdk.wording import count
from hub.agencies import load_registry
from hub.errors import UserError
from hub.settings import HubSettings

if TYPE_CHECKING:
    from schemas import AgencyReply

RENORMALISE_PURPOSE = "connector mapping fix: re-normalise stored replies"


@dataclass
class RenormaliseSummary:
    replies: int = 0
    changed: int = 0
    unchanged: int = 0
    not_replayable: int = 0
    chronologies: int = 0


def renormalise(
    settings: HubSettings, agency_id: str, *, actor: str, console: Console, referral_id: str | None = None
) -> RenormaliseSummary:
    """Read every stored raw reply of an agency again with today's connector, and re-assemble what changed."""
    from connectors.sdk.errors import ConnectorError
    from hub.chronology.assembly import assemble
    from hub.store.home import open_store

    store = open_store(settings)
    registry = load_registry(settings)
    agency = registry.get_or_none(agency_id)
    if agency is None:
        raise UserError(f"No agency '{agency_id}' in agencies.yaml. `hub connectors list` shows the known ones.")
    recorded = store.recorded_checks(agency_id, referral_id)
    summary = RenormaliseSummary()
    if not recorded:
        console.print(f"No stored raw replies from {agency_id}{f' for {referral_id}' if referral_id else ''}.")
        return summary
    connector = agency.connector_class(agency.config)
    changed_referrals: set[str] = set()
    by_referral: dict[str, list[str]] = {}
    for referral, subject in recorded:
        by_referral.setdefault(referral, []).append(subject)
    console.print(
        f"Re-reading {len(recorded)} stored {agency_id} replies across {count(len(by_referral), 'referral')} ..."
    )
    for number, (referral, subjects) in enumerate(sorted(by_referral.items()), start=1):
        stored_referral = store.load_referral(referral, actor=actor, purpose=RENORMALISE_PURPOSE)
        stored = {
            reply.subject_id: reply
            for reply in store.load_replies(referral, actor=actor, purpose=RENORMALISE_PURPOSE)
            if reply.agency == agency_id
        }
        for subject_id in subjects:
            summary.replies += 1
            recording = store.load_recording(referral, agency_id, subject_id, actor=actor, purpose=RENORMALISE_PURPOSE)
            if recording is None:
                continue
            try:
                fresh = connector.renormalise(referral, stored_referral.subject(subject_id), recording)
            except ConnectorError:
                summary.not_replayable += 1
                continue
            previous = stored.get(subject_id)
            if previous is not None and _same_content(previous, fresh):
                summary.unchanged += 1
                continue
            store.save_reply(fresh, actor=actor, purpose=RENORMALISE_PURPOSE)
            summary.changed += 1
            changed_referrals.add(referral)
        console.print(f"  [{number}/{len(by_referral)}] referral {referral}: {len(subjects)} replies re-read")
    now = datetime.now(UTC)
    for referral in sorted(changed_referrals):
        loaded = store.load_referral(referral, actor=actor, purpose=RENORMALISE_PURPOSE)
        replies = store.load_replies(referral, actor=actor, purpose=RENORMALISE_PURPOSE)
        for chronology in assemble(loaded, replies, assembled_at=now):
            store.save_chronology(chronology, actor=actor, purpose=RENORMALISE_PURPOSE)
            summary.chronologies += 1
    console.print(
        f"{summary.replies} replies re-read: {summary.changed} changed, {summary.unchanged} unchanged, "
        f"{summary.not_replayable} could not be replayed"
        + (
            " (the connector now makes requests their recordings lack; run their checks again)"
            if summary.not_replayable
            else ""
        )
        + f". {summary.chronologies} chronologies re-assembled (a new version only where the content changed)."
    )
    return summary


def _same_content(before: AgencyReply, after: AgencyReply) -> bool:
    """Whether re-reading changed what the reply says (its timing is the original check's either way)."""
    keep = {"status", "candidates", "entries", "error_code"}
    return before.model_dump(include=keep) == after.model_dump(include=keep)
