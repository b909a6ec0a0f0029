"""Identity review in the browser: the queue I may decide, both records side by side, and the decision.

A decision must be the CLI's (`hub review confirm|reject`): the same store call, audited as
`link_review.decide` by the person, the reason sealed, the history assembled again. Bad input stores
nothing, a form without its token is refused, and someone not allocated is refused and audited.
"""

from __future__ import annotations

import re

from tests.hub.web.conftest import IG, OTHER, PRACTITIONER, form_token
from tests.hub.web.staff_work import Office, no_personal_data_shown, office, pending_review

__all__ = ["office"]

CANDIDATE_BIRTH_DATE = "14 Apr 2015"  # police P-5, one digit from the child's


def decisions(office: Office, review_id: int) -> list[str]:
    return [
        f"{event.actor} {event.outcome}"
        for event in office.store.audit_trail(action="link_review.decide")
        if event.object_id == f"review/{review_id}"
    ]


def test_the_list_holds_only_reviews_i_may_decide_oldest_first(office: Office) -> None:
    mine = [pending_review(office.store, ref) for ref in ("REF-2026-000417", "REF-2026-000418")]
    theirs = pending_review(office.store, "REF-2026-000999")
    with office.client(PRACTITIONER) as browser:
        page = browser.get("/reviews")
    assert page.status_code == 200
    listed = [int(n) for n in re.findall(r'href="/reviews/(\d+)"', page.text)]
    assert [n for n in listed if n in mine] == sorted(mine) and theirs not in listed
    assert "REF-2026-000417" in page.text and "Police record P-5" in page.text
    assert "Okafor-Reid" not in page.text  # the list is ids and the model's words only
    no_personal_data_shown(office)


def test_a_review_shows_both_records_side_by_side_and_its_read_is_audited(office: Office) -> None:
    number = pending_review(office.store, "REF-2026-000417")
    with office.client(PRACTITIONER) as browser:
        page = browser.get(f"/reviews/{number}")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Referral person S1" in text and "Police record P-5" in text
    assert text.count("Okafor-Reid") >= 2 and CANDIDATE_BIRTH_DATE in text and "14 Mar 2015" in text
    assert "birth date differs by one digit" in text and "the weight it adds (bits)" in text and "Match weight" in text
    assert 'name="decision"' in text and 'name="reason"' in text and 'name="csrf_token"' in text
    reads = [e for e in office.store.audit_trail(action="replies.read") if e.actor == f"user:{PRACTITIONER}"]
    assert any(e.object_id == "REF-2026-000417/police/S1" and e.purpose == "identity link review" for e in reads)
    no_personal_data_shown(office)


def test_no_choice_or_no_reason_gives_the_error_summary_and_stores_nothing(office: Office) -> None:
    number = pending_review(office.store, "REF-2026-000417")
    with office.client(PRACTITIONER) as browser:
        token = form_token(browser.get(f"/reviews/{number}").text)
        for data, message in (
            ({"reason": "Same child"}, "Select whether this record is the referral"),
            ({"decision": "confirm", "reason": "   "}, "Enter the reason for your decision"),
            ({"decision": "maybe", "reason": "x" * 3000}, "characters or fewer"),
        ):
            answer = browser.post(f"/reviews/{number}", data={"csrf_token": token, **data})
            assert answer.status_code == 400 and "There is a problem" in answer.text and message in answer.text
    assert office.store.link_review(number).decided_at is None and decisions(office, number) == []


def test_a_form_without_its_token_is_refused(office: Office) -> None:
    number = pending_review(office.store, "REF-2026-000417")
    with office.client(PRACTITIONER) as browser:
        answer = browser.post(f"/reviews/{number}", data={"decision": "confirm", "reason": "Same child"})
    assert answer.status_code == 403 and office.store.link_review(number).decided_at is None


def test_someone_not_allocated_cannot_decide_and_the_refusal_is_audited(office: Office) -> None:
    number = pending_review(office.store, "REF-2026-000417")  # sam.patel's
    with office.client(OTHER) as browser:
        token = form_token(browser.get("/reviews").text)
        assert browser.get(f"/reviews/{number}").status_code == 403
        answer = browser.post(f"/reviews/{number}", data={"csrf_token": token, "decision": "reject", "reason": "No"})
    assert answer.status_code == 403 and "not allocated" in answer.text
    assert office.store.link_review(number).decided_at is None
    denied = [e for e in office.store.audit_trail(referral_id="REF-2026-000417") if e.outcome == "denied"]
    assert [e for e in denied if e.actor == f"user:{OTHER}"]


def test_ig_cannot_decide_reviews(office: Office) -> None:
    with office.client(IG) as browser:
        assert browser.get("/reviews").status_code == 403
    assert any(e.actor == f"user:{IG}" and e.outcome == "denied" for e in office.store.audit_trail())


def test_a_decision_is_recorded_audited_and_then_shown_without_a_form(office: Office) -> None:
    number = pending_review(office.store, "REF-2026-000418")
    with office.client(PRACTITIONER) as browser:
        token = form_token(browser.get(f"/reviews/{number}").text)
        answer = browser.post(
            f"/reviews/{number}", data={"csrf_token": token, "decision": "reject", "reason": "  Another child.  "}
        )
        assert answer.status_code == 303 and answer.headers["location"] == f"/reviews?decided={number}"
        listed = browser.get(answer.headers["location"])
        assert "Decision recorded" in listed.text and f'href="/reviews/{number}"' not in listed.text
        shown = browser.get(f"/reviews/{number}")
    review = office.store.link_review(number)
    assert review.status.value == "rejected" and review.decided_by == f"user:{PRACTITIONER}"
    assert decisions(office, number) == [f"user:{PRACTITIONER} success"]
    assert f"rejected by user:{PRACTITIONER}" in shown.text and 'name="decision"' not in shown.text
    # the history was assembled again with the decision, as `hub review reject` does
    assert [e for e in office.store.audit_trail(action="chronology.write") if e.actor == f"user:{PRACTITIONER}"]
    no_personal_data_shown(office)
