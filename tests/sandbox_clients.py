"""The hub's connectors pointed at a running sandbox cluster, with the credentials it issued."""

from __future__ import annotations

from typing import Any

from connectors import CONNECTORS
from connectors.auth import CREDENTIALS_FILE
from connectors.base import Connector
from sandbox.server import SandboxCluster


def connector_for(cluster: SandboxCluster, agency: str, **options: Any) -> Connector:
    """A connector as the hub builds it: endpoint plus the credentials the sandbox issued this run."""
    issued = {agency: cluster.credentials[agency].connector_credentials()}
    credentials = CREDENTIALS_FILE.validate_python(issued)[agency]
    return CONNECTORS[agency](cluster.endpoints[agency], credentials=credentials, **options)
