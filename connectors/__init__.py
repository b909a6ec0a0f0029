"""Agency connectors: query each agency in its own format and normalise replies to `schemas`."""

from connectors.base import Connector
from connectors.education import EducationConnector
from connectors.errors import AgencyTimeout, AgencyUnavailable, ConnectorError, MalformedReply
from connectors.health import HealthConnector
from connectors.housing import HousingConnector
from connectors.police import PoliceConnector

CONNECTORS: dict[str, type[Connector]] = {
    connector.agency: connector
    for connector in (HealthConnector, PoliceConnector, EducationConnector, HousingConnector)
}

__all__ = [
    "CONNECTORS",
    "AgencyTimeout",
    "AgencyUnavailable",
    "Connector",
    "ConnectorError",
    "EducationConnector",
    "HealthConnector",
    "HousingConnector",
    "MalformedReply",
    "PoliceConnector",
]
