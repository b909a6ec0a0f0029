"""Exporting the audit trail from the browser: FHIR AuditEvent (IHE BALP) as a Bundle or NDJSON, or CSV.

As `hub audit export`: the same filters, the permission `audit.export`, and the export recorded first
(`audit.export`, purpose `ig_audit_export`, the filters as ids). A POST with the form token, since an
export is an act to account for, not a page to revisit. The file is written to a private temporary
file and then sent as an attachment named by the time only (`mash-hub-audit-20261206-0910.json`),
never by a person or a referral, so the browser's download list says nothing about anyone.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from hub.access.permissions import Permission
from hub.audit import AuditAction
from hub.audit.ig import EXPORT_PURPOSE, EXTENSIONS, MEDIA_TYPES, WEB_EXPORT_FORMATS, write_export
from hub.chronology.reading import council_time_zone
from hub.web.pages.audit_filters import ACTION_WORDS, OUTCOMES, Filters, read_filters
from hub.web.rendering import Pages
from hub.web.signed_in import SignedInUser
from hub.web.signin import CheckedForm

router = APIRouter()

FORMAT_WORDS = {
    "fhir": "FHIR AuditEvent (IHE BALP), one Bundle in JSON",
    "ndjson": "FHIR AuditEvent (IHE BALP), one per line (NDJSON)",
    "csv": "CSV, for a spreadsheet",
}
CHUNK = 64 * 1024


def _render(
    request: Request, filters: Filters, chosen: str, *, status_code: int = 200, format_error: str | None = None
) -> Response:
    pages: Pages = request.app.state.pages
    errors = filters.errors + ([("format", format_error)] if format_error else [])
    return pages.render(
        request,
        "audit_export.html",
        status_code=status_code,
        filters=filters,
        errors=errors,
        actions=sorted(ACTION_WORDS.items()),
        outcomes=OUTCOMES,
        formats=FORMAT_WORDS,
        chosen=chosen,
        format_error=format_error,
    )


@router.get("/audit/export")
def export_form(request: Request, user: SignedInUser) -> Response:
    with user.permit(Permission.AUDIT_EXPORT, purpose=EXPORT_PURPOSE):
        filters = read_filters({}, council_time_zone(user.settings))
    return _render(request, filters, "fhir")


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


@router.post("/audit/export")
def export(request: Request, user: SignedInUser, form: CheckedForm) -> Response:
    given = {name: value for name, value in form.items() if isinstance(value, str)}
    with user.permit(Permission.AUDIT_EXPORT, purpose=EXPORT_PURPOSE):
        filters = read_filters(given, council_time_zone(user.settings))
        chosen = given.get("format", "")
        format_error = None if chosen in WEB_EXPORT_FORMATS else "Choose a format"
        if filters.errors or format_error:
            return _render(request, filters, chosen, status_code=400, format_error=format_error)
        now = datetime.now(UTC)
        events = user.store.read_audit_trail(
            filters.query, action=AuditAction.AUDIT_EXPORT, actor=user.signed.actor, purpose=EXPORT_PURPOSE
        )
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _chunks once sent
        try:
            text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
            try:
                write_export(events, chosen, text, generated_at=now)
            finally:
                events.close()
            text.flush()
            text.detach()
            handle.seek(0)
        except BaseException:
            handle.close()
            raise
    filename = f"mash-hub-audit-{now:%Y%m%d-%H%M%S}.{EXTENSIONS[chosen]}"
    return StreamingResponse(
        _chunks(handle),
        media_type=MEDIA_TYPES[chosen],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
