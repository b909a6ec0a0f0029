"""docker-compose.yml as the tests read it: parsed YAML, with `${VAR:-default}` resolved as Compose would."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_PATH = REPO_ROOT / "docker-compose.yml"
RAW: dict[str, Any] = yaml.safe_load(COMPOSE_PATH.read_text())
SERVICES: dict[str, dict[str, Any]] = RAW["services"]

_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")


def interpolate(value: str, environ: Mapping[str, str] | None = None) -> str:
    """Compose's interpolation for the forms the file uses: `${V}`, `${V:-d}` (unset or empty), `${V-d}` (unset)."""
    env = environ or {}

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, default = match.group("name"), match.group("op"), match.group("default") or ""
        if op == ":-":
            return env.get(name) or default
        if op == "-":
            return env.get(name, default)
        return env.get(name, "")

    return _VARIABLE.sub(substitute, value)


def resolved(value: Any, environ: Mapping[str, str] | None = None) -> Any:
    """`value` with every string in it interpolated (an empty environment: the file's own defaults)."""
    if isinstance(value, str):
        return interpolate(value, environ)
    if isinstance(value, list):
        return [resolved(item, environ) for item in value]
    if isinstance(value, dict):
        return {key: resolved(item, environ) for key, item in value.items()}
    return value


COMPOSE: dict[str, Any] = resolved(RAW)


def command(service: Mapping[str, Any]) -> list[str]:
    return [*(service.get("entrypoint") or []), *service.get("command", [])]


def is_one_off(service: Mapping[str, Any]) -> bool:
    """A step that runs and exits (migrations, init, the CLI): never restarted, so never health-checked."""
    return "restart" not in service
