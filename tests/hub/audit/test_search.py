"""`hub audit search`: each filter finds exactly the events it names, the store and the predicate agree,
bad values are one clear line, and the search itself is on the trail (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit import AuditAction
from hub.audit.search import AuditQuery, build_query, subject_of
from hub.cli.audit_ig import search_audit_trail
from hub.errors import UserError
from hub.store import HubStore, audit_log
from hub.store.tables import AuditEventRow
from tests.hub.audit.ig_trail import REF_A, REF_B, Clock, Trail, referral, write_trail

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def trail(audit_store: HubStore, clock: Clock) -> Trail:
    return write_trail(audit_store, clock)


def found(store: HubStore, **options: object) -> list[int]:
    """Sequence numbers a search with these command-line options returns (recorded as an IG search)."""
    query = build_query(zone=LONDON, **options)  # type: ignore[arg-type]
    return [e.seq for e in store.read_audit_trail(query, action=AuditAction.AUDIT_READ, actor="user:iggy", purpose="t")]


def test_each_filter_finds_exactly_its_events(audit_store: HubStore, trail: Trail) -> None:
    events = trail.events
    assert found(audit_store, user="bob") == trail.seqs(actor="user:bob") != []
    assert found(audit_store, referral=REF_B) == [e.seq for e in events if e.referral_id == REF_B] != []
    assert found(audit_store, actions=["access.break_glass"]) == trail.seqs(action="access.break_glass")
    assert len(trail.seqs(action="access.break_glass")) == 2
    assert found(audit_store, actions=["access.review", "referral.create"]) == [
        e.seq for e in events if e.action in ("access.review", "referral.create")
    ]
    assert found(audit_store, purpose="INTAKE") == trail.seqs(purpose="referral_intake") != []
    assert found(audit_store, break_glass=True) == [e.seq for e in events if e.basis.startswith("break-glass:")]
    assert {events[seq - 1].action for seq in found(audit_store, break_glass=True)} == {
        "access.break_glass",
        "chronology.read",
    }
    assert found(audit_store, denied=True) == trail.seqs(actor="user:carol") == trail.seqs(outcome="denied")
    assert len(found(audit_store, denied=True)) == 1
    # Filters combine: all must hold.
    assert found(audit_store, user="bob", actions=["chronology.read"], break_glass=True) == [
        e.seq for e in events if e.actor == "user:bob" and e.action == "chronology.read"
    ]
    assert found(audit_store, user="nobody") == []


def test_child_finds_events_on_that_subjects_records_only(audit_store: HubStore, trail: Trail) -> None:
    s1 = [e.seq for e in trail.events if e.object_id.startswith(f"{REF_A}/S1/")]
    assert len(s1) == 3  # written by the pipeline, read by alice, read by bob under break-glass
    assert found(audit_store, child="S1") == s1
    assert found(audit_store, child=f"{REF_A}/S1") == s1
    assert found(audit_store, child="S1", referral=REF_B) == []
    assert found(audit_store, child="S9") == []
    # A referral-level event names no child, even though its object id is the referral.
    assert all(subject_of(e) is None for e in trail.events if e.object_type == "referral")


def test_days_are_the_councils_and_inclusive_across_the_clocks_changing(audit_store: HubStore, trail: Trail) -> None:
    [erin] = trail.seqs(actor="user:erin")  # 2026-03-31 23:30 UTC is 00:30 BST on 1 April
    assert found(audit_store, since="2026-04-01") == [erin]
    assert erin not in found(audit_store, until="2026-03-31")
    march_3 = [e.seq for e in trail.events if e.occurred_at.date().isoformat() == "2026-03-03"]
    assert found(audit_store, since="2026-03-03", until="2026-03-03") == march_3 != []
    assert found(audit_store, since="2026-03-02", until="2026-03-05") == [
        e.seq for e in trail.events if "2026-03-02" <= e.occurred_at.date().isoformat() <= "2026-03-05"
    ]


def test_the_store_and_the_predicate_agree_for_every_filter(audit_store: HubStore, trail: Trail) -> None:
    """SQL narrows and the predicate decides: the store's answer is exactly the predicate over every event."""
    queries = [
        build_query(zone=LONDON, user="alice"),
        build_query(zone=LONDON, child="S2"),
        build_query(zone=LONDON, purpose="view", denied=True),
        build_query(zone=LONDON, since="2026-03-03", until="2026-03-04", break_glass=True),
        build_query(zone=LONDON, referral=REF_A, actions=["chronology.read"]),
        AuditQuery(through_seq=3),
    ]
    for query in queries:
        expected = [e.seq for e in trail.events if query.matches(e)]
        assert [e.seq for e in audit_store.audit_trail()] == [e.seq for e in trail.events]  # unchanged by reading
        with Session(audit_store.engine) as session:
            assert [e.seq for e in audit_log.events(session, query=query)] == expected, query
            # The SQL alone is exact too (the subject's condition only narrows: it may keep more).
            by_sql = list(session.scalars(select(AuditEventRow.seq).where(*audit_log.sql_conditions(query))))
            if query.subject_id is None:
                assert sorted(by_sql) == expected, query
            else:
                assert set(expected) <= set(by_sql), query


def test_old_keyword_filters_still_work(audit_store: HubStore, trail: Trail) -> None:
    assert [e.seq for e in audit_store.audit_trail(actor="user:bob", action="chronology.read")] == [
        e.seq for e in trail.events if e.actor == "user:bob" and e.action == "chronology.read"
    ]
    assert [e.seq for e in audit_store.audit_trail(referral_id=REF_B)] == [
        e.seq for e in trail.events if e.referral_id == REF_B
    ]


def test_a_search_is_audited_with_its_filters_and_never_finds_itself(audit_store: HubStore, trail: Trail) -> None:
    before = len(trail.events)
    assert found(audit_store, referral=REF_A, actions=["chronology.read"], purpose="Jane Doe") == []
    after = audit_store.audit_trail()
    assert len(after) == before + 1
    recorded = after[-1]
    assert (recorded.action, recorded.actor, recorded.object_type) == ("audit.read", "user:iggy", "audit_trail")
    assert recorded.referral_id == REF_A
    assert recorded.object_id == f"referral={REF_A};action=chronology.read;purpose=(text)"
    assert "Jane" not in recorded.object_id  # free text typed into a filter never reaches the trail
    # A second identical search sees the first search's event, not its own.
    query = build_query(zone=LONDON, actions=["audit.read"])
    seen = list(audit_store.read_audit_trail(query, action=AuditAction.AUDIT_READ, actor="user:iggy", purpose="t"))
    assert [e.seq for e in seen] == [recorded.seq]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"since": "2026-13-01"}, "--since '2026-13-01' is not a date; write it as YYYY-MM-DD"),
        ({"until": "yesterday"}, "--until 'yesterday' is not a date"),
        ({"since": "2026-03-05", "until": "2026-03-01"}, "--until 2026-03-01 is before --since 2026-03-05"),
        ({"actions": ["chronology.reed"]}, "Unknown action 'chronology.reed'. Choose from: "),
        ({"user": " "}, "--user needs a username"),
        ({"referral": "Jane Smith"}, "--referral takes a referral id"),
        ({"child": "REF-1/S1", "referral": "REF-2"}, "--child names referral REF-1 but --referral is REF-2"),
        ({"child": "S1/v2/x"}, "--child takes a subject id"),
    ],
)
def test_bad_values_are_one_clear_line(options: dict[str, object], message: str) -> None:
    with pytest.raises(UserError) as raised:
        build_query(zone=LONDON, **options)  # type: ignore[arg-type]
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_user_names_a_person_before_and_after_sign_in_or_an_exact_actor() -> None:
    assert build_query(zone=LONDON, user="alice").actors == {"user:alice", "cli:alice"}
    assert build_query(zone=LONDON, user="service:pipeline").actors == {"service:pipeline"}


def test_search_prints_a_table_or_json_lines_and_stops_at_the_limit(audit_store: HubStore, trail: Trail) -> None:
    query = build_query(zone=LONDON, user="bob")
    bob = trail.seqs(actor="user:bob")
    console = Console(record=True, width=250)
    assert search_audit_trail(audit_store, query, actor="user:iggy", console=console, as_json=True) == len(bob)
    lines = [json.loads(line) for line in console.export_text().splitlines()]
    assert [int(line["seq"]) for line in lines] == bob
    assert {line["actor"] for line in lines} == {"user:bob"}
    assert "hash" not in lines[0] and lines[0]["occurred_at"].endswith("+00:00")

    console = Console(record=True, width=250)
    assert search_audit_trail(audit_store, query, actor="user:iggy", console=console, limit=2) == 2
    text = console.export_text()
    assert "The first 2 matching events; raise --limit to see more." in text
    assert "break-glass:1" in text

    console = Console(record=True, width=250)
    nobody = build_query(zone=LONDON, user="nobody")
    assert search_audit_trail(audit_store, nobody, actor="user:iggy", console=console) == 0
    assert "No audit events match." in console.export_text()


def test_a_query_bounded_by_sequence_number_keeps_its_bound(audit_store: HubStore, trail: Trail) -> None:
    first_three = audit_store.read_audit_trail(
        AuditQuery(through_seq=3), action=AuditAction.AUDIT_READ, actor="user:iggy", purpose="t"
    )
    assert [e.seq for e in first_three] == [1, 2, 3]


def test_midnight_belongs_to_the_day_it_starts(audit_store: HubStore, clock: Clock) -> None:
    """`--until D` ends just before midnight at the end of D; an event at that midnight is D+1's."""
    audit_store.save_referral(referral(REF_A), actor="service:intake", purpose="referral_intake")
    clock.at(2026, 3, 3, 23, 59)
    audit_store.load_referral(REF_A, actor="service:late", purpose="t")
    clock.at(2026, 3, 4, 0, 0)  # midnight GMT
    audit_store.load_referral(REF_A, actor="service:midnight", purpose="t")

    def actors(**options: str) -> list[str]:
        query = build_query(zone=LONDON, actions=["referral.read"], **options)
        found = audit_store.read_audit_trail(query, action=AuditAction.AUDIT_READ, actor="user:iggy", purpose="t")
        return [e.actor for e in found]

    assert actors(until="2026-03-03") == ["service:late"]
    assert actors(since="2026-03-04") == ["service:midnight"]
    *_, late, midnight = audit_store.audit_trail(action="referral.read")
    up_to_the_3rd = build_query(zone=LONDON, until="2026-03-03")
    assert up_to_the_3rd.matches(late) and not up_to_the_3rd.matches(midnight)  # the predicate alone, too
    with Session(audit_store.engine) as session:  # and the SQL alone
        by_sql = set(session.scalars(select(AuditEventRow.seq).where(*audit_log.sql_conditions(up_to_the_3rd))))
    assert late.seq in by_sql and midnight.seq not in by_sql
