"""Who is acting: a person signed in, in a role.

The hub's own services (the pipeline, the checks ledger) never pass through here: they act under
`service:` actors of their own, which the store records with the role `service`.
"""

from __future__ import annotations

from dataclasses import dataclass


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
        return f"user:{self.username}"
