"""docker-compose.yml cannot run here (no Docker engine), so check what can be checked without it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from hub.cli import app
from hub.runtime.airflow import SECRETS_BACKEND
from hub.settings import HubSettings
from sandbox.common.settings import SandboxSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
AGENCIES = [entry["id"] for entry in yaml.safe_load((REPO_ROOT / "config" / "agencies.yaml").read_text())["agencies"]]
AIRFLOW_SERVICES = [name for name, service in COMPOSE["services"].items() if name.startswith("airflow-")]


def _command(service: dict[str, Any]) -> list[str]:
    entrypoint = service.get("entrypoint") or []
    return [*entrypoint, *service.get("command", [])]


def _hub_commands() -> list[tuple[str, list[str]]]:
    return [(name, _command(svc)) for name, svc in COMPOSE["services"].items() if _command(svc)[:1] == ["hub"]]


def test_compose_describes_the_whole_system() -> None:
    services = COMPOSE["services"]
    commands = {name: _command(service) for name, service in services.items()}
    for airflow_service in ("api-server", "scheduler", "dag-processor", "triggerer"):
        assert any(command[:2] == ["airflow", airflow_service] for command in commands.values()), airflow_service
    assert services["postgres"]["image"].startswith("postgres")
    assert "sandboxes" in services and "hub" in services
    airflow_env = services["airflow-scheduler"]["environment"]
    assert airflow_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
    assert airflow_env["HUB_DATABASE_URL"].startswith("postgresql")


@pytest.mark.parametrize(("service", "argv"), _hub_commands(), ids=[name for name, _ in _hub_commands()])
def test_hub_commands_in_compose_parse_with_the_real_cli(service: str, argv: list[str]) -> None:
    """Resolve each command through the CLI's own parser, so a renamed command or option fails here."""
    command = typer.main.get_command(app)
    args = [arg for arg in argv[1:] if arg != "--help"]  # --help would exit before the arguments are checked
    if not args:
        return
    path = ["hub"]
    while hasattr(command, "commands"):
        name, *args = args
        assert name in command.commands, f"{service}: `{' '.join(path)}` has no command {name!r}"
        command = command.commands[name]
        path.append(name)
    command.make_context(" ".join(path), args)  # raises on an unknown option or a bad value


def test_sandbox_ports_match_agency_endpoints() -> None:
    sandboxes = COMPOSE["services"]["sandboxes"]
    base_port = int(sandboxes["command"][sandboxes["command"].index("--base-port") + 1])
    environment = COMPOSE["services"]["airflow-scheduler"]["environment"]
    shipped = SandboxSettings.load(REPO_ROOT / "config" / "sandboxes.yaml")
    for offset, agency in enumerate(AGENCIES):
        scheme = "http" if shipped.for_agency(agency).tls == "off" else "https"
        expected = f"{scheme}://sandboxes:{base_port + offset}"
        assert environment[f"HUB_AGENCY_{agency.upper()}_ENDPOINT"] == expected
    published = sandboxes["ports"][0]
    assert re.fullmatch(
        rf"{base_port}-{base_port + len(AGENCIES) - 1}:{base_port}-{base_port + len(AGENCIES) - 1}", published
    )


def test_sandboxes_share_the_hub_home_where_they_issue_credentials() -> None:
    """Connectors in Airflow's tasks read the issued credentials and the CA from the shared HUB_HOME."""
    sandboxes = COMPOSE["services"]["sandboxes"]
    scheduler = COMPOSE["services"]["airflow-scheduler"]
    assert sandboxes["environment"]["HUB_HOME"] == scheduler["environment"]["HUB_HOME"]
    home_volume = f"hub-home:{sandboxes['environment']['HUB_HOME']}"
    assert home_volume in sandboxes["volumes"] and home_volume in scheduler["volumes"]
    command = sandboxes["command"]
    assert command[command.index("--tls-hostname") + 1] == "sandboxes"


def test_every_airflow_service_reads_agency_connections_from_the_file_the_sandboxes_write() -> None:
    home = COMPOSE["services"]["sandboxes"]["environment"]["HUB_HOME"]
    written_by_sandboxes = HubSettings.from_env({"HUB_HOME": home}).connections_file
    for name in AIRFLOW_SERVICES:
        service = COMPOSE["services"][name]
        environment = service["environment"]
        assert environment["AIRFLOW__SECRETS__BACKEND"] == SECRETS_BACKEND, name
        kwargs = json.loads(environment["AIRFLOW__SECRETS__BACKEND_KWARGS"])
        assert kwargs == {"connections_file_path": str(written_by_sandboxes)}, name
        assert f"hub-home:{home}" in service["volumes"], name


def test_airflow_starts_only_after_init_has_migrated_and_created_the_agency_pools() -> None:
    assert _command(COMPOSE["services"]["airflow-init"]) == ["hub", "airflow", "init"]
    for name in AIRFLOW_SERVICES:
        if name != "airflow-init":
            condition = COMPOSE["services"][name]["depends_on"]["airflow-init"]["condition"]
            assert condition == "service_completed_successfully", name


def test_airflow_commands_in_compose_exist() -> None:
    subcommands = {_command(svc)[1] for svc in COMPOSE["services"].values() if _command(svc)[:1] == ["airflow"]}
    result = subprocess.run([sys.executable, "-m", "airflow", "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-500:]
    listed = set(re.findall(r"^\s+([a-z][a-z-]+)\s{2,}", result.stdout, flags=re.MULTILINE))
    assert subcommands <= listed, subcommands - listed


def test_dockerfile_copies_every_package_the_image_runs() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    for folder in ("hub", "connectors", "schemas", "sandbox", "dags", "config"):
        assert f"COPY {folder} ./{folder}" in dockerfile
    assert "uv sync --locked" in dockerfile


def test_agencies_push_replies_to_the_hub_callbacks_service_every_check_can_name() -> None:
    services = COMPOSE["services"]
    command = _command(services["hub-callbacks"])
    assert command[:3] == ["hub", "callbacks", "serve"]
    port = command[command.index("--port") + 1]
    for name in ("airflow-scheduler", "airflow-triggerer", "hub-callbacks"):
        assert services[name]["environment"]["HUB_CALLBACK_URL"] == f"http://hub-callbacks:{port}", name


def test_the_hubs_database_is_migrated_once_before_anything_opens_it() -> None:
    """`migrate` runs `hub db upgrade` against the hub's database (PostgreSQL, once it is healthy), and every
    service that opens the hub's store starts only after it has completed successfully."""
    services = COMPOSE["services"]
    migrate = services["migrate"]
    assert _command(migrate) == ["hub", "db", "upgrade"]
    assert "restart" not in migrate  # a one-shot step: Compose must not start it again and again
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    store_users = [
        name
        for name, service in services.items()
        if "HUB_DATABASE_URL" in service.get("environment", {}) and name != "migrate"
    ]
    assert {"airflow-scheduler", "airflow-triggerer", "hub-callbacks", "hub"} <= set(store_users)
    for name in store_users:
        service = services[name]
        assert service["environment"]["HUB_DATABASE_URL"] == migrate["environment"]["HUB_DATABASE_URL"], name
        if name == "airflow-init":  # Airflow's own database only: it never opens the hub's store
            continue
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
