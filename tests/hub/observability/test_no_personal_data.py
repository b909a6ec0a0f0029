"""No personal data in any log line: a referral whose every personal field is a unique marker goes through the
code paths that log (agency checks against the real sandboxes, web requests, the CLI's errors), with every
logger of the process captured at DEBUG in the hub's JSON format, and no marker may appear in any of it.

The markers are the child's family and given names, address line, NHS number and the referral's narrative.
Pages and the CLI's answers may show them to the person meant to read them; logs never.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from hub.checks.steps import PipelineError, ReplyAwaited, plan_checks, run_check
from hub.observability.logs import JsonFormatter, configure_logging
from hub.runtime.sandboxes import forget_sandboxes, record_sandboxes
from hub.settings import HubSettings
from hub.store.home import open_store
from sandbox.server import SandboxCluster
from schemas import Referral
from schemas.identifiers import nhs_number_check_digit
from tests.hub.builders import example_referral
from tests.hub.web.conftest import MARKER, MY_REFERRAL, PRACTITIONER, Served, served, sign_in, web_assets

__all__ = ["served", "web_assets"]  # the web tests' fixtures, used here

FAMILY, GIVEN, STREET, NARRATIVE = "Qzxfamilymark", "Qzxgivenmark", "7 Qzxstreetmark Row", "Qzxnarrativemark"
NHS_NUMBER = f"999777333{nhs_number_check_digit('999777333')}"
MARKERS = (FAMILY, GIVEN, "Qzxstreetmark", NARRATIVE, NHS_NUMBER)
HUB = str(Path(sys.executable).parent / "hub")
AGENCIES = ("health", "police", "education", "housing")


def marked_referral() -> Referral:
    """The sample referral with its first subject's personal fields (and the narrative) replaced by markers."""
    document = example_referral().model_dump(mode="json")
    person = document["subjects"][0]["person"]
    person["name"] = {"given_names": [GIVEN], "family_name": FAMILY}
    person["address"]["line"] = STREET
    person["identifiers"]["nhs_number"] = NHS_NUMBER
    document["narrative"] = f"{NARRATIVE} was seen at school."
    return Referral.model_validate(document)


@pytest.fixture
def every_log_line() -> Iterator[io.StringIO]:
    """Every logger in the process, at DEBUG, through the hub's own JSON handler (as a service would log)."""
    root = logging.getLogger()
    before = root.level
    buffer = io.StringIO()
    handler = configure_logging(default_format="json", default_level="DEBUG", stream=buffer)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


def assert_no_marker(text: str, *markers: str) -> None:
    for marker in markers or MARKERS:
        assert marker not in text, f"{marker} reached the log:\n{text}"


@pytest.fixture(scope="module")
def sandboxes(signing_keys_parsed_once: None) -> Iterator[SandboxCluster]:
    with SandboxCluster() as cluster:
        yield cluster


def test_agency_checks_log_and_trace_ids_only(
    hub_home: Path, sandboxes: SandboxCluster, every_log_line: io.StringIO, spans: InMemorySpanExporter
) -> None:
    settings = HubSettings.from_env()
    record_sandboxes(settings, sandboxes)
    try:
        referral = marked_referral()
        store = open_store(settings)
        store.save_referral(referral, actor="test", purpose="referral_intake", for_checks=True)
        plan_checks(referral.referral_id, settings)
        outcomes = []
        for agency in (*AGENCIES, "probation"):  # probation: not registered
            try:
                outcomes.append(run_check(referral.referral_id, agency, "S1", settings, defer=True))
            except (PipelineError, ReplyAwaited) as ended:
                assert_no_marker(str(ended))  # what Airflow would log for the task
                outcomes.append(type(ended).__name__)
    finally:
        forget_sandboxes(settings)
    logged = every_log_line.getvalue()
    assert "checking 4 subjects" in logged and "PipelineError" in outcomes  # the paths really ran and logged
    assert len([line for line in logged.splitlines() if "check for S1" in line]) >= 4
    lines = [json.loads(line) for line in logged.splitlines()]  # every line is one JSON object
    results = {line["agency"]: line["outcome"] for line in lines if "outcome" in line}  # fields of their own
    finished = {
        agency for agency, outcome in zip((*AGENCIES, "probation"), outcomes, strict=True) if outcome != "ReplyAwaited"
    }
    assert results["probation"] == "gave_up" and set(results) == finished  # a deferred check has no result yet
    assert_no_marker(logged)
    traced = [dict(span.attributes or {}) for span in spans.get_finished_spans()]
    assert [attributes["hub.agency"] for attributes in traced] == [*AGENCIES, "probation"]
    assert_no_marker(json.dumps(traced))


def test_web_requests_log_route_templates_not_values(served: Served, every_log_line: io.StringIO) -> None:
    with served.client() as client:
        assert sign_in(client, PRACTITIONER).status_code == 303
        assert MARKER in client.get(f"/referrals/{MY_REFERRAL}").text  # the page shows the name to its reader
        client.get(f"/referrals/{MARKER}")  # a name in a path, and in a query
        client.get("/", params={"q": MARKER, "nhs": NHS_NUMBER})
        client.post("/signin", data={"username": MARKER, "password": NHS_NUMBER})  # refused: no CSRF token
    logged = every_log_line.getvalue()
    assert "/referrals/{referral_id}" in logged  # the access log ran, through the JSON handler
    assert_no_marker(logged, MARKER, NHS_NUMBER)


def test_cli_errors_log_no_personal_data(tmp_path: Path) -> None:
    document = marked_referral().model_dump(mode="json")
    document["subjects"][0]["person"]["birth_date"] = f"{FAMILY}-{NHS_NUMBER}"  # refused, quoting nothing
    bad = tmp_path / "referral.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    environment = {
        **os.environ,
        "HUB_HOME": str(tmp_path / "home"),
        "HUB_LOG_FORMAT": "json",
        "HUB_LOG_LEVEL": "DEBUG",
    }
    environment.pop("HUB_DEBUG", None)
    result = subprocess.run(
        [HUB, "referral", "check", str(bad)], capture_output=True, text=True, env=environment, timeout=120
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert_no_marker(result.stdout + result.stderr)


def test_an_exception_is_logged_by_its_type_alone() -> None:
    record = logging.LogRecord("hub.test", logging.ERROR, __file__, 1, "check failed for %s", ("S1",), None)
    try:
        raise ValueError(f"invalid name {FAMILY!r}")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert (line["event"], line["error"], line["level"]) == ("check failed for S1", "ValueError", "error")
    assert_no_marker(json.dumps(line))
