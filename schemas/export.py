"""Export JSON Schema for each top-level model into schemas/json/ (for agencies and IG review)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from schemas.models import AgencyReply, Chronology, ChronologyEntry, NormalisedDocument, Person, Referral

EXPORTED: dict[str, type[BaseModel]] = {
    "referral": Referral,
    "person": Person,
    "agency_reply": AgencyReply,
    "chronology_entry": ChronologyEntry,
    "chronology": Chronology,
    "normalised_document": NormalisedDocument,
}
JSON_DIR = Path(__file__).parent / "json"


def render(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"


def export(directory: Path = JSON_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in EXPORTED.items():
        path = directory / f"{name}.v1.schema.json"
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in export():
        print(path)
