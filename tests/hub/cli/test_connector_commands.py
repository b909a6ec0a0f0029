"""Integration engineers' commands, through the `hub` entry point (`tests.hub_here`), against the real
sandboxes and store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.checks.steps import run_check
from hub.runtime.sandboxes import record_sandboxes
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from sandbox.server import SandboxCluster
from schemas import AgencyPerson, NormalisedDocument, Person, Referral
from tests.conftest import REPO_ROOT, SAMPLE_REFERRAL
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub_here import run_hub_here
from tests.staff import signed_in_home

AGENCIES = ("health", "police", "education", "housing")


@pytest.fixture
def sandboxed_home(hub_home: Path, sandbox_cluster: SandboxCluster) -> Path:
    """A home whose run/ files point the connectors at the running sandboxes, with their credentials."""
    record_sandboxes(HubSettings.from_env(), sandbox_cluster)
    return hub_home


def test_list_shows_every_registered_agency_with_its_pool_and_connection(sandboxed_home: Path) -> None:
    result = run_hub_here("connectors", "list", home=sandboxed_home)
    assert result.returncode == 0, result.stderr
    for agency in AGENCIES:
        assert f"hub_agency_{agency}" in result.stdout and f"connectors.{agency}:" in result.stdout
    assert "(not found here)" not in result.stdout
    without_connections = run_hub_here("connectors", "list", home=sandboxed_home.parent / "empty-home")
    assert without_connections.stdout.count("(not found here)") == len(AGENCIES)


@pytest.mark.parametrize("agency", AGENCIES)
def test_check_passes_through_the_real_auth(sandboxed_home: Path, agency: str) -> None:
    result = run_hub_here("connectors", "check", agency, home=sandboxed_home)
    assert result.returncode == 0, result.stdout + result.stderr
    steps = " ".join(result.stdout.split())
    for step in ("✓ configuration", "✓ reachable", "✓ authenticated", "✓ synthetic search: no record"):
        assert step in steps
    assert f"PASS: {agency} is reachable" in steps


def test_check_names_the_step_that_failed(sandboxed_home: Path, tmp_path: Path) -> None:
    unreachable = run_hub_here(
        "connectors", "check", "housing", home=sandboxed_home, HUB_AGENCY_HOUSING_ENDPOINT="http://127.0.0.1:9"
    )
    assert_clean_refusal(unreachable, "FAIL at reachable", "cannot connect to 127.0.0.1:9")

    connections_file = HubSettings.from_env().connections_file
    connections = json.loads(connections_file.read_text())
    connections["hub_agency_housing"]["password"] = "not-the-secret"
    connections["hub_agency_education"]["password"] = "not-the-key"
    connections_file.write_text(json.dumps(connections))
    refused_token = run_hub_here("connectors", "check", "housing", home=sandboxed_home)
    assert_clean_refusal(refused_token, "FAIL at authenticated", "token endpoint refused")
    refused_key = run_hub_here("connectors", "check", "education", home=sandboxed_home)
    assert_clean_refusal(refused_key, "FAIL at synthetic search", "http_401")
    assert "not-the" not in refused_token.stdout + refused_token.stderr + refused_key.stdout + refused_key.stderr

    import certifi

    connections["hub_agency_police"]["extra"]["ca_bundle"] = certifi.where()  # public CAs: not the agency's
    connections_file.write_text(json.dumps(connections))
    untrusted = run_hub_here("connectors", "check", "police", home=sandboxed_home)
    assert_clean_refusal(untrusted, "FAIL at reachable", "TLS handshake", "ca_bundle")

    del connections["hub_agency_health"]
    connections_file.write_text(json.dumps(connections))
    missing = run_hub_here("connectors", "check", "health", home=sandboxed_home)
    assert_clean_refusal(missing, "FAIL at configuration", "No Airflow Connection 'hub_agency_health'")

    unknown = run_hub_here("connectors", "check", "probation", home=sandboxed_home)
    assert_clean_refusal(unknown, "No agency 'probation'")


def test_parse_prints_the_shared_schema_and_refuses_garbage(hub_home: Path, tmp_path: Path) -> None:
    captured = REPO_ROOT / "tests" / "fixtures" / "native" / "police" / "nominal-search.json"
    parsed = run_hub_here("connectors", "parse", "police", str(captured), home=hub_home)
    assert parsed.returncode == 0, parsed.stderr
    document = json.loads(parsed.stdout)
    assert document["agency"] == "police" and document["candidates"][0]["agency_person_id"] == "NOM000001"

    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"<html><body>Service Unavailable for Okafor</body></html>")
    refused = run_hub_here("connectors", "parse", "police", str(garbage), home=hub_home)
    output = assert_clean_refusal(refused, "is not a police reply the connector understands")
    assert "Okafor" not in output.replace(str(garbage), "")
    too_many = REPO_ROOT / "tests" / "fixtures" / "native" / "health" / "pds" / "TOO_MANY_MATCHES.json"
    assert_clean_refusal(
        run_hub_here("connectors", "parse", "health", str(too_many), home=hub_home), "'too_many_matches'"
    )
    missing = run_hub_here("connectors", "parse", "health", str(tmp_path / "absent.json"), home=hub_home)
    assert_clean_refusal(missing, "Cannot read")


def stored_sample() -> tuple[HubSettings, Referral, HubStore]:
    settings = HubSettings.from_env()
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    store = open_store(settings)
    store.save_referral(referral, actor="test", purpose="referral_intake")
    return settings, referral, store


def test_renormalise_rereads_stored_raw_replies_with_a_fixed_mapping(
    sandboxed_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, referral, store = stored_sample()
    for subject in referral.subjects:
        run_check(referral.referral_id, "housing", subject.subject_id, settings)
    before = {reply.subject_id: reply for reply in store.load_replies(referral.referral_id, actor="t", purpose="t")}

    signed_in_home(sandboxed_home, "test.engineer", "integration_engineer")
    unchanged = run_hub_here("connectors", "renormalise", "housing", home=sandboxed_home)
    assert unchanged.returncode == 0, unchanged.stderr
    replies = len(referral.subjects)
    assert f"{replies} replies re-read: 0 changed, {replies} unchanged, 0 could not be replayed" in " ".join(
        unchanged.stdout.split()
    )

    from rich.console import Console

    import connectors.housing
    from hub.checks.renormalise import renormalise

    fixed = connectors.housing.sentence
    monkeypatch.setattr(connectors.housing, "sentence", lambda *parts: fixed(*parts).replace(".", " (fixed)."))
    summary = renormalise(settings, "housing", actor="test", console=Console(quiet=True))
    assert summary.changed == sum(1 for reply in before.values() if reply.entries)
    after = {reply.subject_id: reply for reply in store.load_replies(referral.referral_id, actor="t", purpose="t")}
    for subject_id, reply in after.items():
        assert reply.requested_at == before[subject_id].requested_at  # the original check's, not today's
        assert len(reply.entries) == len(before[subject_id].entries)
        assert not any("(fixed)" in entry.summary for entry in before[subject_id].entries)
    assert any("(fixed)" in entry.summary for reply in after.values() for entry in reply.entries)
    chronologies = store.latest_chronologies(referral.referral_id, actor="t", purpose="t")
    assert chronologies and all(
        "(fixed)" in entry.summary
        for chronology in chronologies
        for entry in chronology.entries
        if entry.source.agency == "housing" and entry.summary.endswith(").")
    )


@pytest.mark.parametrize(
    ("published", "kind"),
    [
        ("PatientSearch.json", "patient-search"),
        ("Sensitive_Patient.json", "patient"),
        ("PatientCompoundName.json", "patient-search"),
        ("RelatedPersonBundle.json", "related-people"),
    ],
)
def test_parse_health_accepts_the_pds_specifications_own_examples(hub_home: Path, published: str, kind: str) -> None:
    path = REPO_ROOT / "tests" / "fixtures" / "native" / "health" / "pds" / published
    parsed = run_hub_here("connectors", "parse", "health", str(path), home=hub_home)
    assert parsed.returncode == 0, parsed.stderr
    document = NormalisedDocument.model_validate_json(parsed.stdout)
    assert document.kind == kind and (document.candidates or document.related_people)
    if published.startswith("Sensitive"):
        assert document.candidates[0].person.address is None


def test_renormalise_never_replaces_a_reply_it_cannot_replay(
    sandboxed_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, referral, store = stored_sample()
    run_check(referral.referral_id, "housing", "S1", settings)
    before = store.load_replies(referral.referral_id, actor="t", purpose="t")

    from rich.console import Console

    from connectors.housing import HousingConnector
    from hub.checks.renormalise import renormalise

    searched = HousingConnector.search

    def search_then_ask_more(self: HousingConnector, person: Person) -> list[AgencyPerson]:
        found = searched(self, person)
        self.get("/api/new-endpoint")  # a fix that asks the agency for something it was never asked
        return found

    monkeypatch.setattr(HousingConnector, "search", search_then_ask_more)
    summary = renormalise(settings, "housing", actor="test", console=Console(quiet=True))
    assert (summary.replies, summary.not_replayable, summary.changed) == (1, 1, 0)
    assert store.load_replies(referral.referral_id, actor="t", purpose="t") == before
