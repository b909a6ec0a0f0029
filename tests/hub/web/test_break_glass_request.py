"""Asking for break-glass in the browser: a reason and a note, the password again when the sign-in is older
than five minutes (and then the authenticator code, on a page of its own, for an account with one), then
the same access as `hub access break-glass` (audited, IG and managers emailed) and the referral's history
open to the person. Bad input and a wrong password open nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pyotp

from hub.access.guard import SignedIn
from hub.access.permissions import Permission
from hub.access.principal import Principal
from hub.access.roles import load_access_config
from tests.hub.web.conftest import IG, OTHER, PRACTITIONER, form_token, sign_in
from tests.hub.web.staff_work import Office, authenticated_minutes_ago, no_personal_data_shown, office
from tests.staff import PASSWORD, add_staff

__all__ = ["office"]

REFERRAL = "REF-2026-000417"  # sam.patel's
NOTE = "Police report the child alone at home now."


def glasses(office: Office, username: str) -> list[int]:
    return [g.number for g in office.store.break_glass_accesses() if g.username == username]


def test_the_finder_sends_a_known_id_to_its_form_and_explains_an_unknown_one(office: Office) -> None:
    with office.client(OTHER) as browser:
        page = browser.get("/open-referral")
        assert page.status_code == 200 and "Open a referral you are not allocated to" in page.text
        token = form_token(page.text)
        found = browser.post("/open-referral", data={"csrf_token": token, "referral": f" {REFERRAL.lower()} "})
        assert found.status_code == 303 and found.headers["location"] == f"/open-referral/{REFERRAL}"
        for typed in ("", "REF-2026-123456", "Amara Okafor-Reid"):
            answer = browser.post("/open-referral", data={"csrf_token": token, "referral": typed})
            assert answer.status_code == 400 and "There is a problem" in answer.text
        form = browser.get(f"/open-referral/{REFERRAL}")
    assert "will review" in form.text and "govuk-warning-text" in form.text and "2 hours" in form.text
    assert 'name="reason"' in form.text and 'value="immediate_risk"' in form.text and 'name="note"' in form.text
    no_personal_data_shown(office)


def test_a_reason_and_a_note_are_required(office: Office) -> None:
    with office.client(OTHER) as browser:
        token = form_token(browser.get(f"/open-referral/{REFERRAL}").text)
        for data in ({"note": NOTE}, {"reason": "immediate_risk", "note": "now"}, {"reason": "bored", "note": NOTE}):
            answer = browser.post(f"/open-referral/{REFERRAL}", data={"csrf_token": token, **data})
            assert answer.status_code == 400 and "There is a problem" in answer.text
        no_token = browser.post(f"/open-referral/{REFERRAL}", data={"reason": "immediate_risk", "note": NOTE})
        assert no_token.status_code == 403
    assert glasses(office, OTHER) == []


def test_an_older_sign_in_must_prove_itself_again_and_a_wrong_password_opens_nothing(office: Office) -> None:
    with office.client(OTHER) as browser:
        authenticated_minutes_ago(office, browser, 10)
        page = browser.get(f"/open-referral/{REFERRAL}")
        assert "Confirm it is you" in page.text and 'name="password"' in page.text
        token = form_token(page.text)
        data = {"csrf_token": token, "reason": "immediate_risk", "note": NOTE}
        missing = browser.post(f"/open-referral/{REFERRAL}", data=data)
        assert missing.status_code == 400 and "Enter your password" in missing.text
        wrong = browser.post(f"/open-referral/{REFERRAL}", data={**data, "password": "not my password at all"})
        assert wrong.status_code == 400 and "There is a problem" in wrong.text
    assert glasses(office, OTHER) == []
    refused = office.store.audit_trail(action="session.refuse")
    assert [e for e in refused if OTHER in e.object_id]


def test_break_glass_is_granted_audited_emailed_and_opens_the_history(office: Office) -> None:
    with office.client(OTHER) as browser:
        authenticated_minutes_ago(office, browser, 10)
        token = form_token(browser.get(f"/open-referral/{REFERRAL}").text)
        data = {"csrf_token": token, "reason": "immediate_risk", "note": f"  {NOTE}  ", "password": PASSWORD}
        answer = browser.post(f"/open-referral/{REFERRAL}", data=data)
        assert answer.status_code == 303 and answer.headers["location"] == f"/referrals/{REFERRAL}"
        again = browser.get(f"/open-referral/{REFERRAL}")  # while it lasts, the form says it is open
        assert "is open until" in again.text and 'name="note"' not in again.text
    [number] = glasses(office, OTHER)
    glass = office.store.break_glass(number)
    assert (glass.referral_id, glass.reason, glass.review) == (REFERRAL, "immediate_risk", "pending")
    assert office.store.break_glass_note(number, actor="service:test", purpose="test") == NOTE
    [event] = office.store.audit_trail(action="access.break_glass", actor=f"user:{OTHER}")
    assert event.basis == f"break-glass:{number}" and event.referral_id == REFERRAL
    assert [e for e in office.mail.envelopes if f"{number}" in str(e.content)]  # IG and managers were told
    # the referral's history is now open to jo.other, on the basis of this break-glass
    settings = office.served.settings
    jo = SignedIn(
        settings, office.store, load_access_config(settings), Principal(OTHER, "practitioner", "password", frozenset())
    )
    assert jo.decision(Permission.HISTORY_READ, REFERRAL).basis == f"break-glass:{number}"
    no_personal_data_shown(office)


def test_the_allocated_person_and_ig_are_not_offered_break_glass(office: Office) -> None:
    with office.client(PRACTITIONER) as browser:
        page = browser.get(f"/open-referral/{REFERRAL}")
        assert "you do not need break-glass" in page.text and 'name="note"' not in page.text
    with office.client(IG) as browser:
        assert browser.get("/open-referral").status_code == 403


def test_the_refusal_of_a_referral_not_allocated_offers_break_glass(office: Office) -> None:
    with office.client(OTHER) as browser:
        refused = browser.get("/referrals/REF-2026-000501")  # sam.patel's
    assert refused.status_code == 403 and 'href="/open-referral/REF-2026-000501"' in refused.text
    assert "hub access break-glass" not in refused.text and "open it below" in refused.text  # the browser's words
    with office.client(IG) as browser:
        assert "/open-referral/" not in browser.get("/referrals/REF-2026-000501").text  # IG cannot break the glass


def _totp_colleague(office: Office, username: str) -> str:
    """A practitioner not allocated to REFERRAL, whose account has an authenticator app; its secret."""
    secret = add_staff(office.store, username, "practitioner", totp=True)
    assert secret is not None
    return secret


def _code(secret: str, seconds_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=seconds_ahead))


def test_an_account_with_a_code_confirms_it_on_a_page_of_its_own_then_the_access_opens(office: Office) -> None:
    secret = _totp_colleague(office, "tia.totp")
    with httpx.Client(base_url=office.served.url, follow_redirects=False, timeout=30) as browser:
        assert sign_in(browser, "tia.totp", code=_code(secret)).status_code == 303
        authenticated_minutes_ago(office, browser, 10)
        page = browser.get(f"/open-referral/{REFERRAL}")
        assert 'name="password"' in page.text and 'name="code"' not in page.text  # the code comes second
        token = form_token(page.text)
        data = {"csrf_token": token, "reason": "immediate_risk", "note": NOTE, "password": PASSWORD}
        step = browser.post(f"/open-referral/{REFERRAL}", data=data)
        assert step.status_code == 200 and "Enter the code from your authenticator app" in step.text
        assert f'action="/open-referral/{REFERRAL}/code"' in step.text and 'autocomplete="one-time-code"' in step.text
        assert glasses(office, "tia.totp") == []  # a right password alone opens nothing
        code_data = {"csrf_token": token, "reason": "immediate_risk", "note": NOTE}
        wrong = browser.post(f"/open-referral/{REFERRAL}/code", data={**code_data, "code": "000000"})
        assert wrong.status_code == 400 and "The code is not right" in wrong.text
        assert glasses(office, "tia.totp") == []
        # the sign-in's code cannot be used again: the next one (30 seconds on) can
        used = browser.post(f"/open-referral/{REFERRAL}/code", data={**code_data, "code": _code(secret)})
        assert used.status_code == 400 and "The code is not right" in used.text
        opened = browser.post(f"/open-referral/{REFERRAL}/code", data={**code_data, "code": _code(secret, 30)})
        assert opened.status_code == 303 and opened.headers["location"] == f"/referrals/{REFERRAL}"
        assert "hub-pending" not in browser.cookies
    [number] = glasses(office, "tia.totp")
    assert office.store.break_glass_note(number, actor="service:test", purpose="test") == NOTE
    refused = [e for e in office.store.audit_trail(action="session.refuse") if e.object_id == "tia.totp"]
    assert len(refused) == 2 and all(e.actor == "unverified:web" for e in refused)
    no_personal_data_shown(office)


def test_a_code_step_belongs_to_the_session_that_gave_the_password(office: Office) -> None:
    secret = _totp_colleague(office, "tom.totp")
    with httpx.Client(base_url=office.served.url, follow_redirects=False, timeout=30) as browser:
        assert sign_in(browser, "tom.totp", code=_code(secret)).status_code == 303
        authenticated_minutes_ago(office, browser, 10)
        token = form_token(browser.get(f"/open-referral/{REFERRAL}").text)
        data = {"csrf_token": token, "reason": "immediate_risk", "note": NOTE}
        browser.post(f"/open-referral/{REFERRAL}", data={**data, "password": PASSWORD})
        pending = browser.cookies["hub-pending"]
    before = glasses(office, OTHER)
    with office.client(OTHER) as someone_else:  # another person's session, with the pending sign-in's cookie
        authenticated_minutes_ago(office, someone_else, 10)
        someone_else.cookies.set("hub-pending", pending)
        their_token = form_token(someone_else.get(f"/open-referral/{REFERRAL}").text)
        answer = someone_else.post(
            f"/open-referral/{REFERRAL}/code",
            data={**data, "csrf_token": their_token, "code": _code(secret, 30)},
        )
        assert answer.status_code == 400 and "Start again" in answer.text
    assert glasses(office, "tom.totp") == [] and glasses(office, OTHER) == before
