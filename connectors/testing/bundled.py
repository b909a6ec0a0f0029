"""The connectors of the four agencies whose sandboxes this repository ships, by agency id."""

from __future__ import annotations

from connectors.education import EducationConnector
from connectors.health import HealthConnector
from connectors.housing import HousingConnector
from connectors.police import PoliceConnector
from connectors.sdk.base import Connector

CONNECTORS: dict[str, type[Connector]] = {
    connector.agency: connector
    for connector in (HealthConnector, PoliceConnector, EducationConnector, HousingConnector)
}
