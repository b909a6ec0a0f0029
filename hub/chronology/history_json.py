"""A family history as one JSON document: the shape scripts and the web view read (`hub chronology show --json`).

Each check is an object with `agency`, `subject_id`, `state` (a `schemas.CheckState` value), `reason`
(a code, or null), `cause`, `due_at`, `next_attempt_at`, `attempts` and `words`, the practitioner's wording.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from hub.chronology.family_history import FamilyHistory

FORMAT_VERSION = "1"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def history_document(history: FamilyHistory) -> dict[str, Any]:
    """The whole history, checks as a flat list in household then agency order."""
    document = {
        field.name: getattr(history, field.name) for field in dataclasses.fields(history) if field.name != "records"
    }  # `records` are the labels the rows already carry; each row keeps the agency's own id beside its label
    document["checks"] = [
        dataclasses.asdict(cell)
        for member in history.household
        for agency in history.agencies
        if (cell := history.checks.get(member.subject_id, {}).get(agency)) is not None
    ]
    for name in ("household", "relationships", "links", "prior_referrals", "children", "key_concerns"):
        document[name] = [dataclasses.asdict(item) for item in document[name]]
    if history.returned is not None:  # null unless asked for: `hub chronology show --returned`
        document["returned"] = [dataclasses.asdict(item) for item in history.returned]
    return {"format_version": FORMAT_VERSION, **_plain(document)}
