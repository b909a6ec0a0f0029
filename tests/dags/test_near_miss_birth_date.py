"""A referred child whose police record has a birth date a day out ends linked or in review, never "no record".

Issue 13's live run, through the real DAG (`dag.test()`) against the real sandboxes: police held the
child born a day later than the referral says. The check read "police: checked: no record" (an
exact-date search returned nothing) and the incident naming her read "person not in referral" in every
child's chronology. Here the police sandbox's own data is changed for one run, as a force's mistyped
record would be, and put back afterwards (the cluster is shared by the session's other Airflow tests).
"""

from __future__ import annotations

import dataclasses
import io
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import TypeAdapter
from rich.console import Console

from hub.chronology.reading import show_history
from hub.settings import HubSettings
from hub.store.home import open_store
from sandbox.model.records import PoliceNominal
from sandbox.police.tables import NOMINALS
from sandbox.server import SandboxCluster
from schemas import CheckState, EntryCategory, LinkOutcome
from tests.dags.test_fault_modes import EVERY_AGENCY
from tests.dags.test_mash_referral import connections_for_airflow, latest_chronologies, load_dag, stored_sample

pytestmark = pytest.mark.airflow

ACTOR = "test"


@contextmanager
def police_birth_date_moved(cluster: SandboxCluster, surname: str, born: date, days: int) -> Iterator[str]:
    """The force's nominal of this surname and birth date recorded `days` out, for the block; yields its id.

    Rewrites the nominal's document and every search key derived from it (`sandbox.police.tables`), so
    the sandbox answers exactly as a force holding the mistyped record would.
    """
    path = cluster.dataset.database("police").path
    table = cluster.dataset.database("police").table("nominals")
    [nominal] = [n for n in table.find(birth_date=born.isoformat()) if n.surname == surname]
    moved = dataclasses.replace(nominal, date_of_birth=born + timedelta(days=days))

    def write(record: PoliceNominal) -> None:
        with closing(sqlite3.connect(path, isolation_level=None)) as database:
            database.execute("BEGIN")
            single = {key.name: key.extract(record) for key in NOMINALS.single_keys}
            assignments = ", ".join(f"{name} = ?" for name in single)
            document = TypeAdapter(PoliceNominal).dump_json(record).decode("utf-8")
            database.execute(
                f"UPDATE nominals SET {assignments}, doc = ? WHERE id = ?",
                [*single.values(), document, nominal.nominal_id],
            )
            for key in NOMINALS.multi_keys:
                side = NOMINALS.side_table(key)
                database.execute(f"DELETE FROM {side} WHERE id = ?", [nominal.nominal_id])
                for value in dict.fromkeys(key.extract(record)):
                    database.execute(f"INSERT INTO {side} VALUES (?, ?)", [value, nominal.nominal_id])
            database.execute("COMMIT")

    write(moved)
    try:
        yield nominal.nominal_id
    finally:
        write(nominal)


def test_a_child_whose_police_record_is_a_day_out_ends_linked_or_in_review_never_no_record(
    hub_home: Path, sandbox_cluster: SandboxCluster, airflow_connections: Path
) -> None:
    settings = HubSettings.from_env()
    connections_for_airflow(settings, sandbox_cluster, airflow_connections)
    referral = stored_sample(settings)
    amara = referral.subject("S1").person
    assert amara.birth_date is not None

    with police_birth_date_moved(
        sandbox_cluster, referral.subject("S1").name.family_name, amara.birth_date, days=1
    ) as nominal_id:
        run = load_dag().test(run_conf={"referral_id": referral.referral_id})

    assert run.state == "success"
    chronologies = latest_chronologies(settings, referral.referral_id)
    [check] = [c for c in chronologies["S1"].checks if (c.agency, c.subject_id) == ("police", "S1")]
    assert check.state is CheckState.RECORDS_FOUND, check.state  # "no record" before issue 13
    replies = open_store(settings).load_replies(referral.referral_id, actor=ACTOR, purpose="test")
    [police] = [reply for reply in replies if (reply.agency, reply.subject_id) == ("police", "S1")]
    held = {candidate.agency_person_id: candidate.person.birth_date for candidate in police.candidates}
    assert held[nominal_id] == amara.birth_date + timedelta(days=1)  # the force really held her a day out
    [link] = [link for link in chronologies["S1"].links if link.agency_person_id == nominal_id]
    assert (link.subject_id, link.outcome in (LinkOutcome.LINKED, LinkOutcome.REVIEW)) == ("S1", True)

    console = Console(file=io.StringIO(), width=400, color_system=None)
    history = show_history(settings, referral.referral_id, actor=ACTOR, clearance=EVERY_AGENCY, console=console)
    assert history.checks["S1"]["police"].state == CheckState.RECORDS_FOUND.value
    assert not history.all_clear
    for child in history.children:
        for row in child.rows:
            assert "person not in referral" not in row.people
    if link.outcome is LinkOutcome.LINKED:  # her own Public Protection Notice is back in her chronology
        categories = {entry.category for entry in chronologies["S1"].entries if entry.source.agency == "police"}
        assert EntryCategory.PUBLIC_PROTECTION_NOTICE in categories
