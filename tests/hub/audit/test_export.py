"""`hub audit export`: a FHIR R4 Bundle of AuditEvent following IHE BALP, or CSV; ids only, 0600, audited."""

from __future__ import annotations

import csv
import io
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.bundle import Bundle

from hub.audit import AuditAction, AuditEvent
from hub.audit.csv_export import write_csv
from hub.audit.fhir_export import KINDS, fhir_audit_event, write_bundle
from hub.audit.search import EXPORT_FIELDS, AuditQuery
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from tests.hub.audit.ig_trail import (
    REF_A,
    Clock,
    Trail,
    audit_event,
    clocked_store,
    home_with_trail,
    sign_in,
    write_trail,
)
from tests.hub.builders import example_referral
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub_here import run_hub_here

BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit."
DCM = "http://dicom.nema.org/resources/ontology/DCM"


@pytest.fixture
def trail(audit_store: HubStore, clock: Clock) -> Trail:
    return write_trail(audit_store, clock)


def personal_words() -> set[str]:
    """Every name in the synthetic referral: none may appear in an export."""
    words: set[str] = set()
    for subject in example_referral().subjects:
        words.update(subject.person.name.given_names)
        words.update(subject.person.name.family_name.split("-"))
    return words


def exported_bundle(events: list[AuditEvent]) -> tuple[str, list[FhirAuditEvent]]:
    out = io.StringIO()
    assert write_bundle(events, out, generated_at=datetime(2026, 4, 2, tzinfo=UTC)) == len(events)
    text = out.getvalue()
    bundle = Bundle.model_validate_json(text)  # the whole export parses back as one valid Bundle
    assert bundle.type == "collection"
    resources = [entry.resource for entry in bundle.entry or []]
    assert all(isinstance(resource, FhirAuditEvent) for resource in resources)
    assert len({entry.fullUrl for entry in bundle.entry or []}) == len(events)
    return text, resources  # type: ignore[return-value]


def codes(codings: object) -> set[tuple[str, str]]:
    return {(str(c.system), str(c.code)) for c in codings}  # type: ignore[attr-defined]


def test_every_event_is_a_balp_audit_event_with_ids_only(trail: Trail) -> None:
    text, resources = exported_bundle(trail.events)
    assert not any(word in text for word in personal_words())
    for event, resource in zip(trail.events, resources, strict=True):
        assert resource.recorded == event.occurred_at
        assert resource.outcome == ("0" if event.outcome == "success" else "4")
        assert resource.source.observer.identifier.value == "mash-hub"
        [requestor] = [agent for agent in resource.agent if agent.requestor]
        assert requestor.who.identifier.value == event.actor
        assert requestor.role[0].coding[0].code == event.role
        assert requestor.policy == [f"urn:mash-hub:basis:{event.basis}"]
        assert (DCM, "110152") in codes(c for agent in resource.agent for c in agent.type.coding)  # the server
        assert resource.entity[0].what.identifier.value == event.object_id
        assert [p.text for p in resource.purposeOfEvent][:2] == [event.purpose, event.lawful_basis]
        referral_ids = {
            e.what.identifier.value for e in resource.entity if e.what.identifier.system.endswith("referral")
        }
        assert referral_ids == ({event.referral_id} if event.referral_id else set())  # once: as object or beside it


def test_reads_writes_and_refusals_take_balps_codes_and_profiles(trail: Trail) -> None:
    _, resources = exported_bundle(trail.events)
    by_seq = dict(zip((e.seq for e in trail.events), resources, strict=True))
    alice_read = next(e for e in trail.events if e.actor == "user:alice" and e.action == "chronology.read")
    read = by_seq[alice_read.seq]
    assert (str(read.type.system), read.type.code) == ("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest")
    assert codes(read.subtype) == {("http://hl7.org/fhir/restful-interaction", "read")}
    assert read.action == "R" and read.meta.profile == [f"{BALP}PatientRead"]
    assert (DCM, "110153") in codes(c for agent in read.agent for c in agent.type.coding)  # BALP's client slice
    [patient] = [e for e in read.entity if e.role.code == "1"]
    assert patient.what.identifier.value == f"{REF_A}/S1" and patient.type.code == "1"
    user_type = next(agent for agent in read.agent if agent.requestor).type.coding[0].code
    assert user_type == "IRCP"

    created = by_seq[trail.seqs(action="referral.create")[0]]
    assert codes(created.subtype) == {("http://hl7.org/fhir/restful-interaction", "create")}
    assert created.action == "C" and created.meta.profile == [f"{BALP}Create"]

    [refused_seq] = trail.seqs(outcome="denied")
    refused = by_seq[refused_seq]
    assert refused.outcome == "4" and refused.outcomeDesc and refused.meta is None

    glass = by_seq[trail.seqs(action="chronology.read", actor="user:bob")[0]]
    assert ("http://terminology.hl7.org/CodeSystem/v3-ActReason", "BTG") in codes(
        c for purpose in glass.purposeOfEvent for c in purpose.coding or []
    )
    service = by_seq[trail.seqs(actor="service:pipeline")[0]]
    assert [agent.requestor for agent in service.agent] == [True, False]  # the service is BALP's client


def test_every_action_has_a_mapping_and_an_unknown_one_is_kept() -> None:
    assert set(KINDS) == {action.value for action in AuditAction}
    newer = audit_event(
        seq=7,
        occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        actor="service:future",
        role="service",
        action="something.new",
        object_type="thing",
        object_id="T1",
        referral_id=None,
        purpose="later release",
        basis="service",
    )
    resource = fhir_audit_event(newer)
    assert (resource.type.code, resource.action, resource.subtype) == ("110100", "E", None)


def test_an_empty_export_is_still_a_valid_bundle() -> None:
    out = io.StringIO()
    assert write_bundle([], out, generated_at=datetime(2026, 4, 2, tzinfo=UTC)) == 0
    assert Bundle.model_validate_json(out.getvalue()).entry is None


def test_csv_has_one_header_and_one_row_per_event(trail: Trail) -> None:
    out = io.StringIO(newline="")
    assert write_csv(trail.events, out) == len(trail.events)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == list(EXPORT_FIELDS)
    assert len(rows) == 1 + len(trail.events)
    assert len(out.getvalue().splitlines()) == 1 + len(trail.events)  # one event per line
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [int(r["seq"]) for r in records] == [e.seq for e in trail.events]
    assert [r["actor"] for r in records] == [e.actor for e in trail.events]
    assert {r["subject_id"] for r in records if r["object_type"] == "chronology" and r["outcome"] == "success"} == {
        "S1",
        "S2",
    }
    assert not any(word in out.getvalue() for word in personal_words())


def test_csv_cells_never_run_as_spreadsheet_formulas(tmp_path: Path) -> None:
    store = clocked_store(f"sqlite:///{tmp_path / 'hub.db'}", tmp_path / "kek.bin", Clock())
    store.save_referral(example_referral(), actor='=HYPERLINK("http://evil.example","x")', purpose="@SUM(1)")
    out = io.StringIO(newline="")
    write_csv(store.audit_trail(), out)
    [record] = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert record["actor"] == '\'=HYPERLINK("http://evil.example","x")'
    assert record["purpose"] == "'@SUM(1)"
    store.close()


def test_cli_exports_fhir_to_an_owner_only_file_and_audits_the_export(
    ig_home: tuple[Path, Trail], tmp_path: Path
) -> None:
    home, trail = ig_home
    path = tmp_path / "audit.json"
    result = run_hub_here("audit", "export", "--format", "fhir", "--referral", REF_A, "--out", str(path), home=home)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    on_referral = [e for e in trail.events if e.referral_id == REF_A]
    resources = [entry.resource for entry in Bundle.model_validate_json(path.read_text()).entry or []]
    assert [r.id for r in resources] == [f"mash-hub-{e.seq}" for e in on_referral]
    assert f"Exported {len(on_referral)} audit events" in result.stdout
    assert not list(tmp_path.glob(".*partial"))

    store = open_store(HubSettings.from_env())
    last = store.audit_trail()[-1]
    store.close()
    assert (last.action, last.actor, last.role, last.basis) == ("audit.export", "user:iggy", "ig_officer", "role")
    assert last.object_id == f"referral={REF_A}" and last.referral_id == REF_A


def test_cli_exports_csv_to_standard_output(ig_home: tuple[Path, Trail]) -> None:
    home, trail = ig_home
    result = run_hub_here("audit", "export", "--format", "csv", "--break-glass", home=home)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert [int(row["seq"]) for row in rows] == [e.seq for e in trail.events if e.basis.startswith("break-glass:")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "--format 'xml' is not known; choose fhir or csv."),
        (["--format", "csv", "--since", "2026-13-01"], "--since '2026-13-01' is not a date"),
        (["--format", "csv", "--action", "chronology.reed"], "Unknown action 'chronology.reed'"),
        (
            ["--format", "csv", "--out", "/nonexistent-folder/audit.csv"],
            "the folder /nonexistent-folder does not exist",
        ),
    ],
)
def test_cli_bad_values_are_one_line_and_export_nothing(
    ig_home: tuple[Path, Trail], args: list[str], message: str
) -> None:
    home, _ = ig_home
    assert_clean_refusal(run_hub_here("audit", "export", *args, home=home), message)
    store = open_store(HubSettings.from_env())
    assert not [e for e in store.audit_trail() if e.action == "audit.export"]
    store.close()


def test_a_role_without_audit_export_is_refused_and_the_refusal_audited(hub_home: Path) -> None:
    settings = HubSettings.from_env()
    home_with_trail(settings)
    sign_in(settings, "pat", "practitioner")
    result = run_hub_here("audit", "export", "--format", "csv", home=hub_home)
    assert_clean_refusal(result)
    assert "seq,occurred_at" not in result.stdout
    store = open_store(settings)
    last = store.audit_trail()[-1]
    store.close()
    assert (last.action, last.actor, last.outcome) == ("audit.export", "user:pat", "denied")
    assert AuditQuery(denied=True).matches(last)
