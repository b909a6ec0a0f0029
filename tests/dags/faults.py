"""The sandboxes' own fault hooks, over HTTP, as a test drives them against a running cluster.

`POST {endpoint}/_sandbox/faults/script` queues named faults for the next requests (replacing any
queue), `PUT {endpoint}/_sandbox/faults` sets the persistent `FaultConfig`, `DELETE` resets both and
the counters, and `GET` reads them back; `GET {endpoint}/_sandbox/async` reads an asynchronous
agency's `AsyncConfig` and its job and callback counters, and `PUT` replaces the config (see
`sandbox.common.faults` and `sandbox.common.async_replies`).
Police serves mutual TLS, so the hooks are called with the client certificate issued for the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests

from sandbox.common.async_replies import AsyncConfig
from sandbox.common.auth.credentials import MutualTlsClient
from sandbox.common.faults import ADMIN_PATH, SCRIPT_PATH, FaultConfig
from sandbox.server import SandboxCluster

ASYNC_ADMIN_PATH = "/_sandbox/async"


class SandboxFaults:
    """One running sandbox's fault hooks."""

    def __init__(self, cluster: SandboxCluster, agency: str) -> None:
        self.agency = agency
        self.endpoint = cluster.endpoints[agency].rstrip("/")
        client = cluster.credentials[agency]
        self._tls: dict[str, Any] = {}
        if isinstance(client, MutualTlsClient):
            self._tls = {"verify": client.ca_bundle, "cert": (client.client_cert, client.client_key)}

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = requests.request(method, f"{self.endpoint}{path}", json=body, timeout=10, **self._tls)
        response.raise_for_status()
        described: dict[str, Any] = response.json()
        return described

    def script(self, faults: Iterable[str]) -> dict[str, Any]:
        """The next requests get these faults, in order (`none`: answered normally, without latency)."""
        return self._call("POST", SCRIPT_PATH, {"faults": list(faults)})

    def configure(self, **config: Any) -> dict[str, Any]:
        """Every later request draws from this `FaultConfig` (validated here first, to fail fast)."""
        return self._call("PUT", ADMIN_PATH, FaultConfig.model_validate(config).model_dump(mode="json"))

    def reset(self) -> dict[str, Any]:
        """No faults, no script, zero counters."""
        return self._call("DELETE", ADMIN_PATH)

    def describe(self) -> dict[str, Any]:
        """`config`, the `script` still queued, and `counters` (requests seen, and each fault given)."""
        return self._call("GET", ADMIN_PATH)

    @property
    def counters(self) -> dict[str, int]:
        counters: dict[str, int] = self.describe()["counters"]
        return counters

    @property
    def async_counters(self) -> dict[str, int]:
        """Jobs accepted and completed, callbacks delivered and delivered again (asynchronous agencies only)."""
        counters: dict[str, int] = self._call("GET", ASYNC_ADMIN_PATH)["counters"]
        return counters

    @property
    def async_config(self) -> dict[str, Any]:
        """How an asynchronous agency answers now (an `AsyncConfig`, as JSON)."""
        config: dict[str, Any] = self._call("GET", ASYNC_ADMIN_PATH)["config"]
        return config

    def set_async(self, **config: Any) -> dict[str, Any]:
        """Replace how it answers, for requests from now on (fields left out take `AsyncConfig`'s defaults)."""
        return self._call("PUT", ASYNC_ADMIN_PATH, AsyncConfig.model_validate(config).model_dump(mode="json"))
