"""Tables the referrer insight reports read (`hub.store.insight_records`): plain, non-personal facts.

`referral_insight` is written with each referral, in the same transaction, so the reports count a year of
referrals without opening one: when it came, whether red, amber or green, who referred (a professional
referrer's organisation, never a private person's), and for each subject child a keyed digest of who they
are (HMAC under the store's digest key), which says "the same child as an earlier referral" and nothing
else: it cannot be turned back into a name, nor checked against a guess without the key.

`school_register` is the council's list of schools with their pupils on roll (`hub insight load-schools`),
so the schools that made no referral can be named beside their size.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import Base, UtcDateTime


class ReferralInsightRow(Base):
    __tablename__ = "referral_insight"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    rag: Mapped[str] = mapped_column(String(16))
    referrer_kind: Mapped[str] = mapped_column(String(32))
    referrer_organisation: Mapped[str | None] = mapped_column(Text())
    child_keys: Mapped[str] = mapped_column(Text())
    """Keyed digests of the subject children's identities, separated by spaces."""


class SchoolRow(Base):
    __tablename__ = "school_register"

    dfe_number: Mapped[str] = mapped_column(String(16), primary_key=True)
    """The DfE number: local authority code and establishment number, `886/2001`."""
    name: Mapped[str] = mapped_column(String(200))
    pupils: Mapped[int] = mapped_column(Integer)
