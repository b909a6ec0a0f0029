"""deploy/kubernetes: values for the official Airflow Helm chart and the hub's own manifests.

The hub's manifests are validated against Kubernetes' published schemas, strict (kubernetes-validate's,
tests/deploy/published_schemas.py), for every Kubernetes release from 1.30 to the newest the pinned package
knows. helm and kubeconform are not installable from the package registries the project's machines reach,
and the Airflow chart's `values.schema.json` is in none of them, so the chart values get focused checks:
every Airflow option against the installed Airflow, every `hub` command against the real CLI, and the hub's
settings through `HubSettings`. docs/deployment.md says how to run `helm lint` and kubeconform where they
are installed."""

from __future__ import annotations

import copy
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from hub.cli import app
from hub.settings import HubSettings
from tests.deploy.compose_file import REPO_ROOT
from tests.deploy.published_schemas import KUBERNETES_VERSIONS, kubernetes_errors

KUBERNETES = REPO_ROOT / "deploy" / "kubernetes"
VALUES: dict[str, Any] = yaml.safe_load((KUBERNETES / "airflow-values.yaml").read_text())
MANIFESTS: list[dict[str, Any]] = [
    document
    for path in sorted((KUBERNETES / "hub").glob("*.yaml"))
    for document in yaml.safe_load_all(path.read_text())
    if document
]
DEPLOYMENTS = [manifest for manifest in MANIFESTS if manifest["kind"] == "Deployment"]
SERVICES = [manifest for manifest in MANIFESTS if manifest["kind"] == "Service"]
# The Secrets an operator creates before installing (docs/deployment.md, "From one machine to a cluster").
SECRETS = {
    "mash-hub-airflow-metadata",
    "mash-hub-airflow-result-backend",
    "mash-hub-airflow-broker",
    "mash-hub-airflow-fernet-key",
    "mash-hub-airflow-api-secret-key",
    "mash-hub-airflow-jwt-secret",
    "mash-hub-database",
    "mash-hub-pkcs11-pin",
    "mash-hub-airflow-users",
}
PASSWORD_IN_URL = re.compile(r"://[^/@\s:]*:[^/@\s]+@")


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    container: dict[str, Any] = containers[0]
    return container


def _parses_with_the_hub_cli(argv: list[str]) -> None:
    """Resolve `hub ...` through the CLI's own parser: a renamed command or option fails here."""
    assert argv[0] == "hub", argv
    command: Any = typer.main.get_command(app)
    args, path = argv[1:], ["hub"]
    while hasattr(command, "commands"):
        name, *args = args
        assert name in command.commands, f"`{' '.join(path)}` has no command {name!r}"
        command = command.commands[name]
        path.append(name)
    command.make_context(" ".join(path), args)


def _referenced_secrets(tree: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key in {"secretName", "fernetKeySecretName", "apiSecretKeySecretName", "jwtSecretName"} or (
                key.endswith("SecretName")
            ):
                found.add(value)
            elif key == "secretKeyRef":
                found.add(value["name"])
            else:
                found |= _referenced_secrets(value)
    elif isinstance(tree, list):
        for item in tree:
            found |= _referenced_secrets(item)
    return found


# kustomize's own file, not an object the API server knows: tests below check it.
API_OBJECTS = [manifest for manifest in MANIFESTS if manifest["kind"] != "Kustomization"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("manifest", API_OBJECTS, ids=[f"{m['kind']}:{m['metadata']['name']}" for m in API_OBJECTS])
def test_each_manifest_follows_kubernetes_published_schema(manifest: dict[str, Any], version: str) -> None:
    assert kubernetes_errors(manifest, version) == []


def test_the_manifests_are_checked_against_current_kubernetes_releases() -> None:
    assert KUBERNETES_VERSIONS[0] == "1.30" and len(KUBERNETES_VERSIONS) >= 8  # 1.30 to 1.37 at least


def _probe_on_the_pod(deployment: dict[str, Any]) -> None:
    deployment["spec"]["template"]["spec"]["readinessProbe"] = _container(deployment)["readinessProbe"]


def _misspelt_security_field(deployment: dict[str, Any]) -> None:
    _container(deployment)["securityContext"]["readOnlyRootFileSystem"] = True


def _replicas_as_a_string(deployment: dict[str, Any]) -> None:
    deployment["spec"]["replicas"] = "2"


def _port_as_a_string(deployment: dict[str, Any]) -> None:
    _container(deployment)["ports"][0]["containerPort"] = "8000"


def _env_value_as_a_number(deployment: dict[str, Any]) -> None:
    _container(deployment)["env"][0]["value"] = 2  # an env value is always a string: "2"


@pytest.mark.parametrize(
    ("mistake", "where"),
    [
        (_probe_on_the_pod, "$.spec.template.spec"),
        (_misspelt_security_field, "$.spec.template.spec.containers[0].securityContext"),
        (_replicas_as_a_string, "$.spec.replicas"),
        (_port_as_a_string, "$.spec.template.spec.containers[0].ports[0].containerPort"),
        (_env_value_as_a_number, "$.spec.template.spec.containers[0].env[0].value"),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else None,
)
def test_the_schema_check_rejects_a_mistake_the_api_server_would(
    mistake: Callable[[dict[str, Any]], None], where: str
) -> None:
    """The check above can fail: a misplaced or misspelt field, or a wrong type, is caught, naming where it is."""
    broken = copy.deepcopy(DEPLOYMENTS[0])
    mistake(broken)
    errors = kubernetes_errors(broken, KUBERNETES_VERSIONS[-1])
    assert [error.split(": ")[1] for error in errors] == [where], errors


def test_the_schema_check_knows_every_kind_the_hub_uses() -> None:
    """A Service or claim is checked against its own kind's schema, not only Deployments."""
    claim = copy.deepcopy(next(m for m in MANIFESTS if m["kind"] == "PersistentVolumeClaim"))
    claim["spec"]["accessModes"] = "ReadWriteMany"
    service = copy.deepcopy(SERVICES[0])
    service["spec"]["ports"][0]["targetport"] = service["spec"]["ports"][0].pop("targetPort")
    assert kubernetes_errors(claim, "1.30") and kubernetes_errors(service, "1.30")


def test_kustomization_lists_every_manifest() -> None:
    kustomization = next(m for m in MANIFESTS if m["kind"] == "Kustomization")
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    files = {path.name for path in (KUBERNETES / "hub").glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=[d["metadata"]["name"] for d in DEPLOYMENTS])
def test_hub_deployments_run_real_commands_as_non_root_with_probes_and_resources(deployment: dict[str, Any]) -> None:
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    container = _container(deployment)
    _parses_with_the_hub_cli(container["command"])
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False  # the hub never calls the Kubernetes API
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind]), kind
    port_names = {port["name"]: port["containerPort"] for port in container["ports"]}
    for probe in ("readinessProbe", "livenessProbe"):
        action = container[probe].get("httpGet") or container[probe]["tcpSocket"]
        assert action["port"] in port_names, probe
    listening = container["command"][container["command"].index("--port") + 1]
    assert int(listening) in port_names.values()
    mounts = {mount["name"]: mount for mount in container["volumeMounts"]}
    volumes = {volume["name"] for volume in pod["volumes"]}
    assert set(mounts) == volumes
    assert mounts["tmp"]["mountPath"] == "/tmp"  # the one writable path besides HUB_HOME, on a read-only root
    assert mounts["hub-home"]["mountPath"] == "/var/lib/hub"


def test_the_web_applications_probe_is_its_health_endpoint() -> None:
    from fastapi.routing import APIRoute

    from hub.web.api.app import PREFIX
    from hub.web.api.referrals import router

    web = next(d for d in DEPLOYMENTS if d["metadata"]["name"] == "mash-hub-web")
    paths = {PREFIX + route.path for route in router.routes if isinstance(route, APIRoute)}
    for probe in ("readinessProbe", "livenessProbe"):
        assert _container(web)[probe]["httpGet"]["path"] in paths


@pytest.mark.parametrize("service", SERVICES, ids=[s["metadata"]["name"] for s in SERVICES])
def test_each_service_reaches_its_deployments_named_port(service: dict[str, Any]) -> None:
    deployment = next(
        d
        for d in DEPLOYMENTS
        if service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
    )
    names = {port["name"] for port in _container(deployment)["ports"]}
    assert all(port["targetPort"] in names for port in service["spec"]["ports"])
    assert service["spec"]["type"] == "ClusterIP"  # exposed only through an Ingress that terminates HTTPS


def test_hub_settings_in_the_manifests_and_the_chart_values_are_the_same_and_valid() -> None:
    """The web application, the callbacks and every Airflow pod use one store, one key provider and one PIN file."""
    chart_env = {entry["name"]: entry["value"] for entry in VALUES["env"]}
    settings = HubSettings.from_env({**chart_env, "HUB_DATABASE_URL": "postgresql+psycopg2://hub@db/hub"})
    assert settings.production and settings.key_provider == "pkcs11"
    assert str(settings.pkcs11_pin_file).startswith("/run/secrets/")
    for deployment in DEPLOYMENTS:
        env = _container(deployment)["env"]
        plain = {entry["name"]: entry["value"] for entry in env if "value" in entry}
        shared = {name: value for name, value in chart_env.items() if name.startswith("HUB_") and name in plain}
        assert shared == {name: chart_env[name] for name in shared}
        assert {"HUB_HOME", "HUB_ENVIRONMENT", "HUB_KEY_PROVIDER", "HUB_PKCS11_PIN_FILE"} <= set(shared)
        secret_env = {entry["name"]: entry["valueFrom"]["secretKeyRef"] for entry in env if "valueFrom" in entry}
        assert secret_env["HUB_DATABASE_URL"] == {"name": "mash-hub-database", "key": "url"}
    assert VALUES["secret"] == [{"envName": "HUB_DATABASE_URL", "secretName": "mash-hub-database", "secretKey": "url"}]


def test_every_secret_is_referenced_by_name_never_given_as_a_value() -> None:
    referenced = _referenced_secrets(VALUES) | _referenced_secrets(MANIFESTS)
    assert referenced == SECRETS
    text = (KUBERNETES / "airflow-values.yaml").read_text() + "".join(
        path.read_text() for path in (KUBERNETES / "hub").glob("*.yaml")
    )
    assert not PASSWORD_IN_URL.search(text)
    # The chart's keys that would put a secret's value into the values file itself.
    for key in ("fernetKey", "webserverSecretKey", "apiSecretKey", "jwtSecret"):
        assert key not in VALUES, key
    assert "metadataConnection" not in VALUES["data"] and "brokerUrl" not in VALUES["data"]
    assert VALUES["postgresql"]["enabled"] is False and VALUES["redis"]["enabled"] is False


def test_the_chart_runs_the_locked_airflow_from_the_hubs_image() -> None:
    lock = (REPO_ROOT / "uv.lock").read_text()
    version = re.search(r'name = "apache-airflow"\nversion = "([^"]+)"', lock)
    assert version
    assert VALUES["airflowVersion"] == VALUES["defaultAirflowTag"] == version.group(1)
    assert VALUES["executor"] in {"CeleryExecutor", "KubernetesExecutor"}
    image = f"{VALUES['images']['airflow']['repository']}:{VALUES['images']['airflow']['tag']}"
    assert all(_container(deployment)["image"] == image for deployment in DEPLOYMENTS)
    assert VALUES["uid"] == 50000 and VALUES["securityContexts"]["pod"]["runAsNonRoot"] is True
    assert set(VALUES["securityContexts"]) == {"pod", "container"}  # the chart's keys (not `containers`)
    assert VALUES["securityContexts"]["container"]["capabilities"]["drop"] == ["ALL"]
    assert VALUES["dags"]["gitSync"]["enabled"] is False  # the DAGs are in the image


def test_the_migration_hook_upgrades_the_hubs_store_then_initialises_airflow() -> None:
    job = VALUES["migrateDatabaseJob"]
    assert job["enabled"] and job["useHelmHooks"] and job["applyCustomEnv"]  # the hub's env reaches the job
    shell, flag, script = job["args"]
    assert (shell, flag) == ("bash", "-c")
    steps = [shlex.split(step.strip()) for step in script.split("&&")]
    steps = [step[1:] if step[0] == "exec" else step for step in steps]
    assert steps[0] == ["hub", "db", "upgrade"] and steps[1] == ["hub", "airflow", "init"]
    for step in steps:
        _parses_with_the_hub_cli(step)


def test_every_airflow_option_in_the_values_is_one_the_locked_airflow_knows() -> None:
    """A misspelt option is silently ignored by Airflow; here it fails."""
    import airflow.api_fastapi.auth.managers.simple.simple_auth_manager as simple
    from airflow.configuration import conf

    # Read by Airflow's code with a fallback, so not declared in its configuration: check the code reads it.
    undeclared = {("core", "simple_auth_manager_passwords_file"): simple}
    for (section, option), module in undeclared.items():
        assert f'conf.get("{section}", "{option}"' in Path(str(module.__file__)).read_text(), option
    unknown = [
        f"{section}.{option}"
        for section, options in VALUES["config"].items()
        for option in options
        if not conf.has_option(section, option) and (section, option) not in undeclared
    ]
    assert unknown == []
    assert VALUES["config"]["core"]["dags_folder"] == "/opt/mash-hub/dags"
    auth_manager = VALUES["config"]["core"]["auth_manager"]
    module, _, name = auth_manager.rpartition(".")
    assert hasattr(__import__(module, fromlist=[name]), name), auth_manager


def test_chart_volumes_and_mounts_match() -> None:
    volumes = {volume["name"] for volume in VALUES["volumes"]}
    assert {mount["name"] for mount in VALUES["volumeMounts"]} == volumes
    claim = next(v for v in VALUES["volumes"] if "persistentVolumeClaim" in v)["persistentVolumeClaim"]["claimName"]
    claims = [m for m in MANIFESTS if m["kind"] == "PersistentVolumeClaim"]
    assert [c["metadata"]["name"] for c in claims] == [claim]
    assert claims[0]["spec"]["accessModes"] == ["ReadWriteMany"]  # every Airflow pod and the web share it
