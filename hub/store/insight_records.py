"""The referrer insight reports' facts: a few plain columns per referral, and the council's schools register.

A mixin of `HubStore` (see `hub.store.audited` for why). `record_insight` is called by `HubStore` inside the
transaction that stores a referral, so a referral is never on record without its facts, nor its facts
without it. The reports read these columns only: a year's report opens no referral and no key but the
digest key (which the facts were made with, never used to open anything). Each read is audited once, as
`insight.report`, with the report's name.

Who the subject children are is kept only as keyed digests (`child_keys`): the NHS number when the
referral gives one, and the birth date with the first given name and the family name. Two referrals about
the same child share a digest as long as the referrer wrote either the same NHS number or the same name and
birth date; a child referred once with a misspelt name and no NHS number is not recognised, so the
re-referral rate can only be lower than the truth, never higher (docs/managers.md says so).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub.audit import AuditAction
from hub.crypto import keyed_digest
from hub.store.audited import AuditedStore
from hub.store.insight_tables import ReferralInsightRow, SchoolRow
from hub.store.tables import ReferralRow
from schemas import Person, Referral, ReferrerKind

CHILD_DOMAIN = "insight-child"
PRIVATE_KINDS = frozenset({ReferrerKind.FAMILY, ReferrerKind.PUBLIC})
"""Referrers who are private people: their "organisation" may be their own name, so it is never kept."""
_LETTERS = re.compile(r"[^a-z0-9]+")


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    return " ".join(part for part in _LETTERS.split(plain) if part)


def identity_keys(person: Person) -> set[str]:
    """What says who a child is, as plain text to be digested: the NHS number, and name with birth date."""
    keys = {f"nhs:{person.identifiers.nhs_number}"} if person.identifiers.nhs_number else set()
    if person.name is not None and person.name.given_names and person.birth_date is not None:
        first = _folded(person.name.given_names[0]).split(" ")[0]
        keys.add(f"born:{person.birth_date.isoformat()}|{first}|{_folded(person.name.family_name)}")
    return keys


@dataclass(frozen=True)
class InsightFacts:
    """One referral as the insight reports see it: no word of its content and nothing that names anyone."""

    referral_id: str
    received_at: datetime
    rag: str
    referrer_kind: str
    referrer_organisation: str | None
    child_keys: frozenset[str]


@dataclass(frozen=True)
class InsightWindow:
    facts: list[InsightFacts]
    """Oldest first."""
    unrecorded: int
    """Referrals received in the window that have no facts (stored before this version of the hub)."""
    first_held: datetime | None
    """When the oldest referral the hub holds was received (None: it holds none)."""


@dataclass(frozen=True)
class RegisteredSchool:
    dfe_number: str
    name: str
    pupils: int


def _aware(moment: datetime | None) -> datetime | None:
    """An aggregate bypasses the column's type, so SQLite hands back naive UTC (or text): made aware here."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class InsightRecords(AuditedStore):
    """The facts written with each referral, read by period for the reports; the schools register."""

    def _record_insight(self, session: Session, now: datetime, referral: Referral) -> None:
        key = self._digest_key(session, now)
        digests = sorted(
            {
                keyed_digest(key, CHILD_DOMAIN, identity.encode("utf-8"))
                for child in referral.subjects
                if child.role.value == "subject_child"
                for identity in identity_keys(child.person)
            }
        )
        kind = referral.referrer.kind
        session.add(
            ReferralInsightRow(
                referral_id=referral.referral_id,
                received_at=referral.received_at,
                rag=referral.rag.value,
                referrer_kind=kind.value,
                referrer_organisation=None if kind in PRIVATE_KINDS else referral.referrer.organisation,
                child_keys=" ".join(digests),
            )
        )

    def insight_facts(
        self, *, actor: str, purpose: str, report: str, since: datetime, until: datetime
    ) -> InsightWindow:
        """The facts of referrals received from `since` up to (not including) `until`, audited once as
        `insight.report` naming the report; and how many referrals in that time have none."""
        query = (
            select(ReferralInsightRow)
            .where(ReferralInsightRow.received_at >= since, ReferralInsightRow.received_at < until)
            .order_by(ReferralInsightRow.received_at, ReferralInsightRow.referral_id)
        )
        unrecorded = (
            select(func.count())
            .select_from(ReferralRow)
            .outerjoin(ReferralInsightRow, ReferralInsightRow.referral_id == ReferralRow.referral_id)
            .where(ReferralRow.received_at >= since, ReferralRow.received_at < until)
            .where(ReferralInsightRow.referral_id.is_(None))
        )
        with self._audited(actor, purpose) as (session, access, now):
            facts = [
                InsightFacts(
                    row.referral_id,
                    row.received_at,
                    row.rag,
                    row.referrer_kind,
                    row.referrer_organisation,
                    frozenset(row.child_keys.split()),
                )
                for row in session.scalars(query)
            ]
            missing = int(session.scalar(unrecorded) or 0)
            first_held = session.scalar(select(func.min(ReferralRow.received_at)))
            self._audit(session, access, now, AuditAction.INSIGHT_REPORT, f"insight:{report}", None)
        return InsightWindow(facts, missing, _aware(first_held))

    def replace_school_register(self, schools: Iterable[RegisteredSchool]) -> int:
        """Replace the whole register in one transaction (a half-loaded register is never seen); how many."""
        rows = [SchoolRow(dfe_number=s.dfe_number, name=s.name, pupils=s.pupils) for s in schools]
        with self._sessions() as session, session.begin():
            session.execute(delete(SchoolRow))
            session.add_all(rows)
        return len(rows)

    def school_register(self) -> list[RegisteredSchool]:
        """The schools register by name (no personal data: not audited, like the referral list's ids)."""
        with self._sessions() as session:
            rows = session.scalars(select(SchoolRow).order_by(SchoolRow.name, SchoolRow.dfe_number))
            return [RegisteredSchool(row.dfe_number, row.name, row.pupils) for row in rows]
