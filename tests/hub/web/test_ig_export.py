"""Exporting the audit trail from the browser: FHIR Bundle, NDJSON and CSV, with the right rows, as
attachments named without personal data, and each export on the trail."""

from __future__ import annotations

import csv
import io
import json
import re

from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle

from tests.hub.web.conftest import IG, MY_REFERRAL, OTHER, form_token
from tests.hub.web.ig_fixtures import IgServed, ig_served
from tests.hub.web.test_ig_search import signed_in

__all__ = ["ig_served"]

FILENAME = re.compile(r'^attachment; filename="mash-hub-audit-\d{8}-\d{6}\.(json|ndjson|csv)"$')


def exported(served: IgServed, **form: str) -> tuple[str, str, str]:
    with signed_in(served, IG) as browser:
        token = form_token(browser.get("/audit/export").text)
        response = browser.post("/audit/export", data={"csrf_token": token, **form})
    assert response.status_code == 200, response.text[:500]
    disposition = response.headers["content-disposition"]
    assert FILENAME.match(disposition)
    return response.text, response.headers["content-type"], disposition


def test_fhir_bundle_of_audit_events(ig_served: IgServed) -> None:
    expected = [e.seq for e in ig_served.store.audit_trail(referral_id=MY_REFERRAL, actor=f"user:{OTHER}")]
    body, media, disposition = exported(ig_served, format="fhir", referral=MY_REFERRAL, user=OTHER)
    assert media.startswith("application/fhir+json") and disposition.endswith('.json"')
    bundle = Bundle.model_validate(json.loads(body))
    assert bundle.type == "collection" and bundle.entry is not None
    events = [AuditEvent.model_validate(entry.resource.model_dump()) for entry in bundle.entry]
    assert len(events) == len(expected) == 4
    assert all(
        any(
            entity.what and entity.what.identifier and entity.what.identifier.value == MY_REFERRAL
            for entity in event.entity or []
        )
        for event in events
    )
    (export,) = [e for e in ig_served.store.audit_trail(action="audit.export") if "actor=user:jo.other" in e.object_id]
    assert export.actor == f"user:{IG}" and export.purpose == "ig_audit_export" and export.referral_id == MY_REFERRAL


def test_ndjson_one_audit_event_a_line(ig_served: IgServed) -> None:
    body, media, _ = exported(ig_served, format="ndjson", action="access.break_glass")
    assert media.startswith("application/fhir+ndjson")
    lines = body.splitlines()
    assert len(lines) == 3
    for line in lines:
        event = AuditEvent.model_validate_json(line)
        assert event.purposeOfEvent and any(
            coding.code == "BTG" for reason in event.purposeOfEvent for coding in reason.coding or []
        )


def test_csv_with_the_right_rows(ig_served: IgServed) -> None:
    body, media, _ = exported(ig_served, format="csv", user=OTHER, outcome="allowed")
    assert media.startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body)))
    trail = [e for e in ig_served.store.audit_trail(actor=f"user:{OTHER}") if e.outcome == "success"]
    assert [int(row["seq"]) for row in rows] == [e.seq for e in trail if e.seq < int(rows[-1]["seq"]) + 1]
    assert {row["actor"] for row in rows} == {f"user:{OTHER}"} and {row["outcome"] for row in rows} == {"success"}


def test_bad_export_requests_are_an_error_summary(ig_served: IgServed) -> None:
    with signed_in(ig_served, IG) as browser:
        token = form_token(browser.get("/audit/export").text)
        bad_format = browser.post("/audit/export", data={"csrf_token": token, "format": "xlsx"})
        bad_date = browser.post("/audit/export", data={"csrf_token": token, "format": "csv", "to": "soon"})
        no_token = browser.post("/audit/export", data={"format": "csv"})
    assert bad_format.status_code == 400 and "Choose a format" in bad_format.text
    assert bad_date.status_code == 400 and "To must be a date" in bad_date.text
    assert no_token.status_code == 403
