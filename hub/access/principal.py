"""Who is acting: a signed-in person in a role, or one of the hub's own services."""

from __future__ import annotations

from dataclasses import dataclass

from hub.access.roles import SERVICE_ROLE


@dataclass(frozen=True)
class Principal:
    """A person as the hub knows them for this command: their account, role and how they signed in.

    `actor` is what the audit trail records (`user:<username>`), never anything the environment chose.
    """

    username: str
    role: str
    method: str
    restricted_agencies: frozenset[str] = frozenset()

    @property
    def actor(self) -> str:
        return f"{'service' if self.is_service else 'user'}:{self.username}"

    @property
    def is_service(self) -> bool:
        return self.role == SERVICE_ROLE


def service(name: str) -> Principal:
    """One of the hub's own services (the pipeline's tasks, the callback endpoint), acting as itself."""
    return Principal(username=name, role=SERVICE_ROLE, method="service")


PIPELINE = service("pipeline")
