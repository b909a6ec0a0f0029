"""`config/roles.yaml`, typed: roles and their permissions, allocation rules, break-glass, restricted records.

Deny by default: a permission a role does not list is refused. Each council sets these for itself, so
a mistake is one line naming the file and the field, as for every file under `config/`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator

from hub.access.permissions import Permission
from hub.deadlines.calendar import Weekday
from hub.errors import UserError
from hub.settings import HubSettings
from schemas.config_files import ConfigFileError, read_config_model
from schemas.vocabulary import Rag


class Scope(StrEnum):
    """How far a granted permission reaches."""

    ANY = "any"
    """The role alone is enough."""
    ALLOCATED = "allocated"
    """Only on a referral the person is allocated to, or has opened by break-glass while it lasts."""


SERVICE_ROLE = "service"
"""The role every service identity (the pipeline, the callback endpoint) acts in; no person holds it."""

_DURATION = re.compile(r"^\s*(?P<amount>\d{1,5})\s+(?P<unit>minute|hour|day)s?\s*$", re.IGNORECASE)


def _duration(value: Any) -> timedelta:
    """`30 minutes`, `8 hours`, `1 day`: clock time, written as an admin would say it."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or int(match["amount"]) == 0:
        raise ValueError('must be a duration such as "30 minutes", "2 hours" or "1 day"')
    return timedelta(**{f"{match['unit'].lower()}s": int(match["amount"])})


Duration = Annotated[timedelta, PlainValidator(_duration)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.-]{0,63}$")]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleSpec(Section):
    """One role: what it may do, which agencies' restricted material it is cleared for, its second factor."""

    description: str = ""
    permissions: dict[Permission, Scope] = Field(default_factory=dict)
    restricted_agencies: frozenset[str] = frozenset()
    second_factor: Literal["required", "optional", "off"] = "optional"


class RotaRule(Section):
    """Referrals received on these days (and with these RAG ratings) are allocated to these people."""

    name: str
    days: frozenset[Weekday]
    rag: frozenset[Rag] = frozenset(Rag)
    users: tuple[Name, ...] = Field(min_length=1)


class AllocationSettings(Section):
    submitter_allocated: bool = True
    rota: tuple[RotaRule, ...] = ()


class BreakGlassSettings(Section):
    lasts: Duration = timedelta(hours=2)
    reasons: dict[Name, str] = Field(min_length=1)
    notify_email: tuple[str, ...] = ()


class RestrictedSettings(Section):
    ask: dict[str, str] = Field(default_factory=dict)
    """Whom to ask about an agency's restricted records, by agency id."""


class SessionSettings(Section):
    lasts: Duration = timedelta(hours=8)
    idle: Duration = timedelta(minutes=30)
    lockout_after: int = Field(default=5, ge=1, le=100)
    lockout_for: Duration = timedelta(minutes=15)
    address_limit: int = Field(default=20, ge=1, le=10_000)
    """Failed web sign-ins from one client address (any accounts) before it must wait `lockout_for`."""


class IgReportSettings(Section):
    unusual_daily_reads: int = Field(default=40, ge=1)
    unusual_multiple_of_median: float = Field(default=3.0, gt=1)


class AccessConfig(Section):
    """The whole of `roles.yaml`."""

    roles: dict[Name, RoleSpec] = Field(min_length=1)
    purposes: dict[Name, str] = Field(default_factory=lambda: {"mash_enquiry": "MASH enquiry"}, min_length=1)
    """Why someone reads a history, chosen with --purpose; the first is the default."""
    allocation: AllocationSettings = AllocationSettings()
    break_glass: BreakGlassSettings
    restricted: RestrictedSettings = RestrictedSettings()
    sessions: SessionSettings = SessionSettings()
    ig_reports: IgReportSettings = IgReportSettings()
    oidc: dict[str, Any] | None = None
    """OpenID Connect sign-in (`hub.access.oidc.OidcSettings`); absent for local accounts only."""

    @field_validator("roles")
    @classmethod
    def _no_service_role(cls, roles: dict[str, RoleSpec]) -> dict[str, RoleSpec]:
        """On the field, so the one-line error names `roles` rather than the whole file."""
        if SERVICE_ROLE in roles:
            raise ValueError(f"'{SERVICE_ROLE}' is reserved for the hub's own services; name the role otherwise")
        return roles

    def role(self, name: str) -> RoleSpec:
        """The role's spec; a `UserError` naming the known roles if there is none by that name."""
        try:
            return self.roles[name]
        except KeyError:
            raise UserError(
                f"There is no role '{name}'. Roles in roles.yaml: {', '.join(sorted(self.roles))}."
            ) from None

    def scope(self, role: str, permission: Permission) -> Scope | None:
        """How far `role` holds `permission`; None when it does not (deny by default)."""
        spec = self.roles.get(role)
        return None if spec is None else spec.permissions.get(permission)

    def purpose(self, code: str | None) -> str:
        """The purpose code to record: `code` if configured, the first purpose if None; a `UserError` otherwise."""
        if code is None:
            return next(iter(self.purposes))
        if code not in self.purposes:
            known = "; ".join(f"{name} ({words})" for name, words in self.purposes.items())
            raise UserError(f"'{code[:40]}' is not a purpose in roles.yaml. Use one of: {known}.")
        return code

    def holders(self, permission: Permission) -> list[str]:
        """The roles that hold a permission, for refusals that say whom to ask."""
        return sorted(name for name, spec in self.roles.items() if permission in spec.permissions)


def roles_file(settings: HubSettings) -> Path:
    return settings.config_dir / "roles.yaml"


def read_access_config(path: Path) -> AccessConfig:
    """Read and validate `roles.yaml`; a `ConfigFileError`, one line naming the file and field, if it is wrong."""
    return read_config_model(path, AccessConfig, hint="Set HUB_CONFIG_DIR to the folder holding roles.yaml.")


def load_access_config(settings: HubSettings) -> AccessConfig:
    """The roles file `settings` points at; a `UserError` if it is wrong.

    Read again whenever the file changes (by its modification time and size), and otherwise once per
    process: a long-running service or a web application asks on every request.
    """
    path = roles_file(settings)
    try:
        status = path.stat()
        return _read_once(path, status.st_mtime_ns, status.st_size)
    except OSError:
        return _read_once(path, 0, 0)  # the read says what is wrong with the path, in one line


@lru_cache(maxsize=8)
def _read_once(path: Path, _mtime_ns: int, _size: int) -> AccessConfig:
    try:
        return read_access_config(path)
    except ConfigFileError as error:
        raise UserError(str(error)) from None
