"""How each sandbox behaves: authentication, TLS, asynchronous replies and faults (`config/sandboxes.yaml`).

The defaults are the real agencies' ways: health uses NHS signed-JWT client credentials and
answers at once; police needs a client certificate (mutual TLS) and, like education (API key),
can answer later; housing uses OAuth2 client credentials with a secret. No faults by default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sandbox.common.async_replies import AsyncConfig
from sandbox.common.auth.credentials import CredentialKind
from sandbox.common.faults import FaultConfig
from schemas.config_files import ConfigFileError, describe_problems, read_yaml

TlsMode = Literal["off", "server", "mutual"]
ASYNC_AGENCIES = frozenset({"police", "education"})
"""Health answers at once, as PDS does; housing's API is synchronous too."""


class SandboxSettingsError(ValueError):
    """A sandboxes config that cannot be used; the message names the file and the field."""


class AgencySandbox(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    auth: CredentialKind
    tls: TlsMode = "off"
    asynchronous: AsyncConfig | None = Field(default=None, alias="async")
    faults: FaultConfig = FaultConfig()

    @field_validator("tls", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        """YAML 1.1 reads an unquoted `off` as false."""
        return "off" if value is False else value

    @model_validator(mode="after")
    def _tls_for_certificates(self) -> Self:
        if self.auth == "mutual_tls" and self.tls != "mutual":
            raise ValueError("auth mutual_tls needs tls: mutual")
        return self


class SandboxSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    health: AgencySandbox = AgencySandbox(auth="nhs_signed_jwt")
    police: AgencySandbox = AgencySandbox(auth="mutual_tls", tls="mutual", asynchronous=AsyncConfig())
    education: AgencySandbox = AgencySandbox(auth="api_key", asynchronous=AsyncConfig())
    housing: AgencySandbox = AgencySandbox(auth="client_secret")

    @model_validator(mode="after")
    def _async_only_where_agencies_queue(self) -> Self:
        for agency in ("health", "housing"):
            if self.for_agency(agency).asynchronous is not None:
                raise ValueError(f"{agency} answers at once; only police and education can be asynchronous")
        return self

    @classmethod
    def unauthenticated(cls) -> SandboxSettings:
        """Plain HTTP, no credentials, answers at once: for tests of formats and search alone."""
        plain = AgencySandbox(auth="none")
        return cls(health=plain, police=plain, education=plain, housing=plain)

    def for_agency(self, agency: str) -> AgencySandbox:
        settings: AgencySandbox = getattr(self, agency)
        return settings

    @classmethod
    def load(cls, path: Path) -> SandboxSettings:
        """Read a YAML file; every agency and key is optional and falls back to the defaults above."""
        try:
            raw = read_yaml(path, hint="Check the path given with --config.") or {}
        except ConfigFileError as error:
            raise SandboxSettingsError(str(error)) from None
        if not isinstance(raw, dict):
            raise SandboxSettingsError(f"{path} must map agency ids (health, police, ...) to their settings.")
        defaults = cls()
        merged = {
            agency: defaults.for_agency(agency).model_dump(by_alias=True) | (value or {})
            if isinstance(value, dict | None)
            else value
            for agency, value in raw.items()
        }
        try:
            return cls.model_validate(merged)
        except ValidationError as error:
            raise SandboxSettingsError(f"{path}: {describe_problems(error, first_only=True)}.") from None
