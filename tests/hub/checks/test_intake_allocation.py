"""Who a referral is allocated to on intake (`hub.checks.intake.receive_referral`), on SQLite and PostgreSQL.

roles.yaml's `submitter_allocated` allocates a referral to whoever submits it, so a practitioner who takes
a referral by phone holds it at once. A referrer (a police officer, a teacher) must never hold one: holding
it would let them read what every agency knows of the family. Their submission stays unallocated for a
manager, whichever channel it came through, since every channel hands in through `receive_referral`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.checks.intake import receive_referral
from hub.settings import HubSettings
from hub.store import HubStore
from schemas import Referral
from tests.hub.builders import example_referral
from tests.staff import add_staff_accounts


def _received(store: HubStore, username: str, referral_id: str, channel: str) -> str | None:
    referral = Referral.model_validate({**example_referral().model_dump(mode="json"), "referral_id": referral_id})
    received = receive_referral(
        HubSettings.from_env(),
        store,
        referral,
        actor=f"user:{username}",
        channel=channel,
        trigger=None,
        allocate_to=username,
    )
    assert received.created and not received.checks_started
    return store.allocated_to(referral_id)


@pytest.mark.parametrize("channel", ["web", "cli"])
def test_a_referrer_is_never_allocated_their_own_referral(hub_home: Path, store: HubStore, channel: str) -> None:
    add_staff_accounts(store, {"pc.reed": "referrer", "sam.patel": "practitioner", "ida.ig": "ig_officer"})
    assert _received(store, "pc.reed", "REF-T-1", channel) is None
    assert _received(store, "ida.ig", "REF-T-2", channel) is None  # no history.read either
    assert _received(store, "sam.patel", "REF-T-3", channel) == "sam.patel"
    submission = store.submission("REF-T-1")
    assert submission is not None and (submission.submitter, submission.channel) == ("user:pc.reed", channel)


def test_an_account_that_is_not_active_or_not_there_is_not_allocated(hub_home: Path, store: HubStore) -> None:
    assert _received(store, "nobody.here", "REF-T-4", "web") is None
