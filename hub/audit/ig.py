"""What IG staff do with the trail, shared by the command line and the web application.

The purposes each reading is recorded under (so the trail says "ig_audit_search" whichever way the search
was run), the export formats and their writer, and the verification's verdict in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TextIO

from hub.audit.chain import AuditEvent, AuditVerification
from hub.audit.csv_export import write_csv
from hub.audit.fhir_export import write_bundle, write_ndjson

SEARCH_PURPOSE = "ig_audit_search"
EXPORT_PURPOSE = "ig_audit_export"
REPORT_PURPOSE = "ig_audit_report"
VERIFY_PURPOSE = "ig_audit_verify"
EXPORT_FORMATS = ("fhir", "csv")
"""The command line's formats; the web also offers `ndjson` (`WEB_EXPORT_FORMATS`)."""
WEB_EXPORT_FORMATS = ("fhir", "ndjson", "csv")
MEDIA_TYPES = {"fhir": "application/fhir+json", "ndjson": "application/fhir+ndjson", "csv": "text/csv"}
EXTENSIONS = {"fhir": "json", "ndjson": "ndjson", "csv": "csv"}


def write_export(events: Iterable[AuditEvent], format: str, out: TextIO, *, generated_at: datetime) -> int:
    """Write `events` as `format` (fhir: a Bundle; ndjson: an AuditEvent a line; csv) to `out`; returns the count."""
    if format == "csv":
        return write_csv(events, out)
    if format == "ndjson":
        return write_ndjson(events, out)
    if format == "fhir":
        return write_bundle(events, out, generated_at=generated_at)
    raise ValueError(f"unknown export format {format!r}")


def intact_sentence(verification: AuditVerification) -> str:
    """What an intact trail's verification proved, in one sentence (the CLI's verdict)."""
    sentence = (
        f"Audit trail intact: {verification.events_checked} events checked against signed checkpoints, "
        "the witness and every stored referral, agency reply and chronology version."
    )
    if verification.destroyed:
        sentence += (
            f" {verification.destroyed_rows} records of {len(verification.destroyed)} "
            f"referral{'' if len(verification.destroyed) == 1 else 's'} were destroyed under the retention schedule, "
            "each covered by its destruction record."
        )
    return sentence


NOT_INTACT_ADVICE = "Report this to information governance."
"""What to do when the trail is not intact: whoever runs the check tells IG (and IG the Caldicott guardian)."""
