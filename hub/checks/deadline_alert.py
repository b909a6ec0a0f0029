"""The callback of the checks DAG's Airflow Deadline Alert: a run still going long after it was queued.

Airflow's Deadline Alerts are per run, with one fixed interval for every run, so they cannot carry a
due time that depends on each referral's RAG rating and the council's working calendar; the
housekeeping sweep (`hub.checks.reconcile.escalate_overdue`) does that every five minutes. The alert
is the backstop that needs nothing of the hub to be running but Airflow's triggerer: if a run has not
finished well past any due time, the MASH managers hear of it.

Imports are inside the function: the DAG file names this module, and parsing the DAG must stay light.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

log = logging.getLogger(__name__)

_REFERRAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


async def run_past_deadline(context: dict[str, Any] | None = None, **_: Any) -> None:
    """Escalate the run's referral unless its checks are complete (Airflow also fires for failed runs)."""
    conf = ((context or {}).get("dag_run") or {}).get("conf") or {}
    referral_id = conf.get("referral_id")
    if not isinstance(referral_id, str) or not _REFERRAL_ID.match(referral_id):
        log.warning("Deadline alert for a run without a valid referral id; nothing to escalate")
        return
    await asyncio.to_thread(escalate_unfinished_run, referral_id)


def escalate_unfinished_run(referral_id: str) -> bool:
    """Escalate a referral whose checks have not all ended; True if an escalation was sent."""
    from datetime import UTC, datetime

    from hub.deadlines.config import load_deadlines
    from hub.deadlines.escalation import EscalationStatus, Overdue, escalate
    from hub.settings import HubSettings
    from hub.store.check_ledger import UNFINISHED
    from hub.store.home import open_store
    from schemas import ChecksStage

    settings = HubSettings.from_env()
    store = open_store(settings)
    checks = store.referral_checks(referral_id)
    unfinished = [item for item in store.check_progress(referral_id) if item.phase in UNFINISHED]
    if checks is not None and checks.stage is ChecksStage.COMPLETE and not unfinished:
        return False
    due_at = checks.due_at if checks is not None and checks.due_at is not None else datetime.now(UTC)
    result = escalate(load_deadlines(settings), Overdue(referral_id, due_at))
    log.warning("Referral %s: run past its Airflow deadline; escalation %s", referral_id, result.status.value)
    return result.status is EscalationStatus.SENT
