"""What `hub referral check` and `hub referral quality` print: an assessment and the per-referrer report,
in words a social worker reads without the checklist beside them. Imported only when those commands run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hub.quality.assessment import QualityAssessment
from hub.quality.by_referrer import ReferrerQuality
from hub.quality.checklist import Checklist
from hub.terminal import shown

HEURISTICS = (
    "These are simple checks of how the referral is written (fields filled in, length, words used), not of the "
    "concern itself. A practitioner reads every referral and decides."
)


def level_words(assessment: QualityAssessment, checklist: Checklist) -> str:
    """The level of need the referrer stated, or why there is none: never one the hub guessed."""
    if assessment.stated_level is not None:
        return f"level {assessment.stated_level.level}: {assessment.stated_level.name}"
    if checklist.stated_level_field is None:
        return "not stated (this referral format has no field for it)"
    return "not stated"


def print_assessment(console: Console, assessment: QualityAssessment, checklist: Checklist) -> None:
    """The assessment as a practitioner or referrer reads it: score, stated level, what is there, what is missing."""
    console.print(f"Quality: {assessment.score} out of 100 (checklist {assessment.checklist_version})", markup=False)
    console.print(f"Level of need stated by the referrer: {level_words(assessment, checklist)}", markup=False)
    for heading, mark, findings in (
        ("What it does well", "✓", assessment.strengths),
        ("What is missing", "✗", assessment.gaps),
    ):
        if findings:
            console.print(f"\n{heading}", style="bold", markup=False)
            lines = Table.grid(padding=(0, 1))
            lines.add_column(width=3, justify="right")
            lines.add_column()
            for finding in findings:
                words = finding.words if finding.met else f"{finding.words} ({finding.id})"
                lines.add_row(mark, Text.assemble((finding.label, "bold"), ": ", words))
            console.print(lines)
    console.print(f"\n{HEURISTICS}", markup=False)


def print_report(console: Console, rows: Sequence[ReferrerQuality], labels: Mapping[str, str], period: str) -> None:
    """One row per referrer: type, organisation, referrals, mean score, the gaps most often left."""
    if not rows:
        console.print(f"No assessed referrals {period}.", markup=False)
        return
    table = Table(title=f"Referral quality by referrer, {period}", title_justify="left")
    for column in ("Referrer type", "Organisation", "Referrals", "Mean score", "Most common gaps (referrals)"):
        table.add_column(column, justify="right" if column in ("Referrals", "Mean score") else "left")
    for row in rows:
        table.add_row(
            row.referrer_kind.replace("_", " "),
            shown(row.organisation),
            str(row.referrals),
            f"{row.mean_score:.1f}",
            row.gap_words(labels),
        )
    console.print(table)
    console.print("Scores are out of 100 against the council's referral checklist.", markup=False)
