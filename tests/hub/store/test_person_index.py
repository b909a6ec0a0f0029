"""Prior involvement: earlier referrals' subjects are found through keyed tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.crypto import LocalKeyProvider
from hub.store import HubStore
from hub.store.person_index import blocking_keys
from hub.store.tables import PersonIndexTokenRow
from schemas import Address, Person, Referral, Subject, SubjectRole
from tests.hub.builders import REFERRAL_ID, example_referral, person

WHO = {"actor": "airflow:mash_referral", "purpose": "prior involvement"}
EARLIER = "REF-2025-000101"


def earlier_referral(*people: Person) -> Referral:
    """A referral received a year before the example one, about `people`."""
    base = example_referral()
    subjects = [
        Subject(
            subject_id=f"S{number}", role=SubjectRole.SUBJECT_CHILD if number == 1 else SubjectRole.SIBLING, person=who
        )
        for number, who in enumerate(people, start=1)
    ]
    return base.model_copy(
        update={"referral_id": EARLIER, "received_at": base.received_at - timedelta(days=365), "subjects": subjects}
    )


def found(store: HubStore, who: Person) -> list[str]:
    return [f"{hit.referral_id}/{hit.subject_id}" for hit in store.prior_involvement(who, excluding=REFERRAL_ID, **WHO)]


AMARA = person("Amara Joy", "Okafor-Reid", "2015-03-14")


@pytest.mark.parametrize(
    ("earlier", "why"),
    [
        (person("Amara Joy", "Okafor-Reid", "2015-03-14"), "the same details"),
        (person("Amara", "Okafor", "2015-03-14"), "one half of a double-barrelled surname"),
        (person("Amara", "Lindqvist", "2015-03-14"), "a changed surname, same first name and birth date"),
        (person("Amara", "Okafor-Reid", "2015-12-03"), "day and month swapped"),
        (person("Amarah", "Okafor Reid", "2015-03-14"), "a spelling variant of the first name"),
        (person("Amara", "Okafor-Reid", "2015-03-24").model_copy(update={"address": Address(postcode="NE4 7QT")}),
         "a wrong birth date, same surname at the same postcode"),
    ],
)  # fmt: skip
def test_a_re_referral_finds_the_earlier_subject(store: HubStore, earlier: Person, why: str) -> None:
    store.save_referral(earlier_referral(earlier), **WHO)
    query = AMARA.model_copy(update={"address": Address(postcode="NE4 7QT")})
    assert found(store, query) == [f"{EARLIER}/S1"], why


def test_someone_else_is_not_found_and_a_referral_never_finds_itself(store: HubStore) -> None:
    store.save_referral(earlier_referral(person("Noor", "Haddad", "2016-08-01")), **WHO)
    store.save_referral(example_referral(), **WHO)
    assert found(store, AMARA) == []
    assert [hit.referral_id for hit in store.prior_involvement(AMARA, excluding="REF-OTHER", **WHO)] == [REFERRAL_ID]


def test_the_likeliest_comes_first_and_every_read_is_audited_under_its_referral(store: HubStore) -> None:
    twin = person("Adaeze", "Okafor-Reid", "2015-03-14")
    store.save_referral(earlier_referral(twin, AMARA), **WHO)
    hits = store.prior_involvement(AMARA, excluding=REFERRAL_ID, **WHO)
    assert [hit.subject_id for hit in hits] == ["S2", "S1"]  # the same person shares every key; the twin fewer
    assert hits[0].shared_keys > hits[1].shared_keys and hits[0].person == AMARA
    reads = store.audit_trail(action="prior_person.read")
    assert sorted(event.object_id for event in reads) == [f"{EARLIER}/S1", f"{EARLIER}/S2"]
    assert {event.referral_id for event in reads} == {EARLIER}


def test_tokens_are_keyed_so_the_index_reveals_nothing(tmp_path: Path, sqlite_url: str) -> None:
    """The stored tokens are HMACs under the hub's own key: another key gives other tokens."""

    def tokens(kek: Path, url: str) -> set[str]:
        store = HubStore(url, LocalKeyProvider(kek))
        store.create_schema()
        store.save_referral(earlier_referral(AMARA), **WHO)
        with store.engine.connect() as connection:
            return set(connection.execute(select(PersonIndexTokenRow.token)).scalars())

    first = tokens(tmp_path / "a" / "kek.bin", sqlite_url)
    second = tokens(tmp_path / "b" / "kek.bin", f"sqlite:///{tmp_path / 'other.db'}")
    assert len(first) == len(blocking_keys(AMARA)) and first.isdisjoint(second)
    assert all(len(token) == 64 for token in first)
    assert not any("2015" in key or "okafor" in key.casefold() for key in first)


def test_earlier_referrals_are_imported_in_batches_each_audited_and_indexed(store: HubStore) -> None:
    earlier = [
        earlier_referral(person(given, "Lindqvist", "2014-06-0" + str(day))).model_copy(
            update={"referral_id": f"REF-2024-00{day}"}
        )
        for day, given in enumerate(["Maja", "Elin", "Astrid"], start=1)
    ]
    assert store.save_referrals([*earlier, earlier[0]], batch_size=2, **WHO) == (3, 1)
    assert store.save_referrals(earlier, **WHO) == (0, 3)
    assert len(store.audit_trail(action="referral.create")) == 3
    assert found(store, person("Elin", "Lindqvist", "2014-06-02")) == ["REF-2024-002/S1"]
