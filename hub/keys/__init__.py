"""Key management for operators: the first key, rotation, retirement and status (`hub keys ...`).

Thin public module. The key provider interface is `hub.crypto.providers`; the store's side (audited
batches, counts) is `hub.store.key_records`.
"""

from hub.keys.rotation import Rotation, rotate
from hub.keys.status import KeyStatus, key_status

__all__ = ["KeyStatus", "Rotation", "key_status", "rotate"]
