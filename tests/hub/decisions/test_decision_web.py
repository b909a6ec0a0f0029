"""The MASH decision in the browser, through the real application over HTTP: the referral page's section and
form, the managers' queue and sign-off, every refusal audited, and the rationale never in an address or a log.
"""

from __future__ import annotations

import re

import httpx

from tests.hub.web.conftest import IG, MANAGER, PRACTITIONER, form_token, web_assets
from tests.hub.web.staff_work import Office, no_personal_data_shown, office

__all__ = ["office", "web_assets"]

RATIONALE = (
    "Police report a domestic incident with the child present; DASH high. A strategy discussion is needed today."
)
NOTE = "Weigh the school's report of bruising before deciding; speak to the designated safeguarding lead."


def _record(browser: httpx.Client, referral_id: str, **fields: str) -> httpx.Response:
    token = form_token(browser.get(f"/referrals/{referral_id}").text)
    return browser.post(f"/referrals/{referral_id}/decision", data={"csrf_token": token, **fields})


def _decisions(office: Office, referral_id: str) -> int:
    return len(office.store.decision_listing([referral_id]))


def test_a_practitioner_records_the_decision_and_a_manager_signs_it_off(office: Office) -> None:
    referral_id = "REF-2026-000417"
    with office.client(PRACTITIONER) as browser:
        page = browser.get(f"/referrals/{referral_id}")
        assert 'id="decision">MASH decision</h2>' in page.text and "No decision is recorded yet." in page.text
        assert page.text.index('id="decision"') < page.text.index('id="versions"')
        assert 'name="outcome" type="radio" value="s47_strategy_discussion"' in page.text
        answer = _record(browser, referral_id, outcome="s47_strategy_discussion", level="4", rationale=RATIONALE)
        assert (
            answer.status_code == 303 and answer.headers["location"] == f"/referrals/{referral_id}?decided=1#decision"
        )
        page = browser.get(answer.headers["location"])
        assert "Decision 1: Strategy discussion (Children Act 1989 s47)" in page.text and RATIONALE in page.text
        assert (
            "Awaiting a manager's sign-off" in page.text
            and 'action="/referrals/' not in page.text.split('id="decision"')[1].split('id="versions"')[0]
        )  # no form while one waits
        assert "/decisions" not in page.text  # a practitioner has no queue
        assert browser.get("/decisions").status_code == 403
    with office.client(MANAGER) as browser:
        queue = browser.get("/decisions")
        assert queue.status_code == 200 and f'href="/decisions/{referral_id}"' in queue.text
        assert RATIONALE not in queue.text  # the queue shows no words
        assert 'href="/decisions"' in queue.text  # the manager's navigation
        sign = browser.get(f"/decisions/{referral_id}")
        assert sign.status_code == 200 and RATIONALE in sign.text
        token = form_token(sign.text)
        refused = browser.post(f"/decisions/{referral_id}", data={"csrf_token": token, "number": "1", "verdict": ""})
        assert refused.status_code == 400 and "Select whether you agree the decision or return it" in refused.text
        returned = browser.post(
            f"/decisions/{referral_id}", data={"csrf_token": token, "number": "1", "verdict": "return", "note": ""}
        )
        assert (
            returned.status_code == 400
            and "Enter a note saying what the practitioner should reconsider" in returned.text
        )
        assert office.store.decision_listing([referral_id])[0].sign_off is None  # nothing stored
        done = browser.post(
            f"/decisions/{referral_id}", data={"csrf_token": token, "number": "1", "verdict": "return", "note": NOTE}
        )
        assert done.status_code == 303 and done.headers["location"] == "/decisions?signed=1"
    with office.client(PRACTITIONER) as browser:
        page = browser.get(f"/referrals/{referral_id}")
        assert (
            "Returned" in page.text
            and NOTE.replace("'", "&#39;") in page.text
            and "Record the decision again" in page.text
        )
        again = _record(browser, referral_id, outcome="s17_assessment", level="3", rationale=RATIONALE)
        assert again.status_code == 303
    with office.client(MANAGER) as browser:
        token = form_token(browser.get(f"/decisions/{referral_id}").text)
        agreed = browser.post(
            f"/decisions/{referral_id}", data={"csrf_token": token, "number": "2", "verdict": "agree"}
        )
        assert agreed.status_code == 303
    actions = [(e.action, e.actor, e.basis) for e in office.store.audit_trail(referral_id=referral_id)]
    assert ("decision.record", f"user:{PRACTITIONER}", "allocated") in actions
    assert ("decision.sign_off", f"user:{MANAGER}", "role") in actions
    assert ("decision.read", f"user:{MANAGER}", "role") in actions
    for text in [*office.urls, *office.served.log]:
        assert "DASH" not in text and "bruising" not in text
    no_personal_data_shown(office)


def test_bad_input_is_the_error_summary_and_nothing_is_stored(office: Office) -> None:
    referral_id = "REF-2026-000418"
    with office.client(PRACTITIONER) as browser:
        answer = _record(browser, referral_id, outcome="adopt", level="7", rationale="See notes.")
    assert answer.status_code == 400
    summary = answer.text.split('class="govuk-error-summary')[1].split("</div>")[0]
    for field in ("#outcome", "#level", "#rationale"):
        assert f'href="{field}"' in answer.text.split("govuk-error-summary__list")[1]
    assert "There is a problem" in answer.text and summary
    assert 'value="See notes."' not in answer.text and "See notes.</textarea>" in answer.text  # kept, in the body
    assert _decisions(office, referral_id) == 0


def test_not_allocated_wrong_role_and_no_token_are_refused(office: Office) -> None:
    referral_id = "REF-2026-000999"  # jo.other's
    with office.client(PRACTITIONER) as browser:
        token = form_token(browser.get("/referrals").text)
        answer = browser.post(
            f"/referrals/{referral_id}/decision",
            data={"csrf_token": token, "outcome": "nfa", "level": "1", "rationale": RATIONALE},
        )
        assert answer.status_code == 403
        no_token = browser.post(
            "/referrals/REF-2026-000418/decision", data={"outcome": "nfa", "level": "1", "rationale": RATIONALE}
        )
        assert no_token.status_code == 403
    with office.client(IG) as browser:
        assert browser.get("/decisions").status_code == 403
    denied = [e for e in office.store.audit_trail(action="decision.record") if e.outcome == "denied"]
    assert [e.actor for e in denied] == [f"user:{PRACTITIONER}"]
    assert any(e.actor == f"user:{IG}" for e in office.store.audit_trail(action="decision.sign_off"))
    assert _decisions(office, referral_id) == 0 and _decisions(office, "REF-2026-000418") == 0


def test_a_manager_cannot_sign_off_their_own_decision(office: Office) -> None:
    referral_id = "REF-2026-000600"
    office.store.allocate(referral_id, MANAGER, actor="service:test-setup", purpose="test allocation")
    with office.client(MANAGER) as browser:
        assert _record(browser, referral_id, outcome="early_help", level="2", rationale=RATIONALE).status_code == 303
        page = browser.get(f"/decisions/{referral_id}")
        assert "You recorded this decision, so another manager signs it off." in page.text
        assert re.search(r"Yours</strong>", browser.get("/decisions").text)
        token = form_token(page.text)
        answer = browser.post(
            f"/decisions/{referral_id}", data={"csrf_token": token, "number": "1", "verdict": "agree"}
        )
        assert answer.status_code == 403
    [own] = [e for e in office.store.audit_trail(action="decision.sign_off") if e.referral_id == referral_id]
    assert (own.outcome, own.actor) == ("denied", f"user:{MANAGER}")


def test_the_queue_shows_the_figures_and_refuses_a_period_it_does_not_know(office: Office) -> None:
    with office.client(MANAGER) as browser:
        page = browser.get("/decisions?period=7")
        assert page.status_code == 200 and "Time from receipt to decision" in page.text
        assert "Median time to decision" in page.text and "Within the target (1 working day)" in page.text
        bad = browser.get("/decisions?period=forever")
        assert bad.status_code == 400 and "Choose a period from the list" in bad.text
