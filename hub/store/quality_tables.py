"""The referral quality table: one assessment per referral (`hub.store.quality_records`).

Plain columns hold no detail of the child: the referrer's kind, a professional referrer's organisation
(never a private person's), the score and the ids of the checklist items missed. Everything else, the
findings in words, is sealed under the referral's key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import Base, UtcDateTime


class ReferralQualityRow(Base):
    __tablename__ = "referral_quality"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    """The referral's, copied so the report selects a period without reading referrals."""
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    checklist_version: Mapped[str] = mapped_column(String(32))
    score: Mapped[int] = mapped_column(Integer)
    referrer_kind: Mapped[str] = mapped_column(String(32))
    referrer_organisation: Mapped[str | None] = mapped_column(Text())
    gap_ids: Mapped[str] = mapped_column(Text())
    """The ids of the items missed, separated by spaces."""
    key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.key_id"))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
