"""Store failures. Messages carry opaque ids only, never personal data."""

from __future__ import annotations

import re
from enum import StrEnum

from hub.errors import UserError

_OPAQUE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


def safe_id(value: str) -> str:
    """The id itself if it looks like an opaque id; otherwise a placeholder, in case a name was typed."""
    return value if _OPAQUE_ID.match(value) else "(not a valid id)"


class StoreError(Exception):
    """Base class for failures raised by `hub.store`."""


class UnknownReferral(StoreError, UserError):
    """No referral is stored under this id."""

    def __init__(self, referral_id: str) -> None:
        super().__init__(f"no referral is stored with id {safe_id(referral_id)}; check the id (hub referrals list)")
        self.referral_id = referral_id


class ReferralConflict(StoreError, UserError):
    """A different referral is already stored under this id; referrals are never overwritten."""

    def __init__(self, referral_id: str) -> None:
        super().__init__(
            f"referral {safe_id(referral_id)} is already stored with different content; "
            "submit the new information under a new referral id"
        )
        self.referral_id = referral_id


class UnknownReview(StoreError, UserError):
    """No link review has this number."""

    def __init__(self, review_id: int) -> None:
        super().__init__(f"no link review number {review_id}; `hub review list` shows the open ones")
        self.review_id = review_id


class ReviewAlreadyDecided(StoreError, UserError):
    """A practitioner already decided this review; decisions are kept, not overwritten."""

    def __init__(self, review_id: int, status: str) -> None:
        super().__init__(f"link review {review_id} was already {status}; its decision stands and is in the audit trail")
        self.review_id = review_id


class Unreadability(StrEnum):
    """Why a stored record cannot be read: the `outcome` of its `record.unreadable` audit event.

    The three call for different people: tampering for IG (the store was changed outside the hub), a
    shredded key for nobody (retention destroyed it on purpose), a missing key for the operators (restore
    the key file, HSM token or database from backup). `hub.store.unreadable` decides which.
    """

    TAMPERED = "tampered"
    KEY_SHREDDED = "key_shredded"
    KEY_MISSING = "key_missing"

    @property
    def words(self) -> str:
        return self.value.replace("_", " ")


class UnreadableRecord(StoreError, UserError):
    """A stored record cannot be read; the message names it by kind and ids, never by content.

    `record` is its name in the audit trail (`chronology-version:REF-1/S1/v3`), `referral_id` the
    referral it belongs to (None for an account's or a break-glass's own records), `cause` why.
    The store records a `record.unreadable` event for it in a transaction of its own (`recorded`
    once it has), since the failed read's transaction rolls back.
    """

    def __init__(self, message: str, *, record: str, referral_id: str | None, cause: Unreadability) -> None:
        super().__init__(message)
        self.record = record
        self.referral_id = referral_id
        self.cause = cause
        self.recorded = False


class RecordTampered(UnreadableRecord):
    """A stored row no longer matches what the audit trail records as written: it is not shown.

    Deleted, rolled back to an earlier version or swapped with another row's outside the hub; showing
    whatever is there instead (an older chronology, another child's) would mislead a practitioner.
    """

    def __init__(self, kind: str, object_id: str, how: str) -> None:
        shown = "/".join(safe_id(part) for part in object_id.split("/"))
        super().__init__(
            f"the stored {kind} {shown} {how}, so it is not shown (tampered); report this to information governance "
            "(IG) now: the store was changed outside the hub (`hub audit verify` lists what else was)",
            record=f"{kind.lower().replace(' ', '-')}:{object_id}",
            referral_id=object_id.split("/", 1)[0],
            cause=Unreadability.TAMPERED,
        )
        self.kind = kind
        self.object_id = object_id


class UnknownBreakGlass(StoreError, UserError):
    """No break-glass access has this number."""

    def __init__(self, number: int) -> None:
        super().__init__(f"there is no break-glass access number {number}; list them with `hub access list`")
        self.number = number


class BreakGlassAlreadyReviewed(StoreError, UserError):
    """A break-glass access is reviewed once."""

    def __init__(self, number: int, review: str) -> None:
        super().__init__(f"break-glass access {number} was already reviewed ({review})")
        self.number = number
