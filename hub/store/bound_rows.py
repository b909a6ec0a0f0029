"""Rows bound to the audit log: referrals, agency replies, chronology versions, quality assessments, MASH
decisions with their sign-offs, and destruction records, each by its record digest.

Every write event carries a digest of what it wrote (`hub.audit.records`). A row is good only if it
matches the newest write event of its object, and an object the log records writing must still
have its row. `hub audit verify` checks every row this way (`stored_rows`); each read checks the rows
it is about to show (`check_written`, `check_all_written`) and raises `RecordTampered` rather than
show a deleted, rolled-back or swapped record as if nothing had happened.

A referral destroyed under the retention schedule is the one lawful deletion: its `retention.destroy` event
(bound to its destruction record) closes the log's account of it, so the writes before that event no longer
ask for rows (`written`), and `hub audit verify` reports those rows as destroyed, not deleted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from hub.audit import AuditAction
from hub.audit.records import record_digest
from hub.audit.verify import StoredRow
from hub.store.errors import RecordTampered
from hub.store.tables import AuditEventRow

_KINDS = {
    AuditAction.REFERRAL_CREATE: "referral",
    AuditAction.REPLY_WRITE: "agency reply",
    AuditAction.QUALITY_WRITE: "quality assessment",
    AuditAction.CHRONOLOGY_WRITE: "chronology version",
    AuditAction.DECISION_RECORD: "MASH decision",
    AuditAction.DECISION_SIGN_OFF: "MASH decision sign-off",
    AuditAction.RETENTION_DESTROY: "destruction record",
}


def referral_digest(referral_id: str, ciphertext: bytes) -> str:
    return record_digest("referral", (referral_id,), ciphertext)


def reply_digest(
    referral_id: str,
    agency: str,
    subject_id: str,
    status: str,
    record_count: int,
    error_code: str | None,
    ciphertext: bytes,
) -> str:
    """The reply's sealed document and the plain columns shown beside it (status, count, error)."""
    return record_digest("reply", (referral_id, agency, subject_id, status, record_count, error_code), ciphertext)


def chronology_digest(referral_id: str, child_subject_id: str, version: int, ciphertext: bytes) -> str:
    return record_digest("chronology", (referral_id, child_subject_id, version), ciphertext)


def quality_digest(
    referral_id: str,
    checklist_version: str,
    score: int,
    referrer_kind: str,
    referrer_organisation: str | None,
    gap_ids: str,
    ciphertext: bytes,
) -> str:
    """A quality assessment's sealed document and every plain column shown beside it."""
    fields = (referral_id, checklist_version, score, referrer_kind, referrer_organisation, gap_ids)
    return record_digest("quality", fields, ciphertext)


def decision_digest(
    referral_id: str, number: int, outcome: str, level: int, recorded_by: str, ciphertext: bytes
) -> str:
    """A MASH decision's sealed rationale and every plain column shown beside it."""
    return record_digest("mash-decision", (referral_id, number, outcome, level, recorded_by), ciphertext)


def sign_off_digest(referral_id: str, number: int, verdict: str, signed_by: str, ciphertext: bytes | None) -> str:
    """A manager's sign-off of a decision: the verdict, who, and the sealed note if there is one."""
    return record_digest("mash-decision-sign-off", (referral_id, number, verdict, signed_by), ciphertext or b"")


def destruction_digest(
    record_id: int, referral_id: str, rule: str, disposal_date: date, rows_deleted: str, keys_deleted: int, epochs: str
) -> str:
    """A destruction record: its number, the referral, the rule and date it was destroyed under, and what went."""
    fields = (record_id, referral_id, rule, disposal_date.isoformat(), rows_deleted, keys_deleted, epochs)
    return record_digest("destruction", fields, b"")


def destruction_object_id(referral_id: str, record_id: int) -> str:
    """A destruction record's object id in the audit trail (`retention.destroy`)."""
    return f"{referral_id}/destruction/{record_id}"


def decision_object_id(referral_id: str, number: int) -> str:
    """A decision's object id in the audit trail (its sign-off's too, under its own action)."""
    return f"{referral_id}/decision/{number}"


def reply_object_id(referral_id: str, agency: str, subject_id: str) -> str:
    return f"{referral_id}/{agency}/{subject_id}"


def chronology_object_id(referral_id: str, child_subject_id: str, version: int) -> str:
    return f"{referral_id}/{child_subject_id}/v{version}"


def chronology_version(object_id: str) -> tuple[str, int]:
    """(child, version) from a chronology object id `REF/child/vN`."""
    _, child, version = object_id.rsplit("/", 2)
    return child, int(version.removeprefix("v"))


def written(session: Session, referral_id: str, action: AuditAction) -> dict[str, str | None]:
    """The newest write event's record digest for each object of `action` in one referral (the log's word).

    Only writes after the referral's newest destruction under the retention schedule: what was destroyed
    is not expected back (a referral with the same id stored later starts a new account).
    """
    destroyed = (
        select(func.coalesce(func.max(AuditEventRow.seq), 0))
        .where(
            AuditEventRow.referral_id == referral_id,
            AuditEventRow.action == AuditAction.RETENTION_DESTROY.value,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(AuditEventRow.object_id, AuditEventRow.record_digest)
        .where(
            AuditEventRow.referral_id == referral_id,
            AuditEventRow.action == action.value,
            AuditEventRow.seq > destroyed,
        )
        .order_by(AuditEventRow.seq)
    )
    return {object_id: digest for object_id, digest in rows}


def check_written(log: Mapping[str, str | None], action: AuditAction, object_id: str, digest: str | None) -> None:
    """Raise `RecordTampered` unless the row (`digest`, None if absent) is what the log last recorded writing.

    A row of an object the log never wrote is as wrong as a wrong one; an absent row of an object the
    log never wrote is simply absent.
    """
    kind = _KINDS[action]
    if digest is None:
        if object_id in log:
            raise RecordTampered(kind, object_id, "was deleted (the audit trail records writing it)")
        return
    if object_id not in log:
        raise RecordTampered(kind, object_id, "has no write in the audit trail (inserted or swapped)")
    if log[object_id] != digest:
        raise RecordTampered(kind, object_id, "does not match what the audit trail records as written")


def check_all_written(log: Mapping[str, str | None], action: AuditAction, rows: Mapping[str, str]) -> None:
    """Every row (object id -> digest) matches the log, and every object the log wrote has its row."""
    for object_id in sorted({*log, *rows}):
        check_written(log, action, object_id, rows.get(object_id))


STREAM = {"stream_results": True, "max_row_buffer": 500}
"""Rows fetched at once while streaming: ciphertexts can be large."""
_REFERRALS = "SELECT referral_id, ciphertext FROM referrals"
_REPLIES = "SELECT referral_id, agency, subject_id, status, record_count, error_code, ciphertext FROM agency_replies"
_VERSIONS = "SELECT referral_id, child_subject_id, version, ciphertext FROM chronology_versions"
_QUALITY = (
    "SELECT referral_id, checklist_version, score, referrer_kind, referrer_organisation, gap_ids, ciphertext "
    "FROM referral_quality"
)

_DECISIONS = "SELECT referral_id, number, outcome, level, recorded_by, rationale_ciphertext FROM mash_decisions"
_SIGN_OFFS = "SELECT referral_id, number, verdict, signed_by, note_ciphertext FROM mash_decision_sign_offs"
_DESTRUCTIONS = (
    "SELECT record_id, referral_id, rule, disposal_date, rows_deleted, keys_deleted, epochs FROM destruction_records "
    "ORDER BY record_id"
)


def stored_rows(connection: Connection) -> Iterator[StoredRow]:
    """Every bound row with its digest, streamed (for `hub audit verify`; plain SQL, as it runs per verification)."""
    for referral_id, ciphertext in connection.exec_driver_sql(_REFERRALS, execution_options=STREAM):
        yield StoredRow(AuditAction.REFERRAL_CREATE, referral_id, referral_digest(referral_id, bytes(ciphertext)))
    for referral_id, agency, subject, status, count, error, ciphertext in connection.exec_driver_sql(
        _REPLIES, execution_options=STREAM
    ):
        digest = reply_digest(referral_id, agency, subject, status, count, error, bytes(ciphertext))
        yield StoredRow(AuditAction.REPLY_WRITE, reply_object_id(referral_id, agency, subject), digest)
    for referral_id, child, version, ciphertext in connection.exec_driver_sql(_VERSIONS, execution_options=STREAM):
        digest = chronology_digest(referral_id, child, version, bytes(ciphertext))
        yield StoredRow(AuditAction.CHRONOLOGY_WRITE, chronology_object_id(referral_id, child, version), digest)
    for referral_id, version, score, kind, organisation, gaps, ciphertext in connection.exec_driver_sql(
        _QUALITY, execution_options=STREAM
    ):
        digest = quality_digest(referral_id, version, score, kind, organisation, gaps, bytes(ciphertext))
        yield StoredRow(AuditAction.QUALITY_WRITE, referral_id, digest)
    for referral_id, number, outcome, level, recorded_by, ciphertext in connection.exec_driver_sql(
        _DECISIONS, execution_options=STREAM
    ):
        digest = decision_digest(referral_id, number, outcome, level, recorded_by, bytes(ciphertext))
        yield StoredRow(AuditAction.DECISION_RECORD, decision_object_id(referral_id, number), digest)
    for referral_id, number, verdict, signed_by, ciphertext in connection.exec_driver_sql(
        _SIGN_OFFS, execution_options=STREAM
    ):
        note = None if ciphertext is None else bytes(ciphertext)
        digest = sign_off_digest(referral_id, number, verdict, signed_by, note)
        yield StoredRow(AuditAction.DECISION_SIGN_OFF, decision_object_id(referral_id, number), digest)
    for record_id, referral_id, rule, disposal, rows, keys, epochs in connection.exec_driver_sql(_DESTRUCTIONS):
        on = disposal if isinstance(disposal, date) else date.fromisoformat(str(disposal))  # SQLite: text.
        digest = destruction_digest(record_id, referral_id, rule, on, rows, keys, epochs)
        object_id = destruction_object_id(referral_id, record_id)
        yield StoredRow(AuditAction.RETENTION_DESTROY, object_id, digest, destruction_record=record_id)
