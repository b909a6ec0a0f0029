"""A mistake in `config/roles.yaml` is one line naming the file and the field, before anything else happens.

Each case breaks one thing in a copy of the shipped file and runs `hub referral list`, which reads the
roles before it asks who is signed in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.access.roles import read_access_config
from tests.staff import hub_command, refusal

HUB = str(Path(sys.executable).parent / "hub")
Breakage = Callable[[dict[str, Any]], None]


def _permission(name: str, scope: str) -> Breakage:
    return lambda roles: roles["roles"]["practitioner"]["permissions"].update({name: scope})


def _setting(section: str, name: str, value: str) -> Breakage:
    return lambda roles: roles[section].update({name: value})


def _service_role(roles: dict[str, Any]) -> None:
    roles["roles"]["service"] = {"description": "Pretends to be the pipeline", "permissions": {"history.read": "any"}}


CASES = {
    "unknown permission": (
        _permission("history.write", "any"),
        ["roles.practitioner.permissions", "history.write", "must be 'referral.submit'"],
    ),
    "scope neither any nor allocated": (
        _permission("history.read", "always"),
        ["field 'roles.practitioner.permissions.history.read'", "must be 'any' or 'allocated'"],
    ),
    "a role called service": (_service_role, ["field 'roles'", "'service' is reserved for the hub's own services"]),
    "break-glass duration": (
        _setting("break_glass", "lasts", "2 hrs"),
        ["field 'break_glass.lasts'", 'must be a duration such as "30 minutes"'],
    ),
    "session duration": (_setting("sessions", "idle", "half an hour"), ["field 'sessions.idle'", "must be a duration"]),
    "lockout duration": (_setting("sessions", "lockout_for", "0 minutes"), ["field 'sessions.lockout_for'"]),
}


def broken_copy(config_copy: Path, breakage: Breakage) -> Path:
    path = config_copy / "roles.yaml"
    roles = yaml.safe_load(path.read_text())
    breakage(roles)
    path.write_text(yaml.safe_dump(roles, sort_keys=False))
    return path


def test_the_shipped_roles_file_is_valid() -> None:
    read_access_config(Path(__file__).resolve().parents[3] / "config" / "roles.yaml")


@pytest.mark.parametrize("case", CASES)
def test_a_broken_roles_file_is_one_line_naming_the_file_and_the_field(
    hub_home: Path, config_copy: Path, case: str
) -> None:
    breakage, expected = CASES[case]
    path = broken_copy(config_copy, breakage)
    message = refusal(hub_command("referral", "list"))
    assert message.startswith(f"{path}: field '")
    for words in expected:
        assert words in message
    assert "You are not signed in" not in message  # the roles are read first


def test_the_hub_command_prints_it_as_one_line_on_stderr(hub_home: Path, config_copy: Path) -> None:
    path = broken_copy(config_copy, _setting("break_glass", "lasts", "2 hrs"))
    result = subprocess.run(
        [HUB, "referral", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "HUB_HOME": str(hub_home), "COLUMNS": "80"},
        timeout=60,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f'error: {path}: field \'break_glass.lasts\': must be a duration such as "30 minutes", "2 hours" or "1 day".'
    ]
