"""The published schemas the deployment files are checked against, read from packages pinned in uv.lock.

Nothing is downloaded while the tests run and nothing is copied into this repository: both schemas come
from dev dependencies (pyproject.toml's `dev` group), so `uv lock --upgrade-package` brings newer ones.

- Compose: the Compose Specification's own schema (`schema/compose-spec.json` of compose-spec/compose-spec,
  Apache-2.0), the copy check-jsonschema vendors for its `check-compose-spec` hook
  (`check_jsonschema/builtin_schemas/vendor/compose-spec.json`, licence beside it in
  `vendor/licenses/LICENSE.compose-spec`). `docker compose` validates a file against the same schema after
  interpolating it, so the tests validate the interpolated document too (tests/deploy/compose_file.py).
- Kubernetes: the JSON schemas generated from each Kubernetes release's OpenAPI (Apache-2.0), as
  kubernetes-validate ships them. The "strict" variant refuses a field the API does not define, as
  `kubectl apply --validate=strict` and `kubeconform -strict` do, so a misspelt or misplaced field fails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import jsonschema
import kubernetes_validate
from kubernetes_validate.utils import ValidationError as KubernetesValidationError
from packaging.version import Version

COMPOSE_SCHEMA: dict[str, Any] = json.loads(
    files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
)
# The oldest Kubernetes release the hub's manifests are checked against, and every later one the pinned
# kubernetes-validate knows: a field removed or renamed in a newer API fails, as does one too new for 1.30.
OLDEST_KUBERNETES = "1.30"
KUBERNETES_VERSIONS: list[str] = sorted(
    {
        f"{Version(release).major}.{Version(release).minor}"
        for release in kubernetes_validate.utils.all_versions()
        if Version(release) >= Version(OLDEST_KUBERNETES)
    },
    key=Version,
)


def _validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(COMPOSE_SCHEMA)
    cls.check_schema(COMPOSE_SCHEMA)
    return cls(COMPOSE_SCHEMA, format_checker=cls.FORMAT_CHECKER)


_COMPOSE_VALIDATOR = _validator()


def compose_errors(document: Mapping[str, Any]) -> list[str]:
    """Every way `document` (already interpolated) breaks the Compose Specification, one line each."""
    return [f"{error.json_path}: {error.message}" for error in _COMPOSE_VALIDATOR.iter_errors(document)]


def kubernetes_errors(manifest: Mapping[str, Any], version: str) -> list[str]:
    """How `manifest` breaks Kubernetes `version`'s strict schema for its kind: nothing, or the first error.

    kubernetes-validate stops at the first error; that is enough to point at the mistake. A kind it has no
    schema for (a custom resource) raises, so a new kind of object is never passed unchecked."""
    try:
        kubernetes_validate.validate(dict(manifest), version, strict=True)
    except KubernetesValidationError as error:
        return [f"Kubernetes {version}: {error.json_path}: {error.message}"]
    return []
