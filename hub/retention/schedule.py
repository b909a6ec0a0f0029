"""A referral's disposal date and epoch, from the facts about it and the council's rules.

Pure functions, so the rounding and the rules are tested without a store. Disposal dates are always
31 December: records-management practice destroys by year, it means one epoch secret per year can be
destroyed at one moment for everything due in it, and a stored date then reveals at most a birth *year*.
A referral due at the end of year Y is destroyed by the first run on or after 1 January Y+1.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from hub.crypto import canonical_json
from hub.retention.policy import RecordClass, RetentionConfig, Rule, Trigger
from schemas import Referral

DISPOSAL_EPOCH_PREFIX = "disposal-"
HOLD_EPOCH_PREFIX = "hold-"
_DISPOSAL_EPOCH = re.compile(r"^disposal-(\d{4})$")
_HOLD_EPOCH = re.compile(r"^hold-(\d+)$")
_INTAKE_EPOCH = re.compile(r"^intake-(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Facts:
    """What a referral's schedule is computed from: plain columns only, never its content."""

    referral_id: str
    received_on: date
    """The council's day it was received (its time zone: `deadlines.yaml`)."""
    imported: bool
    outcome: str | None
    """The standing decision's outcome: the newest decision, unless a manager returned it."""
    decided_on: date | None

    @property
    def record_class(self) -> RecordClass:
        return RecordClass.IMPORTED_HISTORY if self.imported else RecordClass.UNDECIDED


@dataclass(frozen=True)
class Schedule:
    """A referral's disposal: under which rule, on which 31 December, and in which epoch its keys wait."""

    rule: str
    disposal_date: date
    fingerprint: str

    @property
    def epoch(self) -> str:
        return disposal_epoch(self.disposal_date.year)


def council_day(moment: datetime, zone: tzinfo) -> date:
    """The day `moment` falls on in the council's time zone."""
    return moment.astimezone(zone).date()


def end_of_year(year: int) -> date:
    return date(year, 12, 31)


def disposal_epoch(year: int) -> str:
    """The epoch of every referral due at the end of `year`: destroyed once the year is over and it is empty."""
    return f"{DISPOSAL_EPOCH_PREFIX}{year}"


def hold_epoch(hold_id: int) -> str:
    """The epoch a held referral's keys wait in: named by its oldest active hold, destroyed once released and empty."""
    return f"{HOLD_EPOCH_PREFIX}{hold_id}"


def disposal_year(epoch: str) -> int | None:
    """The year of a `disposal-YYYY` epoch; None for any other."""
    match = _DISPOSAL_EPOCH.match(epoch)
    return int(match.group(1)) if match else None


def intake_month_end(epoch: str) -> date | None:
    """The last day of an `intake-YYYY-MM` epoch's month (`hub.crypto.intake_epoch`); None for any other."""
    match = _INTAKE_EPOCH.match(epoch)
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def hold_id(epoch: str) -> int | None:
    """The hold of a `hold-N` epoch; None for any other."""
    match = _HOLD_EPOCH.match(epoch)
    return int(match.group(1)) if match else None


def choose_rule(config: RetentionConfig, facts: Facts) -> tuple[str, Rule] | None:
    """The rule that applies to these facts and where it is written, or None if none does (see `rule_for`)."""
    return config.rule_for(facts.outcome, facts.record_class)


def fingerprint(facts: Facts, rule_name: str, rule: Rule) -> str:
    """A digest of everything the schedule depends on but the birth years (a referral never changes after it is
    stored, so neither do they): a new decision, a changed rule or time zone changes it, and only then is the
    schedule computed again (and the referral read again, for an age rule)."""
    document = {
        "version": 1,
        "received_on": facts.received_on.isoformat(),
        "imported": facts.imported,
        "outcome": facts.outcome,
        "decided_on": None if facts.decided_on is None else facts.decided_on.isoformat(),
        "rule": rule_name,
        "terms": rule.model_dump(mode="json"),
    }
    return hashlib.sha256(canonical_json(document)).hexdigest()


def youngest_birth_year(referral: Referral) -> int:
    """The birth year of the youngest child the referral names (subject child or sibling).

    A child with no birth date on record may not be born yet (a pre-birth referral), so is taken as born the
    year after the referral was received: never earlier than the truth, so never destroyed early.
    """
    unknown = referral.received_at.year + 1
    years = [child.person.birth_date.year if child.person.birth_date else unknown for child in referral.children]
    return max(years, default=unknown)


def disposal_date(rule: Rule, facts: Facts, birth_year: int | None) -> date:
    """The end of the year in which the rule's period ends (the later end, if the rule has two)."""
    years: list[int] = []
    if rule.years is not None and rule.after is not None:
        start = facts.decided_on if rule.after is Trigger.DECISION else facts.received_on
        if start is None:
            raise ValueError(f"rule counts from the decision, but referral {facts.referral_id} has none")
        years.append(start.year + rule.years)
    if rule.until_age is not None:
        if birth_year is None:
            raise ValueError(f"rule needs the children's birth years of referral {facts.referral_id}")
        years.append(birth_year + rule.until_age)
    return end_of_year(max(years))


def schedule(config: RetentionConfig, facts: Facts, birth_year: int | None) -> Schedule | None:
    """The referral's schedule (None if no rule applies); `birth_year` is needed only for an age rule."""
    chosen = choose_rule(config, facts)
    if chosen is None:
        return None
    name, rule = chosen
    return Schedule(name, disposal_date(rule, facts, birth_year), fingerprint(facts, name, rule))
