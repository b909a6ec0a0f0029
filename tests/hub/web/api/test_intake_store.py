"""API clients and submissions in the store, on SQLite and PostgreSQL (the `store` fixture's backends)."""

from __future__ import annotations

from hub.store import HubStore
from tests.hub.builders import REFERRAL_ID, example_referral

ADMIN = {"actor": "user:ada.admin", "purpose": "test clients"}


def test_a_client_name_is_unique_and_revoking_is_once(store: HubStore) -> None:
    assert store.add_api_client("Police PPN", role="referrer", key_id="0" * 16, key_hash="$argon2id$x", **ADMIN)
    assert not store.add_api_client("Police PPN", role="referrer", key_id="1" * 16, key_hash="$argon2id$y", **ADMIN)
    found = store.api_client_key("0" * 16)
    assert found is not None and found[0].name == "Police PPN" and found[1] == "$argon2id$x"
    assert store.api_client_key("1" * 16) is None
    assert store.revoke_api_client("Police PPN", **ADMIN)
    assert not store.revoke_api_client("Police PPN", **ADMIN)
    assert [client.revoked_at is not None for client in store.api_clients()] == [True]


def test_the_submitter_is_noted_with_a_new_referral_only(store: HubStore) -> None:
    referral = example_referral()
    assert store.save_referral(referral, actor="client:Police PPN", purpose="referral_intake", channel="api")
    assert not store.save_referral(referral, actor="client:Schools", purpose="referral_intake", channel="api")
    submission = store.submission(REFERRAL_ID)
    assert submission is not None and (submission.submitter, submission.channel) == ("client:Police PPN", "api")
    assert [each.referral_id for each in store.submissions_by("client:Police PPN")] == [REFERRAL_ID]
    assert store.submissions_by("client:Schools") == []
