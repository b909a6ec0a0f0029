"""The four sandboxes as `hub sandbox up` runs them: real auth, mutual TLS, async replies and faults."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hub.runtime.sandboxes import connector_for
from sandbox.common.async_replies import AsyncConfig
from sandbox.common.settings import AgencySandbox, SandboxSettings, SandboxSettingsError
from sandbox.population.dataset import Dataset
from sandbox.server import SandboxCluster
from schemas import Referral, ReplyStatus


@pytest.fixture(scope="module")
def secured(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxCluster]:
    """The default settings, except that police and education always answer later (after 0.2 s)."""
    later = AsyncConfig(mode="poll", delay_seconds=0.2, retry_after_seconds=0)
    settings = SandboxSettings(
        police=AgencySandbox(auth="mutual_tls", tls="mutual", asynchronous=later),
        education=AgencySandbox(auth="api_key", asynchronous=later),
    )
    with SandboxCluster(dataset, settings=settings, pki_dir=tmp_path_factory.mktemp("tls")) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def referral() -> Referral:
    return Referral.model_validate_json(Path("config/examples/referral.json").read_text(encoding="utf-8"))


def test_police_is_served_over_mutual_tls(secured: SandboxCluster) -> None:
    url = secured.endpoints["police"]
    assert url.startswith("https://")
    client = secured.credentials["police"].connector_credentials()
    with pytest.raises(requests.exceptions.ConnectionError):  # refused in the TLS handshake
        requests.post(f"{url}/nominals/search", json={"surname": "Okafor"}, verify=client["ca_bundle"], timeout=5)
    answered = requests.post(
        f"{url}/nominals/search",
        json={"surname": "Okafor"},
        verify=client["ca_bundle"],
        cert=(client["client_cert"], client["client_key"]),
        timeout=5,
    )
    assert answered.status_code in (200, 202)


@pytest.mark.parametrize("agency", ["health", "education", "housing"])
def test_requests_without_credentials_are_refused_in_the_agency_format(secured: SandboxCluster, agency: str) -> None:
    path = {"health": "/Patient/_search", "education": "/pupils/search", "housing": "/api/people/search"}[agency]
    response = requests.post(
        f"{secured.endpoints[agency]}{path}", data={}, headers={"X-Request-ID": str(uuid.uuid4())}, timeout=5
    )
    assert response.status_code == 401
    if agency == "health":
        assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("agency", ["health", "police", "education", "housing"])
def test_the_hub_connectors_authenticate_and_find_the_sample_child(
    secured: SandboxCluster, referral: Referral, agency: str
) -> None:
    """Through each agency's real auth; police and education answer asynchronously and are polled."""
    reply = connector_for(secured, agency).check(referral.referral_id, referral.subject("S1"))
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    if agency in ("police", "education"):
        replies = secured.agency(agency).replies
        assert replies is not None and replies.counters["completed"] >= 1


def test_an_injected_fault_is_retried_by_the_connector(secured: SandboxCluster, referral: Referral) -> None:
    faults = secured.agency("housing").faults
    before = faults.counters.get("http_503", 0)
    faults.script(["http_503"])
    reply = connector_for(secured, "housing").check(referral.referral_id, referral.subject("S1"))
    assert reply.status is ReplyStatus.FOUND
    assert faults.counters["http_503"] == before + 1


def test_credentials_file_is_private(secured: SandboxCluster, tmp_path: Path) -> None:
    path = tmp_path / "run" / "sandbox-credentials.json"
    path.parent.mkdir()
    secured.write_credentials(path)
    assert path.stat().st_mode & 0o777 == 0o600
    issued = json.loads(path.read_text(encoding="utf-8"))
    assert {agency: credentials["type"] for agency, credentials in issued.items()} == {
        "health": "nhs_signed_jwt",
        "police": "mutual_tls",
        "education": "api_key",
        "housing": "client_secret",
    }


def test_settings_file_errors_name_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "sandboxes.yaml"
    bad.write_text("police:\n  auth: mutual_tls\n  tls: server\n", encoding="utf-8")
    with pytest.raises(SandboxSettingsError, match="mutual_tls needs tls: mutual"):
        SandboxSettings.load(bad)
    bad.write_text("health:\n  async: {delay_seconds: 1}\n", encoding="utf-8")
    with pytest.raises(SandboxSettingsError, match="health answers at once"):
        SandboxSettings.load(bad)
    bad.write_text("housing:\n  faults: {error_rate: 2}\n", encoding="utf-8")
    with pytest.raises(SandboxSettingsError, match=r"housing\.faults\.error_rate"):
        SandboxSettings.load(bad)


def test_the_shipped_settings_file_is_the_default() -> None:
    assert SandboxSettings.load(Path("config/sandboxes.yaml")) == SandboxSettings()
