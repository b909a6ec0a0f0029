"""The subject access report as IG opens it: Debian's Chromium on the HTML file `hub sar export` writes.

The report is a file, not a page the web application serves, so the tab opens it from disk. It gets the
checks every page gets (a screenshot kept as an artifact, axe-core's WCAG 2.2 AA rules), and then what an IG
officer relies on: every third party's value visibly highlighted, each with its tag, nothing wider than the
window, and on paper a cover page of its own with each referral from a new page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser

from hub.crypto import LocalKeyProvider
from hub.sar.gather import gather
from hub.sar.processing import Setting
from hub.sar.report import render_html
from hub.sar.request import parse_request
from hub.store import HubStore
from hub.web.assets import Assets
from tests.browser.conftest import Browsing, artifacts_root
from tests.hub.sar.household import AMARA_NHS, store_household

pytestmark = pytest.mark.browser


@pytest.fixture
def report(tmp_path: Path) -> Iterator[Path]:
    store = HubStore(f"sqlite:///{tmp_path / 'hub.db'}", LocalKeyProvider(tmp_path / "keys" / "kek.bin"))
    store.create_schema()
    store_household(store)
    bundle = gather(store, parse_request(AMARA_NHS, [], [], actor="user:test.ig", now=datetime.now(UTC)), Setting())
    store.close()
    path = tmp_path / "reports" / f"{bundle.request_id}.html"
    path.parent.mkdir()
    path.write_text(render_html(bundle, ZoneInfo("Europe/London")), encoding="utf-8")
    yield path


def test_the_report_reads_well_with_every_third_party_value_highlighted(
    browser: Browser, web_assets: Assets, report: Path, request: pytest.FixtureRequest
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        folder = artifacts_root() / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        tab = Browsing(context.new_page(), report.parent.as_uri(), folder, web_assets.axe.read_text(encoding="utf-8"))
        tab.goto(f"/{report.name}", "subject-access-report")
        page = tab.page
        highlighted = page.eval_on_selector_all(
            ".value--redact", "els => els.map(e => getComputedStyle(e).backgroundColor)"
        )
        assert len(highlighted) > 10 and set(highlighted) == {"rgb(255, 221, 0)"}  # GOV.UK's focus yellow
        tags = page.locator(".tag--redact")
        assert tags.count() > 10 and tags.first.is_visible()
        assert tags.first.inner_text().startswith("Redact: third party (")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert page.get_by_role("heading", name=re.compile(r"^Subject access request SAR-")).is_visible()
        page.emulate_media(media="print")
        breaks = page.eval_on_selector_all(
            ".cover, .referral",
            "els => els.map(e => [e.className, getComputedStyle(e).breakBefore, getComputedStyle(e).breakAfter])",
        )
        assert breaks[0] == ["cover", "auto", "page"]
        assert [rest[1] for rest in breaks[1:]] == ["page", "page"]
        page.screenshot(path=folder / "print.png", full_page=True)
    finally:
        context.close()
