"""Referral page render times: GET /referrals/{id} for a history of 1,000 chronology entries, over real HTTP.

    uv run python bench/bench_web.py                  # 1,000 entries, 50 requests
    uv run python bench/bench_web.py --entries 2000 --requests 100

A temporary `$HUB_HOME` holds the example referral (config/examples/referral.json) and one assembled
chronology version per child whose entries come from four agencies' replies (police, health,
education and housing records about the subject child and a parent), assembled by the hub's own
`assemble`, so the page reads, decrypts, audits and renders what the pipeline would store. A
practitioner signs in through the sign-in form; the page is served by uvicorn on loopback, and the
requests are timed from the client: each one is a full page (every audit event written, the
household diagram drawn, every entry rendered). A filtered request is timed as well.

Prints p50 and p95 in milliseconds, and the machine's load average (a busy machine inflates p95), with
the CPU time each request took in this process (client and server), which a busy machine hardly moves;
exits 1 if p95 of the unfiltered page is over --target (300 ms).

Where p95 comes from (issue 14, measured on the 2-core development machine): p50 is the page's own
work, about 100 ms of CPU; p95 is p50 plus one full collection of Python's garbage collector, which
walks every object the web process holds (about 200,000, 120 ms here) and comes every ten or so
requests, as each page's 1,500 rows survive long enough to be promoted. `gc.freeze()` once the
application has started (not done here, as a benchmark should run what production runs) took those
collections to about 1 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn

from hub.access.credentials import hash_password
from hub.chronology.assembly import assemble
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from hub.web.app import create_app
from hub.web.assets import ensure_assets
from hub.web.server import bind
from hub.web.web_sessions import CookiePolicy
from schemas import (
    AgencyPerson,
    AgencyReply,
    ChronologyEntry,
    EntryCategory,
    Involvement,
    InvolvementRole,
    Referral,
    ReplyStatus,
    SourceRef,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERRAL = REPO_ROOT / "config" / "examples" / "referral.json"
USERNAME, PASSWORD = "bench.practitioner", "a bench password that is long enough"
SETUP = "service:bench-setup"
AGENCY_CATEGORIES = {
    "police": [EntryCategory.POLICE_OCCURRENCE, EntryCategory.DOMESTIC_ABUSE_INCIDENT, EntryCategory.MISSING_EPISODE],
    "health": [EntryCategory.HEALTH_CONTACT, EntryCategory.EMERGENCY_ATTENDANCE],
    "education": [EntryCategory.ATTENDANCE, EntryCategory.SUSPENSION, EntryCategory.SCHOOL_ENROLMENT],
    "housing": [EntryCategory.RENT_ARREARS, EntryCategory.ANTI_SOCIAL_BEHAVIOUR, EntryCategory.TENANCY],
}


def replies(referral: Referral, entries: int) -> list[AgencyReply]:
    """Each agency's reply about the subject child (S1) and the parent (S3), with `entries` events between them.

    Every event reaches the child's chronology under the default minimisation policy (config/minimisation.yaml):
    a school's records are the child's alone, since a parent's would not be included.
    """
    child, parent = referral.subject("S1"), referral.subject("S3")
    per_agency = entries // len(AGENCY_CATEGORIES)
    found = []
    for agency, categories in AGENCY_CATEGORIES.items():
        people = [(child, f"{agency[:1].upper()}-1"), (parent, f"{agency[:1].upper()}-3")]
        if agency == "education":
            people = people[:1]
        for subject, record in people:
            events = [
                ChronologyEntry(
                    occurred_on=date(2014, 1, 1) + timedelta(days=(number * 37) % 4300),
                    category=categories[number % len(categories)],
                    summary=f"{agency.capitalize()} event {number}: a contact with the family, recorded by the "
                    "agency with the action it took and who was present at the time.",
                    source=SourceRef(agency=agency, record_id=f"{agency[:3].upper()}-{subject.subject_id}-{number}"),
                    people=[Involvement(agency_person_id=record, role=InvolvementRole.SUBJECT)],
                )
                for number in range(per_agency // len(people))
            ]
            found.append(
                AgencyReply(
                    agency=agency,
                    referral_id=referral.referral_id,
                    subject_id=subject.subject_id,
                    status=ReplyStatus.FOUND,
                    requested_at=referral.received_at,
                    completed_at=referral.received_at + timedelta(minutes=5),
                    candidates=[AgencyPerson(agency_person_id=record, person=subject.person)],
                    entries=events,
                )
            )
    return found


def stored_history(store: HubStore, entries: int) -> tuple[str, int]:
    """The referral, allocated to the bench practitioner, and its chronologies: (referral id, child's entries)."""
    referral = Referral.model_validate_json(REFERRAL.read_text(encoding="utf-8"))
    store.save_referral(referral, actor=SETUP, purpose="benchmark")
    store.add_staff_user(
        USERNAME,
        role="practitioner",
        display_name="Bench Practitioner",
        password_hash=hash_password(PASSWORD),
        totp_secret=None,
        actor=SETUP,
        purpose="benchmark",
    )
    store.allocate(referral.referral_id, USERNAME, actor=SETUP, purpose="benchmark")
    assembled = assemble(referral, replies(referral, entries), assembled_at=datetime.now(UTC))
    for chronology in assembled:
        store.save_chronology(chronology, actor=SETUP)
    return referral.referral_id, len(assembled[0].entries)


@contextmanager
def served(settings: HubSettings) -> Iterator[str]:
    app = create_app(settings, assets=ensure_assets(), cookies=CookiePolicy(secure=False))
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, access_log=False, log_level="warning", server_header=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.store.close()


def signed_in(client: httpx.Client) -> None:
    page = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text)
    assert token, "the sign-in page has no form token"
    answer = client.post(
        "/signin", data={"csrf_token": token.group(1), "username": USERNAME, "password": PASSWORD, "code": ""}
    )
    assert answer.status_code == 303, answer.status_code


def timed(client: httpx.Client, path: str, params: dict[str, str], requests: int) -> tuple[list[float], list[float]]:
    """Each request's wall time and the CPU time this process spent on it, in milliseconds.

    The CPU time (`time.process_time`, the client's and the server's threads together, as both run here)
    hardly moves when other work shares the machine, so it compares runs on a busy machine; wall time,
    what a practitioner waits, is what the target is for.
    """
    client.get(path, params=params)  # warm: templates compiled, connections opened
    times, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path, params=params)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, response.status_code
    return times, cpu


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000, help="chronology entries in the child's history")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--target", type=float, default=300.0, help="p95 to stay under, in milliseconds")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as folder:
        os.environ["HUB_HOME"] = str(Path(folder) / "hub-home")
        os.environ.pop("HUB_DATABASE_URL", None)
        settings = HubSettings.from_env()
        with served(settings) as url:
            setup = open_store(settings)
            referral_id, shown = stored_history(setup, options.entries)
            setup.close()
            path = f"/referrals/{referral_id}"
            with httpx.Client(base_url=url, timeout=60) as client:
                signed_in(client)
                size = len(client.get(path).content)
                full = timed(client, path, {}, options.requests)
                filtered = timed(client, path, {"agency": "police", "significance": "key"}, options.requests)
    print(f"Referral page, {shown} chronology entries in the subject child's history, {size / 1024:.0f} KiB of HTML")
    print(f"  load average over the last minute {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, (times, cpu) in (("whole history", full), ("filtered (police, key concerns)", filtered)):
        print(
            f"  {name}: {len(times)} requests, p50 {statistics.median(times):.0f} ms, "
            f"p95 {percentile(times, 0.95):.0f} ms, max {max(times):.0f} ms; "
            f"CPU p50 {statistics.median(cpu):.0f} ms a request (client and server)"
        )
    over = percentile(full[0], 0.95) > options.target
    if over:
        print(f"p95 is over the target of {options.target:.0f} ms")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
