"""What every connector must do, as reusable checks over a test double of its agency.

A registered agency is described for the contract tests by a `ContractAgency`: its app (served by
`connectors.testing.serving.ServedAgency`, behind the sandbox fault injector), a subject it holds
and one it does not, the credentials the connector should use, and captured native documents.
The checks below return the problems they find (an empty list: none), so a test can assert on
them and show every problem at once. They quote no value from a reply; `leaked_markers` returns
which of the caller's own (synthetic) markers it found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from pydantic import BaseModel, SecretStr, ValidationError
from starlette.types import ASGIApp

from connectors.sdk.auth import AgencyCredentials, ClientSecretCredentials, NhsSignedJwtCredentials, NoCredentials
from connectors.sdk.base import Connector, RecordedCheck
from connectors.sdk.config import AgencyConfig
from connectors.sdk.errors import ConnectorError
from connectors.sdk.recording import NotInRecording
from connectors.sdk.registry import RegisteredAgency
from connectors.sdk.resilience import MemoryResilienceState, ResilienceState
from sandbox.common.api import ErrorRenderer
from schemas import AgencyReply, NormalisedDocument, Person, Subject

FAST_SETTINGS: dict[str, dict[str, Any]] = {
    "timeouts": {"connect": 0.5, "read": 1.0},
    "retry": {"attempts": 3, "backoff_seconds": 0.01, "backoff_max_seconds": 0.05, "jitter_seconds": 0.0},
    "rate_limit": {"per_second": 10_000, "burst": 10_000},
}
"""Settings that keep a contract test fast: short timeouts, near-instant backoff, no throttling."""
SECRET_FIELD = re.compile(r"secret|password|passphrase|api_key|private_key|access_token|^token$")
"""Credential field names that hold a secret (`token_url`, `client_key` (a path) and `kid` do not)."""


@dataclass(frozen=True)
class ContractAgency:
    """A test double of one agency, as the contract tests need it.

    `app` is the agency's ASGI app, unwrapped (the kit adds fault injection); `render_error` and
    `malformed_body` give its error format and a broken reply in its own content type.
    `known_subject` is held by the agency with at least one entry; `unknown_subject` by no one.
    `status_codes` names client-error statuses the agency gives a meaning of its own, with the
    error code its connector reports for each (any other 4xx must give `http_<status>`).
    `server_tls` serves the double over TLS (`credentials` then carry the CA and any client certificate).
    """

    app: ASGIApp
    render_error: ErrorRenderer
    malformed_body: Callable[[], tuple[bytes, str]]
    known_subject: Subject
    unknown_subject: Subject
    credentials: AgencyCredentials | None = None
    samples: tuple[Path, ...] = ()
    status_codes: Mapping[int, str] = field(default_factory=dict)
    server_tls: Mapping[str, Any] | None = None
    """uvicorn's `ssl_*` settings, for an agency served over (mutual) TLS; None serves plain HTTP."""

    def error_code_for(self, status: int) -> str:
        """The error code a check must report when the agency answers with this client-error status."""
        return self.status_codes.get(status, f"http_{status}")

    def sends_for_client_error(self, status: int) -> int:
        """How often a request refused with `status` is sent: once, or twice for a 401 to a bearer-token
        client, which fetches a fresh token and tries once more (the agency may have revoked the old one)."""
        bearer = isinstance(self.credentials, NhsSignedJwtCredentials | ClientSecretCredentials)
        return 2 if status == 401 and bearer else 1


def fast_config(config: AgencyConfig, endpoint: str, **overrides: Any) -> AgencyConfig:
    """The registry entry pointed at `endpoint`, with `FAST_SETTINGS` and then `overrides` merged in."""
    settings = config.model_dump()
    for name in {*FAST_SETTINGS, *overrides}:
        value = overrides.get(name, {})
        if isinstance(value, Mapping) and isinstance(settings.get(name), Mapping):
            settings[name] = {**settings[name], **FAST_SETTINGS.get(name, {}), **value}
        else:
            settings[name] = value
    return AgencyConfig.model_validate({**settings, "endpoint": endpoint})


def contract_connector(
    registered: RegisteredAgency,
    agency: ContractAgency,
    endpoint: str,
    *,
    state: ResilienceState | None = None,
    **overrides: Any,
) -> Connector:
    """The registered connector class, configured for the test double at `endpoint` (see `fast_config`)."""
    return registered.connector_class(
        fast_config(registered.config, endpoint, **overrides),
        credentials=agency.credentials,
        state=state or MemoryResilienceState(),
    )


# Declarations ----------------------------------------------------------------------------------------


def config_problems(registered: RegisteredAgency) -> list[str]:
    """Problems with the registry entry: it must survive being written out, its options must validate,
    and an agency whose connector cannot go without credentials must name the Connection holding them."""
    config, connector_class = registered.config, registered.connector_class
    problems = []
    if AgencyConfig.model_validate(config.model_dump()) != config:
        problems.append("the registry entry changes when written out and read back")
    try:
        connector_class.Options.model_validate(config.options)
    except ValidationError as error:
        problems.append(f"options do not validate against {connector_class.__name__}.Options ({error.error_count()})")
    if NoCredentials not in connector_class.credential_types and config.credentials is None:
        problems.append(f"{connector_class.__name__} needs credentials but the entry names no Connection")
    return problems


def declaration_problems(connector_class: type[Connector]) -> list[str]:
    """What the connector class fails to declare: title, lawful basis, allow-list, typed credentials."""
    name = connector_class.__name__
    problems = [
        f"{name} declares no {attribute}"
        for attribute in ("title", "lawful_basis")
        if not str(getattr(connector_class, attribute, "")).strip()
    ]
    returns = getattr(connector_class, "returns", None)
    if returns is None or not returns.categories:
        problems.append(f"{name} declares no entry categories in its allow-list")
    if not connector_class.credential_types:
        problems.append(f"{name} declares no credential types")
    for kind in connector_class.credential_types:
        problems += _credential_type_problems(name, kind)
    return problems


def _credential_type_problems(name: str, kind: type[BaseModel]) -> list[str]:
    if not (isinstance(kind, type) and issubclass(kind, BaseModel)):
        return [f"{name}: credential type {kind!r} is not a pydantic model"]
    return [
        f"{name}: {kind.__name__}.{field_name} looks secret but is not a SecretStr"
        for field_name, info in kind.model_fields.items()
        if SECRET_FIELD.search(field_name) and not _is_secret(info.annotation)
    ]


def _is_secret(annotation: Any) -> bool:
    arguments = getattr(annotation, "__args__", None)
    return annotation is SecretStr or (arguments is not None and SecretStr in arguments)


# Privacy ---------------------------------------------------------------------------------------------


def date_formats(day: date) -> list[str]:
    """A date the ways a URL, log line or payload might spell it."""
    return [
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        day.strftime("%d-%m-%Y"),
        day.strftime("%d%m%Y"),
        day.strftime("%Y%m%d"),
        f"{day.day} {day.strftime('%B %Y')}",
    ]


def personal_data_markers(person: Person) -> list[str]:
    """Strings from a person's record that must never appear in a URL or a log: names, birth date, ids."""
    names = [name for name in (person.name, *person.aliases) if name is not None]
    markers = {part for name in names for part in (name.family_name, *name.given_names)}
    if person.birth_date is not None:
        markers.update(date_formats(person.birth_date))
    markers.update(str(value) for value in person.identifiers.present().values())
    if person.address is not None and person.address.postcode:
        markers.update({person.address.postcode, person.address.postcode.replace(" ", "")})
    if person.address is not None and person.address.line:
        markers.add(person.address.line.split(",")[0])
    return sorted(marker for marker in markers if marker)


def leaked_markers(texts: Iterable[str], markers: Iterable[str]) -> list[str]:
    """Which markers appear in any of the texts (URL-decoded, ignoring case)."""
    haystack = "\n".join(unquote_plus(text).casefold() for text in texts)
    return sorted({marker for marker in markers if marker.casefold() in haystack})


# Replies ---------------------------------------------------------------------------------------------


def reply_problems(reply: AgencyReply, connector_class: type[Connector], agency_id: str) -> list[str]:
    """Attribution and allow-list problems in a successful reply (record ids and categories, never values)."""
    problems = []
    candidates = {candidate.agency_person_id for candidate in reply.candidates}
    if reply.agency != agency_id:
        problems.append(f"reply is attributed to '{reply.agency}', not '{agency_id}'")
    declared = connector_class.returns.categories
    for index, entry in enumerate(reply.entries):
        where = f"entry {index} ({entry.category.value})"
        if entry.source.agency != agency_id:
            problems.append(f"{where}: source.agency is '{entry.source.agency}', not '{agency_id}'")
        if not entry.source.record_id.strip():
            problems.append(f"{where}: no source record id")
        if entry.category not in declared:
            problems.append(f"{where}: category not declared in the connector's allow-list")
        if not candidates & {person.agency_person_id for person in entry.people}:
            problems.append(f"{where}: names none of the returned candidates among its people")
    return problems


def round_trip_problems(connector_class: type[Connector], samples: Iterable[Path]) -> list[str]:
    """Each native sample normalised, written as JSON and read back, must come back equal."""
    problems = []
    for sample in samples:
        try:
            document = connector_class.parse_document(sample.read_bytes())
        except ConnectorError as error:
            problems.append(f"{sample.name}: parse_document failed ({error.code})")
            continue
        if NormalisedDocument.model_validate_json(document.model_dump_json()) != document:
            problems.append(f"{sample.name}: normalised document changes through JSON")
    return problems


def replay_problems(connector: Connector, referral_id: str, subject: Subject, checked: RecordedCheck) -> list[str]:
    """The reply survives JSON, and re-normalising its stored recording gives the same reply."""
    problems = []
    reply = checked.reply
    if AgencyReply.model_validate_json(reply.model_dump_json()) != reply:
        problems.append("reply changes through JSON")
    stored = type(checked.recording).from_bytes(checked.recording.to_bytes())
    if stored != checked.recording:
        problems.append("recording changes through its stored form")
    try:
        if connector.renormalise(referral_id, subject, stored) != reply:
            problems.append("re-normalising the recording gives a different reply")
    except NotInRecording:
        problems.append("re-normalising asks for a request the recording does not hold")
    return problems
