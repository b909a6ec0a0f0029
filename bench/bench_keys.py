"""Key rotation throughput and the unwrap cost of reading a chronology, with local key files and SoftHSM2.

Run with `uv run python bench/bench_keys.py [--keys N]`. Prints figures; asserts nothing. Not part of the tests.

- Rotation: `N` data keys (half in `pending`, half in a disposal epoch) on SQLite, rewrapped under a new KEK
  version by `hub.keys.rotate` in batches of 500, each batch one audited transaction, as `hub keys rotate`
  does; keys per second, for each provider.
- Chronology read: one referral with two children, read as a practitioner's page reads it (the referral,
  its replies and the children's latest chronologies) by a fresh store (nothing cached, as a new process)
  and again by the same store (cached); how many unwraps each costs and how long one unwrap takes.
SoftHSM2 gets a token of its own in a temporary folder (`SOFTHSM2_CONF`), made before the PKCS#11 library
loads; it is skipped, with a note, where SoftHSM2 is not installed.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from hub.audit.notary import AuditFiles
from hub.chronology.assembly import assemble
from hub.crypto import KeyProvider, Keyring, LocalKeyProvider
from hub.keys import rotate
from hub.store import HubStore
from hub.store.keys import child_key_id
from hub.store.tables import DataKey
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral, household_replies

SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
ACTOR, PURPOSE = "service:bench", "bench"
NOW = datetime(2026, 11, 2, tzinfo=UTC)


class Counting:
    """Counts a provider's unwraps and the time they take (wrapping the real provider, not replacing it)."""

    def __init__(self, inner: KeyProvider) -> None:
        self.inner = inner
        self.unwraps = 0
        self.seconds = 0.0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def unwrap(self, wrapped: bytes, version: int) -> bytes:
        started = time.perf_counter()
        try:
            return self.inner.unwrap(wrapped, version)
        finally:
            self.seconds += time.perf_counter() - started
            self.unwraps += 1


def _store(folder: Path, provider: KeyProvider) -> HubStore:
    store = HubStore(f"sqlite:///{folder / 'hub.db'}", provider, audit_files=AuditFiles.beside(folder / "keys" / "x"))
    store.create_schema()
    return store


def _populate(store: HubStore, provider: KeyProvider, keys: int) -> None:
    store.save_referral(example_referral(), actor=ACTOR, purpose=PURPOSE)
    for answer in household_replies():
        store.save_reply(answer, actor="service:bench")
    for chronology in assemble(example_referral(), household_replies(), assembled_at=ASSEMBLED_AT):
        store.save_chronology(chronology, actor="service:bench")
    provider.create_epoch("disposal-2031")
    keyring = Keyring(provider)
    rows = []
    for number in range(keys):
        wrapped, _ = keyring.create(
            child_key_id(f"REF-B-{number:06d}", "S1"), "pending" if number % 2 else "disposal-2031"
        )
        rows.append(
            {
                "key_id": wrapped.key_id,
                "wrapped_key": wrapped.wrapped,
                "kek_id": wrapped.kek_id,
                "kek_version": wrapped.kek_version,
                "epoch": wrapped.epoch,
                "created_at": NOW,
            }
        )
    with store.engine.begin() as connection:
        connection.execute(insert(DataKey), rows)


def _read_page(store: HubStore) -> None:
    store.load_referral(REFERRAL_ID, actor=ACTOR, purpose=PURPOSE)
    store.load_replies(REFERRAL_ID, actor=ACTOR, purpose=PURPOSE)
    store.latest_chronologies(REFERRAL_ID, actor=ACTOR, purpose=PURPOSE)


def measure(name: str, folder: Path, make: Callable[[], KeyProvider], keys: int) -> None:
    provider = make()
    provider.create_version()
    store = _store(folder, provider)
    _populate(store, provider, keys)
    started = time.perf_counter()
    done = rotate(store, batch_size=500)
    seconds = time.perf_counter() - started
    print(
        f"{name:<10} rotation: {done.rewrapped:,} data keys in {seconds:.2f} s = {done.rewrapped / seconds:,.0f} keys/s"
    )
    store.close()

    counting = Counting(make())
    fresh = _store(folder, counting)  # type: ignore[arg-type]
    started = time.perf_counter()
    _read_page(fresh)
    cold = time.perf_counter() - started
    cold_unwraps, unwrap_seconds = counting.unwraps, counting.seconds
    started = time.perf_counter()
    _read_page(fresh)
    warm = time.perf_counter() - started
    print(
        f"{name:<10} chronology read (referral, replies, 2 children's chronologies): "
        f"{cold_unwraps} unwraps, {unwrap_seconds / max(cold_unwraps, 1) * 1e6:,.0f} µs each (with the epoch mask "
        f"{_mask_cost(counting.inner) * 1e6:,.0f} µs more); page read {cold * 1e3:.1f} ms cold, "
        f"{warm * 1e3:.1f} ms cached ({counting.unwraps - cold_unwraps} more unwraps)"
    )
    fresh.close()


def _mask_cost(provider: KeyProvider) -> float:
    started = time.perf_counter()
    for _ in range(200):
        provider.epoch_mask("pending", "child:REF-B-000001:S1")
    return (time.perf_counter() - started) / 200


@contextmanager
def softhsm_token() -> Iterator[Callable[[], KeyProvider] | None]:
    if not SOFTHSM.exists() or not shutil.which("softhsm2-util"):
        print("softhsm2 skipped: SoftHSM2 is not installed (apt-get install softhsm2)")
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-softhsm-"))
    try:
        (folder / "tokens").mkdir()
        conf = folder / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
        os.environ["SOFTHSM2_CONF"] = str(conf)
        pin = secrets.token_hex(8)
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", "bench", "--pin", pin, "--so-pin", pin],
            check=True,
            capture_output=True,
        )
        from hub.crypto.pkcs11 import Pkcs11KeyProvider

        yield lambda: Pkcs11KeyProvider(SOFTHSM, "bench", pin)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=20_000, help="bulk data keys to rotate (default 20,000)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as local_folder:
        path = Path(local_folder)
        measure(
            "local", path, lambda: LocalKeyProvider(path / "keys" / "kek.bin", create_missing=False), arguments.keys
        )
    with softhsm_token() as make, tempfile.TemporaryDirectory() as hsm_folder:
        if make is not None:
            measure("softhsm2", Path(hsm_folder), make, arguments.keys)


if __name__ == "__main__":
    main()
