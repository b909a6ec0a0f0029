"""Tables for the referral channels: partner systems' API clients, and who submitted each referral by which channel.

No personal data: a client's name is a system's (e.g. "Northbridge Police PPN system"), its key is kept
only as an argon2id hash beside a public key id that finds the row, and a submission row holds ids,
the channel and a time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import ID, Base, UtcDateTime


class ApiClientRow(Base):
    """A partner system allowed to call the REST API, in a role of `config/roles.yaml`."""

    __tablename__ = "api_clients"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    """The public part of the key (`mash_<key_id>_<secret>`): finds the row without trying every hash."""
    key_hash: Mapped[str] = mapped_column(String(200))
    """argon2id of the secret part, in its self-describing PHC string; the key itself is never stored."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(128))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReferralSubmissionRow(Base):
    """Who submitted a referral and through which channel: what lets a referrer see their own, and only those."""

    __tablename__ = "referral_submissions"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.referral_id"), primary_key=True)
    submitter: Mapped[str] = mapped_column(String(128), index=True)
    """The actor: `user:<username>` (the web form, the CLI) or `client:<name>` (the REST API)."""
    channel: Mapped[str] = mapped_column(ID)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
