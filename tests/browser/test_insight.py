"""Referrer insight in the browser: a manager opens the reports on a generated past year, changes the period
(by week, then a backwards one named in the error summary), moves between reports keeping it, and downloads a
CSV; every page checked (screenshot, axe-core, CSP) by `Browsing.check`, at 1280 and 390 pixels wide."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from hub.settings import HubSettings
from hub.store import HubStore
from hub.web.assets import Assets
from tests.browser.conftest import OpenPage, Server, served_for_browsers
from tests.hub.insight.year import generate_year, manifest, store_year
from tests.hub.web.conftest import MANAGER, seed

pytestmark = pytest.mark.browser
YEAR = 2025


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_year(tmp_path_factory.mktemp("insight") / "referrals", year=YEAR, scale=3)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, web_assets: Assets, year: Path) -> Iterator[Server]:
    """The web tests' staff, and the year's referrals stored, assessed, decided, its schools registered."""

    def with_year(store: HubStore) -> None:
        store_year(store, HubSettings.from_env(), year)

    yield from served_for_browsers(tmp_path_factory, web_assets, seed, with_year)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_manager_reads_the_year_changes_the_period_and_downloads_a_csv(
    open_page: OpenPage, year: Path, width: int, tmp_path: Path
) -> None:
    manager = open_page()
    manager.page.set_viewport_size({"width": width, "height": 900})
    manager.sign_in(MANAGER)
    page = manager.page
    if width >= 1000:
        page.get_by_role("link", name="Insight").first.click()
        manager.check(f"insight-default-{width}")
    else:  # the service navigation is behind its Menu button on a phone
        manager.goto("/insight", f"insight-default-{width}")
    expect(page.get_by_role("heading", name="Referrals by referrer", level=1)).to_be_visible()

    page.get_by_label("From", exact=True).fill(f"{YEAR}-01-01")
    page.get_by_label("To", exact=True).fill(f"{YEAR}-12-31")
    page.get_by_role("button", name="Show").click()
    manager.check(f"insight-referrers-{width}")
    total = len(manifest(year))
    expect(page.get_by_text(f"{total} referrals received from 1 January {YEAR} to 31 December {YEAR}.")).to_be_visible()
    chart = page.get_by_role("img", name="Referrals per month by referrer type")
    expect(chart).to_be_visible()
    ticks = page.locator(".hub-chart__label[text-anchor='end']").evaluate_all(
        "labels => labels.map(label => label.textContent)"
    )
    assert ticks and all(text.isdigit() for text in ticks), ticks
    fonts = page.evaluate(
        "() => [document.querySelector('.hub-chart__label'), document.querySelector('h1')]"
        ".map(element => getComputedStyle(element).fontFamily)"
    )
    assert fonts[0] == fonts[1], fonts  # the chart's labels in the page's own font, not the browser's serif

    page.get_by_label("By", exact=True).select_option("week")
    page.get_by_role("button", name="Show").click()
    manager.check(f"insight-weeks-{width}")
    expect(page.get_by_role("img", name="Referrals per week by referrer type")).to_be_visible()

    page.get_by_role("link", name="Police and re-referrals").click()
    manager.check(f"insight-police-{width}")
    expect(page.get_by_label("From", exact=True)).to_have_value(f"{YEAR}-01-01")
    expect(page.get_by_label("By", exact=True)).to_have_value("week")

    page.get_by_label("To", exact=True).fill(f"{YEAR - 1}-12-31")
    page.get_by_role("button", name="Show").click()
    manager.check(f"insight-backwards-{width}")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("To must be the same day as from or later")
    summary.get_by_role("link").click()
    expect(page.get_by_label("To", exact=True)).to_be_focused()

    page.get_by_label("To", exact=True).fill(f"{YEAR}-12-31")
    page.get_by_label("By", exact=True).select_option("month")
    page.get_by_role("button", name="Show").click()
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download this report as CSV").click()
    download = downloading.value
    assert download.suggested_filename == f"insight-police-{YEAR}-01-01-to-{YEAR}-12-31.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("period_start,police_referrals") and len(lines) == 13, lines[:3]


def test_the_period_fields_and_by_line_up(open_page: OpenPage) -> None:
    """The "By" select sits on the same line as the date fields, its label and its box level with theirs."""
    manager = open_page()
    manager.sign_in(MANAGER)
    manager.goto(f"/insight/schools?from={YEAR}-01-01&to={YEAR}-12-31", "insight-schools")
    labels = [manager.page.locator(f"label[for={field}]").bounding_box() for field in ("from", "to", "step")]
    assert len({round(box["y"]) for box in labels if box}) == 1, labels
    boxes = [manager.page.locator(selector).bounding_box() for selector in ("#from", "#to", "#step")]
    assert all(box is not None for box in boxes)
    tops = {round(box["y"]) for box in boxes if box}
    bottoms = {round(box["y"] + box["height"]) for box in boxes if box}
    assert len(tops) == 1 and len(bottoms) == 1, boxes
