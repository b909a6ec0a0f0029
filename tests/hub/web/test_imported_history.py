"""Imported past referrals in the web application: history, not live work. No inbox, allocation list, team
caseload or decision queue shows them; the referral page, opened by someone allocated to one, says plainly that
the hub did not check the agencies for it, instead of any check state or anything that reads as "no record"."""

from __future__ import annotations

import os
import re
from pathlib import Path

from hub.checks.history import IMPORT_PURPOSE
from hub.chronology.check_states import IMPORTED_HISTORY
from schemas import ChecksStage, Referral
from tests.hub.builders import example_referral
from tests.hub.web.conftest import (
    MANAGER,
    MY_REFERRAL,
    OTHERS_REFERRAL,
    PRACTITIONER,
    Served,
    served,
    sign_in,
    web_assets,
)

__all__ = ["served", "web_assets"]  # the served application's fixtures

PAST = "REF-2025-000123"


def import_one(served: Served) -> None:
    """One past referral stored as `hub referral import-history` stores it, allocated to the practitioner."""
    document = {
        **example_referral().model_dump(mode="json"),
        "referral_id": PAST,
        "received_at": "2025-03-04T10:00:00Z",
    }
    referral = Referral.model_validate(document)
    served.store.save_referral(referral, actor="user:max.manager", purpose=IMPORT_PURPOSE)
    served.store.mark_checks(PAST, ChecksStage.IMPORTED)
    served.store.allocate(PAST, PRACTITIONER, actor="service:test-setup", purpose="test allocation")


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_an_imported_referral_is_in_no_list_of_live_work(served: Served) -> None:
    import_one(served)
    with served.client() as client:
        sign_in(client, PRACTITIONER)
        inbox = client.get("/referrals")
        assert inbox.status_code == 200 and MY_REFERRAL in inbox.text and PAST not in inbox.text
    with served.client() as client:
        sign_in(client, MANAGER)
        for path in ("/allocation", "/team", "/decisions", "/referrals?all=1"):
            page = client.get(path)
            assert page.status_code == 200, (path, page.text[-500:])
            assert PAST not in page.text, path
        assert OTHERS_REFERRAL in client.get("/allocation").text


def test_the_referral_page_says_the_agencies_were_not_checked(served: Served) -> None:
    import_one(served)
    with served.client() as client:
        sign_in(client, PRACTITIONER)
        page = client.get(f"/referrals/{PAST}")
        assert page.status_code == 200, page.text[-1000:]
        said = words(page.text)
        assert IMPORTED_HISTORY in said
        assert "has not been asked" not in said and "have not started" not in said
        assert "Not asked" not in said  # no grid of check states for checks never made
        assert "Not an all-clear The hub did not check the agencies for this imported referral" in said
        assert "not answered" not in said
        assert "no record" not in said.lower()
        # No decision came with it: no target clock, no form, and a decision posted anyway is refused, unstored.
        assert "no decision came with this referral" in said and "Target missed" not in said
        assert f'action="/referrals/{PAST}/decision"' not in page.text
        token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text)
        assert token
        rationale = "Police attended a domestic incident with the child present; strategy discussion needed now."
        form = {"csrf_token": token.group(1), "outcome": "s47_strategy_discussion", "level": "4"}
        form["rationale"] = rationale
        posted = client.post(f"/referrals/{PAST}/decision", data=form)
        assert posted.status_code in (303, 400, 409), posted.status_code
        assert "imported history" in words(client.get(f"/referrals/{PAST}").text).lower()
        if os.environ.get("HUB_SCREENSHOTS"):
            Path(os.environ["HUB_SCREENSHOTS"]).joinpath("imported-referral.html").write_text(page.text, "utf-8")
    assert served.store.decision_listing([PAST]) == []
