"""`HubStore`: the encrypted store. Every read and write of personal data is audited in its own transaction.

Layout of protection:
- the referral document and its agency replies are sealed under the referral's data key;
- each child's chronology versions are sealed under that child's data key;
- associated data names the row, so a ciphertext copied to another row will not open;
- digests are HMACs under a stored (wrapped) digest key, so they reveal nothing about content.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.sdk.recording import Recording
from hub.audit import DEFAULT_LAWFUL_BASIS, AuditAction, AuditEvent, ChainVerification
from hub.crypto import KeyProvider, Keyring, canonical_json, decrypt, encrypt, keyed_digest, row_aad
from hub.store import audit_log
from hub.store.audit_log import Access
from hub.store.engine import make_engine, take_schema_lock, take_write_lock, upsert
from hub.store.errors import ReferralConflict, ReviewAlreadyDecided, UnknownReferral, UnknownReview
from hub.store.keys import DIGEST_KEY_ID, child_key_id, data_key, existing_key, referral_key_id
from hub.store.person_index import INDEX_KEY_ID, TOKEN_DOMAIN, IndexedSubject, blocking_keys, chunks
from hub.store.resilience_state import SqlResilienceState
from hub.store.reviews import LinkReview, PairKey, ReviewStatus
from hub.store.tables import (
    AgencyRecordingRow,
    AgencyReplyRow,
    Base,
    ChronologyVersionRow,
    IndexedPersonRow,
    LinkReviewRow,
    PersonIndexTokenRow,
    ReferralRow,
)
from schemas import AgencyReply, CandidateLink, Chronology, LinkOutcome, Person, Referral

DEFAULT_REPLY_PURPOSE = "MASH agency check"
DEFAULT_CHRONOLOGY_PURPOSE = "MASH chronology assembly"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _review_query(referral_id: str, agency: str, agency_person_id: str, subject_id: str) -> Select[LinkReviewRow]:
    return select(LinkReviewRow).where(
        LinkReviewRow.referral_id == referral_id,
        LinkReviewRow.agency == agency,
        LinkReviewRow.agency_person_id == agency_person_id,
        LinkReviewRow.subject_id == subject_id,
    )


def _token(index_key: bytes, blocking_key: str) -> str:
    return keyed_digest(index_key, TOKEN_DOMAIN, blocking_key.encode("utf-8"))


def _chronology_content(chronology: Chronology) -> bytes:
    """What makes two versions "the same": entries and checks, not version number or assembly time."""
    return canonical_json(
        {
            "schema_version": chronology.schema_version,
            "entries": [entry.model_dump(mode="json") for entry in chronology.entries],
            "checks": [check.model_dump(mode="json") for check in chronology.checks],
        }
    )


class HubStore:
    """Encrypted, audited storage of referrals, agency replies and chronology versions.

    `url` is any SQLAlchemy URL (`sqlite:///…/hub.db` by default; PostgreSQL works too). `clock`
    stamps audit events and key creation only; it never decides stored results.
    """

    def __init__(
        self,
        url: str,
        key_provider: KeyProvider,
        *,
        lawful_basis: str = DEFAULT_LAWFUL_BASIS,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.engine = make_engine(url)
        self.lawful_basis = lawful_basis
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._keyring = Keyring(key_provider)
        self._clock = clock

    def create_schema(self) -> None:
        """Create missing tables (Alembic migrations replace this later)."""
        with self.engine.begin() as connection:
            take_schema_lock(connection)  # Workers may start together.
            Base.metadata.create_all(connection)

    def close(self) -> None:
        """Forget cached data keys and release connections."""
        self._keyring.forget()
        self.engine.dispose()

    # Referrals

    def save_referral(self, referral: Referral, *, actor: str, purpose: str) -> bool:
        """Store a referral; True if new, False if this exact referral is already stored.

        Raises `ReferralConflict` if the id is taken by different content: referrals are never
        overwritten, so what was received stays what is on record.
        """
        with self._audited(actor, purpose) as (session, access, now):
            return self._save_referral(session, access, now, referral)

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
        session.add(
            ReferralRow(
                referral_id=referral.referral_id,
                received_at=referral.received_at,
                rag=referral.rag.value,
                key_id=key_id,
                ciphertext=encrypt(key, document, row_aad("referral", referral.referral_id)),
                digest=digest,
            )
        )
        self._index_subjects(session, referral, key_id, key, now)
        self._audit(session, access, now, AuditAction.REFERRAL_CREATE, referral.referral_id, referral.referral_id)
        session.flush()  # So a repeat of this id later in the same batch is seen as already stored.
        return True

    def load_referral(self, referral_id: str, *, actor: str, purpose: str) -> Referral:
        """Decrypt a referral; raises `UnknownReferral` if none is stored under this id."""
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(ReferralRow, referral_id)
            if row is None:
                raise UnknownReferral(referral_id)
            key = self._stored_key(session, row.key_id)
            document = decrypt(key, row.ciphertext, row_aad("referral", referral_id))
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
                aad = row_aad("indexed-person", referral_id, subject_id)
                document = decrypt(self._stored_key(session, row.key_id), row.ciphertext, aad)
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

    # Agency replies

    def save_reply(
        self,
        reply: AgencyReply,
        *,
        actor: str,
        purpose: str = DEFAULT_REPLY_PURPOSE,
        recording: Recording | None = None,
        lawful_basis: str | None = None,
    ) -> None:
        """Store one agency's reply about one subject, replacing any earlier one (re-runs never duplicate).

        `recording`, the raw exchanges the reply was read from, is stored beside it in the same
        transaction; without one, an earlier recording is kept (re-normalising writes no new one).
        `lawful_basis` is the agency's, from its registry entry, recorded on the audit event.
        """
        object_id = f"{reply.referral_id}/{reply.agency}/{reply.subject_id}"
        with self._audited(actor, purpose, lawful_basis) as (session, access, now):
            referral = session.get(ReferralRow, reply.referral_id)
            if referral is None:
                raise UnknownReferral(reply.referral_id)
            key = self._stored_key(session, referral.key_id)
            aad = row_aad("reply", reply.referral_id, reply.agency, reply.subject_id)
            values = {
                "referral_id": reply.referral_id,
                "agency": reply.agency,
                "subject_id": reply.subject_id,
                "status": reply.status.value,
                "requested_at": reply.requested_at,
                "completed_at": reply.completed_at,
                "record_count": len(reply.entries),
                "error_code": reply.error_code,
                "key_id": referral.key_id,
                "ciphertext": encrypt(key, reply.model_dump_json().encode("utf-8"), aad),
            }
            keys = ["referral_id", "agency", "subject_id"]
            upsert(session, AgencyReplyRow.__table__, values, keys)  # type: ignore[arg-type]
            if recording is not None:
                sealed = encrypt(key, recording.to_bytes(), row_aad("recording", *object_id.split("/")))
                recorded = {
                    **{name: values[name] for name in keys},
                    "connector": recording.connector,
                    "exchange_count": len(recording.exchanges),
                    "key_id": referral.key_id,
                    "ciphertext": sealed,
                }
                upsert(session, AgencyRecordingRow.__table__, recorded, keys)  # type: ignore[arg-type]
            self._audit(session, access, now, AuditAction.REPLY_WRITE, object_id, reply.referral_id)

    def load_recording(
        self, referral_id: str, agency: str, subject_id: str, *, actor: str, purpose: str
    ) -> Recording | None:
        """The raw exchanges behind a stored reply (None if it has none), for re-normalising or inspection."""
        object_id = f"{referral_id}/{agency}/{subject_id}"
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(AgencyRecordingRow, (referral_id, agency, subject_id))
            document = (
                None
                if row is None
                else decrypt(
                    self._stored_key(session, row.key_id), row.ciphertext, row_aad("recording", *object_id.split("/"))
                )
            )
            self._audit(session, access, now, AuditAction.RECORDING_READ, object_id, referral_id)
        return None if document is None else Recording.from_bytes(document)

    def recorded_checks(self, agency: str, referral_id: str | None = None) -> list[tuple[str, str]]:
        """(referral id, subject id) of every stored recording for an agency: ids only, nothing decrypted."""
        query = select(AgencyRecordingRow.referral_id, AgencyRecordingRow.subject_id).where(
            AgencyRecordingRow.agency == agency
        )
        if referral_id is not None:
            query = query.where(AgencyRecordingRow.referral_id == referral_id)
        with self._sessions() as session:
            rows = session.execute(query.order_by(AgencyRecordingRow.referral_id, AgencyRecordingRow.subject_id))
            return [(row.referral_id, row.subject_id) for row in rows]

    # The review queue

    def propose_reviews(self, referral_id: str, links: Iterable[CandidateLink], *, actor: str, purpose: str) -> int:
        """Queue the model's review decisions not queued before (a decided pair is never proposed again)."""
        proposed = 0
        with self._audited(actor, purpose) as (session, access, now):
            for link in links:
                if link.outcome is not LinkOutcome.REVIEW or link.decided_by != "linkage":
                    continue
                key = (referral_id, link.agency, link.agency_person_id, link.subject_id)
                if session.scalars(_review_query(*key)).first() is not None:
                    continue
                session.add(
                    LinkReviewRow(
                        referral_id=referral_id,
                        agency=link.agency,
                        agency_person_id=link.agency_person_id,
                        subject_id=link.subject_id,
                        probability=link.probability,
                        evidence="; ".join(item.words for item in link.evidence)[:2000],
                        review_reasons="; ".join(link.review_reasons)[:1000],
                        status=ReviewStatus.PENDING.value,
                        proposed_at=now,
                    )
                )
                proposed += 1
            if proposed:
                self._audit(session, access, now, AuditAction.LINK_REVIEW_PROPOSE, referral_id, referral_id)
        return proposed

    def link_reviews(self, referral_id: str | None = None, *, pending_only: bool = False) -> list[LinkReview]:
        """Reviews (ids, evidence words, status: no personal data, so not audited), oldest first."""
        query = select(LinkReviewRow).order_by(LinkReviewRow.review_id)
        if referral_id is not None:
            query = query.where(LinkReviewRow.referral_id == referral_id)
        if pending_only:
            query = query.where(LinkReviewRow.status == ReviewStatus.PENDING.value)
        with self._sessions() as session:
            return [LinkReview.of(row) for row in session.scalars(query)]

    def link_decisions(self, referral_id: str) -> dict[PairKey, bool]:
        """Practitioners' decisions for a referral: confirmed True, rejected False."""
        return {
            review.pair: review.status is ReviewStatus.CONFIRMED
            for review in self.link_reviews(referral_id)
            if review.status is not ReviewStatus.PENDING
        }

    def decide_review(self, review_id: int, *, confirm: bool, reason: str, actor: str, purpose: str) -> LinkReview:
        """Record a practitioner's decision and their reason (sealed); a decision is never overwritten."""
        with self._audited(actor, purpose) as (session, access, now):
            row = session.get(LinkReviewRow, review_id)
            if row is None:
                raise UnknownReview(review_id)
            if row.status != ReviewStatus.PENDING.value:
                raise ReviewAlreadyDecided(review_id, row.status)
            referral = session.get(ReferralRow, row.referral_id)
            if referral is None:  # The foreign key makes this impossible; refuse rather than guess.
                raise UnknownReferral(row.referral_id)
            key = self._stored_key(session, referral.key_id)
            row.status = (ReviewStatus.CONFIRMED if confirm else ReviewStatus.REJECTED).value
            row.decided_at, row.decided_by, row.key_id = now, actor, referral.key_id
            row.reason_ciphertext = encrypt(key, reason.encode("utf-8"), row_aad("review", str(review_id)))
            self._audit(session, access, now, AuditAction.LINK_REVIEW_DECIDE, f"review/{review_id}", row.referral_id)
            return LinkReview.of(row)

    def resilience_state(self) -> SqlResilienceState:
        """Rate-limit and circuit-breaker state shared through this database by every worker."""
        return SqlResilienceState(self.engine)

    def load_replies(self, referral_id: str, *, actor: str, purpose: str) -> list[AgencyReply]:
        """Every stored reply for a referral, ordered by agency then subject."""
        with self._audited(actor, purpose) as (session, access, now):
            if session.get(ReferralRow, referral_id) is None:
                raise UnknownReferral(referral_id)
            rows = session.scalars(
                select(AgencyReplyRow)
                .where(AgencyReplyRow.referral_id == referral_id)
                .order_by(AgencyReplyRow.agency, AgencyReplyRow.subject_id)
            ).all()
            documents = [
                decrypt(
                    self._stored_key(session, row.key_id),
                    row.ciphertext,
                    row_aad("reply", row.referral_id, row.agency, row.subject_id),
                )
                for row in rows
            ]
            self._audit(session, access, now, AuditAction.REPLIES_READ, referral_id, referral_id)
        return [AgencyReply.model_validate_json(document) for document in documents]

    # Chronologies

    def save_chronology(self, chronology: Chronology, *, actor: str, purpose: str = DEFAULT_CHRONOLOGY_PURPOSE) -> int:
        """Store a chronology as the child's next version and return its number.

        The incoming `version` is ignored. If entries and checks equal the latest version's, nothing
        is written and that version's number is returned, so re-running assembly is idempotent.
        """
        referral_id, child = chronology.referral_id, chronology.child_subject_id
        with self._audited(actor, purpose) as (session, access, now):
            if session.get(ReferralRow, referral_id) is None:
                raise UnknownReferral(referral_id)
            digest = keyed_digest(self._digest_key(session, now), "chronology", _chronology_content(chronology))
            latest = session.execute(
                select(ChronologyVersionRow.version, ChronologyVersionRow.digest)
                .where(
                    ChronologyVersionRow.referral_id == referral_id,
                    ChronologyVersionRow.child_subject_id == child,
                )
                .order_by(ChronologyVersionRow.version.desc())
                .limit(1)
            ).first()
            if latest is not None and latest.digest == digest:
                return int(latest.version)
            version = 1 if latest is None else int(latest.version) + 1
            stored = chronology.model_copy(update={"version": version})
            key_id = child_key_id(referral_id, child)
            key = data_key(session, self._keyring, key_id, now=now)
            session.add(
                ChronologyVersionRow(
                    referral_id=referral_id,
                    child_subject_id=child,
                    version=version,
                    assembled_at=chronology.assembled_at,
                    key_id=key_id,
                    ciphertext=encrypt(
                        key,
                        stored.model_dump_json().encode("utf-8"),
                        row_aad("chronology", referral_id, child, version),
                    ),
                    digest=digest,
                )
            )
            session.flush()
            object_id = f"{referral_id}/{child}/v{version}"
            self._audit(session, access, now, AuditAction.CHRONOLOGY_WRITE, object_id, referral_id)
            return version

    def latest_chronologies(self, referral_id: str, *, actor: str, purpose: str) -> list[Chronology]:
        """The latest version of each child's chronology, ordered by child; one audit event per chronology."""
        newest = (
            select(ChronologyVersionRow.child_subject_id, func.max(ChronologyVersionRow.version).label("version"))
            .where(ChronologyVersionRow.referral_id == referral_id)
            .group_by(ChronologyVersionRow.child_subject_id)
            .subquery()
        )
        query = (
            select(ChronologyVersionRow)
            .join(
                newest,
                (ChronologyVersionRow.child_subject_id == newest.c.child_subject_id)
                & (ChronologyVersionRow.version == newest.c.version),
            )
            .where(ChronologyVersionRow.referral_id == referral_id)
            .order_by(ChronologyVersionRow.child_subject_id)
        )
        return self._read_chronologies(referral_id, query, referral_id, actor=actor, purpose=purpose)

    def load_chronology(
        self, referral_id: str, child_subject_id: str, version: int, *, actor: str, purpose: str
    ) -> Chronology | None:
        """One specific version (e.g. to diff against the latest), or None if it does not exist."""
        query = select(ChronologyVersionRow).where(
            ChronologyVersionRow.referral_id == referral_id,
            ChronologyVersionRow.child_subject_id == child_subject_id,
            ChronologyVersionRow.version == version,
        )
        requested = f"{referral_id}/{child_subject_id}/v{version}"
        found = self._read_chronologies(referral_id, query, requested, actor=actor, purpose=purpose)
        return found[0] if found else None

    def chronology_versions(self, referral_id: str, child_subject_id: str) -> list[int]:
        """Version numbers stored for one child; metadata only, so not audited."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(ChronologyVersionRow.version)
                    .where(
                        ChronologyVersionRow.referral_id == referral_id,
                        ChronologyVersionRow.child_subject_id == child_subject_id,
                    )
                    .order_by(ChronologyVersionRow.version)
                )
            )

    # Audit

    def audit_trail(
        self, *, referral_id: str | None = None, actor: str | None = None, action: str | None = None
    ) -> list[AuditEvent]:
        """Audit events in chain order, optionally filtered (ids only, so reading them is not audited)."""
        with self._sessions() as session:
            return audit_log.events(session, referral_id=referral_id, actor=actor, action=action)

    def verify_audit_chain(self) -> ChainVerification:
        """Recompute every hash and back-link; any edited or removed event breaks the chain."""
        with self._sessions() as session:
            return audit_log.verify(session)

    # Internals

    @contextmanager
    def _audited(
        self, actor: str, purpose: str, lawful_basis: str | None = None
    ) -> Iterator[tuple[Session, Access, datetime]]:
        """One transaction holding the write lock: the access and its audit event commit or fail together."""
        if not actor.strip() or not purpose.strip():
            raise ValueError("every access needs an actor and a purpose for the audit trail")
        access = Access(actor=actor, purpose=purpose, lawful_basis=lawful_basis or self.lawful_basis)
        with self._sessions() as session, session.begin():
            take_write_lock(session)
            yield session, access, self._clock()

    def _audit(
        self,
        session: Session,
        access: Access,
        now: datetime,
        action: AuditAction,
        object_id: str,
        referral_id: str,
    ) -> None:
        audit_log.append(
            session,
            access,
            action=action,
            object_id=object_id,
            referral_id=referral_id,
            occurred_at=now,
        )

    def _read_chronologies(
        self,
        referral_id: str,
        query: Select[ChronologyVersionRow],
        requested: str,
        *,
        actor: str,
        purpose: str,
    ) -> list[Chronology]:
        """Decrypt the rows `query` selects, auditing each one (or the attempt, if none matched)."""
        with self._audited(actor, purpose) as (session, access, now):
            documents: list[bytes] = []
            for row in session.scalars(query):
                aad = row_aad("chronology", row.referral_id, row.child_subject_id, row.version)
                documents.append(decrypt(self._stored_key(session, row.key_id), row.ciphertext, aad))
                object_id = f"{row.referral_id}/{row.child_subject_id}/v{row.version}"
                self._audit(session, access, now, AuditAction.CHRONOLOGY_READ, object_id, referral_id)
            if not documents:
                self._audit(session, access, now, AuditAction.CHRONOLOGY_READ, requested, referral_id)
        return [Chronology.model_validate_json(document) for document in documents]

    def _stored_key(self, session: Session, key_id: str) -> bytes:
        key = existing_key(session, self._keyring, key_id)
        if key is None:
            raise LookupError(f"data key {key_id} is missing from data_keys (was it shredded?)")
        return key

    def _digest_key(self, session: Session, now: datetime) -> bytes:
        return data_key(session, self._keyring, DIGEST_KEY_ID, now=now)
