"""`hub linkage estimate --from-store`: the hub's own referrals and agency replies as unlabelled pairs.

Read with `linkage.manage`, every read audited; what is written is parameters and counts, never a name
that could say one family is in the store.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from hub.cli.linkage_sources import ESTIMATE_PURPOSE, MIN_NAME_REFERRALS
from hub.linkage.engine import load_linker
from hub.linkage.estimate import TERM_FREQUENCY_FLOOR
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from schemas import Address, AgencyPerson, Person, PersonName, Referral, Sex, Subject, SubjectRole
from tests.hub.builders import candidate, example_referral, reply
from tests.staff import hub_command, refusal, signed_in_home, success

WHO = {"actor": "airflow:mash_referral", "purpose": "mash_checks"}
REFERRALS = 16
MARKER = "Quillfeatherstone"
"""A surname only one family holds: it must appear in no model, note or output."""
FIRST_NAMES = ["Oliver", "Amelia", "Noah", "Isla", "Jack"]
SURNAMES = ["Smith", "Jones", "Taylor", "Khan"]


def child(rng: random.Random, family: str) -> Person:
    born = date(2010, 1, 1) + timedelta(days=rng.randrange(3_000))
    return Person(
        name=PersonName(given_names=[rng.choice(FIRST_NAMES)], family_name=family),
        birth_date=born,
        sex=rng.choice([Sex.FEMALE, Sex.MALE]),
        address=Address(line=f"{rng.randrange(1, 90)} Larch Close, Northbridge", postcode="NE6 5QT"),
    )


def as_recorded(rng: random.Random, who: Person) -> Person:
    """The agency's own record of the person: now and then a day out, or a letter dropped."""
    assert who.name is not None and who.birth_date is not None
    given = who.name.given_names[0]
    if rng.random() < 0.2:
        given = given[:-1]
    born = who.birth_date + timedelta(days=1) if rng.random() < 0.2 else who.birth_date
    name = PersonName(given_names=[given], family_name=who.name.family_name)
    return who.model_copy(update={"name": name, "birth_date": born})


def store_referrals(store: HubStore, count: int = REFERRALS, *, marked: int = 3) -> None:
    """Referrals with one child each; police and health return the child (as recorded) and two others.

    Referral `marked`'s child has the MARKER surname, and police return a record with nothing to compare too.
    """
    rng = random.Random(7)
    referrals, replies = [], []
    for number in range(count):
        referral_id = f"REF-2027-{number:06d}"
        subject = child(rng, MARKER if number == marked else rng.choice(SURNAMES))
        referral = example_referral().model_copy(
            update={
                "referral_id": referral_id,
                "subjects": [Subject(subject_id="S1", role=SubjectRole.SUBJECT_CHILD, person=subject)],
            }
        )
        referrals.append(Referral.model_validate(referral.model_dump()))
        for agency in ("police", "health"):
            found = [candidate(f"{agency}-{number}-a", as_recorded(rng, subject))]
            found += [candidate(f"{agency}-{number}-{other}", child(rng, rng.choice(SURNAMES))) for other in "bc"]
            if number == marked and agency == "police":
                found.append(AgencyPerson(agency_person_id=f"{agency}-{number}-d", person=Person()))
            replies.append(reply(agency, "S1", candidates=found, referral_id=referral_id))
    store.save_referrals(referrals, **WHO)
    for each in replies:
        store.save_reply(each, actor="pipeline")


@pytest.fixture
def stored(hub_home: Path, config_copy: Path) -> HubStore:
    store = open_store(HubSettings.from_env())
    store_referrals(store)
    signed_in_home(hub_home, "test.manager", "manager")
    return store


def test_estimation_from_the_store_writes_a_model_with_no_personal_data(stored: HubStore, tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    result = hub_command("linkage", "estimate", "--from-store", "--out", str(out), "--random-pairs", "2000")
    shown = success(result)
    assert "Reading pairs from the hub's stored agency replies" in shown
    assert f"{REFERRALS * 6} returned pairs in {REFERRALS * 2} cases; 1 note(s) on stderr" in shown
    text = out.read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["provenance"]["source"] == {
        "kind": "stored agency replies",
        "referrals": REFERRALS,
        "replies": REFERRALS * 2,
    }
    linker = load_linker(None, out)
    assert linker.model.parameters.prior_match_probability == document["prior_match_probability"]
    reads = [e for e in stored.audit_trail() if e.actor == "user:test.manager" and e.purpose == ESTIMATE_PURPOSE]
    assert sorted(e.action for e in reads) == ["referral.read"] * REFERRALS + ["replies.read"] * REFERRALS
    assert all(e.outcome != "denied" for e in reads)
    # No personal data: not in the model, the notes (stderr) or what is printed.
    everything = (text + result.stdout + result.stderr).casefold()
    assert MARKER.casefold() not in everything
    assert "ne6" not in everything and "larch" not in everything
    assert "REF-2027-000003, subject S1, police, candidate 4 of 4: the record has no name" in result.stderr
    # Names common across referrals are kept; each one written is in at least MIN_NAME_REFERRALS referrals.
    assert MIN_NAME_REFERRALS <= REFERRALS
    frequencies = document["term_frequencies"]
    assert frequencies["family_name"]["values"] and frequencies["given_name"]["values"]
    assert set(frequencies["family_name"]["values"]) <= {name.casefold() for name in SURNAMES}
    assert document["provenance"]["term_frequencies_withheld"]["names"]["family_name"] >= 1  # the marker, at least
    assert frequencies["family_name"]["floor"] > TERM_FREQUENCY_FLOOR  # a withheld name never weighs more


def test_without_linkage_manage_the_estimate_is_refused_and_audited(
    hub_home: Path, config_copy: Path, tmp_path: Path
) -> None:
    stored = open_store(HubSettings.from_env())
    store_referrals(stored, 1, marked=0)
    signed_in_home(hub_home, "test.practitioner", "practitioner", allocated=("REF-2027-000000",))
    out = tmp_path / "model.json"
    message = refusal(hub_command("linkage", "estimate", "--from-store", "--out", str(out)))
    assert "tune identity linkage" in message
    mine = [e for e in stored.audit_trail() if e.actor == "user:test.practitioner" and e.purpose == ESTIMATE_PURPOSE]
    assert [e.outcome for e in mine] == ["denied"]  # nothing was read
    assert not out.exists()


def test_an_empty_store_says_there_are_too_few_pairs_and_what_to_do(
    hub_home: Path, config_copy: Path, tmp_path: Path
) -> None:
    open_store(HubSettings.from_env()).close()
    signed_in_home(hub_home, "test.manager", "manager")
    out = tmp_path / "model.json"
    message = refusal(hub_command("linkage", "estimate", "--from-store", "--out", str(out)))
    assert "only 0 returned pair(s) are stored" in message
    assert "--from-cases FILE" in message
    assert not out.exists()


def test_the_store_and_a_file_are_not_both_a_source(hub_home: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("", encoding="utf-8")
    message = refusal(hub_command("linkage", "estimate", "--from-store", "--from-cases", str(cases)))
    assert "either --from-cases FILE or --from-store" in message
