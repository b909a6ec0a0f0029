"""The registry (`config/agencies.yaml`): every mistake is refused naming the file, the entry and the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.health import HealthConnector, HealthOptions
from connectors.sdk.registry import RegistryError, load_registry_file
from tests.conftest import REPO_ROOT
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub_here import run_hub_here

Registry = dict[str, Any]


def registry() -> Registry:
    loaded: Registry = yaml.safe_load((REPO_ROOT / "config" / "agencies.yaml").read_text(encoding="utf-8"))
    return loaded


def write(tmp_path: Path, document: Registry | str) -> Path:
    path = tmp_path / "agencies.yaml"
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False))
    return path


def entry(document: Registry, agency: str) -> dict[str, Any]:
    found: dict[str, Any] = next(item for item in document["agencies"] if item["id"] == agency)
    return found


def test_the_shipped_registry_binds_each_agency_to_its_connector_and_typed_settings() -> None:
    loaded = load_registry_file(REPO_ROOT / "config" / "agencies.yaml")
    assert loaded.ids == ["health", "police", "education", "housing"]
    health = loaded.get("health")
    assert health.connector_class is HealthConnector
    assert health.options == HealthOptions(fuzzy_min_score=0.9, max_results=10)
    assert health.config.deadlines.red == timedelta(hours=1) and health.config.pool_name == "agency_health"
    assert loaded.get("housing").config.pool.slots == 2


Change = Callable[[Registry], object]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda r: entry(r, "health")["rate_limit"].update(per_sec=5),
            "agency 'health', field 'rate_limit.per_sec': unknown setting",
        ),
        (
            lambda r: entry(r, "police").update(deadlines={"red": "4 hours"}),
            "agency 'police', field 'deadlines.red': must be a duration such as 90s, 15m, 4h or 1d",
        ),
        (
            lambda r: entry(r, "police").update(deadlines={"red": "1d", "amber": "4h", "green": "24h"}),
            "agency 'police', field 'deadlines': deadlines must not shorten as urgency falls",
        ),
        (
            lambda r: entry(r, "education").update(endpoint="http://127.0.0.1:8783/search?name=x"),
            "agency 'education', field 'endpoint'",
        ),
        (lambda r: entry(r, "housing").pop("lawful_basis"), "agency 'housing', field 'lawful_basis': is required"),
        (
            lambda r: entry(r, "housing").update(credentials="has spaces"),
            "agency 'housing', field 'credentials'",
        ),
        (lambda r: entry(r, "housing").update(pool={"slots": 0}), "agency 'housing', field 'pool.slots'"),
        (
            lambda r: entry(r, "health").update(connector="connectors.nowhere:Thing"),
            "agency 'health', field 'connector': module 'connectors.nowhere' cannot be imported",
        ),
        (
            lambda r: entry(r, "health").update(connector="connectors.health:HealthOptions"),
            "agency 'health', field 'connector': 'HealthOptions' in module 'connectors.health' is not a Connector",
        ),
        (
            lambda r: entry(r, "health").update(options={"fuzzy": 0.5}),
            "agency 'health', field 'options.fuzzy': unknown setting",
        ),
        (
            lambda r: entry(r, "health").update(options={"fuzzy_min_score": 2}),
            "agency 'health', field 'options.fuzzy_min_score': must be at most 1",
        ),
        (
            lambda r: entry(r, "police").update(options={"anything": 1}),
            "agency 'police', field 'options.anything': unknown setting",
        ),
        (lambda r: r["agencies"].append(dict(entry(r, "health"))), "agency id 'health' appears more than once"),
        (lambda r: r["agencies"][1].pop("id"), "agency '#2', field 'id': is required"),
        (lambda r: r.update(agencies=[]), "field 'agencies'"),
        (lambda r: r.update(extra_key=1), "field 'extra_key': unknown setting"),
    ],
)
def test_a_mistake_names_the_entry_and_the_field(tmp_path: Path, change: Change, expected: str) -> None:
    document = registry()
    change(document)
    path = write(tmp_path, document)
    with pytest.raises(RegistryError) as refused:
        load_registry_file(path)
    assert str(refused.value).startswith(f"{path}: ")
    assert expected in str(refused.value)


def test_broken_yaml_says_where(tmp_path: Path) -> None:
    path = write(tmp_path, "agencies:\n  - id: health\n    name: [unclosed\n")
    with pytest.raises(RegistryError, match=r"is not valid YAML at line \d+, column \d+"):
        load_registry_file(path)


def test_the_cli_refuses_a_broken_registry_in_one_line(tmp_path: Path, hub_home: Path) -> None:
    document = registry()
    entry(document, "health")["timeouts"] = {"read": -1}
    write(tmp_path, document)
    result = run_hub_here("connectors", "list", home=hub_home, HUB_CONFIG_DIR=str(tmp_path))
    assert_clean_refusal(result, "agency 'health', field 'timeouts.read': must be more than 0")
