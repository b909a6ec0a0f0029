"""The connector contract test kit: describe a test double of an agency, serve it with faults, check a connector.

Every agency in the registry gets the same contract tests (`tests/contract/`) from a module
`tests/contract/agencies/<agency_id>.py` exposing `contract_agency(workdir) -> ContractAgency`.
Nothing here needs pytest, so a connector written elsewhere can reuse the checks.
"""

from connectors.testing.bundled import CONNECTORS
from connectors.testing.contract import (
    FAST_SETTINGS,
    ContractAgency,
    config_problems,
    contract_connector,
    date_formats,
    declaration_problems,
    fast_config,
    leaked_markers,
    personal_data_markers,
    replay_problems,
    reply_problems,
    round_trip_problems,
)
from connectors.testing.serving import RequestRecorder, SeenRequest, ServedAgency

__all__ = [
    "CONNECTORS",
    "FAST_SETTINGS",
    "ContractAgency",
    "RequestRecorder",
    "SeenRequest",
    "ServedAgency",
    "config_problems",
    "contract_connector",
    "date_formats",
    "declaration_problems",
    "fast_config",
    "leaked_markers",
    "personal_data_markers",
    "replay_problems",
    "reply_problems",
    "round_trip_problems",
]
