"""A team rota rule in roles.yaml allocates referrals by the day they were received (the council's day) and RAG.

The council works in Europe/London (config/deadlines.yaml); in July that is an hour ahead of UTC, so
a referral received late on a UTC Sunday was received on the council's Monday.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from hub.access.guard import AccessRefused, as_principal
from hub.access.permissions import Permission
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from schemas import Rag
from tests.hub.builders import example_referral
from tests.staff import add_staff_accounts, refusal, sign_in_as, success
from tests.staff import hub_command as hub

ROTA = {"name": "Monday red duty desk", "days": ["monday"], "rag": ["red"], "users": ["alex.duty"]}
RECEIVED = {
    # referral id: (received, RAG, whether the rota gives it to alex.duty)
    "REF-ROTA-SUN-UTC": ("2026-07-05T23:30:00+00:00", Rag.RED, True),  # Monday 00:30 in London
    "REF-ROTA-MON": ("2026-07-06T10:00:00+00:00", Rag.RED, True),
    "REF-ROTA-MON-UTC": ("2026-07-06T23:30:00+00:00", Rag.RED, False),  # Tuesday 00:30 in London
    "REF-ROTA-AMBER": ("2026-07-06T10:00:00+00:00", Rag.AMBER, False),
    "REF-ROTA-TUE": ("2026-07-07T10:00:00+00:00", Rag.RED, False),
}


@pytest.fixture
def settings(hub_home: Path, config_copy: Path) -> HubSettings:
    roles = yaml.safe_load((config_copy / "roles.yaml").read_text())
    roles["allocation"]["rota"] = [ROTA]
    (config_copy / "roles.yaml").write_text(yaml.safe_dump(roles, sort_keys=False))
    deadlines = yaml.safe_load((config_copy / "deadlines.yaml").read_text())
    assert deadlines["calendar"]["time_zone"] == "Europe/London"
    return HubSettings.from_env()


@pytest.fixture
def store(settings: HubSettings) -> Iterator[HubStore]:
    opened = open_store(settings)
    sample = example_referral()
    for referral_id, (received, rag, _) in RECEIVED.items():
        referral = sample.model_copy(
            update={"referral_id": referral_id, "received_at": datetime.fromisoformat(received), "rag": rag}
        )
        opened.save_referral(referral, actor="service:pipeline", purpose="mash_checks")
    add_staff_accounts(opened, {"alex.duty": "practitioner", "sam.practitioner": "practitioner"})
    yield opened
    opened.close()


def test_a_rota_rule_allocates_by_the_councils_day_and_rag_to_the_people_it_names(
    settings: HubSettings, store: HubStore
) -> None:
    duty = as_principal(settings, store, sign_in_as(settings, store, "alex.duty"))
    other = as_principal(settings, store, sign_in_as(settings, store, "sam.practitioner"))
    for referral_id, (_, _, covered) in RECEIVED.items():
        decision = duty.decision(Permission.HISTORY_READ, referral_id)
        assert (decision.allowed, decision.basis) == ((True, "allocated") if covered else (False, "none")), referral_id
        assert not other.decision(Permission.HISTORY_READ, referral_id).allowed, referral_id
    # Nobody is allocated in the store: the rota alone did it.
    assert {store.allocated_to(referral_id) for referral_id in RECEIVED} == {None}


def test_the_duty_person_reads_a_rota_referral_on_the_grounds_of_allocation(
    settings: HubSettings, store: HubStore
) -> None:
    sign_in_as(settings, store, "alex.duty")
    before = len(store.audit_trail())
    success(hub("chronology", "show", "REF-ROTA-SUN-UTC"))
    reads = store.audit_trail()[before:]
    assert reads and {(event.actor, event.basis, event.outcome) for event in reads} == {
        ("user:alex.duty", "allocated", "success")
    }

    result = hub("chronology", "show", "REF-ROTA-MON-UTC")
    assert isinstance(result.exception, AccessRefused)
    assert "You are not allocated to referral REF-ROTA-MON-UTC" in refusal(result)
