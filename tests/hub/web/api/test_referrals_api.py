"""`/api/v1/referrals` over HTTP, as a partner system meets it: every answer it can give, and what is kept.

The web application is served by uvicorn on SQLite; Airflow is a real HTTP stand-in (or absent).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from hub.checks.reconcile import referrals_to_trigger
from hub.store.tables import ReferralRow
from hub.web.api.limits import RateLimit
from schemas import ChecksStage
from tests.hub.web.api.conftest import AUDITOR, POLICE, SCHOOL, Api, api_app, referral_document
from tests.hub.web.conftest import MARKER, MY_REFERRAL, PRACTITIONER, sign_in
from tests.markers import sample_family_markers

LIMIT = "1,048,576"
BAD_KEY = {"detail": "Send a valid API key: Authorization: Bearer <key>. Ask the council's hub administrator for one."}


def referral_count(api: Api) -> int:
    with api.store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(ReferralRow)).scalar_one())


def test_a_referral_is_stored_assessed_and_its_checks_started(api: Api) -> None:
    answer = api.post(referral_document())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert answer.headers["location"] == "/api/v1/referrals/REF-2026-API-001/status" == body["status_url"]
    assert body["referral_id"] == "REF-2026-API-001"
    assert body["checks_started"] is True
    assert body["checks"].startswith("The checks have started")
    assert 0 <= body["quality"]["score"] <= 100
    assert body["quality"]["feedback_note"].startswith("Feedback on referral REF-2026-API-001")
    assert MARKER not in answer.text
    assert api.airflow is not None and api.airflow.count("trigger") == 1
    checks = api.store.referral_checks("REF-2026-API-001")
    assert checks is not None and checks.stage is ChecksStage.TRIGGERED
    submission = api.store.submission("REF-2026-API-001")
    assert submission is not None and (submission.submitter, submission.channel) == (f"client:{POLICE}", "api")
    events = api.store.audit_trail(actor=f"client:{POLICE}")
    created = [event for event in events if event.action == "referral.create"]
    assert len(created) == 1 and created[0].role == "referrer" and created[0].basis == "role"


def test_a_retry_of_the_same_referral_gets_the_same_answer_and_starts_nothing_again(api: Api) -> None:
    first = api.post(referral_document())
    again = api.post(referral_document())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert api.airflow is not None and api.airflow.count("trigger") == 1
    assert referral_count(api) == 1 + 2  # the two the web tests seed, and this one


def test_without_airflow_the_referral_is_kept_and_housekeeping_starts_its_checks(api_without_airflow: Api) -> None:
    api = api_without_airflow
    answer = api.post(referral_document())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["checks_started"] is False
    assert "have not started yet" in body["checks"] and "within about five minutes" in body["checks"]
    checks = api.store.referral_checks("REF-2026-API-001")
    assert checks is not None and checks.stage is ChecksStage.NOT_STARTED
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert "REF-2026-API-001" in referrals_to_trigger(api.served.settings, now=later)


def test_every_problem_is_listed_by_field_no_value_is_echoed_and_nothing_is_stored(api: Api) -> None:
    document = referral_document()
    del document["rag"]
    document["subjects"][1]["person"]["birth_date"] = "2999-01-01"
    before = referral_count(api)
    answer = api.post(document)
    assert answer.status_code == 400
    assert answer.json() == {
        "detail": "The referral is not valid (2 problems). Nothing was stored.",
        "problems": [
            {"field": "rag", "message": "is required"},
            {"field": "subjects[1].person.birth_date", "message": "is in the future"},
        ],
    }
    assert "2999" not in answer.text and MARKER not in answer.text
    assert referral_count(api) == before
    assert api.airflow is not None and api.airflow.count("trigger") == 0


def test_a_body_that_is_not_json_is_one_problem(api: Api) -> None:
    with api.client() as client:
        answer = client.post("/referrals", content=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert [problem["field"] for problem in answer.json()["problems"]] == ["(top level)"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer mash_0123456789abcdef_" + "x" * 43, "Basic YTpi"])
def test_a_missing_or_bad_key_is_refused_the_same_way_and_audited(api: Api, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    with httpx.Client(base_url=f"{api.served.url}/api/v1", headers=headers) as client:
        answer = client.post("/referrals", json=referral_document())
        status = client.get("/referrals/REF-2026-API-001/status")
    for refused in (answer, status):
        assert refused.status_code == 401 and refused.json() == BAD_KEY
        assert refused.headers["www-authenticate"] == "Bearer"
    refusals = [event for event in api.store.audit_trail(actor="unverified:api") if event.outcome == "denied"]
    assert len(refusals) == 2
    assert referral_count(api) == 2


def test_a_revoked_key_stops_working_at_once(api: Api) -> None:
    assert api.post(referral_document("REF-2026-API-002")).status_code == 201
    assert api.store.revoke_api_client(POLICE, actor="user:ada.admin", purpose="test")
    assert api.post(referral_document("REF-2026-API-003")).json() == BAD_KEY


def test_the_browser_session_does_not_reach_the_api(api: Api) -> None:
    """A signed-in person's cookie is not a key: a page elsewhere cannot post referrals through their browser."""
    with api.served.client() as browser:
        assert sign_in(browser, PRACTITIONER).status_code == 303
        answer = browser.post("/api/v1/referrals", json=referral_document())
        status = browser.get(f"/api/v1/referrals/{MY_REFERRAL}/status")
    assert (answer.status_code, status.status_code) == (401, 401)
    assert referral_count(api) == 2


def test_a_client_whose_role_may_not_submit_is_refused_and_audited(api: Api) -> None:
    answer = api.post(referral_document(), name=AUDITOR)
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("Your role (ig_officer) cannot")
    denied = [event for event in api.store.audit_trail(actor=f"client:{AUDITOR}") if event.outcome == "denied"]
    assert [(event.action, event.role) for event in denied] == [("referral.create", "ig_officer")]
    assert referral_count(api) == 2


def test_an_id_taken_by_another_referral_or_another_submitter_is_a_conflict(api: Api) -> None:
    assert api.post(referral_document()).status_code == 201
    changed = referral_document()
    changed["narrative"] += " Later: the school called again."
    conflict = api.post(changed)
    theirs = api.post(referral_document(), name=SCHOOL)
    for answer in (conflict, theirs):
        assert answer.status_code == 409
        assert answer.json()["detail"].startswith("This referral id is already taken")
    stored = api.post(referral_document(MY_REFERRAL))  # seeded by the web tests, by another submitter
    assert stored.status_code == 409


def test_a_body_over_the_limit_is_refused_without_reading_it(api: Api) -> None:
    with api.client() as client:
        declared = client.post(
            "/referrals", content=b"{" + b" " * (1_048_576 + 10) + b"}", headers={"Content-Type": "application/json"}
        )

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds as it streams in
            yield b'{"narrative": "'
            for _ in range(40):
                yield b"x" * 65_536

        streamed = client.post("/referrals", content=chunks(), headers={"Content-Type": "application/json"})
    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert answer.json() == {
            "detail": "The referral is too large: a referral may be at most 1,048,576 bytes (1 MiB)."
        }
    assert referral_count(api) == 2


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_sent_as_json_is_refused(api: Api, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    with api.client() as client:
        answer = client.post("/referrals", content=json.dumps(referral_document()).encode(), headers=headers)
    assert answer.status_code == 415
    assert answer.json() == {"detail": "Send the referral as JSON: Content-Type: application/json."}


def test_a_client_over_its_rate_waits(api: Api) -> None:
    api_app(api.served).state.rate_limit = RateLimit(per_minute=2, burst=1)
    with api.client() as client:
        answers = [client.get("/referrals/REF-2026-API-404/status") for _ in range(3)]
    assert [answer.status_code for answer in answers][:1] == [404]
    limited = answers[-1]
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["detail"].startswith("Too many requests from this client: wait")
    with api.client(SCHOOL) as other:  # another client has a rate of its own
        assert other.get("/referrals/REF-2026-API-404/status").status_code == 404


def test_the_status_is_for_the_submitting_client_only(api: Api) -> None:
    assert api.post(referral_document()).status_code == 201
    api.store.plan_checks("REF-2026-API-001", ["police", "health"], ["S1", "S2"], due_at=None)
    with api.client() as client:
        mine = client.get("/referrals/REF-2026-API-001/status")
    with api.client(SCHOOL) as other:
        theirs = other.get("/referrals/REF-2026-API-001/status")
        seeded = other.get(f"/referrals/{MY_REFERRAL}/status")
        malformed = other.get("/referrals/not%20an%20id!/status")
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["referral_id"] == "REF-2026-API-001"
    assert body["agencies"] == [
        {"agency": "health", "checks": 2, "states": {"not_asked": 2}},
        {"agency": "police", "checks": 2, "states": {"not_asked": 2}},
    ]
    assert MARKER not in mine.text
    assert theirs.status_code == seeded.status_code == 404
    assert theirs.json() == {"detail": "No referral with this id was submitted by this client."}
    assert malformed.status_code == 400 and malformed.json()["problems"][0]["field"] == "referral_id"
    reads = [event for event in api.store.audit_trail(actor=f"client:{POLICE}") if event.action == "referral.read"]
    assert len(reads) == 1 and reads[0].purpose == "referral status for its submitter"
    denied = [event for event in api.store.audit_trail(actor=f"client:{SCHOOL}") if event.outcome == "denied"]
    assert len(denied) == 2


def test_health_needs_no_key(api: Api) -> None:
    with api.client(None) as client:
        answer = client.get("/health")
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "api_version": "1.0.0"}


def test_no_personal_data_reaches_the_logs(api: Api) -> None:
    document = referral_document()
    refused = referral_document("REF-2026-API-009")
    refused["subjects"][0]["person"]["birth_date"] = "2999-01-01"
    assert api.post(document).status_code == 201
    assert api.post(refused).status_code == 400
    with api.client() as client:
        assert client.get("/referrals/REF-2026-API-001/status").status_code == 200
    logged = "\n".join(api.served.log)
    assert "POST /api/v1/referrals 201" in logged  # the access log did see the calls, by route
    markers = [*sample_family_markers(), MARKER]
    assert [marker for marker in markers if marker in logged] == []
