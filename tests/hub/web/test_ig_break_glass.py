"""The break-glass queue in the browser: what a reviewer sees, decisions recorded and audited, a note
required for "not appropriate", and nobody reviewing their own break-glass."""

from __future__ import annotations

import re
from html import unescape

from tests.hub.web.conftest import IG, MANAGER, OTHER, form_token
from tests.hub.web.ig_fixtures import BG_DECIDE, BG_MANAGER, BG_READS, BREAK_GLASS_NOTE, IgServed, ig_served
from tests.hub.web.test_ig_search import signed_in

__all__ = ["ig_served"]


def section(html: str, number: int) -> str:
    return unescape(html.split(f'id="break-glass-{number}"')[1].split("</section>")[0])


def test_the_queue_shows_who_why_how_long_and_what_they_read(ig_served: IgServed) -> None:
    with signed_in(ig_served, MANAGER) as browser:
        page = browser.get("/break-glass")
    assert page.status_code == 200
    access = section(page.text, BG_READS)
    assert f"{OTHER} opened REF-2026-000417" in access and BREAK_GLASS_NOTE in access
    assert "A child may be at immediate risk of significant harm" in access and "(2 hours)" in access
    assert access.count("Read the referral") == 2
    assert 'action="/break-glass/1"' in access
    notes = ig_served.store.audit_trail(actor=f"user:{MANAGER}", action="referral.read")
    assert any(event.object_id == f"break-glass/{BG_READS}" for event in notes)  # reading the note is audited
    assert 'href="/audit?' not in access  # a manager does not search the trail


def test_a_decision_is_recorded_audited_and_listed(ig_served: IgServed) -> None:
    with signed_in(ig_served, IG) as browser:
        token = form_token(browser.get("/break-glass").text)
        note = "Not an emergency: the allocated worker was on duty."
        posted = browser.post(
            f"/break-glass/{BG_DECIDE}", data={"csrf_token": token, "decision": "inappropriate", "note": note}
        )
        assert posted.status_code == 303 and posted.headers["location"] == f"/break-glass?done={BG_DECIDE}"
        page = browser.get(posted.headers["location"])
    assert f"Break-glass access {BG_DECIDE} by {OTHER} recorded as not appropriate." in unescape(page.text)
    decided = unescape(page.text.split(f'id="decided-{BG_DECIDE}"')[1].split("</tr>")[0])
    assert "Not appropriate" in decided and IG in decided and note in decided
    assert f'id="break-glass-{BG_DECIDE}"' not in page.text
    glass = ig_served.store.break_glass(BG_DECIDE)
    assert glass.review == "inappropriate" and glass.reviewed_by == f"user:{IG}"
    (review,) = ig_served.store.audit_trail(action="access.review")
    assert (
        review.actor == f"user:{IG}" and review.object_id == str(BG_DECIDE) and review.purpose == "break-glass review"
    )
    with signed_in(ig_served, IG) as browser:
        again = browser.post(
            f"/break-glass/{BG_DECIDE}",
            data={"csrf_token": form_token(browser.get("/break-glass").text), "decision": "appropriate"},
        )
    assert again.status_code == 400 and "has already been reviewed" in again.text


def test_not_appropriate_needs_a_note_and_a_decision_is_required(ig_served: IgServed) -> None:
    with signed_in(ig_served, IG) as browser:
        token = form_token(browser.get("/break-glass").text)
        for data, field, message in (
            (
                {"decision": "inappropriate", "note": "  "},
                f"note-{BG_MANAGER}",
                "Say why the access was not appropriate",
            ),
            ({"note": "ok"}, f"decision-{BG_MANAGER}", "Choose whether the access was appropriate"),
        ):
            response = browser.post(f"/break-glass/{BG_MANAGER}", data={"csrf_token": token, **data})
            assert response.status_code == 400
            assert "govuk-error-summary" in response.text and message in response.text
            assert f'href="#{field}"' in response.text
    assert ig_served.store.break_glass(BG_MANAGER).review == "pending"


def test_nobody_reviews_their_own_break_glass(ig_served: IgServed) -> None:
    with signed_in(ig_served, MANAGER) as browser:
        page = browser.get("/break-glass")
        own = section(page.text, BG_MANAGER)
        assert "This is your own break-glass access" in own and "<form" not in own
        token = form_token(page.text)
        refused = browser.post(
            f"/break-glass/{BG_MANAGER}", data={"csrf_token": token, "decision": "appropriate", "note": "Fine."}
        )
    assert refused.status_code == 403
    assert "You cannot review your own break-glass access; ask a manager or IG officer." in unescape(refused.text)
    assert ig_served.store.break_glass(BG_MANAGER).review == "pending"
    denied = [e for e in ig_served.store.audit_trail(actor=f"user:{MANAGER}") if e.outcome == "denied"]
    assert any(e.object_id == str(BG_MANAGER) for e in denied)


def test_decisions_need_the_form_token(ig_served: IgServed) -> None:
    with signed_in(ig_served, IG) as browser:
        response = browser.post(f"/break-glass/{BG_MANAGER}", data={"decision": "appropriate", "note": "x"})
    assert response.status_code == 403 and re.search("out of date", response.text)
    assert ig_served.store.break_glass(BG_MANAGER).review == "pending"
