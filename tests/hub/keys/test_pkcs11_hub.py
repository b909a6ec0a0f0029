"""A hub whose keys live in a real SoftHSM2 token: `hub keys init` in production, records stored and read,
`hub keys rotate` and `hub keys status` through the real CLI, the KEK never extractable, one session per process
shared by threads, and one unwrap per data key however many records it protects."""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pkcs11 import Attribute, ObjectClass
from pkcs11.exceptions import AttributeSensitive

from hub.audit.notary import AuditFiles
from hub.crypto import Keyring, intake_epoch
from hub.crypto.configured import configured_provider
from hub.crypto.pkcs11 import Pkcs11KeyProvider
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.keys import stored_key
from hub.store.tables import DataKey
from tests.hub.builders import REFERRAL_ID
from tests.hub.cli.test_bad_input import run_hub
from tests.hub.crypto.softhsm import Token, empty_process_token
from tests.hub.keys.population import WHO, assert_everything_reads, populate


class CountingProvider(Pkcs11KeyProvider):
    unwraps = 0

    def unwrap(self, wrapped: bytes, version: int) -> bytes:
        self.unwraps += 1
        return super().unwrap(wrapped, version)


@pytest.fixture
def token() -> Token:
    return empty_process_token()


def _settings(home: Path, token: Token) -> HubSettings:
    return HubSettings.from_env({"HUB_HOME": str(home), "HUB_ENVIRONMENT": "production", **token.environment()})


def test_a_hub_on_softhsm2_initialises_rotates_and_reads_everything(tmp_path: Path, token: Token) -> None:
    home = tmp_path / "home"
    environment = {"HUB_ENVIRONMENT": "production", **token.environment()}
    made = run_hub("keys", "init", home=home, **environment)
    assert made.returncode == 0, made.stderr
    assert f"Made KEK version 1 in PKCS#11 token '{token.label}'" in " ".join(made.stdout.split())

    settings = _settings(home, token)
    store = HubStore(
        settings.database_url,
        Pkcs11KeyProvider(token.module, token.label, token.pin),
        audit_files=AuditFiles.from_settings(settings),
    )
    store.create_schema()
    probes = populate(store, keys=200)
    store.close()
    provider = CountingProvider(token.module, token.label, token.pin)  # Another process: nothing cached.
    store = HubStore(settings.database_url, provider, audit_files=AuditFiles.from_settings(settings))
    store.load_replies(REFERRAL_ID, **WHO)
    store.latest_chronologies(REFERRAL_ID, **WHO)
    store.load_referral(REFERRAL_ID, **WHO)
    # Replies, recordings, the referral and two children's chronologies: one unwrap per data key, not per record.
    assert provider.unwraps == 3

    rotated = run_hub("keys", "rotate", home=home, **environment)
    assert rotated.returncode == 0, rotated.stderr
    assert "Made KEK version 2; 205 data keys to rewrap." in rotated.stdout
    status = json.loads(run_hub("keys", "status", "--json", home=home, **environment).stdout)
    assert (status["provider"], status["versions"], status["keys_per_version"]) == ("pkcs11", [1, 2], {"2": 205})
    assert {line["epoch"]: line["state"] for line in status["epochs"]} == {
        "disposal-2031": "live",
        intake_epoch(datetime.now(UTC)): "live",
        "permanent": "live",
    }
    assert assert_everything_reads(store, probes) == {2: 205}  # Objects the other process made are seen here.
    store.close()
    assert sorted(path.name for path in (home / "keys").iterdir()) == ["audit-signing.key"]  # No key file at all.


def test_the_kek_and_epoch_secrets_never_leave_the_token(token: Token) -> None:
    provider = Pkcs11KeyProvider(token.module, token.label, token.pin)
    provider.create_version()
    provider.create_epoch("pending")
    session = provider._open()
    secrets = list(session.get_objects({Attribute.CLASS: ObjectClass.SECRET_KEY}))
    assert sorted(secret.label for secret in secrets) == ["mash-hub-epoch:pending", "mash-hub-kek-v1"]
    for secret in secrets:
        assert secret[Attribute.SENSITIVE] and secret[Attribute.NEVER_EXTRACTABLE]
        assert not secret[Attribute.EXTRACTABLE]
        with pytest.raises(AttributeSensitive):
            secret[Attribute.VALUE]
    kek = next(secret for secret in secrets if secret.label == "mash-hub-kek-v1")
    assert not kek[Attribute.WRAP] and not kek[Attribute.SIGN]  # Encrypt and decrypt data keys, nothing else.


def test_one_session_per_process_shared_by_threads(tmp_path: Path, token: Token) -> None:
    settings = _settings(tmp_path / "home", token)
    provider = configured_provider(settings)
    assert configured_provider(settings) is provider  # Every store in the process shares it, and its session.
    assert isinstance(provider, Pkcs11KeyProvider)
    provider.create_version()
    provider.create_epoch("pending")
    keyring = Keyring(provider)
    made = [keyring.create(f"child:REF-{number}:S1", "pending") for number in range(64)]
    session = provider._open()

    def unwrap(number: int) -> bool:
        wrapped, dek = made[number]
        return Keyring(provider).unwrap(wrapped) == dek

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(unwrap, range(64)))
    assert provider._open() is session


def test_a_missing_token_or_wrong_pin_is_one_line(tmp_path: Path, token: Token) -> None:
    missing = Pkcs11KeyProvider(token.module, "no-such-token", token.pin)
    with pytest.raises(Exception, match="there is no PKCS#11 token labelled 'no-such-token'"):
        missing.versions()
    bad_pin = tmp_path / "pin"
    bad_pin.write_text("0000\n")
    bad_pin.chmod(0o600)
    refused = run_hub(
        "keys", "status", home=tmp_path / "home", **{**token.environment(), "HUB_PKCS11_PIN_FILE": str(bad_pin)}
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"cannot open the PKCS#11 token '{token.label}' (PinIncorrect)" in " ".join(refused.stderr.split())


def test_data_keys_rows_name_the_token_kek(tmp_path: Path, token: Token) -> None:
    settings = _settings(tmp_path / "home", token)
    provider = Pkcs11KeyProvider(token.module, token.label, token.pin)
    provider.create_version()
    store = HubStore(settings.database_url, provider, audit_files=AuditFiles.from_settings(settings))
    store.create_schema()
    populate(store, keys=0)
    with store.engine.connect() as connection:
        rows = [stored_key(row) for row in connection.execute(DataKey.__table__.select())]  # type: ignore[arg-type]
    assert {row.kek_id for row in rows} == {provider.kek_id(1)}
    assert provider.kek_id(1).startswith("pkcs11:v1:") and len(provider.kek_id(1)) == 42
    store.close()


def _unwraps_in_child(provider: Pkcs11KeyProvider, wrapped: object, dek: bytes, answer: object) -> None:
    answer.put(Keyring(provider).unwrap(wrapped) == dek)  # type: ignore[arg-type, attr-defined]


def test_a_forked_worker_opens_its_own_session(token: Token) -> None:
    """Airflow's workers fork: PKCS#11 handles are not valid across processes, so the child opens its own."""
    provider = Pkcs11KeyProvider(token.module, token.label, token.pin)
    provider.create_version()
    provider.create_epoch("pending")
    wrapped, dek = Keyring(provider).create("child:REF-1:S1", "pending")
    forking = multiprocessing.get_context("fork")
    answer = forking.Queue()
    child = forking.Process(target=_unwraps_in_child, args=(provider, wrapped, dek, answer))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0 and answer.get(timeout=5) is True
    assert Keyring(provider).unwrap(wrapped) == dek  # The parent's session still works.
