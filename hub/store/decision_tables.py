"""Tables for the MASH decision: each decision a practitioner records, and a manager's sign-off of it.

Rows are never updated. A decision is numbered within its referral (1, 2, ...); recording again after a
manager returned one adds the next number, which supersedes it, so the history of how a referral was
decided is kept whole. A sign-off is its own row (one per decision, the key forbids a second). The outcome
and the level of need are plain codes (like a RAG rating: the reports count them); the rationale and the
manager's note are the practitioner's and manager's words about a child, sealed under the referral's key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import Base, UtcDateTime


class MashDecisionRow(Base):
    """One recorded decision: outcome code, level of need 1-4, who and when; the rationale sealed."""

    __tablename__ = "mash_decisions"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    outcome: Mapped[str] = mapped_column(String(40), index=True)
    level: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.key_id"))
    rationale_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class MashDecisionSignOffRow(Base):
    """A manager's verdict on one decision: `agreed`, or `returned` to be recorded again; the note sealed."""

    __tablename__ = "mash_decision_sign_offs"
    __table_args__ = (
        ForeignKeyConstraint(["referral_id", "number"], ["mash_decisions.referral_id", "mash_decisions.number"]),
    )

    referral_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    verdict: Mapped[str] = mapped_column(String(16))
    signed_by: Mapped[str] = mapped_column(String(128))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.key_id"))
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
