"""Browser tests: Debian's Chromium driven by Playwright against the web application served for real.

Why like this:
- Playwright's own browser download cannot be reached, so the tests launch Debian's `chromium`
  (`executable_path`) and install it with apt-get when it is missing: the README's test command needs nothing
  else, and `.ci/run` runs it on a clean machine.
- One browser per test process (pytest-playwright's session `browser`), one server per test module (uvicorn on
  a free loopback port, the same `serve` and `seed` as tests/hub/web), a fresh browser context per test.
- Every page a test looks at goes through `Browsing.check`: a full-page screenshot kept as an artifact
  (`$BROWSER_ARTIFACTS`, by default test-artifacts/browser/), axe-core's WCAG 2.2 AA rules with no serious or
  critical violation, error summary links that lead to their fields, no Content-Security-Policy violation in
  the console, and no uncaught script error.
  A failing test's report names its screenshots' folder.
- The cookies are the production ones (Secure, `__Host-`): Chromium keeps Secure cookies on http://127.0.0.1.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page
from playwright.sync_api import Error as PlaywrightError

from hub.settings import HubSettings
from hub.store import HubStore
from hub.web.app import create_app
from hub.web.assets import Assets
from tests.conftest import REPO_ROOT
from tests.hub.web.conftest import seed, serve, web_assets
from tests.staff import PASSWORD

__all__ = ["web_assets"]  # the npm install's packages, shared with tests/hub/web (axe-core comes from it)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS_ENV = "BROWSER_ARTIFACTS"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = ("serious", "critical")
_CSP_WORDS = ("Content Security Policy", "Content-Security-Policy")
_ARTIFACTS_KEY = pytest.StashKey[Path]()
_AUDITED: set[str] = set()
"""Pages (by address and markup) axe-core has passed in this test process."""
_FORM_TOKEN = re.compile(r"[0-9a-f]{64}")


def _quietly(*command: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, capture_output=True, text=True, env=environment, check=False)


def _install_chromium() -> str | None:
    """apt-get install chromium (apt-get update first if the package is unknown); None, or why it could not."""
    if os.geteuid() != 0:
        return f"Chromium is not at {CHROMIUM}, and installing it needs root: run `apt-get install -y chromium`."
    install = ("apt-get", "install", "-y", "-qq", "chromium")
    if _quietly(*install).returncode == 0:
        return None
    if _quietly("apt-get", "update", "-qq").returncode != 0:
        return "Chromium is not installed and apt-get cannot reach its package lists (no network?): install `chromium`."
    retried = _quietly(*install)
    if retried.returncode != 0:
        last = (retried.stderr.strip().splitlines() or ["no output"])[-1]
        return f"apt-get could not install chromium ({last}); install it, then run the tests again."
    return None


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed first if missing (once per machine, under a lock shared by test workers).

    Where it cannot be installed: a one-line failure under CI (the browser tests must run there), a skip on a
    developer's machine without root.
    """
    if not CHROMIUM.exists():
        lock = Path(tempfile.gettempdir()) / "hub-tests-chromium-install.lock"
        with lock.open("w") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            problem = None if CHROMIUM.exists() else _install_chromium()
        if problem:
            if os.environ.get("CI"):
                pytest.fail(problem, pytrace=False)
            pytest.skip(problem)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], chromium: Path) -> dict[str, Any]:
    """pytest-playwright's launch options, pointed at Debian's Chromium (never Playwright's own download)."""
    return {**browser_type_launch_args, "executable_path": str(chromium)}


@dataclass
class Server:
    url: str
    store: HubStore
    settings: HubSettings


def served_for_browsers(
    tmp_path_factory: pytest.TempPathFactory, web_assets: Assets, *seeders: Callable[[HubStore], None]
) -> Iterator[Server]:
    """The application in a `$HUB_HOME` of its own, after each seeder has filled its store, until closed."""
    home = tmp_path_factory.mktemp("browser") / "hub-home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUB_HOME", str(home))
        patch.delenv("HUB_DATABASE_URL", raising=False)
        settings = HubSettings.from_env()
        app = create_app(settings, assets=web_assets)  # production cookies: Secure, __Host-, SameSite=Strict
        store: HubStore = app.state.store
        for seeder in seeders:
            seeder(store)
        try:
            for url in serve(app):
                yield Server(url, store, settings)
        finally:
            store.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, web_assets: Assets) -> Iterator[Server]:
    """The application for one module's tests, with tests/hub/web's staff and two referrals (a module may
    override this fixture to serve other seeds, or another suite's served hub)."""
    yield from served_for_browsers(tmp_path_factory, web_assets, seed)


def artifacts_root() -> Path:
    return Path(os.environ.get(ARTIFACTS_ENV) or REPO_ROOT / "test-artifacts" / "browser").absolute()


@dataclass
class Browsing:
    """A browser tab on the server, and the checks every page it shows must pass."""

    page: Page
    base_url: str
    folder: Path
    axe_source: str
    javascript: bool = True
    console: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    shots: int = 0

    def goto(self, path: str, name: str | None = None) -> None:
        """Open `path` and check the page (named after the path unless `name` is given)."""
        self.page.goto(self.base_url + path)
        self.check(name or path)

    def check(self, name: str) -> None:
        """The page now shown: a full-page screenshot, axe-core's WCAG 2.2 AA rules, and no CSP violation."""
        self.page.wait_for_load_state("load")
        self.shots += 1
        slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "page"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=self.folder / f"{self.shots:02d}-{slug}.png", full_page=True)
        if self.javascript:  # axe-core is JavaScript: it checks these pages in a tab with JavaScript on
            self.assert_accessible(name)
        self.assert_no_csp_violation()
        self.assert_error_links_lead_somewhere(name)
        assert not self.script_errors, "uncaught script errors (GOV.UK's scripts must start cleanly):\n" + "\n".join(
            self.script_errors
        )

    def assert_accessible(self, name: str) -> None:
        """axe-core in the page, evaluated rather than added as a script tag: the CSP refuses inline script.

        A page this test process has already audited (the same address and markup but for its form token: the
        sign-in form before every sign-in, say) is not audited again; axe-core takes about a second a page here.
        """
        seen = self.page.evaluate("() => [location.href, document.documentElement.outerHTML]")
        key = hashlib.sha256(_FORM_TOKEN.sub("", json.dumps(seen)).encode()).hexdigest()
        if key in _AUDITED:
            return
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.axe_source)
        result = self.page.evaluate(
            "tags => window.axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        if result["violations"]:  # every impact, kept beside the screenshot for whoever improves the page
            self.folder.mkdir(parents=True, exist_ok=True)
            lesser = [{key: v[key] for key in ("id", "impact", "help")} for v in result["violations"]]
            (self.folder / f"{self.shots:02d}-axe.json").write_text(json.dumps(lesser, indent=1), encoding="utf-8")
        blocking = [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        report = [
            f"{v['id']} ({v['impact']}): {v['help']}; at {[node['target'] for node in v['nodes']]}" for v in blocking
        ]
        assert not report, f"axe-core on {name} ({self.page.url}):\n" + "\n".join(report)
        _AUDITED.add(key)

    def assert_error_links_lead_somewhere(self, name: str) -> None:
        """Each error summary link names an element on the page (GOV.UK's summary moves focus to it): axe-core
        does not follow in-page links."""
        links = self.page.locator(".govuk-error-summary a[href^='#']")
        broken = []
        for number in range(links.count()):
            target = str(links.nth(number).get_attribute("href"))[1:]
            if self.page.locator(f"[id='{target}']").count() == 0:
                broken.append(f"{links.nth(number).inner_text()!r} links to #{target}, which is not on the page")
        assert not broken, f"error summary on {name}:\n" + "\n".join(broken)

    def assert_no_csp_violation(self) -> None:
        violations = [text for text in self.console if any(words in text for words in _CSP_WORDS)]
        assert not violations, "Content-Security-Policy violations in the console:\n" + "\n".join(violations)

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        """Through the sign-in form, as a person would (the form's own CSRF token and cookie)."""
        self.goto("/signin", "sign-in")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password", exact=True).fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state("load")


OpenPage = Callable[..., Browsing]


@pytest.fixture
def open_page(
    browser: Browser, server: Server, web_assets: Assets, request: pytest.FixtureRequest
) -> Generator[OpenPage, None, None]:
    """`open_page(javascript=True)`: a tab in a fresh browser context (its own cookies) on this module's server."""
    folder = artifacts_root() / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
    shutil.rmtree(folder, ignore_errors=True)
    request.node.stash[_ARTIFACTS_KEY] = folder
    axe_source = web_assets.axe.read_text(encoding="utf-8")
    contexts: list[BrowserContext] = []

    def open_one(*, javascript: bool = True) -> Browsing:
        context = browser.new_context(java_script_enabled=javascript)
        context.set_default_timeout(15_000)  # a missing element fails in seconds, not at pytest's timeout
        contexts.append(context)
        page = context.new_page()
        browsing = Browsing(page, server.url, folder / f"tab-{len(contexts)}", axe_source, javascript)

        def heard(message: ConsoleMessage) -> None:
            browsing.console.append(f"{message.type}: {message.text}")

        def failed(error: PlaywrightError) -> None:
            browsing.script_errors.append(f"{error.name}: {error.message}")

        page.on("console", heard)
        page.on("pageerror", failed)
        return browsing

    yield open_one
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """A failing browser test's report says where its screenshots are."""
    report = yield
    folder = item.stash.get(_ARTIFACTS_KEY, None)
    if report.failed and folder is not None:
        report.sections.append(("browser artifacts", f"Screenshots of every page this test visited: {folder}"))
    return report
