"""Screenshots of the insight pages for docs/managers.md, on a generated past year (all synthetic).

Run it on purpose (it is not collected as a test): `.venv/bin/python -m pytest -q -p no:cacheprovider
tests/hub/insight/manager_screenshots.py` with Debian's Chromium at /usr/bin/chromium; `HUB_SCREENSHOTS`
picks the folder (default docs/images/managers). The helpers are the practitioners' screenshots' own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from hub.settings import HubSettings
from hub.store import HubStore
from hub.web.assets import Assets
from tests.browser.conftest import served_for_browsers
from tests.hub.insight.year import generate_year, store_year
from tests.hub.web.conftest import MANAGER, seed, web_assets
from tests.hub.web.practitioner_screenshots import optimise, shoot_between, signed_in

__all__ = ["web_assets"]
OUT = Path(os.environ.get("HUB_SCREENSHOTS", "docs/images/managers"))
PERIOD = "from=2025-01-01&to=2025-12-31"


def test_screenshots(tmp_path_factory: pytest.TempPathFactory, web_assets: Assets) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    year = generate_year(tmp_path_factory.mktemp("year") / "referrals", year=2025, scale=10)

    def with_year(store: HubStore) -> None:
        store_year(store, HubSettings.from_env(), year)

    for server in served_for_browsers(tmp_path_factory, web_assets, seed, with_year):
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = signed_in(browser, server.url, MANAGER)
            page.goto(f"{server.url}/insight/referrers?{PERIOD}")
            shoot_between(
                page, "insight-referrers", ".govuk-caption-l", "main h2.govuk-heading-s:nth-of-type(3)", folder=OUT
            )
            page.goto(f"{server.url}/insight/police?{PERIOD}")
            shoot_between(page, "insight-police", ".govuk-caption-l", "main table", folder=OUT)
            page.goto(f"{server.url}/insight/timeliness?{PERIOD}")
            shoot_between(page, "insight-timeliness", ".govuk-caption-l", "main table", folder=OUT)
            page.goto(f"{server.url}/insight/schools?{PERIOD}")
            shoot_between(
                page, "insight-schools", "main h2.govuk-heading-m", "main h2.govuk-heading-s:nth-of-type(2)", folder=OUT
            )
            browser.close()
        break
    optimise(OUT)
