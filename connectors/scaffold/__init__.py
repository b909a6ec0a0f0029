"""`hub connectors new NAME`: a new agency as one module, one config entry and passing contract tests.

The scaffold is a working connector for a small JSON API, with a test double of that API serving
synthetic fixtures, so the contract kit passes before the engineer changes a line. They then bend
the connector, the double and the fixtures to the real agency, keeping the tests green.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass
from pathlib import Path

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
DEFAULT_ENDPOINT = "http://127.0.0.1:8799"
TEMPLATES = Path(__file__).parent / "templates"


class ScaffoldError(ValueError):
    """The scaffold cannot be written as asked; nothing was written."""


@dataclass(frozen=True)
class Scaffold:
    """Every file a new connector needs, and the registry entry to append, before anything is written."""

    agency: str
    files: dict[Path, str]
    registry: Path
    registry_entry: str

    def write(self) -> list[Path]:
        """Write the files, then append the entry: the registry never names a module that is not there."""
        for path, text in self.files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        with self.registry.open("a", encoding="utf-8") as registry:
            registry.write(self.registry_entry)
        return [*self.files, self.registry]


def class_name_for(agency: str) -> str:
    return "".join(part.capitalize() for part in agency.split("_") if part) + "Connector"


def plan(agency: str, root: Path, *, title: str | None = None, endpoint: str = DEFAULT_ENDPOINT) -> Scaffold:
    """The scaffold for `agency` under the checkout `root`; `ScaffoldError` if it would clash or is invalid."""
    if not NAME_PATTERN.fullmatch(agency) or keyword.iskeyword(agency):
        raise ScaffoldError(
            f"'{agency}' cannot be an agency id: use 2 to 32 lower-case letters, digits or underscores, "
            "starting with a letter (e.g. probation or police_west)."
        )
    registry = root / "config" / "agencies.yaml"
    if not registry.is_file():
        raise ScaffoldError(f"{registry} does not exist: run this from the hub's checkout, or pass --root.")
    if re.search(rf"^\s*-\s*id:\s*['\"]?{re.escape(agency)}['\"]?\s*$", registry.read_text(encoding="utf-8"), re.M):
        raise ScaffoldError(f"agency '{agency}' is already registered in {registry}.")
    values = {
        "agency": agency,
        "class_name": class_name_for(agency),
        "title": title or f"{agency.replace('_', ' ').capitalize()} (scaffolded: describe the agency)",
        "prefix": agency.upper().replace("_", "")[:8],
        "endpoint": endpoint,
    }
    fixtures = root / "tests" / "fixtures" / "native" / agency
    holdings = _render("holdings.json.j2", values)
    files = {
        root / "connectors" / f"{agency}.py": _render("connector.py.j2", values),
        root / "tests" / "contract" / "agencies" / f"{agency}.py": _render("contract_agency.py.j2", values),
        root / "tests" / "connectors" / f"test_{agency}_connector.py": _render("test_connector.py.j2", values),
        fixtures / "holdings.json": holdings,
        **_samples(fixtures, json.loads(holdings)),
    }
    clashes = [str(path.relative_to(root)) for path in files if path.exists()]
    if clashes:
        raise ScaffoldError(f"these files already exist, so nothing was written: {', '.join(clashes)}.")
    return Scaffold(agency, files, registry, _render("agency_entry.yaml.j2", values))


def _samples(fixtures: Path, holdings: dict[str, list[dict[str, object]]]) -> dict[Path, str]:
    """Captured replies, as the agency would send them, for `hub connectors parse` and the round trips."""
    first = holdings["people"][0]
    records = [record for record in holdings["records"] if record["person_id"] == first["id"]]
    return {
        fixtures / "people-search.json": json.dumps({"people": [first]}, indent=2) + "\n",
        fixtures / "records.json": json.dumps({"records": records}, indent=2) + "\n",
    }


def _render(template: str, values: dict[str, str]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(  # noqa: S701 - renders Python, JSON and YAML source, never HTML
        loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, keep_trailing_newline=True
    )
    return environment.get_template(template).render(values)
