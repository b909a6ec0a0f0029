"""docker-compose.yml cannot run here (no Docker engine), so check everything that can be checked without it:
its shape against the Compose Specification's published schema (tests/deploy/published_schemas.py), every
command against the real CLIs, health checks and start order, secrets only through files, loopback binds,
profiles, and the Celery set-up."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import os
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from hub.cli import app
from hub.runtime.airflow import SECRETS_BACKEND
from hub.settings import HubSettings
from sandbox.common.settings import SandboxSettings
from tests.deploy.compose_file import COMPOSE, REPO_ROOT, SERVICES, command, interpolate, is_one_off, resolved
from tests.deploy.published_schemas import compose_errors

AGENCIES = [entry["id"] for entry in yaml.safe_load((REPO_ROOT / "config" / "agencies.yaml").read_text())["agencies"]]
AIRFLOW_SERVICES = [name for name in COMPOSE["services"] if name.startswith("airflow-")]
LONG_RUNNING = [name for name, service in COMPOSE["services"].items() if not is_one_off(service)]
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|_PIN|_KEY\b|_CONN|BROKER_URL|RESULT_BACKEND|DATABASE_URL")
PASSWORD_IN_URL = re.compile(r"://[^/@\s:]*:[^/@\s]+@")
# Named like secrets but none: the HSM token's label (its PIN is the secret, a file), and which secrets
# backend Airflow uses and where its file is.
NOT_SECRETS = {"HUB_PKCS11_TOKEN", "AIRFLOW__SECRETS__BACKEND", "AIRFLOW__SECRETS__BACKEND_KWARGS"}


def _hub_commands() -> list[tuple[str, list[str]]]:
    return [(name, command(svc)) for name, svc in COMPOSE["services"].items() if command(svc)[:1] == ["hub"]]


def _airflow_commands() -> list[tuple[str, list[str]]]:
    """Every `airflow ...` a service runs, including its health check's (`airflow jobs check ...`)."""
    found = [(name, command(svc)) for name, svc in COMPOSE["services"].items() if command(svc)[:1] == ["airflow"]]
    for name, service in COMPOSE["services"].items():
        test = service.get("healthcheck", {}).get("test", [])
        if test[:1] == ["CMD-SHELL"] and test[1].startswith("airflow "):
            argv = [word.replace("${HOSTNAME}", "worker-1") for word in shlex.split(test[1])]
            found.append((f"{name} healthcheck", argv))
    return found


def test_compose_file_follows_the_compose_specification() -> None:
    """Validated as `docker compose` does: `<<` merges applied, `${VAR:-default}` interpolated, then the schema."""
    assert compose_errors(COMPOSE) == []


Mistake = Callable[[dict[str, Any]], None]


def _misspelt_health_check_option(document: dict[str, Any]) -> None:
    document["services"]["redis"]["healthcheck"]["intervall"] = "5s"


def _misspelt_service_key(document: dict[str, Any]) -> None:
    document["services"]["hub-web"]["depend_on"] = document["services"]["hub-web"].pop("depends_on")


def _unknown_dependency_condition(document: dict[str, Any]) -> None:
    document["services"]["migrate"]["depends_on"]["postgres"]["condition"] = "service_ready"


def _grace_period_as_a_number(document: dict[str, Any]) -> None:
    document["services"]["airflow-worker"]["stop_grace_period"] = 120  # Compose wants a duration: "2m"


def _secret_without_its_source(document: dict[str, Any]) -> None:
    document["secrets"]["pgpass"]["fil"] = document["secrets"]["pgpass"].pop("file")


def _profiles_as_a_string(document: dict[str, Any]) -> None:
    document["services"]["hub"]["profiles"] = "cli"


@pytest.mark.parametrize(
    ("mistake", "where"),
    [
        (_misspelt_health_check_option, "$.services.redis.healthcheck"),
        (_misspelt_service_key, "$.services['hub-web']"),
        (_unknown_dependency_condition, "$.services.migrate.depends_on"),
        (_grace_period_as_a_number, "$.services['airflow-worker'].stop_grace_period"),
        (_secret_without_its_source, "$.secrets.pgpass"),
        (_profiles_as_a_string, "$.services.hub.profiles"),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else None,
)
def test_the_schema_check_rejects_a_mistake_compose_would(mistake: Mistake, where: str) -> None:
    """The check above can fail: a mistake `docker compose` would refuse is caught here, naming where it is."""
    broken = copy.deepcopy(COMPOSE)
    mistake(broken)
    errors = compose_errors(broken)
    assert any(error.startswith(where + ":") for error in errors), errors


def test_compose_describes_the_whole_system() -> None:
    services = COMPOSE["services"]
    commands = {name: command(service) for name, service in services.items()}
    for airflow_service in ("api-server", "scheduler", "dag-processor", "triggerer"):
        assert any(argv[:2] == ["airflow", airflow_service] for argv in commands.values()), airflow_service
    assert ["airflow", "celery", "worker"] in commands.values()
    assert commands["hub-web"][:3] == ["hub", "web", "up"]
    assert services["postgres"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")
    assert {"sandboxes", "hub", "hub-callbacks", "migrate"} <= set(services)


@pytest.mark.parametrize(("service", "argv"), _hub_commands(), ids=[name for name, _ in _hub_commands()])
def test_hub_commands_in_compose_parse_with_the_real_cli(service: str, argv: list[str]) -> None:
    """Resolve each command through the CLI's own parser, so a renamed command or option fails here."""
    cli = typer.main.get_command(app)
    args = [arg for arg in argv[1:] if arg != "--help"]  # --help would exit before the arguments are checked
    if not args:
        return
    path = ["hub"]
    while hasattr(cli, "commands"):
        name, *args = args
        assert name in cli.commands, f"{service}: `{' '.join(path)}` has no command {name!r}"
        cli = cli.commands[name]
        path.append(name)
    cli.make_context(" ".join(path), args)  # raises on an unknown option or a bad value


def test_airflow_commands_in_compose_and_its_health_checks_parse_with_airflows_cli() -> None:
    from airflow.cli.cli_parser import get_parser

    parser = get_parser()
    for service, argv in _airflow_commands():
        try:
            parsed = parser.parse_args(argv[1:])
        except SystemExit as error:  # argparse's way of refusing
            pytest.fail(f"{service}: `{' '.join(argv)}` is not an Airflow command ({error})")
        assert callable(parsed.func), service
    assert any(name.endswith("healthcheck") for name, _ in _airflow_commands())


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_health_check(name: str) -> None:
    service = COMPOSE["services"][name]
    test = service.get("healthcheck", {}).get("test")
    assert test and test[0] in {"CMD", "CMD-SHELL"} and not service["healthcheck"].get("disable"), name
    assert service["restart"] == "unless-stopped", name


def test_every_dependency_waits_for_health_or_for_a_one_off_to_succeed() -> None:
    """`depends_on` with a condition everywhere: a running service is waited for until healthy, a one-off
    step (migrations, Airflow's init) until it has exited successfully, so nothing starts on a half-ready system."""
    services = COMPOSE["services"]
    for name, service in services.items():
        assert isinstance(service.get("depends_on", {}), dict), f"{name}: depends_on without conditions"
        for dependency, rule in service.get("depends_on", {}).items():
            expected = "service_completed_successfully" if is_one_off(services[dependency]) else "service_healthy"
            assert rule["condition"] == expected, f"{name} -> {dependency}"
    for name in [*AIRFLOW_SERVICES, "hub-web", "hub-callbacks", "hub"]:
        if name != "airflow-init":
            assert "migrate" in services[name]["depends_on"], name
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_no_secret_is_a_value_in_the_file_or_the_image() -> None:
    """Secrets reach containers only as files under /run/secrets (compose `secrets:`): Airflow reads them
    with `_CMD` options, PostgreSQL with `_FILE`, libpq with PGPASSFILE, the hub with `*_FILE` settings."""
    text = (REPO_ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"change-me|:airflow@|:hub@|:postgres@|PASSWORD:\s*\S+\s*$", text, flags=re.MULTILINE)
    for name, service in COMPOSE["services"].items():
        for variable, value in service.get("environment", {}).items():
            value = str(value)
            assert not PASSWORD_IN_URL.search(value), f"{name}: {variable} has a password in a URL"
            if not SECRET_NAME.search(variable) or variable in NOT_SECRETS:
                continue
            if variable.endswith("_CMD"):
                assert re.fullmatch(r"cat /run/secrets/[a-z0-9_.]+", value), f"{name}: {variable}"
            elif variable.endswith("_FILE"):
                assert value.startswith(("/run/secrets/", "/var/lib/hub/airflow/")), f"{name}: {variable}"
            else:
                assert "://" in value and not PASSWORD_IN_URL.search(value), f"{name}: {variable} is a literal"
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert not re.search(r"^\s*(ENV|ARG)\b.*(PASSWORD|SECRET|FERNET|_KEY=)", dockerfile, flags=re.MULTILINE)


def test_every_airflow_cmd_option_is_one_airflow_reads_from_a_command() -> None:
    """Airflow honours `_CMD` only for its sensitive options: any other would be silently ignored."""
    from airflow.configuration import conf

    for name in AIRFLOW_SERVICES:
        for variable in COMPOSE["services"][name]["environment"]:
            if variable.startswith("AIRFLOW__") and variable.endswith("_CMD"):
                section, option = variable.removeprefix("AIRFLOW__").removesuffix("_CMD").lower().split("__")
                assert (section, option) in conf.sensitive_config_values, variable


def test_every_secret_a_service_reads_is_mounted_there_and_declared_as_a_file() -> None:
    declared = COMPOSE["secrets"]
    for name, service in COMPOSE["services"].items():
        mounted = set(service.get("secrets", []))
        text = json.dumps({key: service.get(key) for key in ("environment", "command", "healthcheck")})
        for secret in set(re.findall(r"/run/secrets/([a-z0-9_.]+)", text)):
            assert secret in mounted, f"{name} reads /run/secrets/{secret} without mounting it"
        assert mounted <= set(declared), name
    for secret in declared.values():
        path = Path(secret["file"])
        assert path.parent == Path("./deploy/compose/secrets"), path
        ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=REPO_ROOT, check=False)
        assert ignored.returncode == 0, f"{path} could be committed"


def test_make_secrets_writes_every_declared_secret_owner_only_and_consistently(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    script = REPO_ROOT / "deploy" / "compose" / "make-secrets.sh"
    environment = {"PATH": os.environ["PATH"], "HUB_SECRETS_DIR": str(folder)}
    subprocess.run(["sh", str(script)], env=environment, check=True, capture_output=True, timeout=60)
    files = {path.name: path for path in folder.iterdir()}
    assert {Path(secret["file"]).name for secret in COMPOSE["secrets"].values()} <= set(files)
    assert all(path.stat().st_mode & 0o077 == 0 for path in files.values())
    read = {name: path.read_text() for name, path in files.items()}
    assert read["pgpass"].splitlines() == [
        f"postgres:5432:hub:hub:{read['hub_db_password']}",
        f"postgres:5432:airflow:airflow:{read['airflow_db_password']}",
    ]
    redis_password = read["redis.conf"].removeprefix("requirepass ")
    assert read["airflow_broker_url"] == f"redis://:{redis_password}@redis:6379/0"
    from cryptography.fernet import Fernet

    Fernet(read["airflow_fernet_key"])  # a valid key, or this raises
    subprocess.run(["sh", str(script)], env=environment, check=True, capture_output=True, timeout=60)
    assert {name: path.read_text() for name, path in files.items()} == read  # a second run changes nothing


@pytest.mark.airflow
def test_airflow_reads_its_secrets_from_the_mounted_files(tmp_path: Path) -> None:
    """A real Airflow, given the compose file's `_CMD` settings (with /run/secrets moved here), reads them."""
    folder = tmp_path / "secrets"
    script = REPO_ROOT / "deploy" / "compose" / "make-secrets.sh"
    subprocess.run(["sh", str(script)], env={"PATH": os.environ["PATH"], "HUB_SECRETS_DIR": str(folder)}, check=True)
    compose_env = COMPOSE["services"]["airflow-scheduler"]["environment"]
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("AIRFLOW", "HUB_"))}
    environment["AIRFLOW_HOME"] = str(tmp_path / "airflow")
    for variable, value in compose_env.items():
        if variable.endswith("_CMD"):
            environment[variable] = value.replace("/run/secrets", str(folder))
    options = [("core", "fernet_key"), ("celery", "broker_url"), ("api", "secret_key"), ("api_auth", "jwt_secret")]
    program = f"from airflow.configuration import conf\nfor s, o in {options!r}: print(conf.get(s, o))"
    argv = [sys.executable, "-c", program]
    result = subprocess.run(argv, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    expected = [(folder / name).read_text() for name in ("airflow_fernet_key", "airflow_broker_url")]
    expected += [(folder / name).read_text() for name in ("airflow_api_secret_key", "airflow_jwt_secret")]
    assert result.stdout.splitlines() == expected


def test_published_ports_listen_on_loopback_unless_configured() -> None:
    published = {name: service["ports"] for name, service in SERVICES.items() if "ports" in service}
    assert {"airflow-api-server", "hub-web", "hub-callbacks", "sandboxes"} <= set(published)
    for name, ports in published.items():
        for port in ports:
            assert isinstance(port, str) and port.startswith("${HUB_BIND_ADDRESS:-127.0.0.1}:"), f"{name}: {port}"
            assert interpolate(port).startswith("127.0.0.1:"), f"{name}: {port}"
            assert interpolate(port, {"HUB_BIND_ADDRESS": "10.0.0.5"}).startswith("10.0.0.5:"), f"{name}: {port}"


def test_profiles_production_without_sandboxes_demo_with_them() -> None:
    services = COMPOSE["services"]

    def selected(profile: str) -> set[str]:
        return {name for name, service in services.items() if profile in service.get("profiles", [])}

    assert all(service.get("profiles") for service in services.values()), "a service outside every profile"
    production, demo = selected("production"), selected("demo")
    assert demo - production == {"sandboxes"} and production <= demo
    assert selected("cli") == {"hub"}
    for name in production:  # a production service never waits on one the profile leaves out
        assert set(services[name].get("depends_on", {})) <= production, name


def test_celery_runs_the_checks_on_scalable_workers() -> None:
    services = COMPOSE["services"]
    for name in AIRFLOW_SERVICES:
        environment = services[name]["environment"]
        assert environment["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert environment["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql"), name
        assert environment["AIRFLOW__CORE__FERNET_KEY_CMD"].endswith("/airflow_fernet_key"), name
        assert environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql"), name
        assert environment["HUB_DATABASE_URL"].startswith("postgresql"), name
        if name != "airflow-init":  # migrates and makes pools: it queues no task
            assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker  # so `--scale airflow-worker=N` works


def test_sandbox_ports_match_agency_endpoints() -> None:
    sandboxes = COMPOSE["services"]["sandboxes"]
    base_port = int(sandboxes["command"][sandboxes["command"].index("--base-port") + 1])
    environment = COMPOSE["services"]["airflow-scheduler"]["environment"]
    shipped = SandboxSettings.load(REPO_ROOT / "config" / "sandboxes.yaml")
    for offset, agency in enumerate(AGENCIES):
        scheme = "http" if shipped.for_agency(agency).tls == "off" else "https"
        assert environment[f"HUB_AGENCY_{agency.upper()}_ENDPOINT"] == f"{scheme}://sandboxes:{base_port + offset}"
    last = base_port + len(AGENCIES) - 1
    assert sandboxes["ports"] == [f"127.0.0.1:{base_port}-{last}:{base_port}-{last}"]


def test_a_production_env_file_can_send_checks_to_the_agencies_registry_endpoints() -> None:
    """`HUB_AGENCY_<ID>_ENDPOINT=` (empty) in .env leaves the variable empty, which the hub reads as unset."""
    raw = SERVICES["airflow-worker"]["environment"]
    overridden = resolved(raw, {f"HUB_AGENCY_{agency.upper()}_ENDPOINT": "" for agency in AGENCIES})
    assert all(overridden[f"HUB_AGENCY_{agency.upper()}_ENDPOINT"] == "" for agency in AGENCIES)


def test_sandboxes_share_the_hub_home_where_they_issue_credentials() -> None:
    """Connectors in Airflow's tasks read the issued credentials and the CA from the shared HUB_HOME."""
    sandboxes = COMPOSE["services"]["sandboxes"]
    worker = COMPOSE["services"]["airflow-worker"]
    assert sandboxes["environment"]["HUB_HOME"] == worker["environment"]["HUB_HOME"]
    home_volume = f"hub-home:{sandboxes['environment']['HUB_HOME']}"
    assert home_volume in sandboxes["volumes"] and home_volume in worker["volumes"]
    argv = sandboxes["command"]
    assert argv[argv.index("--tls-hostname") + 1] == "sandboxes"


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
    assert command(COMPOSE["services"]["airflow-init"]) == ["hub", "airflow", "init"]
    for name in AIRFLOW_SERVICES:
        if name != "airflow-init":
            condition = COMPOSE["services"][name]["depends_on"]["airflow-init"]["condition"]
            assert condition == "service_completed_successfully", name


def test_dockerfile_builds_on_the_official_airflow_image_of_the_locked_version() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    lock = (REPO_ROOT / "uv.lock").read_text()
    version = re.search(r'name = "apache-airflow"\nversion = "([^"]+)"', lock)
    assert version, "apache-airflow is not in uv.lock"
    assert re.search(rf"^FROM apache/airflow:{re.escape(version.group(1))}-python3\.11$", dockerfile, re.MULTILINE)
    for folder in ("hub", "connectors", "schemas", "sandbox", "dags", "config", "web"):
        assert re.search(rf"^COPY (--chown=\S+ )?{folder} \./{folder}$", dockerfile, re.MULTILINE), folder
    assert "uv sync --locked --no-dev" in dockerfile


def test_agencies_push_replies_to_the_hub_callbacks_service_every_check_can_name() -> None:
    services = COMPOSE["services"]
    argv = command(services["hub-callbacks"])
    assert argv[:3] == ["hub", "callbacks", "serve"]
    port = argv[argv.index("--port") + 1]
    for name in ("airflow-worker", "airflow-triggerer", "hub-callbacks"):
        assert services[name]["environment"]["HUB_CALLBACK_URL"] == f"http://hub-callbacks:{port}", name


def test_the_hubs_database_is_migrated_once_before_anything_opens_it() -> None:
    """`migrate` runs `hub db upgrade` against the hub's database (PostgreSQL, once it is healthy), and every
    service that opens the hub's store starts only after it has completed successfully."""
    services = COMPOSE["services"]
    migrate = services["migrate"]
    assert command(migrate) == ["hub", "db", "upgrade"]
    assert is_one_off(migrate)  # a one-shot step: Compose must not start it again and again
    store_users = [
        name
        for name, service in services.items()
        if "HUB_DATABASE_URL" in service.get("environment", {}) and name != "migrate"
    ]
    assert {"airflow-worker", "airflow-triggerer", "hub-callbacks", "hub-web", "hub"} <= set(store_users)
    for name in store_users:
        service: dict[str, Any] = services[name]
        assert service["environment"]["HUB_DATABASE_URL"] == migrate["environment"]["HUB_DATABASE_URL"], name
        assert "pgpass" in service["secrets"], name
        if name != "airflow-init":  # Airflow's own database only: it never opens the hub's store
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name


def _scram_matches(verifier: str, password: str) -> bool:
    """Whether PostgreSQL's stored SCRAM-SHA-256 verifier is for `password` (RFC 5802's StoredKey)."""
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return method == "SCRAM-SHA-256" and hashlib.sha256(client_key).digest() == base64.b64decode(stored_key)


def test_postgres_init_makes_each_role_with_the_password_from_its_secret_file(tmp_path: Path) -> None:
    """The real script against the real PostgreSQL, with its secret folder moved here and its role and
    database names made unique (the server is shared), and a password psql must quote."""
    suffix = f"p{uuid.uuid4().hex[:12]}"
    (tmp_path / "airflow_db_password").write_text("first-Passw0rd")
    (tmp_path / "hub_db_password").write_text("it's; DROP ROLE x --")
    script = (REPO_ROOT / "deploy" / "compose" / "postgres-init.sh").read_text()
    script = script.replace("/run/secrets", str(tmp_path))
    script = re.sub(r"\b(ROLE|DATABASE|OWNER) (airflow|hub)\b", rf"\1 \2_{suffix}", script)
    environment = {"PATH": os.environ["PATH"], "PGHOST": "127.0.0.1", "POSTGRES_USER": "postgres"}
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc"]
    try:
        subprocess.run(["sh", "-c", script], env=environment, check=True, capture_output=True, timeout=60)
        for role, password in (("airflow", "first-Passw0rd"), ("hub", "it's; DROP ROLE x --")):
            query = f"SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = '{role}_{suffix}'"
            can_login, verifier = (
                subprocess.run([*psql, query], capture_output=True, text=True, check=True).stdout.strip().split("|")
            )
            assert can_login == "t" and _scram_matches(verifier, password), role
            owner = f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{role}_{suffix}'"
            assert subprocess.run([*psql, owner], capture_output=True, text=True, check=True).stdout.strip() == (
                f"{role}_{suffix}"
            )
            assert password not in script
    finally:
        for statement in [f"DROP DATABASE IF EXISTS {name}_{suffix}" for name in ("airflow", "hub")] + [
            f"DROP ROLE IF EXISTS {name}_{suffix}" for name in ("airflow", "hub")
        ]:
            subprocess.run([*psql, statement], capture_output=True, check=False)


def test_the_build_context_holds_only_what_the_image_copies_never_the_secrets() -> None:
    """`.dockerignore` excludes everything, then lets back exactly what the Dockerfile copies: so
    deploy/compose/secrets, .venv and test artifacts never reach the builder (or a build cache)."""
    patterns = [
        line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines() if line.strip()[:1] not in "#"
    ]
    assert patterns[0] == "*"
    allowed = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    copied = {
        source
        for line in re.findall(r"^COPY (?:--\S+ )*(.+)$", dockerfile, flags=re.MULTILINE)
        for source in line.split()[:-1]
    }
    for source in copied:
        assert source in allowed or any(entry.startswith(f"{source}/") for entry in allowed), source
    assert not any(entry.startswith(("deploy", ".venv", "tests", "test-artifacts")) for entry in allowed)
