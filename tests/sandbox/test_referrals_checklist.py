"""Generated referrals and the hub's quality checklist agree: what the manifest calls a gap, the checklist finds.

The generator never reads `config/referral_quality.yaml` or imports `hub.quality`; this test holds the two
together, so that reports of quality per referrer, tested on a generated year, measure what the generator meant.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean

import pytest

from hub.intake.reader import read_referral
from hub.quality.assessment import assess
from hub.quality.checklist import read_checklist
from sandbox.population.dataset import Dataset
from sandbox.referrals.quality import Part
from sandbox.referrals.writer import check_request, write_year

CHECKLIST = Path(__file__).resolve().parents[2] / "config" / "referral_quality.yaml"


@pytest.fixture(scope="module")
def assessed(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict[str, str], set[str], int]]:
    """(manifest row, the checklist's gaps, the checklist's score) for every referral of a year."""
    out = tmp_path_factory.mktemp("checklist") / "year"
    after = datetime(2026, 1, 1, tzinfo=UTC)
    write_year(dataset, check_request(2025, 11, 25.0), out, now=after)
    checklist = read_checklist(CHECKLIST)
    with (out / "manifest.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    found = []
    for row in rows:
        assessment = assess(read_referral(out / f"{row['referral_id']}.json", now=after), checklist)
        found.append((row, set(assessment.gap_ids), assessment.score))
    return found


def test_the_parts_are_the_checklists_items() -> None:
    assert {item.id for item in read_checklist(CHECKLIST).items} == {part.value for part in Part}


def test_the_checklist_finds_exactly_the_gaps_the_manifest_records(
    assessed: list[tuple[dict[str, str], set[str], int]],
) -> None:
    differing = [
        (row["referral_id"], sorted(gaps ^ set(filter(None, row["gaps"].split(";")))))
        for row, gaps, _score in assessed
        if gaps != set(filter(None, row["gaps"].split(";")))
    ]
    assert len(assessed) > 400
    assert differing == []


def test_scores_fall_from_thorough_to_poor_referrers(assessed: list[tuple[dict[str, str], set[str], int]]) -> None:
    scores: dict[str, list[int]] = defaultdict(list)
    for row, _gaps, score in assessed:
        scores[row["quality_profile"]].append(score)
    means = [mean(scores[name]) for name in ("thorough", "good", "mixed", "brief", "poor") if len(scores[name]) >= 15]
    assert len(means) >= 4 and means == sorted(means, reverse=True)
    assert means[0] >= 85 and means[-1] <= 40
