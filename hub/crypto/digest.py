"""Canonical JSON and keyed digests: equal content gives equal bytes, and digests reveal nothing.

A plain hash of a referral could be confirmed by anyone who can guess its content (names, birth
dates); an HMAC under a secret key cannot.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: one byte string per JSON value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def keyed_digest(key: bytes, domain: str, payload: bytes) -> str:
    """HMAC-SHA256 over `domain|payload` as hex; the domain keeps digests of different kinds apart."""
    return hmac.new(key, domain.encode("utf-8") + b"|" + payload, hashlib.sha256).hexdigest()
