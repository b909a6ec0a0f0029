"""The checks' steps as the DAG calls them: a check the hub cannot even set up is a failed check, never a gap.

The DAG file reads only the registry's entries, so a registry whose connector cannot be loaded no
longer stops the DAG loading: each check must then say that it failed, and why, in ids and a code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.checks.steps import PipelineError, run_check
from hub.settings import REPO_ROOT, HubSettings
from hub.store.home import open_store
from schemas import Referral, ReplyStatus

SAMPLE_REFERRAL = REPO_ROOT / "config" / "examples" / "referral.json"


@pytest.fixture
def broken_registry(hub_home: Path, config_copy: Path) -> HubSettings:
    """A hub whose agencies.yaml names a health connector module that does not exist."""
    registry = config_copy / "agencies.yaml"
    registry.write_text(registry.read_text().replace("connectors.health:", "connectors.nowhere:"), encoding="utf-8")
    return HubSettings.from_env()


@pytest.mark.parametrize("agency", ["health", "police"])
def test_a_registry_the_hub_cannot_load_fails_each_check_with_a_code(broken_registry: HubSettings, agency: str) -> None:
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    store = open_store(broken_registry)
    store.save_referral(referral, actor="test", purpose="referral_intake")
    subject = referral.subjects[0]

    with pytest.raises(PipelineError) as failed:
        run_check(referral.referral_id, agency, subject.subject_id, broken_registry)

    assert f"{agency} check for {subject.subject_id} failed" in str(failed.value)
    assert "connectors.nowhere" in str(failed.value)  # what to mend, and nothing personal
    assert subject.person.name.family_name not in str(failed.value)
    (reply,) = store.load_replies(referral.referral_id, actor="test", purpose="test")
    assert (reply.agency, reply.subject_id) == (agency, subject.subject_id)
    assert reply.status is ReplyStatus.FAILED and reply.error_code == "registry_invalid"


def test_an_agency_no_longer_registered_fails_its_check_with_a_code(hub_home: Path) -> None:
    settings = HubSettings.from_env()
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    store = open_store(settings)
    store.save_referral(referral, actor="test", purpose="referral_intake")

    with pytest.raises(PipelineError, match="probation check for S1 failed"):
        run_check(referral.referral_id, "probation", "S1", settings)

    (reply,) = store.load_replies(referral.referral_id, actor="test", purpose="test")
    assert reply.status is ReplyStatus.FAILED and reply.error_code == "not_registered"
