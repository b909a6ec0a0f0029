"""The facts about the processing that the right of access covers besides the records (UK GDPR Art 15(1)).

Purposes and lawful basis are taken from the audit trail of the referrals included (each read and
write records both), so they say what was done rather than what a policy says should be; recipients
are the agencies the hub asked about the person (their details went to each to be checked); the
source of the data is each referrer and each agency that replied. The fixed words below are the
hub's; a council rewords them in its covering letter as it wishes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hub.audit import DEFAULT_LAWFUL_BASIS
from hub.sar import held
from hub.sar.bundle import HeldReferral, Processing
from hub.sar.request import PURPOSE

RETENTION_WORDS = (
    "Kept for the period the council's retention schedule sets for MASH records of this kind; "
    "IG states the period that applies (see the retention schedule)."
)
AUTOMATED_DECISIONS = (
    "No decision about the person is made by automated means. The hub's identity linkage model proposes which "
    "agency records belong to the people in a referral, and a practitioner decides those it is unsure of; every "
    "MASH decision is made and recorded by a practitioner and signed off by a manager."
)
RIGHTS = (
    "To have inaccurate information corrected (UK GDPR Art 16).",
    "To ask for erasure or restriction of processing, or to object to it (Art 17, 18 and 21); safeguarding "
    "records are often kept despite such a request, for the reasons the council gives.",
    "To complain to the Information Commissioner's Office (ico.org.uk, 0303 123 1113), and to the council's "
    "data protection officer.",
)
GENERAL_PURPOSE = (
    "Safeguarding children: the MASH gathers what agencies know about a child and their household to decide "
    "the response to a referral (Children Act 1989 s17 and s47; Children Act 2004 s11)."
)


@dataclass(frozen=True)
class Setting:
    """What the export needs from the hub's configuration, as words (read once by the caller)."""

    agencies: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Agency id -> (name, lawful basis), from `config/agencies.yaml`."""
    outcomes: Mapping[str, str] = field(default_factory=dict)
    """MASH decision outcome code -> words, from `config/decisions.yaml`."""
    levels: Mapping[int, str] = field(default_factory=dict)
    purposes: Mapping[str, str] = field(default_factory=dict)
    """Purpose code -> words, from `config/roles.yaml`."""
    retention: Callable[[str], str] | None = None
    """A referral id's retention in words (the retention schedule), if the hub has one; else `RETENTION_WORDS`."""

    def retention_of(self, referral_id: str) -> str:
        return self.retention(referral_id) if self.retention is not None else RETENTION_WORDS


def processing(referrals: list[HeldReferral], setting: Setting) -> Processing:
    """Art 15(1)(a)-(h) for the referrals included: purposes, lawful basis, recipients, retention, sources, rights."""
    purposes = [GENERAL_PURPOSE]
    bases = [DEFAULT_LAWFUL_BASIS]
    for event in (event for referral in referrals for event in referral.access if event.outcome == "success"):
        if not event.purpose.startswith(PURPOSE):  # this request's own reads are not a purpose of the processing
            words = setting.purposes.get(event.purpose)
            described = f"{words} ({event.purpose})" if words else event.purpose
            if described not in purposes:
                purposes.append(described)
        if event.lawful_basis not in bases:
            bases.append(event.lawful_basis)
    recipients: dict[str, list[str]] = {}
    sources = []
    for referral in referrals:
        for asked in referral.recipients:
            recipients.setdefault(asked.agency, []).append(referral.referral_id)
        if referral.referrer_kind is not None:
            sources.append(
                f"Referral {referral.referral_id}: the referrer ({referral.referrer_kind.replace('_', ' ')})"
            )
        sources += [
            f"Referral {referral.referral_id}: {reply.agency_name}, replying to the hub's check"
            for reply in referral.replies
        ]
    return Processing(
        purposes=purposes,
        lawful_basis=bases,
        recipients=[held.recipient(setting.agencies, agency, ids) for agency, ids in sorted(recipients.items())],
        retention="; ".join(dict.fromkeys(referral.retention for referral in referrals)) or RETENTION_WORDS,
        sources=sources,
        automated_decisions=AUTOMATED_DECISIONS,
        rights=list(RIGHTS),
    )
