"""Partner systems' API keys: made once, shown once, kept only as an argon2id hash; and who a key belongs to.

A key reads `mash_<key id>_<secret>`. The key id is public (it finds the client's row, so a request costs
one argon2 check, not one per client); the secret is 32 random bytes (256 bits), checked against its
argon2id hash. A key that is malformed, unknown, revoked, wrong, or whose client's role `roles.yaml` no
longer has, is refused the same way and in about the same time, so a caller learns nothing of which.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from hub.access.credentials import hash_password, password_matches
from hub.access.principal import Principal
from hub.access.roles import AccessConfig
from hub.errors import UserError
from hub.store import HubStore
from hub.store.intake_records import CLIENT_PREFIX, ApiClient

KEY_PREFIX = "mash_"
KEY_FORMAT = re.compile(r"mash_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
NAME_FORMAT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,'()&/-]{1,99}")
METHOD = "api_key"
ADD_PURPOSE = "api client administration"


@dataclass(frozen=True)
class ClientPrincipal(Principal):
    """A partner system acting through the API: the audit trail records it as `client:<name>`."""

    @property
    def actor(self) -> str:
        return f"{CLIENT_PREFIX}{self.username}"


@dataclass(frozen=True)
class NewKey:
    key_id: str
    key: str
    key_hash: str


def new_key() -> NewKey:
    """A fresh key and the hash to keep of it (the key itself is shown once and never stored)."""
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    return NewKey(key_id, f"{KEY_PREFIX}{key_id}_{secret}", hash_password(secret))


def check_client_name(name: str) -> str:
    """A client's name as given, or a one-line `UserError` naming what is wrong with it."""
    if not NAME_FORMAT.fullmatch(name):
        raise UserError(
            "The client's name must be 2 to 100 letters, digits, spaces or . , ' ( ) & / - and start with a letter "
            'or digit, e.g. "Northbridge Police PPN system".'
        )
    return name


def client_for_key(store: HubStore, config: AccessConfig, key: str) -> tuple[ApiClient, ClientPrincipal] | None:
    """The active client this key belongs to and its principal; None for any key that is not good."""
    found = KEY_FORMAT.fullmatch(key)
    record = store.api_client_key(found.group(1)) if found else None
    client, key_hash = record if record is not None else (None, None)
    matches = password_matches(key_hash, found.group(2) if found else key)  # the same argon2 cost either way
    if client is None or not matches or client.revoked_at is not None or client.role not in config.roles:
        return None
    spec = config.roles[client.role]
    return client, ClientPrincipal(client.name, client.role, METHOD, frozenset(spec.restricted_agencies))
