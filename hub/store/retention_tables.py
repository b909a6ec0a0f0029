"""Tables for the retention schedule (`hub.retention`): each referral's disposal, legal holds, the epochs the
schedule uses, and the record of every destruction.

No personal data in a plain column: ids, rule names, codes, dates, counts and who did what. A disposal date
is always 31 December, so it reveals at most a birth year. A hold's note, free text a person wrote, is sealed
under the referral's key, so it goes when the referral does. A destruction record outlives its referral on
purpose: it is what says, for ever, that the referral was destroyed lawfully, when, and under which rule.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import DIGEST, ID, Base, UtcDateTime

EPOCH = String(64)
"""An epoch's name (`hub.store.keys`): `disposal-2031`, `hold-7`."""


class RetentionScheduleRow(Base):
    """A referral's disposal as last computed, and the facts it was computed from (by their digest)."""

    __tablename__ = "retention_schedule"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(80))
    """Where the rule is written in retention.yaml: `outcomes.nfa`, `record_classes.undecided`, `default`."""
    disposal_date: Mapped[date] = mapped_column(Date(), index=True)
    epoch: Mapped[str | None] = mapped_column(EPOCH)
    """The epoch the run last put the referral's data keys in (its disposal epoch, or a hold's); None before."""
    fingerprint: Mapped[str] = mapped_column(DIGEST)
    """SHA-256 of the facts and the rule (`hub.retention.schedule.fingerprint`): recomputed only when it changes."""
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LegalHoldRow(Base):
    """A legal hold on one referral: while any is active, nothing of the referral is destroyed.

    Not a foreign key to the referral: a hold's row is kept after the referral is destroyed (its notes are
    then gone with the referral's key), as the history of why it was kept and when it was let go.
    """

    __tablename__ = "legal_holds"

    hold_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ID, index=True)
    reason: Mapped[str] = mapped_column(String(40))
    """A code of retention.yaml `hold_reasons`."""
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Why, in the placer's words, sealed under the referral's key (None once the referral is destroyed)."""
    placed_by: Mapped[str] = mapped_column(String(128))
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    released_by: Mapped[str | None] = mapped_column(String(128))
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    release_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Why it was released, sealed as the note is."""


class RetentionEpochRow(Base):
    """An epoch the schedule has put data keys in, and when its secret was destroyed.

    `data_keys` says which epochs hold keys now; this remembers the ones that no longer do, so an emptied
    epoch's secret is destroyed even after a crash, and never forgotten (an old backup's keys need it).
    """

    __tablename__ = "retention_epochs"

    epoch: Mapped[str] = mapped_column(EPOCH, primary_key=True)
    first_used_at: Mapped[datetime] = mapped_column(UtcDateTime())
    destroyed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class DestructionRecordRow(Base):
    """A referral destroyed under the retention schedule: when, by whom, under which rule, and what went.

    Bound to the audit trail: its `retention.destroy` event carries this row's digest, so `hub audit verify`
    can accept the referral's rows being gone only because a genuine record says why.
    """

    __tablename__ = "destruction_records"

    record_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ID, index=True)
    destroyed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    destroyed_by: Mapped[str] = mapped_column(String(128))
    as_of: Mapped[date] = mapped_column(Date())
    """The day the run applied the schedule for (`hub retention run --as-of`)."""
    rule: Mapped[str] = mapped_column(String(80))
    disposal_date: Mapped[date] = mapped_column(Date())
    rows_deleted: Mapped[str] = mapped_column(Text())
    """Rows deleted per table, as sorted JSON (`{"agency_replies": 4, ...}`)."""
    keys_deleted: Mapped[int] = mapped_column(Integer)
    epochs: Mapped[str] = mapped_column(Text())
    """The epochs its data keys were in, separated by spaces (`retention_epochs` says when each secret went)."""
