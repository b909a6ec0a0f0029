"""Referral quality per referrer: how many referrals each organisation made, their mean score, and the gaps
they most often leave, so the MASH can talk to the referrers who most need help (a school's safeguarding
lead, a police unit).

It reads the stored assessments' plain columns only (kind, organisation, score, the gaps' ids): no
referral's content and no person. Private referrers (family, the public) are counted by kind alone.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from hub.audit.csv_export import inert

PRIVATE_GROUP = "(private individuals, not named)"
COMMON_GAPS = 3
"""How many of a referrer's most common gaps the report shows."""


class Scored(Protocol):
    """A stored assessment as the report needs it (`hub.store.quality_records.QualitySummary`)."""

    @property
    def referrer_kind(self) -> str: ...
    @property
    def referrer_organisation(self) -> str | None: ...
    @property
    def score(self) -> int: ...
    @property
    def gap_ids(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class ReferrerQuality:
    referrer_kind: str
    organisation: str
    referrals: int
    mean_score: float
    common_gaps: tuple[tuple[str, int], ...]
    """(item id, how many of its referrals missed it), most common first, ties by id."""

    def gap_words(self, labels: Mapping[str, str]) -> str:
        """`Child's voice (7), Consent (5)`: labels from the checklist, an id no longer in it shown as it is."""
        return ", ".join(f"{labels.get(gap, gap)} ({count})" for gap, count in self.common_gaps) or "none"


def by_referrer(assessments: Iterable[Scored]) -> list[ReferrerQuality]:
    """One row per referrer kind and organisation, ordered by kind then organisation."""
    groups: dict[tuple[str, str], list[Scored]] = defaultdict(list)
    for assessment in assessments:
        groups[(assessment.referrer_kind, assessment.referrer_organisation or PRIVATE_GROUP)].append(assessment)
    rows = []
    for (kind, organisation), members in sorted(groups.items()):
        gaps = Counter(gap for member in members for gap in member.gap_ids)
        common = sorted(gaps.items(), key=lambda item: (-item[1], item[0]))[:COMMON_GAPS]
        mean = round(sum(member.score for member in members) / len(members), 1)
        rows.append(ReferrerQuality(kind, organisation, len(members), mean, tuple(common)))
    return rows


def as_csv(rows: Iterable[ReferrerQuality], labels: Mapping[str, str]) -> str:
    """The report for a spreadsheet; common gaps as `label (count)` separated by semicolons.

    An organisation is typed by a referrer, so it is written inert (`hub.audit.csv_export.inert`): a
    spreadsheet never runs it as a formula.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["referrer_type", "organisation", "referrals", "mean_score", "common_gaps"])
    for row in rows:
        gaps = "; ".join(f"{labels.get(gap, gap)} ({count})" for gap, count in row.common_gaps)
        writer.writerow([row.referrer_kind, inert(row.organisation), row.referrals, row.mean_score, gaps])
    return out.getvalue()
