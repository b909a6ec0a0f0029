"""What learning from practitioners' decisions would change, for a manager to read, or as JSON.

Per agency: decisions so far, and how the current model and thresholds, then the learnt ones, judge
them: agreed with the practitioner without asking, sent to review again, would-be false links
(rejected pairs it would link) and would-be misses (confirmed pairs below review). Only counts,
thresholds and parameters: never a name, date or identifier.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from hub.linkage.learning import AgencyLearning, Figures
from hub.linkage.settings import Thresholds

SHOWN_M_CHANGES = 6
"""The largest changes of m shown per agency in the table (all are in the JSON)."""


def report_document(agencies: Sequence[AgencyLearning], written: dict[str, str] | None = None) -> dict[str, Any]:
    """The figures as one JSON-ready document."""

    def side(figures: Figures, thresholds: Thresholds) -> dict[str, Any]:
        return {
            **figures.as_dict(),
            "link_probability": thresholds.link_probability,
            "review_probability": thresholds.review_probability,
        }

    return {
        "agencies": [
            {
                "agency": item.agency,
                "decisions": item.current.decisions,
                "confirmed": item.current.confirmed,
                "rejected": item.current.rejected,
                "unavailable": item.unavailable,
                "new_decisions_learnt": item.new_decisions,
                "current": side(item.current, item.current_thresholds),
                "learnt": side(item.learnt, item.learnt_thresholds),
                "m_changes": [
                    {"field": c.field, "level": c.level, "before": c.before, "after": c.after} for c in item.m_changes
                ],
            }
            for item in agencies
        ],
        "written": written,
    }


def print_report(
    agencies: Sequence[AgencyLearning], *, as_json: bool, out: Console, written: dict[str, str] | None = None
) -> None:
    """The report as tables (one per agency), or only the JSON document with `as_json`."""
    if as_json:
        out.print_json(json.dumps(report_document(agencies, written)))
        return
    if not agencies:
        out.print("No review decisions yet: nothing to learn from. Practitioners decide reviews with `hub review`.")
        return
    for item in agencies:
        out.print(_table(item))
        if item.unavailable:
            out.print(
                f"  {item.unavailable} decision(s) could not be judged again: the agency's answer was replaced by a "
                "later check, or its record is unusable."
            )
        if item.m_changes:
            changes = sorted(item.m_changes, key=lambda c: -abs(math.log(c.after / c.before)))[:SHOWN_M_CHANGES]
            words = "; ".join(f"{c.field} {c.level} {c.before:.3g} → {c.after:.3g}" for c in changes)
            rest = len(item.m_changes) - len(changes)
            more = f" (and {rest} smaller change(s): --json lists all)" if rest else ""
            out.print(f"  m learnt from {item.new_decisions} new confirmed decision(s): {words}{more}")
    if written:
        out.print("Wrote " + " and ".join(written.values()) + ".")


def _table(item: AgencyLearning) -> Table:
    current, learnt = item.current, item.learnt
    table = Table(
        title=f"{item.agency}: {current.decisions} decision(s), {current.confirmed} confirmed, "
        f"{current.rejected} rejected",
        title_justify="left",
    )
    table.add_column("")
    table.add_column("Current model", justify="right")
    table.add_column("Learnt", justify="right")
    rows = (
        ("Decided as the practitioner did", current.agreed, learnt.agreed),
        ("Sent to review again", current.to_review, learnt.to_review),
        ("Would-be false links (rejected, but linked)", current.false_links, learnt.false_links),
        ("Would-be misses (confirmed, below review)", current.misses, learnt.misses),
    )
    for label, before, after in rows:
        table.add_row(label, str(before), str(after))
    table.add_row(
        "Link threshold",
        f"{item.current_thresholds.link_probability:.4%}",
        f"{item.learnt_thresholds.link_probability:.4%}",
    )
    table.add_row(
        "Review threshold",
        f"{item.current_thresholds.review_probability:.4%}",
        f"{item.learnt_thresholds.review_probability:.4%}",
    )
    return table
