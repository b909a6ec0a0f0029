"""After a restore: does every stored record open with the keys that came back with it?

Checked in the staging copy, before it is moved into place. Every data key is unwrapped through the key
provider the restored home uses, which is what a restore most often gets wrong (a key file left out, an HSM
token without the KEK versions the backup needs). A key destroyed under the retention schedule since the
backup was made (with an HSM, an old backup's destroyed epochs stay destroyed) is expected and counted
apart: `hub retention run` then deletes those records' rows again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.crypto import CryptoError, Keyring, KeyShredded
from hub.crypto.configured import configured_provider
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.keys import stored_key
from hub.store.tables import DataKey

PROGRESS_EVERY = 1000


@dataclass
class RecordCheck:
    keys: int = 0
    """Data keys unwrapped."""
    shredded: list[str] = field(default_factory=list)
    """Ids of data keys destroyed under the retention schedule since the backup."""
    problems: list[str] = field(default_factory=list)
    """One line per key that failed otherwise (missing, altered): ids and causes, nothing personal."""

    @property
    def ok(self) -> bool:
        return not self.problems


def check_records(store: HubStore, settings: HubSettings, progress: Callable[[str], None]) -> RecordCheck:
    """Unwrap every data key of the restored store through its configured key provider."""
    keyring = Keyring(configured_provider(settings))
    check = RecordCheck()
    with Session(store.engine) as session:
        total = session.scalar(select(func.count()).select_from(DataKey)) or 0
        for row in session.scalars(select(DataKey).order_by(DataKey.key_id)):
            try:
                keyring.unwrap(stored_key(row))
                check.keys += 1
            except KeyShredded:
                check.shredded.append(row.key_id)
            except CryptoError as error:
                check.problems.append(f"data key {row.key_id}: {error}")
            done = check.keys + len(check.shredded) + len(check.problems)
            if done % PROGRESS_EVERY == 0 or done == total:
                progress(f"  records' keys: {done:,} of {total:,} checked")
    keyring.forget()
    return check
