"""A generated year of referrals (`hub sandbox referrals`) stored as the hub would hold it: each referral saved
and assessed, each decision recorded at the manifest's time, and the schools register loaded from the year's
`schools.csv`. Shared by the report tests, the browser test and the managers' screenshots."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from hub.insight.schools_register import read_register
from hub.quality.checklist import load_checklist
from hub.quality.records import record_assessment
from hub.settings import HubSettings
from hub.store import HubStore
from schemas import Referral
from tests.hub_here import run_hub_here

ACTOR = "cli:insight-test"


def generate_year(out: Path, *, year: int, scale: float, seed: int = 7) -> Path:
    """The year's files in `out` (made by the real command, in its own process)."""
    result = run_hub_here("sandbox", "referrals", "--year", str(year), "--out", str(out), "--scale", str(scale),
                     "--seed", str(seed), home=out.parent / "generator-home")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def manifest(year: Path) -> list[dict[str, str]]:
    with (year / "manifest.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def store_year(store: HubStore, settings: HubSettings, year: Path) -> int:
    """Save, assess and decide every referral in `year`, each decision stamped at the manifest's time (the
    store's clock is moved for it, as the decision's time is the clock's). How many referrals."""
    referrals = [Referral.model_validate_json(path.read_text("utf-8")) for path in sorted(year.glob("*.json"))]
    assert store.save_referrals(referrals, actor=ACTOR, purpose="test") == (len(referrals), 0)
    checklist = load_checklist(settings)
    for referral in referrals:
        record_assessment(store, referral, checklist, actor=ACTOR)
    clock = store._clock
    try:
        for row in manifest(year):
            decided_at = datetime.fromisoformat(row["decided_at"])
            store._clock = lambda moment=decided_at: moment  # type: ignore[misc]
            store.record_decision(
                row["referral_id"], outcome=row["outcome"], level=int(row["level"]), rationale="r" * 60,
                actor="user:practitioner", purpose="test",
            )  # fmt: skip
    finally:
        store._clock = clock
    store.replace_school_register(read_register(year / "schools.csv"))
    return len(referrals)
