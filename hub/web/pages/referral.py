"""The practitioner's referral page: the family history on one page, its versions, and the PDF to take away.

Every read of personal data happens inside `user.reading_history(referral_id)`, through the same reading
functions `hub chronology show`, `diff` and `export` use (`hub.chronology.reading`, `diff_reading`,
`pdf`), with the app's own store, so the audit trail records user, role, purpose and basis exactly as
for the CLI, and restricted records are withheld by the same `Clearance`.

The referral id in the path is checked against the shape every id has (`OPAQUE_ID_PATTERN`) before
anything is read: any other path is the 404 page, which never repeats what was asked for. The query
string carries filter codes only (`referral_view.parse_filters`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from connectors.sdk.registry import REGISTRY_FILE
from hub.agencies import load_registry
from hub.chronology.diff import ChronologyDiff
from hub.chronology.diff_reading import ChildComparison, compare_versions
from hub.chronology.family_history import latest_household
from hub.chronology.household_svg import household_diagram
from hub.chronology.reading import HistoryRead, read_from_store, record_export
from hub.chronology.record_words import agency_words
from hub.chronology.report import STRATEGY_DISCUSSION
from hub.deadlines.config import DeadlinesConfig, load_deadlines
from hub.settings import HubSettings
from hub.web.pages.decision import decision_section
from hub.web.pages.referral_quality import quality_section
from hub.web.pages.referral_versions import VersionsForm, child_versions, diff_view, parse_versions
from hub.web.pages.referral_view import parse_filters, referral_view
from hub.web.rendering import Pages
from hub.web.security import checked_form
from hub.web.signed_in import SignedInUser, WebUser
from schemas.models import OPAQUE_ID_PATTERN

router = APIRouter()

_ID = re.compile(OPAQUE_ID_PATTERN)
STRATEGY_PURPOSE = "strategy_discussion"
"""The export's purpose, as `hub chronology export` records it, where the council lists it in roles.yaml."""


def _checked(user: WebUser, referral_id: str) -> str:
    """The path's referral id, if it has the shape of one and is stored; otherwise the 404 page.

    Asked before the guard, so that an id that is no referral (a name typed into the address, say) is
    never repeated in the guard's refusal; the 404 page quotes nothing.
    """
    if not _ID.fullmatch(referral_id) or not user.store.referral_exists(referral_id):
        raise HTTPException(status_code=404)
    return referral_id


@dataclass(frozen=True)
class Council:
    """What the page needs from the council's config files: the registry's agency ids and its time zone."""

    agencies: tuple[str, ...]
    zone: tzinfo
    deadlines: DeadlinesConfig


_COUNCIL: dict[tuple[Path, Path], tuple[tuple[tuple[int, int], ...], Council]] = {}


def council(settings: HubSettings) -> Council:
    """The agencies and time zone, read again only when agencies.yaml or deadlines.yaml changes.

    Parsing both files took 30 ms or more of every page; like roles.yaml (`load_access_config`), they are
    read once per process and again whenever their modification time or size changes.
    """
    files = (settings.config_dir / REGISTRY_FILE, settings.deadlines_file)
    try:
        stamp = tuple((status.st_mtime_ns, status.st_size) for status in (path.stat() for path in files))
    except OSError:
        stamp = ()
    cached = _COUNCIL.get(files)
    if stamp and cached is not None and cached[0] == stamp:
        return cached[1]
    deadlines = load_deadlines(settings)
    found = Council(tuple(load_registry(settings).ids), ZoneInfo(str(deadlines.calendar.time_zone)), deadlines)
    if stamp:
        _COUNCIL[files] = (stamp, found)
    return found


def _read(user: WebUser, referral_id: str, purpose: str, where: Council) -> HistoryRead:
    return read_from_store(
        user.store,
        user.settings,
        referral_id,
        actor=user.signed.actor,
        clearance=user.signed.clearance,
        purpose=purpose,
        agencies=where.agencies,
        zone=where.zone,
    )


@router.get("/referrals/{referral_id}")
def referral_page(referral_id: str, request: Request, user: SignedInUser) -> Response:
    """The family history: summary and key concerns, household, checks, chronologies with filters, versions."""
    referral_id = _checked(user, referral_id)
    where = council(user.settings)
    with user.reading_history(referral_id) as purpose:
        read = _read(user, referral_id, purpose, where)
        holder = user.store.allocated_to(referral_id)
        checks = user.store.referral_checks(referral_id)
        decision = decision_section(user, referral_id, purpose=purpose)
        quality = quality_section(user, referral_id, purpose=purpose)
    history = read.history
    zone = where.zone
    agency_names = {agency: agency_words(agency) for agency in history.agencies}
    filters = parse_filters(
        {key: request.query_params.getlist(key) for key in request.query_params},
        agencies=history.agencies,
        people=[member.subject_id for member in history.household],
    )
    view = referral_view(history, read.chronologies, filters, agency_names)
    diagram = household_diagram(
        read.referral,
        latest_household(read.chronologies),
        on=datetime.now(zone).date(),
        title_id="household-title",
        records=history.records,
    )
    pages: Pages = request.app.state.pages
    return pages.render(
        request,
        "referral.html",
        status_code=400 if filters.errors else 200,
        view=view,
        history=history,
        diagram=diagram,
        zone=zone,
        holder=holder,
        due_at=(checks.due_at if checks is not None else None)
        or where.deadlines.referral_due_at(read.referral.received_at, read.referral.rag),
        referral_id=referral_id,
        decision=decision,
        quality=quality,
    )


@router.get("/referrals/{referral_id}/versions")
def versions_page(referral_id: str, request: Request, user: SignedInUser) -> Response:
    """Each child's versions, when and why each changed, and what changed between two of them."""
    referral_id = _checked(user, referral_id)
    form: VersionsForm = parse_versions(request.query_params.getlist("from"), request.query_params.getlist("to"))
    with user.reading_history(referral_id) as purpose:
        store = user.store
        listed = child_versions(
            store, referral_id, actor=user.signed.actor, clearance=user.signed.clearance, purpose=purpose
        )
        held = {version for child in listed for version in child.numbers}
        form = form.checked(held)
        comparisons: list[ChildComparison] = []
        names: dict[str, str] = {}
        if not form.errors and held:
            names, comparisons = compare_versions(
                user.settings,
                referral_id,
                actor=user.signed.actor,
                clearance=user.signed.clearance,
                from_version=form.start,
                to_version=form.end,
                purpose=purpose,
                store=store,
            )
    diffs: list[tuple[ChildComparison, ChronologyDiff | None]] = [
        (comparison, comparison.diff) for comparison in comparisons
    ]
    pages: Pages = request.app.state.pages
    return pages.render(
        request,
        "referral_versions.html",
        status_code=400 if form.errors else 200,
        referral_id=referral_id,
        listed=listed,
        form=form,
        comparisons=[diff_view(comparison, diff, names) for comparison, diff in diffs],
        zone=council(user.settings).zone,
    )


@router.post("/referrals/{referral_id}/export")
def export_pdf(referral_id: str, user: SignedInUser, _form: Annotated[FormData, Depends(checked_form)]) -> Response:
    """The history as a PDF for a strategy discussion, as `hub chronology export` makes it; audited as an export.

    The export is recorded before the bytes are sent, so a download that fails part way is still on record.
    """
    from hub.chronology.pdf import history_pdf

    referral_id = _checked(user, referral_id)
    purposes = user.signed.config.purposes
    wanted = STRATEGY_PURPOSE if STRATEGY_PURPOSE in purposes else None
    with user.reading_history(referral_id, wanted) as purpose:
        read = _read(user, referral_id, purpose, council(user.settings))
        prepared_for = STRATEGY_DISCUSSION if purpose == STRATEGY_PURPOSE else f"this purpose: {purposes[purpose]}"
        document = history_pdf(read.history, produced_by=user.signed.actor, prepared_for=prepared_for)
        record_export(user.settings, read.history, actor=user.signed.actor, purpose=purpose, store=user.store)
    return Response(
        document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="family-history-{referral_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )
