"""Retention: the council's schedule applied, with crypto-shredding and legal holds (docs/information-governance.md).

Thin public module: import from here, not from the submodules.
"""

from hub.retention.daily import council_today, council_zone, daily_run
from hub.retention.policy import RecordClass, RetentionConfig, Rule, Trigger, load_retention, read_retention_file
from hub.retention.run import PURPOSE, SERVICE_ACTOR, Due, RetentionReport, RunRefused, apply_retention

__all__ = [
    "PURPOSE",
    "SERVICE_ACTOR",
    "Due",
    "RecordClass",
    "RetentionConfig",
    "RetentionReport",
    "Rule",
    "RunRefused",
    "Trigger",
    "apply_retention",
    "council_today",
    "council_zone",
    "daily_run",
    "load_retention",
    "read_retention_file",
]
