"""The people a referral names: the child, brothers and sisters at home, parents or carers, other adults.

They come from the child's household in the world, as the referrer knows them: a referrer who states
every child's details gives each child's birth date and full address; one who does not leaves a date
or the postcode out. Roles follow what the intake will accept, judged on the day of the referral: a
brother or sister of 18 or over is an 'other_adult', and an adult is a 'parent_carer' only if the
world ties them to the child as a parent, step-parent or grandparent and they are at least ten years
older than every child named (`hub/intake/plausibility.py`). Identifiers are the world's own: NHS
numbers from the 999 test range (and the other 9xx numbers NHS England never issues), valid UPNs.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from sandbox.model.truth import TruePerson
from sandbox.referrals.families import Child, Families
from sandbox.referrals.quality import Part

PARENT_GAP_YEARS = 10
SIBLINGS_NAMED = 0.85
"""The chance a referrer names the brothers and sisters at home (when there are any)."""
OTHER_ADULTS_NAMED = 0.6
UPN_GIVEN_BY_SCHOOLS = 0.9


def _years_older(elder: date, younger: date) -> bool:
    try:
        return elder <= younger.replace(year=younger.year - PARENT_GAP_YEARS)
    except ValueError:  # 29 February
        return elder <= younger.replace(year=younger.year - PARENT_GAP_YEARS, day=28)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _person(person: TruePerson, *, birth_date: bool = True, address: str = "full", nhs: bool = True,
            upn: bool = False) -> dict[str, Any]:  # fmt: skip
    """A person as a referral gives them; `address` is full, line (no postcode) or none."""
    name: dict[str, Any] = {"given_names": list(person.given_names), "family_name": person.preferred_surname
                            or person.family_name}  # fmt: skip
    described: dict[str, Any] = {"name": name, "sex": person.sex}
    if person.known_as:
        described["aliases"] = [{"given_names": [person.known_as], "family_name": name["family_name"]}]
    if birth_date:
        described["birth_date"] = person.birth_date.isoformat()
    if address == "full":
        described["address"] = {"line": person.address_line, "postcode": person.postcode}
    elif address == "line":
        described["address"] = {"line": person.address_line}
    identifiers = {}
    if nhs and person.nhs_number:
        identifiers["nhs_number"] = person.nhs_number
    if upn and person.upn:
        identifiers["upn"] = person.upn
    if identifiers:
        described["identifiers"] = identifiers
    return described


def name_subjects(
    rng: random.Random, families: Families, child: Child, on: date, stated: set[Part], *, school_referrer: bool
) -> tuple[list[dict[str, Any]], set[Part], str | None]:
    """The subjects, the parts they really state, and the main parent or carer's person id (if named or known)."""
    household = families.households[child.household_id]
    subject = child.person
    siblings, parents, others = [], [], []
    for person_id, _role in household.members:
        if person_id == subject.person_id:
            continue
        person = families.people[person_id]
        if person.birth_date >= on:
            continue  # not yet born on the day
        if _age(person.birth_date, on) < 18:
            siblings.append(person)
        elif families.parent_word(person_id, subject.person_id) is not None:
            parents.append(person)
        else:
            others.append(person)
    named_siblings = siblings if siblings and rng.random() < SIBLINGS_NAMED else []
    children = [subject, *named_siblings]
    parents = [p for p in parents if all(_years_older(p.birth_date, c.birth_date) for c in children)]
    main_parent = parents[0].person_id if parents else None
    identity = Part.CHILD_IDENTITY in stated
    gap = None if identity else rng.choice(("birth_date", "address", "postcode"))
    nhs = Part.NHS_NUMBER in stated
    upn = school_referrer and rng.random() < UPN_GIVEN_BY_SCHOOLS
    described = [
        ("subject_child", _person(subject, birth_date=gap != "birth_date", nhs=nhs, upn=upn,
                                  address={"address": "none", "postcode": "line"}.get(gap or "", "full")))
    ]  # fmt: skip
    described += [("sibling", _person(sibling, nhs=nhs, upn=upn)) for sibling in named_siblings]
    if Part.PARENTS_NAMED in stated:
        described += [("parent_carer", _person(parent, nhs=False)) for parent in parents]
    if others and rng.random() < OTHER_ADULTS_NAMED:
        described += [("other_adult", _person(other, nhs=False, address="none")) for other in others]
    subjects: list[dict[str, Any]] = [
        {"subject_id": f"S{index}", "role": role, "person": person}
        for index, (role, person) in enumerate(described, start=1)
    ]
    really: set[Part] = {part for part in (Part.CHILD_IDENTITY, Part.NHS_NUMBER, Part.PARENTS_NAMED) if part in stated}
    if any(not c.nhs_number for c in children):
        really.discard(Part.NHS_NUMBER)
    if not parents:
        really.discard(Part.PARENTS_NAMED)
    return subjects, really, main_parent
