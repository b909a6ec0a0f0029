"""Opening a stored ciphertext, and saying plainly why one cannot be opened.

Every read of a sealed column goes through `open_sealed`: it finds the record's data key, unwraps it
and authenticates the ciphertext, and turns any failure into one `UnreadableRecord` that names the
record by kind and ids (never its content), says why and what to do. Why one place: before it, a
tampered row, a destroyed key and a lost key-encryption key all ended in `internal error:
DecryptionError` (or `KeyUnwrapError`, or `LookupError`), exit 70 and no audit event, so nobody could
tell an attack from a retention run from a missing backup.

The three causes (`Unreadability`):
- **tampered**: the data key unwrapped but the ciphertext fails authentication (AES-GCM: altered,
  truncated or moved from another row), or the wrapped data key itself fails to unwrap under a
  key-encryption key (KEK) that is present;
- **key shredded**: the data key was destroyed on purpose under the retention schedule (a destruction
  record covers the referral, or the key's retention epoch was destroyed: `hub.crypto.KeyShredded`);
- **key missing**: no data key is stored and nothing says it was destroyed, or the KEK (version, epoch
  secret) that wrapped it is not in the key provider (`hub.crypto.KeyMissing`, or a KEK other than the
  configured one).

`SealedRecord` also holds each record's associated data, so a read and `hub audit verify` open a record
with the same bytes its writer sealed it with.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.crypto import DecryptionError, KeyMissing, Keyring, KeyShredded, KeyUnwrapError, decrypt, row_aad
from hub.store.errors import Unreadability, UnreadableRecord, safe_id
from hub.store.keys import existing_key
from hub.store.retention_tables import DestructionRecordRow

ADVICE = {
    Unreadability.TAMPERED: (
        "report this to information governance (IG) now: the store was changed outside the hub "
        "(`hub audit verify` lists every record affected; the operators can restore it from a backup)"
    ),
    Unreadability.KEY_SHREDDED: (
        "it was destroyed on purpose and can never be read again; nothing is wrong if it was past its "
        "disposal date (IG hold the destruction record)"
    ),
    Unreadability.KEY_MISSING: (
        "ask the hub's operators to restore the key (the key file or HSM token, or the database's data keys) "
        "from backup: see 'When a record cannot be read' in docs/deployment.md"
    ),
}
"""What to do, by cause: for IG, for nobody, for the operators (docs/information-governance.md)."""


@dataclass(frozen=True)
class SealedRecord:
    """One sealed value as the hub stores it: what it is called, where it belongs and how it was sealed.

    `code` and `trail_id` make its name in the audit trail (`record`); `described` is the words a person
    reads ("the chronology version 3 of child S1 on referral REF-1"); `aad` is the associated data its
    writer bound it to (`hub.crypto.row_aad`). Ids only: nothing here is personal data.
    """

    code: str
    trail_id: str
    referral_id: str | None
    described: str
    aad: bytes

    @property
    def record(self) -> str:
        """Its name in a `record.unreadable` event: kind and ids (`chronology-version:REF-1/S1/v3`)."""
        return f"{self.code}:{self.trail_id}"

    @classmethod
    def referral(cls, referral_id: str) -> SealedRecord:
        return cls(
            "referral",
            referral_id,
            referral_id,
            f"the referral {safe_id(referral_id)}",
            row_aad("referral", referral_id),
        )

    @classmethod
    def person_index(cls, referral_id: str, subject_id: str) -> SealedRecord:
        return cls(
            "person-index-entry",
            f"{referral_id}/{subject_id}",
            referral_id,
            f"the person index entry of subject {safe_id(subject_id)} on referral {safe_id(referral_id)}",
            row_aad("indexed-person", referral_id, subject_id),
        )

    @classmethod
    def reply(cls, referral_id: str, agency: str, subject_id: str) -> SealedRecord:
        return cls(
            "agency-reply",
            f"{referral_id}/{agency}/{subject_id}",
            referral_id,
            f"the {safe_id(agency)} reply about subject {safe_id(subject_id)} on referral {safe_id(referral_id)}",
            row_aad("reply", referral_id, agency, subject_id),
        )

    @classmethod
    def recording(cls, referral_id: str, agency: str, subject_id: str) -> SealedRecord:
        return cls(
            "agency-recording",
            f"{referral_id}/{agency}/{subject_id}",
            referral_id,
            f"the {safe_id(agency)} exchanges recorded for subject {safe_id(subject_id)} "
            f"on referral {safe_id(referral_id)}",
            row_aad("recording", referral_id, agency, subject_id),
        )

    @classmethod
    def chronology(cls, referral_id: str, child_subject_id: str, version: int) -> SealedRecord:
        return cls(
            "chronology-version",
            f"{referral_id}/{child_subject_id}/v{version}",
            referral_id,
            f"the chronology version {version} of child {safe_id(child_subject_id)} on referral {safe_id(referral_id)}",
            row_aad("chronology", referral_id, child_subject_id, version),
        )

    @classmethod
    def quality(cls, referral_id: str) -> SealedRecord:
        return cls(
            "quality-assessment",
            referral_id,
            referral_id,
            f"the quality assessment of referral {safe_id(referral_id)}",
            row_aad("referral-quality", referral_id),
        )

    @classmethod
    def decision(cls, referral_id: str, number: int) -> SealedRecord:
        return cls(
            "mash-decision",
            f"{referral_id}/decision/{number}",
            referral_id,
            f"the rationale of MASH decision {number} on referral {safe_id(referral_id)}",
            row_aad("mash-decision", referral_id, number),
        )

    @classmethod
    def sign_off_note(cls, referral_id: str, number: int) -> SealedRecord:
        return cls(
            "mash-decision-sign-off",
            f"{referral_id}/decision/{number}",
            referral_id,
            f"the manager's sign-off note on MASH decision {number} of referral {safe_id(referral_id)}",
            row_aad("mash-decision-note", referral_id, number),
        )

    @classmethod
    def link_review(cls, review_id: int, referral_id: str) -> SealedRecord:
        return cls(
            "link-review",
            str(review_id),
            referral_id,
            f"the reason recorded for link review {review_id} on referral {safe_id(referral_id)}",
            row_aad("review", str(review_id)),
        )

    @classmethod
    def break_glass_note(cls, number: int, referral_id: str) -> SealedRecord:
        return cls(
            "break-glass-note",
            str(number),
            referral_id,
            f"the reason given for break-glass access {number}",
            row_aad("break-glass-note", number),
        )

    @classmethod
    def break_glass_review(cls, number: int, referral_id: str) -> SealedRecord:
        return cls(
            "break-glass-review",
            str(number),
            referral_id,
            f"the review note of break-glass access {number}",
            row_aad("break-glass-review", number),
        )

    @classmethod
    def legal_hold_note(cls, hold_id: int, referral_id: str) -> SealedRecord:
        return cls(
            "legal-hold-note",
            str(hold_id),
            referral_id,
            f"the note of legal hold {hold_id} on referral {safe_id(referral_id)}",
            row_aad("legal-hold", hold_id),
        )

    @classmethod
    def legal_hold_release(cls, hold_id: int, referral_id: str) -> SealedRecord:
        return cls(
            "legal-hold-release",
            str(hold_id),
            referral_id,
            f"the release note of legal hold {hold_id} on referral {safe_id(referral_id)}",
            row_aad("legal-hold-release", hold_id),
        )

    @classmethod
    def staff_totp(cls, username: str) -> SealedRecord:
        return cls(
            "staff-totp",
            username,
            None,
            f"the authenticator secret of account {safe_id(username)}",
            row_aad("staff-totp", username),
        )

    @classmethod
    def callback(cls, token: str, referral_id: str, agency: str, subject_id: str) -> SealedRecord:
        """A reply an agency pushed: named by referral, agency and subject, never by its (secret) token."""
        return cls(
            "agency-callback",
            f"{referral_id}/{agency}/{subject_id}",
            referral_id,
            f"a reply {safe_id(agency)} pushed about subject {safe_id(subject_id)} on referral {safe_id(referral_id)}",
            row_aad("callback", token),
        )


@dataclass(frozen=True)
class Failure:
    """Why a record cannot be read: the cause and its words (for a data key: every record sealed under it)."""

    cause: Unreadability
    why: str


def unreadable(record: SealedRecord, failure: Failure) -> UnreadableRecord:
    """The one-line error for `record`: which record, why, and what to do."""
    return UnreadableRecord(
        f"{record.described} cannot be read ({failure.cause.words}): {failure.why}; {ADVICE[failure.cause]}",
        record=record.record,
        referral_id=record.referral_id,
        cause=failure.cause,
    )


def destruction_record(session: Session, referral_id: str | None) -> int | None:
    """The number of the destruction record covering `referral_id`, if the retention schedule destroyed it."""
    if referral_id is None:
        return None
    statement = select(DestructionRecordRow.record_id).where(DestructionRecordRow.referral_id == referral_id)
    return session.scalar(statement.order_by(DestructionRecordRow.record_id).limit(1))


def key_or_failure(session: Session, keyring: Keyring, key_id: str, referral_id: str | None) -> bytes | Failure:
    """The data key `key_id`, or why it cannot be had (the same for every record sealed under it).

    The order is `hub.crypto.errors`' contract: shredded and missing are kinds of unwrap failure, and any
    other unwrap failure, under a KEK the provider holds, means the stored wrapped key was altered.
    """
    try:
        key = existing_key(session, keyring, key_id)
    except KeyShredded:
        return Failure(Unreadability.KEY_SHREDDED, "its data key's retention epoch was destroyed")
    except KeyMissing:
        return Failure(
            Unreadability.KEY_MISSING,
            "the key provider does not hold the key-encryption key or epoch secret its data key was wrapped with",
        )
    except KeyUnwrapError:
        return Failure(
            Unreadability.TAMPERED, "its wrapped data key fails to unwrap under the key-encryption key that wrapped it"
        )
    if key is not None:
        return key
    number = destruction_record(session, referral_id)
    if number is not None:
        return Failure(
            Unreadability.KEY_SHREDDED,
            f"its data key was destroyed under the retention schedule (destruction record {number})",
        )
    return Failure(Unreadability.KEY_MISSING, "no data key is stored for it, and no destruction record says why")


def stored_key(session: Session, keyring: Keyring, key_id: str) -> bytes:
    """An existing data key a write seals more under (a referral's, a child's), or `UnreadableRecord` naming it.

    A write that cannot have its key fails as a read would, in one line with the cause, not as a bare
    `LookupError` or `KeyUnwrapError`: nothing can be added to records whose key is gone or altered.
    """
    kind, _, rest = key_id.partition(":")
    referral_id = rest.split(":", 1)[0] if kind in ("referral", "child") and rest else None
    key = key_or_failure(session, keyring, key_id, referral_id)
    if isinstance(key, Failure):
        whose = f"referral {safe_id(referral_id)}" if referral_id else "the hub"
        raise UnreadableRecord(
            f"the records of {whose} sealed under data key {safe_id(key_id)} cannot be read or added to "
            f"({key.cause.words}): {key.why}; {ADVICE[key.cause]}",
            record=f"data-key:{key_id}",
            referral_id=referral_id,
            cause=key.cause,
        )
    return key


CIPHERTEXT_ALTERED = Failure(Unreadability.TAMPERED, "its ciphertext fails authentication under its data key")


def open_with(key: bytes, record: SealedRecord, sealed: bytes) -> bytes:
    """Authenticate and open `sealed` under `key`, or raise `UnreadableRecord` (tampered)."""
    try:
        return decrypt(key, sealed, record.aad)
    except DecryptionError:
        raise unreadable(record, CIPHERTEXT_ALTERED) from None


def open_sealed(session: Session, keyring: Keyring, record: SealedRecord, key_id: str, sealed: bytes) -> bytes:
    """The plaintext of one stored record, or `UnreadableRecord` saying which record, why and what to do."""
    key = key_or_failure(session, keyring, key_id, record.referral_id)
    if isinstance(key, Failure):
        raise unreadable(record, key)
    return open_with(key, record, sealed)
