"""May this person do this, to this referral, now? Deny by default, and say why either way.

A role must hold the permission (`config/roles.yaml`). A permission held as `allocated` reaches only a
referral the person is allocated to, by a manager or by a rota rule, or has opened by break-glass
while that lasts. The answer carries the basis the audit trail records (`allocated`, `break-glass:<n>`,
`role`, `service`) and, on a refusal, what to do next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from hub.access.permissions import Permission
from hub.access.principal import Principal
from hub.access.roles import AccessConfig, RotaRule, Scope
from hub.deadlines.calendar import Weekday
from hub.store import HubStore
from hub.store.access_records import ReferralSummary

WHAT = {
    Permission.REFERRAL_SUBMIT: "submit referrals",
    Permission.REFERRAL_LIST: "list referrals",
    Permission.REFERRAL_ALLOCATE: "allocate referrals",
    Permission.REFERRAL_FEEDBACK: "read a referral's quality assessment and feedback note",
    Permission.REFERRAL_QUALITY: "see referral quality per referrer",
    Permission.HISTORY_READ: "read family histories",
    Permission.REVIEW_DECIDE: "decide identity reviews",
    Permission.BREAK_GLASS_REQUEST: "use break-glass access",
    Permission.BREAK_GLASS_REVIEW: "review break-glass accesses",
    Permission.AUDIT_READ: "read the audit trail",
    Permission.AUDIT_EXPORT: "export the audit trail",
    Permission.CONNECTORS_MANAGE: "manage connectors",
    Permission.LINKAGE_MANAGE: "tune identity linkage from review decisions",
    Permission.USERS_MANAGE: "manage staff accounts",
    Permission.DECISION_RECORD: "record the MASH decision",
    Permission.DECISION_SIGN_OFF: "sign off MASH decisions",
    Permission.REFERRAL_IMPORT_HISTORY: "import past referrals",
    Permission.REFERRAL_INSIGHT: "see referrer insight",
    Permission.RETENTION_MANAGE: "apply the retention schedule and manage legal holds",
    Permission.SAR_EXPORT: "export a subject access request's records",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: str
    """What the audit trail records as the grounds: `allocated`, `break-glass:<n>`, `role`, or `none`."""
    explanation: str = ""
    """For a refusal: one line saying why, and what to do next."""


def decide(
    config: AccessConfig,
    store: HubStore,
    principal: Principal,
    permission: Permission,
    referral_id: str | None,
    *,
    now: datetime,
    time_zone: Callable[[], tzinfo],
) -> Decision:
    """The decision for one action; `time_zone` (the council's) is asked only when a rota rule needs it."""
    scope = config.scope(principal.role, permission)
    if scope is None:
        holders = ", ".join(config.holders(permission)) or "no role"
        return Decision(
            False,
            "none",
            f"Your role ({principal.role}) cannot {WHAT[permission]}; only {holders} can. "
            "Ask an administrator if your role is wrong.",
        )
    summary = store.referral_summary(referral_id) if referral_id is not None else None
    if summary is not None and _allocated(config, principal, summary, time_zone):
        return Decision(True, "allocated")
    if scope is Scope.ANY:
        return Decision(True, "role")
    if referral_id is None or summary is None:
        return Decision(False, "none", f"No referral with id '{referral_id}'. Check the id with `hub referral list`.")
    glass = store.active_break_glass(referral_id, principal.username, now)
    if glass is not None:
        return Decision(True, f"break-glass:{glass.number}")
    return Decision(
        False,
        "none",
        f"You are not allocated to referral {referral_id}, so you cannot {WHAT[permission]} for it. Ask a manager "
        f"to allocate it to you; {break_glass_hint(referral_id)}",
    )


def break_glass_hint(referral_id: str) -> str:
    """The terminal's way to break the glass, as the refusal says it (the web application says its own)."""
    return (
        f"if a child may be at risk now, use `hub access break-glass {referral_id} --reason CODE --note TEXT` "
        "(IG and your manager are told, and it is reviewed)."
    )


def _allocated(
    config: AccessConfig, principal: Principal, summary: ReferralSummary, time_zone: Callable[[], tzinfo]
) -> bool:
    if summary.allocated_to == principal.username:
        return True
    rules = [rule for rule in config.allocation.rota if principal.username in rule.users]
    return any(_rota_covers(rule, summary, time_zone()) for rule in rules)


def _rota_covers(rule: RotaRule, summary: ReferralSummary, zone: tzinfo) -> bool:
    """Whether a rota rule allocates this referral: received on one of its days, with one of its RAG ratings."""
    received = summary.received_at.astimezone(zone)
    day = next(day for day in Weekday if day.number == received.weekday())
    return day in rule.days and summary.rag in {rag.value for rag in rule.rag}
