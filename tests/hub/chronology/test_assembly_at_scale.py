"""The optimised assembly gives exactly what the plain one gave, byte for byte, on a large varied input.

`reference_assemble` is the straightforward assembly the hub had before issue 17 (attribute each
report's people by copying the entry, merge reports by their canonical JSON, sort by `sort_key` then
that JSON, ask `reaches` for every entry and child, count the entries no child's chronology shows). It
shares with `assemble` only the parts the optimisation left alone (linkage, checks, household, and
setting the minimisation counts on the checks).
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime

import pytest
from pydantic import BaseModel

from hub.chronology.assembly import (
    PersonKey,
    _candidates_returned_for,
    _checks,
    _with_minimised,
    _with_people,
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
    DatePrecision,
    EntryFacts,
    Involvement,
    InvolvementRole,
    Referral,
    Sensitivity,
)
from tests.hub import builders
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


def _left_out(entries: list[ChronologyEntry], shown: Mapping[str, list[ChronologyEntry]]) -> Counter[tuple[str, str]]:
    """By agency and subject, the entries naming the subject that reached no child's chronology."""
    reached = {id(entry) for child_entries in shown.values() for entry in child_entries}
    left_out: Counter[tuple[str, str]] = Counter()
    for entry in entries:
        if id(entry) not in reached:
            for subject_id in {person.subject_id for person in entry.people if person.subject_id is not None}:
                left_out[(entry.source.agency, subject_id)] += 1
    return left_out


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
    checks = _with_minimised(checks, _left_out(entries, shown))
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


AMARA = builders.person("Amara Joy", "Okafor-Reid", "2015-03-14")
GRACE = builders.person("Grace", "Okafor-Reid", "1989-11-20")
REPORTED = builders.entry(
    "police", "OCC-9", "2026-01-01", [("P-1", InvolvementRole.VICTIM), ("P-2", InvolvementRole.WITNESS)]
)
DIFFERENT_BUT_FOR_THE_ORDER = {
    "date_precision": DatePrecision.MONTH,
    "ended_on": REPORTED.occurred_on,
    "summary": "Police attended a different report at the family home.",
    "action_taken": "Advice given.",
    "sensitivity": Sensitivity.SENSITIVE,
    "facts": EntryFacts(marac=True),
}
"""Every field of an entry but the people and those of `sort_key` (which part reports before content is compared)."""


def _reported_twice(second: ChronologyEntry) -> list[ChronologyEntry]:
    """S1's chronology when police report `REPORTED` in Amara's check and `second` in her mother Grace's."""
    replies = [
        builders.reply("police", "S1", candidates=[builders.candidate("P-1", AMARA)], entries=[REPORTED]),
        builders.reply("police", "S3", candidates=[builders.candidate("P-2", GRACE)], entries=[second]),
    ]
    [s1, _s2] = assemble(example_referral(), replies, assembled_at=ASSEMBLED_AT)
    return s1.entries


def test_the_fields_that_tell_two_reports_of_one_record_apart_are_every_field_but_the_people() -> None:
    order_fields = {"occurred_on", "source", "category"}
    assert set(DIFFERENT_BUT_FOR_THE_ORDER) == set(ChronologyEntry.model_fields) - order_fields - {"people"}


@pytest.mark.parametrize("field", sorted(DIFFERENT_BUT_FOR_THE_ORDER))
def test_two_reports_of_one_record_that_differ_in_one_field_stay_two_entries(field: str) -> None:
    second = REPORTED.model_copy(update={field: DIFFERENT_BUT_FOR_THE_ORDER[field]})
    assert len(_reported_twice(second)) == 2


def test_two_reports_of_one_record_that_differ_only_in_their_people_are_one_entry_naming_everyone() -> None:
    """The second report names one person the first did, in the same part, and one it did not."""
    people = [("P-3", InvolvementRole.SUSPECT), ("P-2", InvolvementRole.WITNESS)]
    second = REPORTED.model_copy(
        update={"people": [Involvement(agency_person_id=person, role=role) for person, role in people]}
    )
    [merged] = _reported_twice(second)
    assert [(p.agency_person_id, p.subject_id, p.returned_for) for p in merged.people] == [
        ("P-1", "S1", None),
        ("P-2", "S3", None),
        ("P-3", None, "S3"),  # Unlinked: returned for the check whose reply named them.
    ]


def test_an_entry_given_new_people_is_what_model_copy_gives_in_everything_pydantic_keeps() -> None:
    """`_with_people` sets pydantic's instance attributes itself: if pydantic keeps others, it must too."""
    assert set(BaseModel.__slots__) == {
        "__dict__",
        "__pydantic_fields_set__",
        "__pydantic_extra__",
        "__pydantic_private__",
    }
    people = [Involvement(agency_person_id="P-1", role=InvolvementRole.VICTIM, subject_id="S1")]
    for original in (REPORTED, REPORTED.model_copy(update=DIFFERENT_BUT_FOR_THE_ORDER)):
        made, copied = _with_people(original, people), original.model_copy(update={"people": people})
        for attribute in BaseModel.__slots__:
            assert getattr(made, attribute) == getattr(copied, attribute), attribute
        assert made == copied and made.model_dump_json() == copied.model_dump_json()
        assert made.people is people and original.people != people


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
