"""Personal-data markers: strings from the sample family that must never appear where Airflow can see."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SAMPLE_REFERRAL


def sample_family_markers() -> list[str]:
    """Names, birth dates (in the formats a log might use) and NHS numbers of every sample subject."""
    raw = json.loads(SAMPLE_REFERRAL.read_text())
    markers: set[str] = set()
    for subject in raw["subjects"]:
        person = subject["person"]
        names = [person["name"], *person.get("aliases", [])]
        for name in names:
            markers.add(name["family_name"])
            markers.update(name["given_names"])
        if birth_date := person.get("birth_date"):
            year, month, day = birth_date.split("-")
            markers.update({birth_date, f"{day}/{month}/{year}", f"{year}{month}{day}"})
        markers.update(value for value in person.get("identifiers", {}).values() if value)
    markers.add(raw["narrative"][:40])
    return sorted(markers)


def files_containing(root: Path, markers: list[str]) -> dict[str, list[str]]:
    """Every file under root (database files included, read as bytes) with the markers found in it."""
    found: dict[str, list[str]] = {}
    encoded = [(marker, marker.encode()) for marker in markers]
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        hits = [marker for marker, raw in encoded if raw in data]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found
