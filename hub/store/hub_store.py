"""`HubStore`: the encrypted store. Every read and write of personal data is audited in its own transaction.

Layout of protection:
- the referral document and its agency replies are sealed under the referral's data key;
- each child's chronology versions are sealed under that child's data key;
- associated data names the row, so a ciphertext copied to another row will not open;
- digests are HMACs under a stored (wrapped) digest key, so they reveal nothing about content.

This module holds the referrals, the person index they feed (prior involvement) and the audit
trail's reads; replies, the review queue and chronologies are mixins of their own, on the shared
audited transaction of `hub.store.audited` (whose docstring says why mixins).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit import AuditAction, AuditEvent, AuditVerification
from hub.crypto import canonical_json, encrypt, keyed_digest, row_aad
from hub.store import audit_check, audit_log
from hub.store.access_records import AccessRecords
from hub.store.audit_log import Access
from hub.store.audit_reading import AuditReading
from hub.store.backup_records import BackupRecords
from hub.store.bound_rows import check_written, referral_digest, written
from hub.store.check_ledger import CheckLedger
from hub.store.chronology_records import ChronologyRecords
from hub.store.decision_records import DecisionRecords
from hub.store.engine import upsert
from hub.store.errors import ReferralConflict, UnknownReferral
from hub.store.insight_records import InsightRecords
from hub.store.intake_records import IntakeRecords
from hub.store.key_records import KeyRecords
from hub.store.keys import data_key, referral_key_id
from hub.store.pending_jobs import CallbackDeliveries, StoredJobBook
from hub.store.person_index import INDEX_KEY_ID, TOKEN_DOMAIN, IndexedSubject, blocking_keys, chunks
from hub.store.quality_records import QualityRecords
from hub.store.record_check import RecordChecks
from hub.store.reply_records import ReplyRecords
from hub.store.resilience_state import SqlResilienceState
from hub.store.retention_records import RetentionRecords
from hub.store.review_queue import ReviewQueue
from hub.store.subject_access_records import SubjectAccessRecords
from hub.store.tables import IndexedPersonRow, PersonIndexTokenRow, ReferralChecksRow, ReferralRow
from hub.store.unreadable import SealedRecord
from hub.store.web_session_records import WebSessionRecords
from schemas import ChecksStage, Person, Referral


def _token(index_key: bytes, blocking_key: str) -> str:
    return keyed_digest(index_key, TOKEN_DOMAIN, blocking_key.encode("utf-8"))


class HubStore(
    ReplyRecords,
    ReviewQueue,
    QualityRecords,
    ChronologyRecords,
    CheckLedger,
    CallbackDeliveries,
    AccessRecords,
    WebSessionRecords,
    AuditReading,
    DecisionRecords,
    IntakeRecords,
    InsightRecords,
    KeyRecords,
    BackupRecords,
    SubjectAccessRecords,
    RetentionRecords,
    RecordChecks,
):
    """Encrypted, audited storage of referrals, agency replies and chronology versions.

    `HubStore(url, key_provider, *, lawful_basis=..., clock=...)`: see `AuditedStore.__init__`.
    """

    # Referrals

    def save_referral(
        self, referral: Referral, *, actor: str, purpose: str, for_checks: bool = False, channel: str | None = None
    ) -> bool:
        """Store a referral; True if new, False if this exact referral is already stored.

        Raises `ReferralConflict` if the id is taken by different content: referrals are never
        overwritten, so what was received stays what is on record. With `for_checks`, the same
        transaction records its checks as not started, so a referral stored but never triggered (the
        process died, Airflow refused) is found and triggered by the reconciler, never forgotten. With
        `channel`, a new referral's submitter (`actor`) and channel are noted in the same transaction.
        """
        with self._audited(actor, purpose) as (session, access, now):
            created = self._save_referral(session, access, now, referral)
            if created and channel is not None:
                self._note_submission(session, referral.referral_id, actor, channel, now)
            if for_checks:
                values = {
                    "referral_id": referral.referral_id,
                    "state": ChecksStage.NOT_STARTED.value,
                    "trigger_attempts": 0,
                    "updated_at": now,
                }
                upsert(session, ReferralChecksRow.__table__, values, ["referral_id"])  # type: ignore[arg-type]
            return created

    def save_referrals(
        self, referrals: Iterable[Referral], *, actor: str, purpose: str, batch_size: int = 500
    ) -> tuple[int, int]:
        """Store many referrals (e.g. a council's earlier ones, for prior involvement), a batch per transaction.

        Each is stored and audited as `save_referral` does; returns (new, already stored).
        """
        new = existing = 0
        batch: list[Referral] = []
        for referral in [*referrals, None]:
            if referral is not None:
                batch.append(referral)
            if batch and (referral is None or len(batch) >= batch_size):
                with self._audited(actor, purpose) as (session, access, now):
                    created = sum(self._save_referral(session, access, now, each) for each in batch)
                new, existing, batch = new + created, existing + len(batch) - created, []
        return new, existing

    def _save_referral(self, session: Session, access: Access, now: datetime, referral: Referral) -> bool:
        document = canonical_json(referral.model_dump(mode="json"))
        digest = keyed_digest(self._digest_key(session, now), "referral", document)
        existing = session.get(ReferralRow, referral.referral_id)
        if existing is not None:
            if existing.digest != digest:
                raise ReferralConflict(referral.referral_id)
            return False
        key_id = referral_key_id(referral.referral_id)
        key = data_key(session, self._keyring, key_id, now=now)
        ciphertext = encrypt(key, document, row_aad("referral", referral.referral_id))
        session.add(
            ReferralRow(
                referral_id=referral.referral_id,
                received_at=referral.received_at,
                rag=referral.rag.value,
                key_id=key_id,
                ciphertext=ciphertext,
                digest=digest,
            )
        )
        self._index_subjects(session, referral, key_id, key, now)
        self._record_insight(session, now, referral)  # The insight reports' plain facts, in the same transaction.
        written_digest = referral_digest(referral.referral_id, ciphertext)
        action = AuditAction.REFERRAL_CREATE
        self._audit(session, access, now, action, referral.referral_id, referral.referral_id, written_digest)
        session.flush()  # So a repeat of this id later in the same batch is seen as already stored.
        return True

    def load_referral(self, referral_id: str, *, actor: str, purpose: str) -> Referral:
        """Decrypt a referral; raises `UnknownReferral` if none is stored under this id."""
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(ReferralRow, referral_id)
            stored = None if row is None else referral_digest(referral_id, row.ciphertext)
            log = written(session, referral_id, AuditAction.REFERRAL_CREATE)
            check_written(log, AuditAction.REFERRAL_CREATE, referral_id, stored)
            if row is None:
                raise UnknownReferral(referral_id)
            document = self._open(session, SealedRecord.referral(referral_id), row.key_id, row.ciphertext)
            self._audit(session, access, now, AuditAction.REFERRAL_READ, referral_id, referral_id)
        return Referral.model_validate_json(document)

    def prior_involvement(
        self, person: Person, *, excluding: str, actor: str, purpose: str, limit: int = 50
    ) -> list[IndexedSubject]:
        """Subjects of other referrals sharing a blocking key with `person`, likeliest first.

        Only they are decrypted (each read audited against its own referral); whether one is the
        same person is the linkage model's judgement, not this lookup's.
        """
        with self._audited(actor, purpose) as (session, access, now):
            index_key = data_key(session, self._keyring, INDEX_KEY_ID, now=now)
            tokens = sorted(_token(index_key, key) for key in blocking_keys(person))
            shared: Counter[tuple[str, str]] = Counter()
            for batch in chunks(tokens):
                rows = session.execute(
                    select(PersonIndexTokenRow.referral_id, PersonIndexTokenRow.subject_id).where(
                        PersonIndexTokenRow.token.in_(batch), PersonIndexTokenRow.referral_id != excluding
                    )
                )
                shared.update((row.referral_id, row.subject_id) for row in rows)
            found = []
            for (referral_id, subject_id), count in sorted(shared.items(), key=lambda item: (-item[1], item[0]))[
                :limit
            ]:
                row = session.get(IndexedPersonRow, (referral_id, subject_id))
                if row is None:
                    continue
                record = SealedRecord.person_index(referral_id, subject_id)
                document = self._open(session, record, row.key_id, row.ciphertext)
                found.append(
                    IndexedSubject(
                        referral_id, subject_id, row.received_at, Person.model_validate_json(document), count
                    )
                )
                object_id = f"{referral_id}/{subject_id}"
                self._audit(session, access, now, AuditAction.PRIOR_PERSON_READ, object_id, referral_id)
        return found

    def _index_subjects(self, session: Session, referral: Referral, key_id: str, key: bytes, now: datetime) -> None:
        """Index every subject of a newly stored referral, in its transaction."""
        index_key = data_key(session, self._keyring, INDEX_KEY_ID, now=now)
        for subject in referral.subjects:
            aad = row_aad("indexed-person", referral.referral_id, subject.subject_id)
            session.add(
                IndexedPersonRow(
                    referral_id=referral.referral_id,
                    subject_id=subject.subject_id,
                    received_at=referral.received_at,
                    key_id=key_id,
                    ciphertext=encrypt(key, subject.person.model_dump_json().encode("utf-8"), aad),
                )
            )
            for token in sorted({_token(index_key, key) for key in blocking_keys(subject.person)}):
                session.add(
                    PersonIndexTokenRow(token=token, referral_id=referral.referral_id, subject_id=subject.subject_id)
                )

    def referral_exists(self, referral_id: str) -> bool:
        """Whether a referral is stored; metadata only, so not audited."""
        with self._sessions() as session:
            return session.get(ReferralRow, referral_id) is not None

    def resilience_state(self) -> SqlResilienceState:
        """Rate-limit and circuit-breaker state shared through this database by every worker."""
        return SqlResilienceState(self.engine)

    def job_book(
        self, referral_id: str, agency: str, subject_id: str, *, actor: str, callback_base: str | None = None
    ) -> StoredJobBook:
        """Where one check writes down jobs an agency accepted for a later reply (`connectors.sdk.jobs`).

        `callback_base` is the hub's callback endpoint as agencies reach it; without one, replies are polled.
        """
        return StoredJobBook(self, referral_id, agency, subject_id, actor=actor, callback_base=callback_base)

    # Audit

    def audit_trail(
        self, *, referral_id: str | None = None, actor: str | None = None, action: str | None = None
    ) -> list[AuditEvent]:
        """Audit events in chain order, optionally filtered (ids only, so reading them is not audited)."""
        with self._sessions() as session:
            return audit_log.events(session, referral_id=referral_id, actor=actor, action=action)

    def verify_audit_trail(self) -> AuditVerification:
        """Check every event against the signed checkpoints and the witness, and every bound row against the log."""
        with self._sessions() as session:
            origin = audit_check.log_origin(session)
        witnessed = audit_check.read_witnesses(self.notary, origin)  # Before the snapshot: never ahead of it.
        with self._sessions() as session:
            return audit_check.verify(session, self.notary, witnessed)

    def prove_audit_event(self, seq: int) -> dict[str, object]:
        """An inclusion proof of event `seq` against the newest signed checkpoint (JSON-ready)."""
        with self._sessions() as session:
            return audit_check.prove(session, seq)
