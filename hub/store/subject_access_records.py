"""The store's part in a subject access request: finding a person by NHS number, and what only a SAR reads.

A mixin of `HubStore` (see `hub.store.audited` for why the store is put together this way). Most of
what a subject access export gathers is read through the store's ordinary methods (`load_referral`,
`load_reply`, `load_chronology`, `read_decisions`), so each read is checked against the audit trail and
audited exactly as any other. This mixin adds only what no other reader needs:

- `subject_access_lookup`: every referral subject the person index holds under one NHS number, each
  confirmed by decrypting it and comparing the NHS number exactly. The index's token for `nhs:<number>`
  is a keyed HMAC, so the lookup is as private as the prior-involvement search; a candidate that cannot
  be decrypted is returned as unreadable, never dropped, so "nothing held" is said only when nothing was
  found.
- `record_subject_access`: one `sar.export` event per referral included, and, in the same transaction,
  the practitioners' sealed reasons for the identity reviews about the person (nothing else reads those
  reasons back, so there is no separate read action for them: the `sar.export` event records them).
- A few metadata reads (ids only, not audited, like `chronology_versions`): which agencies hold a reply
  about a subject, which children have chronologies, whether a referral has a subject of that id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hub.audit import AuditAction
from hub.crypto import CryptoError, keyed_digest
from hub.errors import UserError
from hub.store.audited import AuditedStore
from hub.store.errors import UnreadableRecord
from hub.store.keys import existing_key
from hub.store.person_index import INDEX_KEY_ID, TOKEN_DOMAIN
from hub.store.reviews import LinkReview
from hub.store.tables import (
    AgencyReplyRow,
    ChronologyVersionRow,
    IndexedPersonRow,
    LinkReviewRow,
    PersonIndexTokenRow,
    ReferralRow,
)
from hub.store.unreadable import SealedRecord
from schemas import Person


@dataclass(frozen=True)
class IndexCandidate:
    """A referral subject found under the NHS number's token, and whether decrypting it confirmed them.

    `confirmed` is None when the entry could not be read (`unreadable` says why, in words with ids only).
    """

    referral_id: str
    subject_id: str
    confirmed: bool | None
    unreadable: str | None = None


@dataclass(frozen=True)
class ReviewWithReason:
    """An identity review about the person, with the practitioner's reason (None if undecided or unreadable)."""

    review: LinkReview
    reason: str | None
    unreadable: str | None = None


def unreadable_words(error: Exception) -> str:
    """Why a stored record could not be opened, in words naming no content.

    A `UserError`'s message already says it in ids (a tampered row, a shredded or missing key); the
    crypto layer's own errors are named by kind, as their messages may carry key ids only.
    """
    if isinstance(error, UserError):
        return str(error)
    if isinstance(error, CryptoError):
        return {
            "DecryptionError": "it failed authentication: it was altered, or moved from another record",
            "KeyUnwrapError": "its data key could not be unwrapped with the key-encryption key",
        }.get(type(error).__name__, f"it could not be decrypted ({type(error).__name__})")
    if isinstance(error, LookupError):
        return "its data key is missing (it may have been destroyed under the retention schedule)"
    return f"it could not be read ({type(error).__name__})"


UNREADABLE_ERRORS: tuple[type[Exception], ...] = (CryptoError, LookupError)
"""Besides any `UserError`: what opening one stored record can raise when the record, not the request, is at fault."""


class SubjectAccessRecords(AuditedStore):
    """Lookups and reads for `hub sar export` (`hub.sar`)."""

    def subject_access_lookup(self, nhs_number: str, *, actor: str, purpose: str) -> list[IndexCandidate]:
        """Every indexed referral subject holding exactly this NHS number (already validated), decrypted to confirm.

        Each candidate decrypted is audited (`prior_person.read`, under its referral), as prior-involvement
        lookups are. Returns every candidate the token found, confirmed or not, in referral order.
        """
        with self._audited(actor, purpose) as (session, access, now):
            index_key = existing_key(session, self._keyring, INDEX_KEY_ID)
            if index_key is None:  # No referral was ever indexed.
                return []
            token = keyed_digest(index_key, TOKEN_DOMAIN, f"nhs:{nhs_number}".encode())
            pairs = session.execute(
                select(PersonIndexTokenRow.referral_id, PersonIndexTokenRow.subject_id)
                .where(PersonIndexTokenRow.token == token)
                .order_by(PersonIndexTokenRow.referral_id, PersonIndexTokenRow.subject_id)
            ).all()
            found = []
            for referral_id, subject_id in pairs:
                row = session.get(IndexedPersonRow, (referral_id, subject_id))
                if row is None:
                    found.append(IndexCandidate(referral_id, subject_id, None, "its person index entry is missing"))
                    continue
                try:
                    record = SealedRecord.person_index(referral_id, subject_id)
                    document = self._open(session, record, row.key_id, row.ciphertext)
                except UnreadableRecord as error:  # Recorded here: this transaction goes on and commits.
                    self._unreadable(session, access, now, error)
                    found.append(IndexCandidate(referral_id, subject_id, None, unreadable_words(error)))
                    continue
                except UNREADABLE_ERRORS as error:
                    found.append(IndexCandidate(referral_id, subject_id, None, unreadable_words(error)))
                    continue
                person = Person.model_validate_json(document)
                found.append(IndexCandidate(referral_id, subject_id, person.identifiers.nhs_number == nhs_number))
                object_id = f"{referral_id}/{subject_id}"
                self._audit(session, access, now, AuditAction.PRIOR_PERSON_READ, object_id, referral_id)
        return found

    def indexed_subject(self, referral_id: str, subject_id: str) -> bool:
        """Whether the referral has a subject with this id (ids only, so not audited)."""
        with self._sessions() as session:
            return session.get(IndexedPersonRow, (referral_id, subject_id)) is not None

    def reply_agencies(self, referral_id: str, subject_id: str) -> list[str]:
        """The agencies holding a stored reply about one subject of a referral (ids only, not audited)."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(AgencyReplyRow.agency)
                    .where(AgencyReplyRow.referral_id == referral_id, AgencyReplyRow.subject_id == subject_id)
                    .order_by(AgencyReplyRow.agency)
                )
            )

    def chronology_children(self, referral_id: str) -> list[str]:
        """The children of a referral with at least one stored chronology version (ids only, not audited)."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(ChronologyVersionRow.child_subject_id)
                    .where(ChronologyVersionRow.referral_id == referral_id)
                    .distinct()
                    .order_by(ChronologyVersionRow.child_subject_id)
                )
            )

    def record_subject_access(
        self, referral_id: str, subject_id: str, request_id: str, *, actor: str, purpose: str
    ) -> list[ReviewWithReason]:
        """Record that this referral's records about `subject_id` went into subject access request `request_id`.

        One `sar.export` event (object `REF/SUBJECT/REQUEST`, under the referral) is written, and the
        identity reviews about the subject are returned with their reasons, read in the same transaction.
        A reason that cannot be opened is returned as unreadable, never left out.
        """
        with self._audited(actor, purpose) as (session, access, now):
            referral = session.get(ReferralRow, referral_id)
            rows = session.scalars(
                select(LinkReviewRow)
                .where(LinkReviewRow.referral_id == referral_id, LinkReviewRow.subject_id == subject_id)
                .order_by(LinkReviewRow.review_id)
            ).all()
            found = []
            for row in rows:
                review = LinkReview.of(row)
                if row.reason_ciphertext is None:
                    found.append(ReviewWithReason(review, None))
                    continue
                try:
                    key_id = row.key_id or (referral.key_id if referral is not None else "")
                    record = SealedRecord.link_review(row.review_id, referral_id)
                    reason = self._open(session, record, key_id, row.reason_ciphertext).decode("utf-8")
                    found.append(ReviewWithReason(review, reason))
                except UnreadableRecord as error:
                    self._unreadable(session, access, now, error)
                    found.append(ReviewWithReason(review, None, unreadable_words(error)))
                except UNREADABLE_ERRORS as error:
                    found.append(ReviewWithReason(review, None, unreadable_words(error)))
            object_id = f"{referral_id}/{subject_id}/{request_id}"
            self._audit(session, access, now, AuditAction.SAR_EXPORT, object_id, referral_id)
        return found
