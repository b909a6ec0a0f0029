"""Shared fixtures. Airflow reads its configuration at import, so it is set here, before any test imports it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.smtp import smtp_server

__all__ = ["smtp_server"]  # a fixture for any test: a real SMTP server and its inbox

if TYPE_CHECKING:
    from sandbox.server import SandboxCluster

REPO_ROOT = Path(__file__).resolve().parent.parent
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="hub-tests-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
    }
)
os.environ.pop("HUB_AIRFLOW_URL", None)
for _name in [name for name in os.environ if name.startswith("HUB_AGENCY_")]:
    os.environ.pop(_name)

SAMPLE_REFERRAL = REPO_ROOT / "config" / "examples" / "referral.json"


@pytest.fixture
def hub_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean `$HUB_HOME` for one test."""
    home = tmp_path / "hub-home"
    monkeypatch.setenv("HUB_HOME", str(home))
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    return home


@pytest.fixture
def config_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of `config/` that `HUB_CONFIG_DIR` points at, for a test to edit (the checkout's stays as it is)."""
    copy = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", copy)
    monkeypatch.setenv("HUB_CONFIG_DIR", str(copy))
    return copy


@pytest.fixture(scope="session")
def signing_keys_parsed_once() -> Iterator[None]:
    """Each private key PEM parsed once in this process, for tests that run dozens of checks in it.

    Health's sandbox issues a 4096-bit RSA signing key, as the NHS asks, and its connector parses it
    for every check (`connectors.sdk.auth.NhsSignedJwtAuth`); cryptography checks the key's consistency
    each time, 0.2 to 1 s on a 2-core machine. The first parse of a PEM is the real one, checks and all;
    later parses of the same bytes return that same (immutable) key. Airflow's own workers are separate
    processes and never see this.
    """
    from cryptography.hazmat.primitives import serialization

    parse = serialization.load_pem_private_key
    parsed: dict[tuple[Any, ...], Any] = {}

    def parse_once(data: bytes, password: bytes | None = None, *args: Any, **kwargs: Any) -> Any:
        key = (bytes(data), password, args, tuple(sorted(kwargs.items())))
        if key not in parsed:
            parsed[key] = parse(data, password, *args, **kwargs)
        return parsed[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(serialization, "load_pem_private_key", parse_once)
        yield


@pytest.fixture(scope="session", autouse=True)
def cli_built_once() -> Iterator[None]:
    """Typer's `CliRunner.invoke` builds the whole click command tree from `hub.cli.app` on every call.

    Building it inspects every command's signature and evaluates its annotations, about 0.1 s for this
    app on a 2-core machine; the role matrix alone runs 348 commands. The tree is a pure function of the
    app's registered commands, which no test changes, so it is built once per app in this process and
    reused; each invocation still gets its own click context, arguments, environment and streams.
    """
    import typer.main
    import typer.testing

    built: dict[int, tuple[Any, Any]] = {}

    def get_command_once(app: Any) -> Any:
        if id(app) not in built:
            built[id(app)] = (app, typer.main.get_command(app))  # the app kept alive, so its id stays its own
        return built[id(app)][1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", get_command_once)
        yield


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Passwords hashed in this process with argon2id at its lowest cost, not RFC 9106's 64 MiB and 3 passes.

    Tests add dozens of accounts, and each hash costs a quarter of a second on a 2-core machine. A hash
    records its own parameters, so checking one (here, or in a `hub` process a test starts) uses the
    cost it was made with: sign-in still runs the real argon2id verification. Production's hasher is
    untouched: this patches the module's hasher object in the test process only, with no setting that
    a deployment could turn on.
    """
    from argon2 import PasswordHasher

    from hub.access import credentials

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(credentials, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield


@pytest.fixture(scope="session")
def sandbox_cluster() -> Iterator[SandboxCluster]:
    """The four agency sandboxes as configured by default (auth, TLS for police), on ephemeral ports."""
    from sandbox.server import SandboxCluster

    with SandboxCluster() as cluster:
        yield cluster
