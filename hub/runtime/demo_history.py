"""The demo's past year: a small generated 2025 imported as history, so its insight pages have a year to show.

A council going live imports last year's referrals from its old system (`hub referral import-history`);
the demo does the same with a synthetic year from `hub sandbox referrals` (scale 5: about a hundred
referrals, a couple of seconds to generate and a few to import), its decisions from the generator's
manifest, and the year's schools register. It runs in a thread while Airflow starts, so the demo takes
no longer. The referrals are history: no inbox, allocation list or caseload shows them.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from rich.console import Console

from hub.access.guard import SignedIn, as_principal
from hub.access.permissions import Permission
from hub.access.principal import Principal
from hub.checks.history import IMPORT_PURPOSE, import_history
from hub.insight.reports import PURPOSE as INSIGHT_PURPOSE
from hub.insight.schools_register import read_register
from hub.runtime.sandboxes import open_population
from hub.settings import HubSettings

PAST_YEAR = 2025
PAST_SCALE = 5.0
PAST_SEED = 2025
DEMO_MANAGER = "demo.manager"


def past_year_dir(settings: HubSettings) -> Path:
    return settings.home / f"past-referrals-{PAST_YEAR}"


def load_past_year(settings: HubSettings, console: Console) -> int:
    """Generate the past year (once per `$HUB_HOME`), import it with its decisions as the demo's manager, and load
    its schools register; how many referrals the hub now holds from it."""
    from sandbox.referrals.writer import check_request, write_year
    from sandbox.world.default import DEFAULT_PEOPLE, DEFAULT_SEED

    folder = past_year_dir(settings)
    if not (folder / "manifest.csv").exists():
        dataset = open_population(settings, None, people=DEFAULT_PEOPLE, seed=DEFAULT_SEED, console=console)
        write_year(dataset, check_request(PAST_YEAR, PAST_SEED, PAST_SCALE), folder, force=True)
    manager = _manager(settings)
    with manager.permit(Permission.REFERRAL_IMPORT_HISTORY, purpose=IMPORT_PURPOSE):
        report = import_history(settings, manager.store, folder, folder / "manifest.csv", actor=manager.actor)
    with manager.permit(Permission.REFERRAL_INSIGHT, purpose=INSIGHT_PURPOSE):
        manager.store.replace_school_register(read_register(folder / "schools.csv"))
    return report.stored + report.skipped


def _manager(settings: HubSettings) -> SignedIn:
    from hub.store.home import open_store

    return as_principal(settings, open_store(settings), Principal(DEMO_MANAGER, "manager", "password"))


class PastYearLoading:
    """`load_past_year` in a thread: started before Airflow, awaited once it is ready."""

    def __init__(self, settings: HubSettings, console: Console) -> None:
        self._settings, self._console = settings, console
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-past-year")
        self._loading: Future[int] | None = None

    def start(self) -> None:
        self._loading = self._pool.submit(load_past_year, self._settings, self._console)

    def wait(self) -> int:
        """How many past referrals were loaded; the loading's own error (a `UserError` says what) if it failed."""
        try:
            return 0 if self._loading is None else self._loading.result()
        finally:
            self._pool.shutdown()


def past_year_line(count: int, web_address: str | None) -> str:
    """The one line the demo prints about its past year."""
    period = f"from={PAST_YEAR}-01-01&to={PAST_YEAR}-12-31"
    where = (
        f"{web_address.rstrip('/')}/insight/referrers?{period}"
        if web_address
        else f"`hub insight referrers --from {PAST_YEAR}-01-01 --to {PAST_YEAR}-12-31` (as demo.manager)"
    )
    return (
        f"    Loaded {count} synthetic past referrals ({PAST_YEAR}, imported history: no agency was checked) "
        f"for the insight pages: {where}"
    )
