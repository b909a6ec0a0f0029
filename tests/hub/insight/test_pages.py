"""The insight pages through the served application: each report for a manager and IG, a practitioner
refused (audited), a bad period named in one line with nothing read, the CSV, and no personal data shown."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.audit import AuditAction
from hub.insight.reports import NAMES
from hub.store.tables import AuditEventRow
from tests.hub.web.conftest import IG, MANAGER, MARKER, PRACTITIONER, Served, served, sign_in, web_assets

__all__ = ["served", "web_assets"]  # the served application's fixtures


def _events(served: Served, username: str) -> list[tuple[str, str, str]]:
    query = select(AuditEventRow.action, AuditEventRow.object_id, AuditEventRow.outcome).where(
        AuditEventRow.actor.contains(username)
    )
    with served.store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]


@pytest.mark.parametrize("who", [MANAGER, IG])
def test_each_report_page_and_its_csv(served: Served, who: str) -> None:
    with served.client() as client:
        assert sign_in(client, who).status_code == 303
        assert client.get("/insight").headers["location"] == "/insight/referrers"
        for name in NAMES:
            page = client.get(f"/insight/{name}", params={"from": "2026-01-01", "to": "2026-12-31"})
            assert page.status_code == 200, (name, page.text[-500:])
            assert MARKER not in page.text
            assert 'aria-current="page"' in page.text and "style=" not in page.text
            assert re.search(r'<svg class="hub-chart__svg"[^>]*role="img"', page.text) or name in (
                "quality",
                "schools",
            )  # nothing assessed, no register here
            csv_file = client.get(f"/insight/{name}/csv", params={"from": "2026-01-01", "to": "2026-12-31"})
            assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
            assert "attachment" in csv_file.headers["content-disposition"] and MARKER not in csv_file.text
        referrers = client.get("/insight/referrers", params={"from": "2026-01-01", "to": "2026-12-31"}).text
        assert "2 referrals received" in referrers
        if os.environ.get("HUB_SCREENSHOTS"):
            Path(os.environ["HUB_SCREENSHOTS"]).joinpath(f"insight-{who}.html").write_text(referrers, "utf-8")


def test_a_bad_period_is_named_and_a_practitioner_is_refused(served: Served) -> None:
    with served.client() as client:
        sign_in(client, MANAGER)
        page = client.get("/insight/police", params={"from": "2026-13-01"})
        assert page.status_code == 400
        assert "From must be a date such as 2026-03-01" in page.text and 'href="#from"' in page.text
        backwards = client.get("/insight/police", params={"from": "2026-05-01", "to": "2026-04-01"})
        assert backwards.status_code == 400 and "To must be the same day as from or later" in backwards.text
        assert client.get("/insight/nonsense").status_code == 404
    with served.client() as client:
        sign_in(client, PRACTITIONER)
        refused = client.get("/insight/referrers")
        assert refused.status_code == 403 and "cannot see referrer insight" in refused.text
        assert client.get("/insight/referrers/csv").status_code == 403
    assert ("insight.report", "insight:police", "success") not in _events(served, MANAGER)  # nothing read
    assert _events(served, PRACTITIONER).count(("insight.report", "referral.insight", "denied")) == 2


def test_each_read_is_audited_once_naming_the_report(served: Served) -> None:
    with served.client() as client:
        sign_in(client, MANAGER)
        client.get("/insight/police")
        client.get("/insight/quality")
    events = _events(served, MANAGER)
    assert events.count((AuditAction.INSIGHT_REPORT.value, "insight:police", "success")) == 1
    assert events.count((AuditAction.QUALITY_REPORT.value, "referral_quality", "success")) == 1
