"""Opening every stored record once, to say which cannot be read and why (`hub audit verify`).

The audit trail's own check (`hub.store.audit_check`) proves each bound row is what the log says was
written; it cannot tell whether the row still *opens*: a data key row deleted, a wrapped key altered, a
key file or HSM token lost, or a retention epoch destroyed leave the rows exactly as written. This check
authenticates every sealed value under its data key (`hub.store.unreadable`, the one place a stored
ciphertext is opened), keeps no plaintext (each is dropped as soon as it has authenticated), and reports
each record that fails by kind and ids with its cause.

`SEALED` lists every sealed column; a test fails if a table gains one this list does not name. A column
whose table this version's models do not have (a table not yet added) is skipped: it can hold no rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.orm import Session

from hub.audit import AuditAction, AuditEvent
from hub.store import audit_log
from hub.store.audited import AuditedStore
from hub.store.errors import Unreadability, UnreadableRecord
from hub.store.keys import referral_key_id
from hub.store.tables import AuditEventRow, Base
from hub.store.unreadable import CIPHERTEXT_ALTERED, Failure, SealedRecord, key_or_failure, open_with

VERIFIED = "verify;records"
"""The object id of the `audit.read` event a records verification leaves: where the next one starts listing."""
_STREAM = {"stream_results": True, "max_row_buffer": 500}


@dataclass(frozen=True)
class SealedColumn:
    """One sealed column: its table, the column holding its data key's id, and the ids naming each record.

    `key_column` None: sealed under its referral's key (`referral:<referral_id>`), as a legal hold's notes are.
    """

    table: str
    column: str
    key_column: str | None
    ids: tuple[str, ...]
    record: Callable[..., SealedRecord]

    def rows(self) -> Select[Any]:
        table = Base.metadata.tables[self.table]
        key = table.c[self.key_column] if self.key_column else table.c.referral_id
        columns = (key, table.c[self.column], *(table.c[name] for name in self.ids))
        return select(*columns).where(table.c[self.column].is_not(None))

    def key_id(self, value: str) -> str:
        return value if self.key_column else referral_key_id(value)

    def count(self) -> Select[int]:
        table = Base.metadata.tables[self.table]
        return select(func.count()).select_from(table).where(table.c[self.column].is_not(None))


SEALED: tuple[SealedColumn, ...] = (
    SealedColumn("referrals", "ciphertext", "key_id", ("referral_id",), SealedRecord.referral),
    SealedColumn("person_index", "ciphertext", "key_id", ("referral_id", "subject_id"), SealedRecord.person_index),
    SealedColumn("agency_replies", "ciphertext", "key_id", ("referral_id", "agency", "subject_id"), SealedRecord.reply),
    SealedColumn(
        "agency_recordings", "ciphertext", "key_id", ("referral_id", "agency", "subject_id"), SealedRecord.recording
    ),
    SealedColumn(
        "chronology_versions",
        "ciphertext",
        "key_id",
        ("referral_id", "child_subject_id", "version"),
        SealedRecord.chronology,
    ),
    SealedColumn("referral_quality", "ciphertext", "key_id", ("referral_id",), SealedRecord.quality),
    SealedColumn("mash_decisions", "rationale_ciphertext", "key_id", ("referral_id", "number"), SealedRecord.decision),
    SealedColumn(
        "mash_decision_sign_offs", "note_ciphertext", "key_id", ("referral_id", "number"), SealedRecord.sign_off_note
    ),
    SealedColumn("link_reviews", "reason_ciphertext", "key_id", ("review_id", "referral_id"), SealedRecord.link_review),
    SealedColumn("break_glass", "note_ciphertext", "key_id", ("number", "referral_id"), SealedRecord.break_glass_note),
    SealedColumn(
        "break_glass", "review_ciphertext", "key_id", ("number", "referral_id"), SealedRecord.break_glass_review
    ),
    SealedColumn("legal_holds", "note_ciphertext", None, ("hold_id", "referral_id"), SealedRecord.legal_hold_note),
    SealedColumn(
        "legal_holds", "release_ciphertext", None, ("hold_id", "referral_id"), SealedRecord.legal_hold_release
    ),
    SealedColumn("staff_users", "totp_ciphertext", "totp_key_id", ("username",), SealedRecord.staff_totp),
    SealedColumn(
        "callback_deliveries",
        "ciphertext",
        "key_id",
        ("token", "referral_id", "agency", "subject_id"),
        SealedRecord.callback,
    ),
)


@dataclass(frozen=True)
class UnreadableFound:
    """A record the check could not open: its name in the trail, its words, and why (ids only)."""

    record: str
    referral_id: str | None
    described: str
    cause: Unreadability
    why: str

    @classmethod
    def of(cls, record: SealedRecord, failure: Failure) -> UnreadableFound:
        return cls(record.record, record.referral_id, record.described, failure.cause, failure.why)

    def line(self) -> str:
        return f"{self.cause.words}: {self.described}: {self.why}"


@dataclass(frozen=True)
class RecordsVerified:
    """What opening every stored record found, and the failed reads recorded since the previous check."""

    opened: int
    unreadable: tuple[UnreadableFound, ...]
    recorded_since: tuple[AuditEvent, ...]
    """`record.unreadable` events of ordinary reads since the previous records verification (or ever)."""
    previous: datetime | None
    """When the previous records verification ran, if one did."""

    def count(self, cause: Unreadability) -> int:
        return sum(1 for found in self.unreadable if found.cause is cause)

    @property
    def ok(self) -> bool:
        """Every record opens, or the only ones that do not were shredded on purpose (retention)."""
        return all(found.cause is Unreadability.KEY_SHREDDED for found in self.unreadable)


Progress = Callable[[int, int], None]
"""Told (records done, records in all) as the check goes."""


class RecordChecks(AuditedStore):
    """`verify_records`: every sealed record opened and authenticated once, failures classified and recorded."""

    def verify_records(self, *, actor: str, purpose: str, progress: Progress | None = None) -> RecordsVerified:
        """Open every stored record under its key; report each that cannot be read, and record the check.

        One transaction reads (every record as of one moment); a second records what was found: a
        `record.unreadable` event for each tampered or missing record (a shredded one is expected, and its
        destruction is on record already), then the check itself (`audit.read` of `verify;records`), after
        which the next check lists the failed reads recorded since.
        """
        with self._sessions() as session, session.begin():
            opened, found = _open_all(session, self, progress or (lambda _done, _of: None))
        with self._audited(actor, purpose) as (session, access, now):
            previous = _previous_check(session)
            since = _failed_reads_since(session, None if previous is None else previous[0])
            for failure in found:
                if failure.cause is not Unreadability.KEY_SHREDDED:
                    action = AuditAction.RECORD_UNREADABLE
                    self._audit(
                        session, access, now, action, failure.record, failure.referral_id, outcome=failure.cause
                    )
            self._audit(session, access, now, AuditAction.AUDIT_READ, VERIFIED, None)
        return RecordsVerified(opened, tuple(found), tuple(since), None if previous is None else previous[1])


def _open_all(session: Session, store: AuditedStore, progress: Progress) -> tuple[int, list[UnreadableFound]]:
    connection = session.connection()
    present = [column for column in SEALED if column.table in Base.metadata.tables]
    total = sum(int(connection.execute(column.count()).scalar_one()) for column in present)
    keys: dict[str, bytes | Failure] = {}
    found: list[UnreadableFound] = []
    done = 0
    progress(0, total)
    for column in present:
        for key_id, sealed, ids in _sealed_rows(connection, column):
            record = column.record(*ids)
            key = keys.get(key_id)
            if key is None:
                key = keys[key_id] = key_or_failure(session, store._keyring, key_id, record.referral_id)
            if isinstance(key, Failure):
                found.append(UnreadableFound.of(record, key))
            else:
                try:
                    open_with(key, record, sealed)  # The plaintext is dropped at once: only authenticity matters.
                except UnreadableRecord:
                    found.append(UnreadableFound.of(record, CIPHERTEXT_ALTERED))
            done += 1
            if done % 500 == 0:
                progress(done, total)
                session.expunge_all()  # The data key rows looked up so far: no need to keep them.
    progress(done, total)
    return done, found


def _sealed_rows(connection: Connection, column: SealedColumn) -> Iterator[tuple[str, bytes, Sequence[Any]]]:
    for row in connection.execute(column.rows(), execution_options=_STREAM):
        yield column.key_id(row[0]), bytes(row[1]), tuple(row[2:])


def _previous_check(session: Session) -> tuple[int, datetime] | None:
    row = session.execute(
        select(AuditEventRow.seq, AuditEventRow.occurred_at)
        .where(AuditEventRow.action == AuditAction.AUDIT_READ.value, AuditEventRow.object_id == VERIFIED)
        .order_by(AuditEventRow.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row.seq), row.occurred_at)


def _failed_reads_since(session: Session, seq: int | None) -> list[AuditEvent]:
    return [
        event
        for event in audit_log.events(session, action=AuditAction.RECORD_UNREADABLE.value)
        if seq is None or event.seq > seq
    ]
