"""The one door every personal-data command goes through: who is signed in, may they, and on what basis.

`SignedIn.permit(permission, referral_id, purpose=...)` decides (`hub.access.policy`); a refusal is
audited (outcome `denied`) and raised as `AccessRefused`, one line saying what to do. Inside the
block it opens, every audit event the store writes for this person records their role and the basis
the access was allowed on, so the trail shows not only who read what but why they could.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import NoReturn
from zoneinfo import ZoneInfo

from hub.access.permissions import Permission
from hub.access.policy import Decision, decide
from hub.access.principal import Principal
from hub.access.roles import AccessConfig, load_access_config
from hub.access.sessions import current_principal
from hub.audit import AuditAction
from hub.chronology.restricted import Clearance
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.audited import Acting, acting

ATTEMPTED = {
    Permission.REFERRAL_SUBMIT: AuditAction.REFERRAL_CREATE,
    Permission.REFERRAL_LIST: AuditAction.REFERRAL_READ,
    Permission.REFERRAL_ALLOCATE: AuditAction.REFERRAL_ALLOCATE,
    Permission.REFERRAL_FEEDBACK: AuditAction.QUALITY_READ,
    Permission.REFERRAL_QUALITY: AuditAction.QUALITY_REPORT,
    Permission.HISTORY_READ: AuditAction.CHRONOLOGY_READ,
    Permission.REVIEW_DECIDE: AuditAction.LINK_REVIEW_DECIDE,
    Permission.BREAK_GLASS_REQUEST: AuditAction.BREAK_GLASS,
    Permission.BREAK_GLASS_REVIEW: AuditAction.BREAK_GLASS_REVIEW,
    Permission.AUDIT_READ: AuditAction.AUDIT_READ,
    Permission.AUDIT_EXPORT: AuditAction.AUDIT_EXPORT,
    Permission.CONNECTORS_MANAGE: AuditAction.REPLIES_READ,
    Permission.LINKAGE_MANAGE: AuditAction.REPLIES_READ,
    Permission.USERS_MANAGE: AuditAction.USER_ADD,
    Permission.DECISION_RECORD: AuditAction.DECISION_RECORD,
    Permission.DECISION_SIGN_OFF: AuditAction.DECISION_SIGN_OFF,
    Permission.REFERRAL_IMPORT_HISTORY: AuditAction.REFERRAL_CREATE,
    Permission.REFERRAL_INSIGHT: AuditAction.INSIGHT_REPORT,
    Permission.RETENTION_MANAGE: AuditAction.RETENTION_RUN,
    Permission.SAR_EXPORT: AuditAction.SAR_EXPORT,
}
"""The action a refused attempt is recorded as."""


class AccessRefused(UserError):
    """The person may not do this; the message says why and what to do next."""


@dataclass(frozen=True)
class SignedIn:
    """A person at work: their settings, the store, the access rules, and who they are."""

    settings: HubSettings
    store: HubStore
    config: AccessConfig
    principal: Principal

    @property
    def actor(self) -> str:
        return self.principal.actor

    @property
    def clearance(self) -> Clearance:
        """Which agencies' restricted records this person may see, and whom to ask about the rest."""
        return Clearance(self.principal.restricted_agencies, self.config.restricted.ask)

    def decision(self, permission: Permission, referral_id: str | None = None) -> Decision:
        return decide(
            self.config,
            self.store,
            self.principal,
            permission,
            referral_id,
            now=datetime.now(UTC),
            time_zone=lambda: _council_zone(self.settings),
        )

    @contextmanager
    def permit(self, permission: Permission, referral_id: str | None = None, *, purpose: str) -> Iterator[Decision]:
        """Allow the block, with its audit events carrying role and basis; or audit the refusal and raise."""
        decision = self.decision(permission, referral_id)
        if not decision.allowed:
            self.refuse(permission, referral_id, purpose=purpose, explanation=decision.explanation)
        with acting(Acting(self.actor, self.principal.role, decision.basis)):
            yield decision

    def refuse(
        self,
        permission: Permission,
        referral_id: str | None = None,
        *,
        purpose: str,
        explanation: str,
        object_id: str | None = None,
    ) -> NoReturn:
        """Audit a refused attempt (outcome `denied`, basis `none`) and raise `AccessRefused` saying why.

        For refusals the role alone does not decide, too (reviewing one's own break-glass), so every
        refusal reaches the trail the same way.
        """
        with acting(Acting(self.actor, self.principal.role, "none")):
            self.store.record_refusal(
                ATTEMPTED[permission],
                object_id or referral_id or permission.value,
                referral_id if referral_id and self.store.referral_exists(referral_id) else None,
                actor=self.actor,
                purpose=purpose,
            )
        raise AccessRefused(explanation)

    @contextmanager
    def reading_history(self, referral_id: str, purpose: str | None = None) -> Iterator[str]:
        """Permit reading a referral's history for a purpose from roles.yaml (the default if None); yields the
        purpose code to record with every read inside the block."""
        why = self.config.purpose(purpose)
        with self.permit(Permission.HISTORY_READ, referral_id, purpose=why):
            yield why

    def may(self, permission: Permission, referral_id: str | None = None) -> bool:
        """Whether the person may (for filtering a list); nothing is audited."""
        return self.decision(permission, referral_id).allowed


def _council_zone(settings: HubSettings) -> tzinfo:
    """The council's time zone, for rota rules' days (read only when a rota rule applies)."""
    from hub.deadlines.config import load_deadlines

    return ZoneInfo(str(load_deadlines(settings).calendar.time_zone))


def signed_in(settings: HubSettings | None = None) -> SignedIn:
    """The person signed in at this terminal; a `UserError` saying how to sign in if nobody is."""
    from hub.store.home import open_store

    settings = settings or HubSettings.from_env()
    store = open_store(settings)
    config = load_access_config(settings)
    return SignedIn(settings, store, config, current_principal(settings, store, config))


def as_principal(settings: HubSettings, store: HubStore, principal: Principal) -> SignedIn:
    """A `SignedIn` for a principal established otherwise (the demo's own accounts, a web session)."""
    return SignedIn(settings, store, load_access_config(settings), principal)
