"""`hub api-clients add|list|revoke`: the key shown once and kept only as a hash; administrators only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from hub.access.api_clients import client_for_key
from hub.access.guard import AccessRefused
from hub.access.roles import load_access_config
from hub.cli import app
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from hub.store.intake_tables import ApiClientRow
from tests.staff import add_staff, sign_in_as

NAME = "Northbridge Police PPN system"
KEY = re.compile(r"mash_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


@pytest.fixture
def store(hub_home: Path) -> HubStore:
    store = open_store(HubSettings.from_env())
    add_staff(store, "ada.admin", "administrator")
    add_staff(store, "sam.patel", "practitioner")
    return store


def hub(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output, result.exception


def test_a_client_is_added_with_its_key_shown_once_listed_and_revoked(store: HubStore) -> None:
    settings = HubSettings.from_env()
    sign_in_as(settings, store, "ada.admin")
    code, output, _ = hub("api-clients", "add", NAME, "--role", "referrer")
    assert code == 0, output
    keys = KEY.findall(output)
    assert len(keys) == 1
    with store.engine.connect() as connection:
        row = connection.execute(select(ApiClientRow)).one()
    assert row.key_hash.startswith("$argon2id$") and keys[0] not in row.key_hash
    config = load_access_config(settings)
    found = client_for_key(store, config, keys[0])
    assert found is not None and found[1].actor == f"client:{NAME}" and found[1].role == "referrer"
    code, listed, _ = hub("api-clients", "list")
    assert code == 0 and "Northbridge" in listed and "active" in listed and KEY.search(listed) is None
    assert hub("api-clients", "add", NAME, "--role", "referrer")[0] == 1
    assert hub("api-clients", "revoke", NAME)[0] == 0
    assert client_for_key(store, config, keys[0]) is None
    assert "revoked" in hub("api-clients", "list")[1]
    assert hub("api-clients", "revoke", NAME)[0] == 1
    actions = [(event.action, event.object_id) for event in store.audit_trail(actor="user:ada.admin")]
    assert ("user.add", f"client:{NAME}") in actions and ("user.change", f"client:{NAME}") in actions


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["add", "x", "--role", "referrer"], "The client's name must be 2 to 100"),
        (["add", NAME, "--role", "nobody"], "There is no role 'nobody'"),
    ],
)
def test_a_bad_name_or_role_is_one_line(store: HubStore, args: list[str], words: str) -> None:
    sign_in_as(HubSettings.from_env(), store, "ada.admin")
    code, _, error = hub("api-clients", *args)
    assert code == 1 and error is not None and str(error).startswith(words)
    assert store.api_clients() == []


def test_only_an_administrator_may(store: HubStore) -> None:
    sign_in_as(HubSettings.from_env(), store, "sam.patel")
    for args in (["add", NAME, "--role", "referrer"], ["list"], ["revoke", NAME]):
        assert isinstance(hub("api-clients", *args)[2], AccessRefused)
    assert store.api_clients() == []
    denied = [event for event in store.audit_trail(actor="user:sam.patel") if event.outcome == "denied"]
    assert len(denied) == 3
