"""A referral page whose record cannot be read: a plain GOV.UK error page with its one line, nothing leaked.

The wrapped data key of the practitioner's referral is altered in the database the served hub uses, as
someone with the database alone could; the page then says which record and why, the log says only that
it happened (and the request id), and the failed read is in the audit trail.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from fastapi.testclient import TestClient

from hub.audit import AuditAction
from hub.settings import HubSettings
from hub.store.errors import Unreadability
from hub.store.home import open_store
from hub.store.keys import referral_key_id
from hub.store.unreadable import Failure, SealedRecord, unreadable
from hub.web.api.app import create_api
from tests.hub.web.conftest import MARKER, MY_REFERRAL, PRACTITIONER, Served, sign_in


def test_an_altered_key_shows_a_plain_error_page_and_is_audited(served: Served) -> None:
    database = served.settings.home / "hub.db"
    with closing(sqlite3.connect(database)) as connection, connection:
        [(wrapped,)] = connection.execute(
            "SELECT wrapped_key FROM data_keys WHERE key_id = ?", (referral_key_id(MY_REFERRAL),)
        ).fetchall()
        flipped = bytes([wrapped[0] ^ 0x01]) + wrapped[1:]
        connection.execute(
            "UPDATE data_keys SET wrapped_key = ? WHERE key_id = ?", (flipped, referral_key_id(MY_REFERRAL))
        )
    with served.client() as client:
        assert sign_in(client, PRACTITIONER).status_code == 303
        page = client.get(f"/referrals/{MY_REFERRAL}")
    assert page.status_code == 500
    text = " ".join(page.text.split())
    assert "This record cannot be shown" in text
    assert f"the referral {MY_REFERRAL} cannot be read (tampered)" in text
    assert "information governance" in text and "Reference:" in text
    assert MARKER not in page.text and "Traceback" not in page.text
    logged = "\n".join(served.log)
    assert "unreadable record (tampered)" in logged
    assert MARKER not in logged and MY_REFERRAL not in logged
    [event] = served.store.audit_trail(action=AuditAction.RECORD_UNREADABLE)
    assert (event.actor, event.object_id, event.outcome) == (
        f"user:{PRACTITIONER}",
        f"referral:{MY_REFERRAL}",
        "tampered",
    )


def test_the_api_answers_an_unreadable_record_as_a_json_refusal(hub_home: Path) -> None:
    """No API route reads a sealed record today; one that does gets this answer, not the last resort's 500."""
    settings = HubSettings.from_env()
    store = open_store(settings)
    api = create_api(settings, store)

    def shredded() -> None:
        raise unreadable(SealedRecord.referral("REF-2026-000001"), Failure(Unreadability.KEY_SHREDDED, "gone"))

    api.add_api_route("/shredded", shredded)
    try:
        answer = TestClient(api, raise_server_exceptions=False).get("/shredded")
    finally:
        store.close()
    assert answer.status_code == 410
    assert list(answer.json()) == ["detail"]
    assert answer.json()["detail"].startswith("the referral REF-2026-000001 cannot be read (key shredded): gone;")
