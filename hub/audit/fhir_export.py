"""The audit trail as FHIR R4 `AuditEvent`s following IHE Basic Audit Log Patterns (BALP), in a `Bundle`.

IG teams and their SIEM tools read FHIR AuditEvent; BALP says how to fill it in so that one council's
export reads like another system's. Each event is built with `fhir.resources` (R4B, the R4 release the
health connector already uses), so an export that does not validate fails here, not at the reader's end.

Mapping (BALP and the DICOM audit vocabulary it builds on):
- a read is `type` rest / `subtype` read, `action` R; a write that adds a record (a reply, a chronology
  version, an allocation, a break-glass) is rest / create, C; a decision on an existing one (a review)
  is rest / update, U. Sign-in and out are DICOM 110114 User Authentication with 110122 Login or 110123
  Logout; reading the trail is DICOM 110101 Audit Log Used, exporting it DICOM 110106 Export.
- `agent`: the person or service who acted (`requestor`, with their hub role and the basis of access as
  policy), the hub's command line as the client (DICOM 110153 Source) and the hub as the server
  (110152 Destination), as BALP's client and server slices ask.
- `entity`: the object by type and id, the referral by id, and the referral's subject (`REF/S1`) as the
  BALP patient entity when the object is about one. Ids only: an export never carries personal data.
- `purposeOfEvent`: the purpose and the lawful basis as text, and v3 ActReason BTG for break-glass.
- `outcome`: 0 success, 4 minor failure for a refusal (the attempt was stopped, nothing was shown), 8 serious
  failure for a stored record that could not be read (`record.unreadable`: tampered, key shredded, key missing).
- successful reads, creates and updates claim the matching BALP profile (`IHE.BasicAudit.Read`,
  `PatientRead` when a subject is named, and so on).

The Bundle is written as it is built, one entry at a time, so an export of millions of events never
holds them all in memory.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.bundle import Bundle

from hub.audit.chain import AuditAction, AuditEvent, utc_text
from hub.audit.search import BREAK_GLASS_PREFIX, subject_of

HUB_SYSTEM = "urn:mash-hub"
"""Identifier systems for the hub's own ids: `urn:mash-hub:actor`, `urn:mash-hub:referral`, ..."""
DEFAULT_SOURCE = "mash-hub"

_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
_RESTFUL = "http://hl7.org/fhir/restful-interaction"
_DCM = "http://dicom.nema.org/resources/ontology/DCM"
_PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
_OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
_BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit."
_ID_NAMESPACE = uuid.UUID("6f1f4c1e-9a7b-5d2e-8c3a-4b5d6e7f8091")


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


@dataclass(frozen=True)
class EventKind:
    """How one hub action reads in FHIR: its type, subtype, CRUDE action and BALP profile (if any)."""

    type: dict[str, str]
    subtype: dict[str, str] | None
    action: str
    profile: str | None = None
    """The BALP profile's name without its `Patient` prefix (`Read`, `Create`, `Update`)."""


_REST = _coding(_EVENT_TYPE, "rest", "Restful Operation")
_AUTHENTICATION = _coding(_DCM, "110114", "User Authentication")
READ = EventKind(_REST, _coding(_RESTFUL, "read", "read"), "R", "Read")
CREATE = EventKind(_REST, _coding(_RESTFUL, "create", "create"), "C", "Create")
UPDATE = EventKind(_REST, _coding(_RESTFUL, "update", "update"), "U", "Update")
LOGIN = EventKind(_AUTHENTICATION, _coding(_DCM, "110122", "Login"), "E")
LOGOUT = EventKind(_AUTHENTICATION, _coding(_DCM, "110123", "Logout"), "E")
AUDIT_LOG_USED = EventKind(_coding(_DCM, "110101", "Audit Log Used"), None, "R")
EXPORT = EventKind(_coding(_DCM, "110106", "Export"), None, "R")
DELETE = EventKind(_REST, _coding(_RESTFUL, "delete", "delete"), "D", "Delete")
OTHER = EventKind(_coding(_DCM, "110100", "Application Activity"), None, "E")
"""For an action this release does not know (a newer hub's trail): recorded, never dropped."""

KINDS: dict[str, EventKind] = {
    AuditAction.REFERRAL_CREATE: CREATE,
    AuditAction.REFERRAL_READ: READ,
    AuditAction.REPLY_WRITE: CREATE,
    AuditAction.REPLIES_READ: READ,
    AuditAction.RECORDING_READ: READ,
    AuditAction.PRIOR_PERSON_READ: READ,
    AuditAction.LINK_REVIEW_PROPOSE: CREATE,
    AuditAction.LINK_REVIEW_DECIDE: UPDATE,
    AuditAction.CHRONOLOGY_WRITE: CREATE,
    AuditAction.CHRONOLOGY_READ: READ,
    AuditAction.CHRONOLOGY_EXPORT: EXPORT,
    AuditAction.CALLBACK_RECEIVE: CREATE,
    AuditAction.CALLBACK_READ: READ,
    AuditAction.QUALITY_WRITE: CREATE,
    AuditAction.QUALITY_READ: READ,
    AuditAction.QUALITY_REPORT: READ,
    AuditAction.USER_ADD: CREATE,
    AuditAction.USER_CHANGE: UPDATE,
    AuditAction.SESSION_START: LOGIN,
    AuditAction.SESSION_REFUSE: LOGIN,
    AuditAction.SESSION_END: LOGOUT,
    AuditAction.REFERRAL_ALLOCATE: CREATE,
    AuditAction.BREAK_GLASS: CREATE,
    AuditAction.BREAK_GLASS_REVIEW: UPDATE,
    AuditAction.AUDIT_READ: AUDIT_LOG_USED,
    AuditAction.AUDIT_EXPORT: EXPORT,
    AuditAction.DECISION_RECORD: CREATE,
    AuditAction.DECISION_SIGN_OFF: UPDATE,
    AuditAction.DECISION_READ: READ,
    AuditAction.INSIGHT_REPORT: READ,
    AuditAction.KEYS_ROTATE: UPDATE,
    AuditAction.KEYS_RETIRE: UPDATE,
    AuditAction.RECORD_UNREADABLE: READ,
    AuditAction.RETENTION_RUN: OTHER,
    AuditAction.RETENTION_DESTROY: DELETE,
    AuditAction.LEGAL_HOLD_PLACE: CREATE,
    AuditAction.LEGAL_HOLD_RELEASE: UPDATE,
    AuditAction.SAR_EXPORT: EXPORT,
    AuditAction.BACKUP_CREATE: EXPORT,
    AuditAction.BACKUP_RESTORE: CREATE,
}

_SECURITY_OBJECTS = frozenset({"user", "session", "allocation", "break_glass"})
_PERSON_PREFIXES = ("user:", "cli:")


def _identifier(kind: str, value: str) -> dict[str, Any]:
    return {"identifier": {"system": f"{HUB_SYSTEM}:{kind}", "value": value}}


def fhir_audit_event(event: AuditEvent, *, source: str = DEFAULT_SOURCE) -> FhirAuditEvent:
    """One hub audit event as a validated FHIR AuditEvent (ids and codes only)."""
    return FhirAuditEvent.model_validate(_resource(event, source))


def _resource(event: AuditEvent, source: str) -> dict[str, Any]:
    """The AuditEvent as FHIR JSON data (plain values only, so it serialises exactly as it was validated)."""
    kind = KINDS.get(event.action, OTHER)
    denied = event.outcome != "success"
    unreadable = event.action == AuditAction.RECORD_UNREADABLE
    subject = subject_of(event)
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"{source}-{event.seq}",
        "type": kind.type,
        "action": kind.action,
        "recorded": utc_text(event.occurred_at),
        "outcome": "8" if unreadable else "4" if denied else "0",
        "agent": _agents(event, kind, source),
        "source": {
            "observer": {**_identifier("system", source), "display": "MASH Hub"},
            "site": source,
            "type": [_coding(_SOURCE_TYPE, "4", "Application Server")],
        },
        "entity": _entities(event, subject),
        "purposeOfEvent": _purposes(event),
    }
    if kind.subtype is not None:
        resource["subtype"] = [kind.subtype]
    if denied:
        resource["outcomeDesc"] = (
            f"record unreadable: {event.outcome.replace('_', ' ')}" if unreadable else f"{event.outcome}: not permitted"
        )
    if kind.profile is not None and not denied:
        resource["meta"] = {"profile": [f"{_BALP}{'Patient' if subject else ''}{kind.profile}"]}
    return resource


def _agents(event: AuditEvent, kind: EventKind, source: str) -> list[dict[str, Any]]:
    """Who acted (the requestor), and the hub as BALP's client and server."""
    hub_client = {
        "type": {"coding": [_coding(_DCM, "110153", "Source Role ID")]},
        "who": _identifier("system", f"{source}/cli"),
        "requestor": False,
    }
    hub_server = {
        "type": {"coding": [_coding(_DCM, "110152", "Destination Role ID")]},
        "who": _identifier("system", source),
        "requestor": False,
    }
    actor: dict[str, Any] = {"who": _identifier("actor", event.actor), "requestor": True}
    if event.role:
        actor["role"] = [{"coding": [{"system": f"{HUB_SYSTEM}:role", "code": event.role}], "text": event.role}]
    if event.basis:
        actor["policy"] = [f"{HUB_SYSTEM}:basis:{event.basis}"]
    if not event.actor.startswith(_PERSON_PREFIXES):
        # A service is itself the client that asked (BALP's client slice), so it takes that type.
        actor["type"] = hub_client["type"]
        return [actor, hub_server]
    participation = (
        _coding(_PARTICIPATION, "IRCP", "information recipient")
        if kind.action == "R"
        else _coding(_PARTICIPATION, "AUT", "author (originator)")
    )
    actor["type"] = {"coding": [participation]}
    return [actor, hub_client, hub_server]


def _entities(event: AuditEvent, subject: str | None) -> list[dict[str, Any]]:
    """The object, the referral it belongs to, and the subject it is about: ids only."""
    system_object = _coding(_ENTITY_TYPE, "2", "System Object")
    obj: dict[str, Any] = {"what": _identifier(event.object_type, event.object_id), "type": system_object}
    if event.object_type == "audit_trail":
        obj["role"] = _coding(_OBJECT_ROLE, "24", "Query")
        obj["query"] = base64.b64encode(event.object_id.encode("utf-8")).decode("ascii")
    elif event.object_type in _SECURITY_OBJECTS:
        obj["role"] = _coding(_OBJECT_ROLE, "13", "Security Resource")
    else:
        obj["role"] = _coding(_OBJECT_ROLE, "4", "Domain Resource")
    entities = [obj]
    if event.referral_id is not None and not (event.object_type == "referral" and event.object_id == event.referral_id):
        entities.append(
            {
                "what": _identifier("referral", event.referral_id),
                "type": system_object,
                "role": _coding(_OBJECT_ROLE, "4", "Domain Resource"),
            }
        )
    if subject is not None:
        entities.append(
            {
                "what": _identifier("subject", f"{event.referral_id}/{subject}"),
                "type": _coding(_ENTITY_TYPE, "1", "Person"),
                "role": _coding(_OBJECT_ROLE, "1", "Patient"),
            }
        )
    return entities


def _purposes(event: AuditEvent) -> list[dict[str, Any]]:
    purposes: list[dict[str, Any]] = [{"text": text} for text in (event.purpose, event.lawful_basis) if text]
    if event.basis.startswith(BREAK_GLASS_PREFIX):
        purposes.append({"coding": [_coding(_ACT_REASON, "BTG", "break the glass")], "text": event.basis})
    return purposes


def write_bundle(
    events: Iterable[AuditEvent], out: TextIO, *, generated_at: datetime, source: str = DEFAULT_SOURCE
) -> int:
    """Write a FHIR `Bundle` (type `collection`) of AuditEvents to `out`, one entry at a time; returns the count.

    The Bundle's own elements are validated by building it empty; each entry's resource is validated
    with `fhir.resources` as it is built. The result parses back as one Bundle.
    """
    bundle = Bundle.model_validate(
        {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection", "timestamp": generated_at}
    )
    head = bundle.model_dump_json()
    if not head.endswith("}"):
        raise AssertionError("a Bundle serialises as one JSON object")  # pragma: no cover
    out.write(head[:-1])
    count = 0
    for event in events:
        resource = _resource(event, source)
        # Validated as built, then written from the very data validated: it is already FHIR JSON, and
        # serialising the model again would take twice as long as validating it.
        FhirAuditEvent.model_validate(resource)
        full_url = f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, resource['id'])}"
        out.write((',"entry":[' if count == 0 else ",") + "\n")
        out.write(json.dumps({"fullUrl": full_url, "resource": resource}, ensure_ascii=False, separators=(",", ":")))
        count += 1
    out.write("\n]}\n" if count else "}\n")  # FHIR JSON has no empty arrays: no events, no `entry`
    return count


def write_ndjson(events: Iterable[AuditEvent], out: TextIO, *, source: str = DEFAULT_SOURCE) -> int:
    """Write one AuditEvent per line (FHIR bulk data's NDJSON), each validated as built; returns the count.

    For loading into a SIEM or a FHIR server's `$import`, which take resources a line at a time.
    """
    count = 0
    for event in events:
        resource = _resource(event, source)
        FhirAuditEvent.model_validate(resource)
        out.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count
