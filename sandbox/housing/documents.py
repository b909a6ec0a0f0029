"""The housing gateway's JSON documents: people, tenancies (with arrears, notices, possession
proceedings and anti-social behaviour) and H-CLIC style homelessness cases.

Renderers are pure: the caller looks up the people a record mentions (`people_by_ref`) once per
request, so every household member can be named without a query per member.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sandbox.common.store import Database
from sandbox.housing.vocabulary import POSSESSION_STAGES
from sandbox.model.records import AsbCase, HomelessnessCase, HousingPerson, Notice, Tenancy

People = Mapping[str, HousingPerson]


def iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def pounds(pence: int) -> str:
    """Money as a decimal string ("1486.20"), never a float."""
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"


def people_by_ref(database: Database, refs: Iterable[str]) -> dict[str, HousingPerson]:
    """The people behind `refs`, in one indexed query."""
    people: list[HousingPerson] = database.table("people").find_any("id", sorted(set(refs)))
    return {person.person_ref: person for person in people}


def address_json(tenancy: Tenancy) -> dict[str, Any]:
    return {"line": tenancy.address_line, "postcode": tenancy.postcode}


def person_json(
    person: HousingPerson, current: Tenancy | None, matched_on: Sequence[str] | None = None
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "person_ref": person.person_ref,
        "surname": person.surname,
        "forename": person.forename,
        "previous_surnames": list(person.previous_surnames),
        "date_of_birth": iso(person.date_of_birth),
        "sex": person.sex,
        "current_address": address_json(current) if current else None,
    }
    if matched_on is not None:
        document["matched_on"] = list(matched_on)
    return document


def member_json(ref: str, relationship: str, people: People) -> dict[str, Any]:
    """A household member as the tenancy or case lists them: reference, relationship, name, birth date."""
    person = people.get(ref)
    return {
        "person_ref": ref,
        "relationship": relationship,
        "forename": person.forename if person else None,
        "surname": person.surname if person else None,
        "date_of_birth": iso(person.date_of_birth) if person else None,
    }


def notice_json(notice: Notice) -> dict[str, Any]:
    return {
        "notice_ref": notice.notice_ref,
        "type": notice.notice_type,
        "served_on": notice.served_on.isoformat(),
        "ground": notice.ground,
    }


def proceeding_json(stage: Notice) -> dict[str, Any]:
    return {
        "reference": stage.notice_ref,
        "stage": stage.notice_type,
        "date": stage.served_on.isoformat(),
        "ground": stage.ground,
    }


def asb_json(case: AsbCase) -> dict[str, Any]:
    return {
        "case_ref": case.case_ref,
        "opened": case.opened.isoformat(),
        "category": case.category,
        "responsible_person_ref": case.person_ref,
        "outcome": case.outcome,
    }


def is_proceeding(notice: Notice) -> bool:
    """Court stages share the landlord's recovery-action record with notices; the API lists them apart."""
    return notice.notice_type in POSSESSION_STAGES


def tenancy_json(tenancy: Tenancy, people: People) -> dict[str, Any]:
    by_date = sorted(tenancy.notices, key=lambda notice: (notice.served_on, notice.notice_ref))
    return {
        "tenancy_ref": tenancy.tenancy_ref,
        "address": address_json(tenancy),
        "tenure": tenancy.tenure,
        "start_date": tenancy.start.isoformat(),
        "end_date": iso(tenancy.end),
        "tenant": member_json(tenancy.tenant_ref, "tenant", people),
        "household": [member_json(ref, relationship, people) for ref, relationship in tenancy.members],
        "arrears": [
            {"as_at": a.as_at.isoformat(), "balance": pounds(a.balance_pence), "weeks_in_arrears": a.weeks}
            for a in sorted(tenancy.arrears, key=lambda a: a.as_at)
        ],
        "notices": [notice_json(n) for n in by_date if not is_proceeding(n)],
        "possession_proceedings": [proceeding_json(n) for n in by_date if is_proceeding(n)],
        "asb_cases": [asb_json(c) for c in sorted(tenancy.asb_cases, key=lambda c: (c.opened, c.case_ref))],
    }


def homelessness_json(case: HomelessnessCase, people: People) -> dict[str, Any]:
    """H-CLIC style: every household member, the applicant first, with their relationship to the applicant."""
    household = [(case.applicant_ref, "applicant"), *case.members]
    return {
        "case_ref": case.case_ref,
        "application_date": case.application_date.isoformat(),
        "applicant_ref": case.applicant_ref,
        "household": [member_json(ref, relationship, people) for ref, relationship in household],
        "reason_for_loss_of_last_settled_home": case.reason,
        "duty": case.duty,
        "temporary_accommodation": case.temporary_accommodation,
        "temporary_accommodation_type": case.temporary_accommodation_type,
    }


def current_of(tenancies: Iterable[Tenancy]) -> Tenancy | None:
    """The open tenancy (the latest started, should the records hold several): the current address."""
    return max((t for t in tenancies if t.end is None), key=lambda t: (t.start, t.tenancy_ref), default=None)


def tenancy_refs(tenancy: Tenancy) -> list[str]:
    return [tenancy.tenant_ref, *(ref for ref, _ in tenancy.members)]


def case_refs(case: HomelessnessCase) -> list[str]:
    return [case.applicant_ref, *(ref for ref, _ in case.members)]
