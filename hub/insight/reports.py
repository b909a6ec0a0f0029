"""The six reports by name, run over a period from the store: one way in for `hub insight` and `/insight`.

Each reads its plain facts in one audited read (`insight.report`, naming the report, purpose
`referrer_insight`; the quality report is the quality layer's own `quality.report`). Who may run them is
the caller's guard: `referral.quality`, managers and IG.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.deadlines.config import load_deadlines
from hub.decisions.config import load_decisions
from hub.errors import UserError
from hub.insight.outcomes import outcomes_report
from hub.insight.period import Period
from hub.insight.police import looked_back, police_report
from hub.insight.quality import quality_report
from hub.insight.referrers import referrers_report
from hub.insight.report import Report
from hub.insight.schools import schools_report
from hub.insight.timeliness import timeliness_report
from hub.quality.checklist import load_checklist
from hub.quality.records import referrer_report
from hub.settings import HubSettings
from hub.store import HubStore

PURPOSE = "referrer_insight"


@dataclass(frozen=True)
class Described:
    name: str
    title: str
    what: str


REPORTS = (
    Described("referrers", "Referrals by referrer", "Referrals by referrer type and organisation over time"),
    Described("outcomes", "Conversion to outcome", "What the MASH decided, by referrer type"),
    Described("quality", "Quality by referrer", "Referral quality scores per referrer"),
    Described("schools", "Schools without a referral", "Schools that made no referral, beside their pupils"),
    Described("police", "Police and re-referrals", "Police referral volume and re-referral rate"),
    Described("timeliness", "Time to decision", "Time from receipt to decision against the target"),
)
NAMES = tuple(report.name for report in REPORTS)


def run_report(
    name: str, store: HubStore, settings: HubSettings, period: Period, *, actor: str, now: datetime
) -> tuple[Report, int]:
    """The report and how many referrals in the period it could not count (stored with no facts)."""
    if name not in NAMES:
        raise UserError(f"report must be one of {', '.join(NAMES)}")
    if name == "quality":
        labels = load_checklist(settings).labels()
        rows = referrer_report(store, actor=actor, received_from=period.first, received_to=period.last)
        return quality_report(rows, labels, period), 0
    since = looked_back(period) if name == "police" else period.since
    window = store.insight_facts(actor=actor, purpose=PURPOSE, report=name, since=since, until=period.until)
    in_period = [fact for fact in window.facts if period.contains(fact.received_at)]
    if name == "referrers":
        report = referrers_report(in_period, period)
    elif name == "schools":
        report = schools_report(in_period, store.school_register(), period)
    elif name == "police":
        report = police_report(window.facts, period, first_held=window.first_held)
    else:
        decisions = store.decision_listing()  # codes and times only; all of them (an IN list of a year is too long)
        config = load_decisions(settings)
        if name == "outcomes":
            report = outcomes_report(in_period, decisions, config, period)
        else:
            calendar = load_deadlines(settings).working_calendar
            report = timeliness_report(in_period, decisions, period, calendar=calendar, target=config.target, now=now)
    return report, window.unrecorded
