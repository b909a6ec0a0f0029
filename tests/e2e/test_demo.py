"""`hub demo` end to end: real sandboxes, real Airflow scheduler on SQLite, and no personal data left in Airflow.

One run, with `--keep-running`: the web application is tried while everything is up, then Ctrl-C stops it all.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from connectors.sdk.jobs import MIN_POLL_VARIABLE
from hub.agencies import load_registry
from hub.settings import HubSettings
from hub.store.home import open_store
from tests.markers import files_containing, sample_family_markers

pytestmark = pytest.mark.airflow
HUB = str(Path(sys.executable).parent / "hub")


@dataclass
class RunningDemo:
    """`hub demo --keep-running`, up until `stop`: its output so far is read by two threads as it comes."""

    process: subprocess.Popen[str]
    home: Path
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "".join(self.stdout)

    def stop(self) -> subprocess.CompletedProcess[str]:
        """Ctrl-C, as a person would: the demo stops the web application, Airflow and the sandboxes."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=180)
        time.sleep(0.2)  # the reader threads' last lines
        return subprocess.CompletedProcess(self.process.args, code, self.output(), "".join(self.stderr))


@pytest.fixture(scope="module")
def running_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDemo]:
    """The demo with `--keep-running`, once it says everything is up (one run serves every test here)."""
    home = tmp_path_factory.mktemp("demo") / "hub-home"
    environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "220"}
    for name in [name for name in environment if name.startswith(("AIRFLOW", "HUB_AGENCY_", "HUB_AIRFLOW"))]:
        environment.pop(name)
    # Checks that defer to the triggerer are polled again after 10 s, not 30 (a test knob; the demo's
    # asynchronous agencies answer within seconds, so a user's demo, too, only waits out the floor).
    environment[MIN_POLL_VARIABLE] = "10"
    command = [HUB, "demo", "--keep-running", "--web-port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    demo = RunningDemo(process, home)
    for stream, lines in ((process.stdout, demo.stdout), (process.stderr, demo.stderr)):
        threading.Thread(target=lambda s=stream, out=lines: out.extend(iter(s.readline, "")), daemon=True).start()
    deadline = time.monotonic() + 600
    try:
        while "Press Ctrl-C to stop" not in demo.output():
            assert process.poll() is None, demo.output()[-3000:] + "".join(demo.stderr)[-3000:]
            assert time.monotonic() < deadline, "the demo did not finish within 10 minutes"
            time.sleep(0.5)
        yield demo
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=180)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def demo_run(running_demo: RunningDemo) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The demo after Ctrl-C: its whole output, and its `$HUB_HOME`."""
    return running_demo.stop(), running_demo.home


def _cookies(response: httpx.Response) -> dict[str, str]:
    """Cookies set by a response, sent back by hand: httpx, unlike a browser, keeps no Secure cookie for http://."""
    pairs = (header.split(";", 1)[0].split("=", 1) for header in response.headers.get_list("set-cookie"))
    return {name: value for name, value in pairs if value}


def test_the_demo_serves_the_web_application_and_its_practitioner_signs_in_to_see_the_referral(
    running_demo: RunningDemo,
) -> None:
    """Runs first, while the demo keeps running: the printed address answers and a printed account signs in."""
    output = running_demo.output()
    found = re.search(r"The web application is at (http://127\.0\.0\.1:\d+/)", output)
    assert found, output[-3000:]
    url = found.group(1)
    accounts = dict(re.findall(r"^ +(demo\.\w+) +(?:practitioner|manager|ig officer) +password (\S+)$", output, re.M))
    assert set(accounts) == {"demo.practitioner", "demo.manager", "demo.ig"}, output[-3000:]
    with httpx.Client(base_url=url, timeout=30, follow_redirects=False) as client:
        form = client.get("/signin")
        assert form.status_code == 200
        token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', form.text)
        assert token
        data = {
            "csrf_token": token.group(1),
            "username": "demo.practitioner",
            "password": accounts["demo.practitioner"],
        }
        signed_in = client.post("/signin", data=data, headers={"Cookie": _header(_cookies(form))})
        assert signed_in.status_code == 303, signed_in.text[-2000:]
        inbox = client.get("/referrals", headers={"Cookie": _header(_cookies(signed_in))})
        assert inbox.status_code == 200 and "REF-2026-000417" in inbox.text


def _header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


class Visitor:
    """One person in a browser on the demo's web application: cookies kept by hand, each form's CSRF token read
    from the page that shows the form, as a browser posts it."""

    def __init__(self, client: httpx.Client, username: str, password: str) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}
        form = self.get("/signin")
        signed_in = self.post("/signin", form, {"username": username, "password": password})
        assert signed_in.status_code == 303, signed_in.text[-2000:]

    def _keep(self, response: httpx.Response) -> httpx.Response:
        self.cookies.update(_cookies(response))
        return response

    def get(self, path: str) -> httpx.Response:
        return self._keep(self.client.get(path, headers={"Cookie": _header(self.cookies)}))

    def post(self, path: str, form_page: httpx.Response, data: dict[str, str]) -> httpx.Response:
        token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', form_page.text)
        assert token, form_page.text[-2000:]
        posted = {"csrf_token": token.group(1), **data}
        return self._keep(self.client.post(path, data=posted, headers={"Cookie": _header(self.cookies)}))


def test_in_the_demo_the_insight_pages_show_a_past_year_and_the_inbox_only_the_live_referral(
    running_demo: RunningDemo,
) -> None:
    """The demo imports a generated 2025 as history (`hub referral import-history`) and says so in one line: the
    manager's insight pages show that year, and the practitioner's inbox still lists only the live referral."""
    output = running_demo.output()
    loaded = re.search(
        r"Loaded (\d+) synthetic past referrals \(2025, imported history: no agency was checked\) for the insight "
        r"pages: (http://127\.0\.0\.1:\d+)(/insight/referrers\?from=2025-01-01&to=2025-12-31)",
        " ".join(output.split()),
    )
    assert loaded, output[-3000:]
    count = int(loaded.group(1))
    assert count >= 50
    accounts = dict(re.findall(r"^ +(demo\.\w+) +(?:practitioner|manager|ig officer) +password (\S+)$", output, re.M))
    with httpx.Client(base_url=loaded.group(2), timeout=60, follow_redirects=False) as client:
        manager = Visitor(client, "demo.manager", accounts["demo.manager"])
        referrers = manager.get(loaded.group(3))
        assert referrers.status_code == 200, referrers.text[-2000:]
        said = " ".join(re.sub(r"<[^>]+>", " ", referrers.text).split())
        assert f"{count} referrals received from 1 January 2025 to 31 December 2025" in said, said[:3000]
        outcomes = manager.get("/insight/outcomes?from=2025-01-01&to=2025-12-31")
        assert outcomes.status_code == 200
        outcomes_csv = manager.get("/insight/outcomes/csv?from=2025-01-01&to=2025-12-31")
        assert outcomes_csv.status_code == 200 and outcomes_csv.text.count("\n") > 1, outcomes_csv.text[:2000]
        assert re.search(rf"^all,\w+,\d+,{count},", outcomes_csv.text, re.M), outcomes_csv.text[:2000]  # all decided

        practitioner = Visitor(client, "demo.practitioner", accounts["demo.practitioner"])
        inbox = practitioner.get("/referrals")
        assert inbox.status_code == 200
        assert set(re.findall(r"(?:REF|SYN)\d*-\d{4}-\d{6}", inbox.text)) == {"REF-2026-000417"}


def test_in_the_demo_a_manager_and_an_ig_officer_each_do_their_whole_job_in_the_web_application(
    running_demo: RunningDemo,
) -> None:
    """With nothing but `hub demo` and the accounts it prints: the manager sees the team and allocates, opens the
    referral by break-glass and downloads it; the IG officer reviews that break-glass, finds it in the trail and
    the reports, verifies the trail and exports it."""
    output = running_demo.output()
    found = re.search(r"The web application is at (http://127\.0\.0\.1:\d+/)", output)
    assert found, output[-3000:]
    accounts = dict(re.findall(r"^ +(demo\.\w+) +(?:practitioner|manager|ig officer) +password (\S+)$", output, re.M))
    referral = "REF-2026-000417"
    with httpx.Client(base_url=found.group(1), timeout=60, follow_redirects=False) as client:
        manager = Visitor(client, "demo.manager", accounts["demo.manager"])
        team = manager.get("/team")
        assert team.status_code == 200 and "demo.practitioner" in team.text
        allocation = manager.get("/allocation")
        assert allocation.status_code == 200 and referral in allocation.text
        taken = manager.post(f"/allocation/{referral}", allocation, {"to": "demo.manager"})
        assert taken.status_code == 303, taken.text[-2000:]
        assert referral in manager.get("/referrals").text
        given_back = manager.post(f"/allocation/{referral}", manager.get("/allocation"), {"to": "demo.practitioner"})
        assert given_back.status_code == 303, given_back.text[-2000:]
        refused = manager.get(f"/referrals/{referral}")
        assert refused.status_code == 403 and f'href="/open-referral/{referral}"' in refused.text
        request_form = manager.get(f"/open-referral/{referral}")
        note = "Police report a new incident tonight; checking the history before the strategy discussion."
        opened = manager.post(f"/open-referral/{referral}", request_form, {"reason": "immediate_risk", "note": note})
        # The demo has no mail server: the page says the email to IG and managers was not sent, and leads on.
        assert opened.headers.get("location") == f"/open-referral/{referral}?email=not-sent", opened.text[-2000:]
        notice = manager.get(opened.headers["location"])
        assert "could not be sent" in notice.text and f'href="/referrals/{referral}"' in notice.text
        history = manager.get(f"/referrals/{referral}")
        assert history.status_code == 200 and "Family history" in history.text and "Agency checks" in history.text
        # Issue 15's demo: the key concerns the sandboxes' records raise, and the referral's quality assessment.
        concerns = history.text.split('id="key-concerns"', 1)[1].split('id="household"', 1)[0]
        assert "Domestic abuse" in concerns and "DASH risk level: medium" in concerns, concerns[:2000]
        assert 'id="referral-quality"' in history.text and "feedback" in history.text.lower()
        pdf = manager.post(f"/referrals/{referral}/export", history, {})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

        ig = Visitor(client, "demo.ig", accounts["demo.ig"])
        assert ig.get(f"/referrals/{referral}").status_code == 403  # IG reads the trail, not the history
        queue = ig.get("/break-glass")
        number = re.search(r'action="/break-glass/(\d+)"', queue.text)
        assert queue.status_code == 200 and number, queue.text[-2000:]
        decision = {"decision": "appropriate", "note": "An immediate risk reported by police; proportionate."}
        reviewed = ig.post(f"/break-glass/{number.group(1)}", queue, decision)
        assert reviewed.status_code == 303, reviewed.text[-2000:]
        assert "No break-glass accesses are awaiting review" in ig.get("/break-glass").text
        search = ig.get(f"/audit?user=demo.manager&referral={referral}")
        assert search.status_code == 200 and "demo.manager" in search.text and "break-glass" in search.text.lower()
        reports = ig.get("/audit/reports")
        unallocated = reports.text.split('id="unallocated"', 1)[1].split('id="break-glass"', 1)[0]
        assert reports.status_code == 200 and "demo.manager" in unallocated and referral in unallocated
        verify_page = ig.get("/audit/verify")
        assert ig.post("/audit/verify", verify_page, {}).status_code == 303
        assert "Intact" in ig.get("/audit/verify").text
        export_form = ig.get("/audit/export")
        csv_export = ig.post("/audit/export", export_form, {"format": "csv", "referral": referral})
        assert csv_export.status_code == 200 and "demo.manager" in csv_export.text and "break_glass" in csv_export.text
        fhir_export = ig.post("/audit/export", export_form, {"format": "fhir", "referral": referral})
        bundle = fhir_export.json()
        assert bundle["resourceType"] == "Bundle" and bundle["entry"]
        assert {entry["resource"]["resourceType"] for entry in bundle["entry"]} == {"AuditEvent"}


def test_demo_prints_a_family_history_with_all_four_agencies(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, home = demo_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    output = result.stdout
    for heading in ("Household", "Agency checks", "Chronology: Amara Joy Okafor-Reid", "Chronology: Tyler Okafor-Reid"):
        assert heading in output
    for agency in ("health", "police", "education", "housing"):
        assert f"{agency} " in output
    assert "run success" in output
    assert "the sandboxes, Airflow and the web application have been stopped" in output
    report = home / "reports" / "REF-2026-000417.html"
    assert f"HTML report written to {report}" in " ".join(output.split())
    html = report.read_text()
    assert "Okafor-Reid" in html and "<table>" in html


def test_demo_stops_everything_it_started(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, home = demo_run
    assert not (home / "run" / "airflow-api.json").exists()
    assert not (home / "run" / "sandbox-endpoints.json").exists()
    leftover = subprocess.run(["pgrep", "-f", str(home)], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


def test_no_personal_data_reaches_airflow_or_the_hub_database(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, home = demo_run
    markers = sample_family_markers()
    airflow_files = list((home / "airflow").rglob("*"))
    assert any(path.name == "airflow.db" for path in airflow_files)
    assert any("dag_id=mash_referral" in str(path) for path in airflow_files), "expected task logs to scan"
    assert files_containing(home / "airflow", markers) == {}
    assert not any(marker.encode() in (home / "hub.db").read_bytes() for marker in markers)


def test_each_agencys_checks_ran_in_its_own_pool_sized_from_the_registry(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """The scheduler never starts a task whose pool is missing, so the demo finishing proves they exist."""
    _, home = demo_run
    registry = load_registry(HubSettings.from_env({"HUB_HOME": str(home)}))
    with sqlite3.connect(home / "airflow" / "airflow.db") as database:
        ran = set(database.execute("SELECT task_id, pool, state FROM task_instance WHERE task_id LIKE '%.check'"))
        pools = dict(database.execute("SELECT pool, slots FROM slot_pool WHERE pool LIKE 'agency_%'"))
    assert ran == {(f"{agency.id}.check", agency.pool_name, "success") for agency in registry.agencies}
    assert pools == {agency.pool_name: agency.pool.slots for agency in registry.agencies}


def test_every_access_in_the_demo_is_audited_and_the_chain_verifies(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, home = demo_run
    environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "200"}
    # The demo leaves its practitioner signed in, who may not read the trail; its IG officer may.
    refused = subprocess.run([HUB, "audit", "show", "REF-2026-000417"], capture_output=True, text=True, env=environment)
    assert refused.returncode == 1 and "cannot read the audit trail" in " ".join(refused.stderr.split())
    accounts = dict(line.split("\t")[0::2] for line in (home / "demo-accounts.txt").read_text().splitlines())
    login = [HUB, "login", "demo.ig", "--password-stdin"]
    signed_in = subprocess.run(login, input=accounts["demo.ig"] + "\n", capture_output=True, text=True, env=environment)
    assert signed_in.returncode == 0, signed_in.stderr
    shown = subprocess.run([HUB, "audit", "show", "REF-2026-000417"], capture_output=True, text=True, env=environment)
    assert shown.returncode == 0, shown.stderr
    search = [HUB, "audit", "search", "--referral", "REF-2026-000417", "--json"]
    trail = subprocess.run(search, capture_output=True, text=True, env=environment)
    assert trail.returncode == 0, trail.stderr
    seen = {(event["actor"], event["role"], event["action"]) for event in map(json.loads, trail.stdout.splitlines())}
    for who, action in [
        (("user:demo.practitioner", "practitioner"), "referral.create"),
        (("user:demo.practitioner", "practitioner"), "referral.allocate"),
        (("service:pipeline", "service"), "referral.read"),
        (("service:pipeline", "service"), "reply.write"),
        (("service:pipeline", "service"), "chronology.write"),
        (("user:demo.practitioner", "practitioner"), "chronology.read"),
    ]:
        assert (*who, action) in seen, (who, action)
    # Agencies add their own gateways (e.g. health data's Art 9 condition), so bases differ by event,
    # but every access rests on the safeguarding statutes.
    events = open_store(HubSettings.from_env({"HUB_HOME": str(home)})).audit_trail(referral_id="REF-2026-000417")
    assert events and all(event.lawful_basis.startswith("Children Act 1989") for event in events)
    verify = subprocess.run([HUB, "audit", "verify"], capture_output=True, text=True, env=environment)
    assert verify.returncode == 0 and "Audit trail intact" in verify.stdout
