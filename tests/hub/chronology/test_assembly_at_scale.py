"""The optimised assembly gives exactly what the plain one gave, byte for byte, on a large varied input.

`reference_assemble` is the straightforward assembly the hub had before issue 17 (attribute each
report's people by copying the entry, merge reports by their canonical JSON, sort by `sort_key` then
that JSON, ask `reaches` for every entry and child). It shares with `assemble` only the parts the
optimisation left alone (linkage, checks, household, minimisation counts).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping
from datetime import datetime

from hub.chronology.assembly import (
    IDENTITY_FIELDS,
    PersonKey,
    _candidates_returned_for,
    _checks,
    _with_minimised,
    assemble,
    link_people,
)
from hub.chronology.household import household_graph, reaches, related_to
from hub.crypto.digest import canonical_json
from hub.store.gc_pause import collector_paused
from schemas import (
    AgencyReply,
    Chronology,
    ChronologyEntry,
    EntryFacts,
    Involvement,
    InvolvementRole,
    Referral,
    SourceRef,
)
from tests.hub.builders import ASSEMBLED_AT, example_referral
from tests.hub.chronology.large_input import large_replies


def _attribute(
    entry: ChronologyEntry, links: dict[PersonKey, str], returned_for: Mapping[PersonKey, str], reply_subject: str
) -> ChronologyEntry:
    people = []
    for person in entry.people:
        key = (entry.source.agency, person.agency_person_id)
        subject_id = links.get(key)
        returned = None if subject_id else returned_for.get(key, reply_subject)
        people.append(person.model_copy(update={"subject_id": subject_id, "returned_for": returned}))
    return entry.model_copy(update={"people": people})


def _content_key(entry: ChronologyEntry) -> bytes:
    return canonical_json(entry.model_dump(mode="json", exclude={"people"}))


def _merge(entries: Iterable[ChronologyEntry]) -> list[ChronologyEntry]:
    merged: dict[bytes, dict[tuple[str, InvolvementRole], tuple[str | None, str | None]]] = {}
    first: dict[bytes, ChronologyEntry] = {}
    for entry in entries:
        key = _content_key(entry)
        first.setdefault(key, entry)
        people = merged.setdefault(key, {})
        for person in entry.people:
            slot = (person.agency_person_id, person.role)
            linked, returned = people.get(slot, (None, None))
            people[slot] = (linked or person.subject_id, returned or person.returned_for)
    result = [
        first[key].model_copy(
            update={
                "people": [
                    Involvement(
                        agency_person_id=person_id,
                        role=role,
                        subject_id=subject_id,
                        returned_for=None if subject_id else returned_for,
                    )
                    for (person_id, role), (subject_id, returned_for) in sorted(people.items())
                ]
            }
        )
        for key, people in merged.items()
    ]
    return sorted(result, key=lambda entry: (entry.sort_key(), _content_key(entry)))


def reference_assemble(referral: Referral, replies: list[AgencyReply], *, assembled_at: datetime) -> list[Chronology]:
    ordered = sorted(replies, key=lambda reply: (reply.agency, reply.subject_id))
    links, decided = link_people(referral, ordered)
    kept: list[ChronologyEntry] = []
    counts: dict[tuple[str, str], int] = {}
    returned_for = _candidates_returned_for(ordered)
    for reply in ordered:
        for entry in (_attribute(entry, links, returned_for, reply.subject_id) for entry in reply.entries):
            involved = {person.subject_id for person in entry.people}
            if involved - {None}:
                kept.append(entry)
            if reply.subject_id in involved:
                counts[(reply.agency, reply.subject_id)] = counts.get((reply.agency, reply.subject_id), 0) + 1
    entries = _merge(kept)
    checks = _checks(referral, ordered, (), counts, links, decided)
    household = household_graph(referral, ordered, links)
    relations = {child.subject_id: related_to(child.subject_id, household, None) for child in referral.children}
    shown = {
        child_id: [entry for entry in entries if reaches(entry, child_id, related)]
        for child_id, related in relations.items()
    }
    checks = _with_minimised(checks, entries, shown)
    return [
        Chronology(
            referral_id=referral.referral_id,
            child_subject_id=child_id,
            version=1,
            assembled_at=assembled_at,
            entries=child_entries,
            checks=checks,
            links=decided,
            household=household,
        )
        for child_id, child_entries in shown.items()
    ]


def _bytes(chronologies: list[Chronology]) -> list[bytes]:
    return [canonical_json(chronology.model_dump(mode="json")) for chronology in chronologies]


def test_optimised_assembly_gives_the_plain_assemblys_bytes_on_a_large_varied_input() -> None:
    referral = example_referral()
    replies = large_replies(referral, 3_000)
    expected = _bytes(reference_assemble(referral, replies, assembled_at=ASSEMBLED_AT))
    chronologies = assemble(referral, replies, assembled_at=ASSEMBLED_AT)
    assert _bytes(chronologies) == expected
    assert _bytes(assemble(referral, list(reversed(replies)), assembled_at=ASSEMBLED_AT)) == expected
    # The input exercises what the optimisation changed: merged reports, unlinked people, content tie-breaks.
    [s1, s2] = chronologies
    assert len(s1.entries) == 3_000 and 0 < len(s2.entries) < 3_000
    assert any(len(entry.people) > 1 and entry.people[0].subject_id == "S1" for entry in s1.entries)
    assert any(person.returned_for == "S1" for entry in s1.entries for person in entry.people)
    keys = [entry.sort_key() for entry in s1.entries]
    assert len(set(keys)) < len(keys), "no two entries tie on sort_key"


def test_what_makes_two_reports_one_event_covers_every_field_but_the_people() -> None:
    """`_identity` lists the fields it compares: a field added to an entry must be added there too."""
    assert set(ChronologyEntry.model_fields) - {"people"} == IDENTITY_FIELDS
    assert set(SourceRef.model_fields) == {"agency", "record_id"}
    assert "facts" in IDENTITY_FIELDS and EntryFacts.model_config.get("frozen")


def test_the_cycle_collector_is_paused_only_while_assembling_and_pauses_nest() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    assemble(example_referral(), large_replies(example_referral(), 20), assembled_at=ASSEMBLED_AT)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled(), "a collector the process had disabled is left disabled"
    finally:
        gc.enable()
