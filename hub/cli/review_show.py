"""`hub review show N`: the referral's person and the agency's candidate side by side, so a person can decide.

The queue's list shows only the model's words; nobody can judge a link without seeing both records.
This puts them field by field, each row with the comparison's level, its words and the weight it
added, then the match probability and why the model would not decide alone. Reading it is reading
the referral's history: it needs `history.read` on the referral (refusals are audited), and the
referral and the one agency reply it shows are read through the store's audited paths. A candidate
the agency knows only from restricted records the reader is not cleared for is not shown: the reader
learns whom to ask, as in the chronology.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from hub.access.permissions import Permission
from hub.chronology.restricted import WITHHELD_RECORD_ID
from hub.errors import UserError

if TYPE_CHECKING:
    from hub.access.guard import SignedIn
    from hub.linkage import Judgement
    from hub.store import LinkReview
    from schemas import Address, AgencyPerson, AgencyReply, ChronologyEntry, Person, PersonName

NOT_RECORDED = "—"
IDENTIFIER_ROWS = (
    ("NHS number", "nhs_number"),
    ("UPN", "upn"),
    ("Police nominal id", "police_nominal_id"),
    ("Housing reference", "housing_reference"),
)


def show_review(signed: SignedIn, review_id: int, console: Console, *, purpose: str) -> None:
    """Print one review side by side, to someone who may read its referral's history."""
    store = signed.store
    review = store.link_review(review_id)
    with signed.permit(Permission.HISTORY_READ, review.referral_id, purpose=purpose):
        referral = store.load_referral(review.referral_id, actor=signed.actor, purpose=purpose)
        reply = store.load_reply(
            review.referral_id, review.agency, review.subject_id, actor=signed.actor, purpose=purpose
        )
    subject = referral.subject(review.subject_id)
    candidate = _candidate(reply, review.agency_person_id)
    console.print(_heading(review))
    if reply is None or candidate is None:
        console.print(
            f"The {review.agency} reply no longer holds record {review.agency_person_id} (a later check replaced "
            "it), so it cannot be shown. The evidence when it was proposed:"
        )
        console.print(f"  {review.evidence}\n  Why review: {review.review_reasons}")
        return
    records = _records_naming(reply, review.agency_person_id)
    shown = _as_cleared(signed, review, records)
    if records and all(entry.source.record_id.startswith(f"{WITHHELD_RECORD_ID}-") for entry in shown):
        whom = signed.clearance.ask.get(review.agency) or f"the {review.agency} MASH representative"
        console.print(
            f"The {review.agency} record {review.agency_person_id} is known only from restricted records you are "
            f"not cleared to see, so its details are not shown. To decide, ask {whom}."
        )
        return
    judgement = _judge_now(subject.person, reply, review)
    console.print(_side_by_side(subject.person, candidate, judgement, review))
    _print_outcome(console, review, judgement)
    _print_records(console, review, shown)
    if review.decided_at is None:
        console.print(
            f"Decide with `hub review confirm {review.review_id} --reason ...` or "
            f"`hub review reject {review.review_id} --reason ...`."
        )


def _heading(review: LinkReview) -> str:
    status = (
        "waiting for a practitioner"
        if review.decided_at is None
        else f"{review.status.value} by {review.decided_by} on {review.decided_at:%d %b %Y %H:%M}"
    )
    return (
        f"[bold]Review {review.review_id}[/]: is {review.agency} record {review.agency_person_id} person "
        f"{review.subject_id} of referral {review.referral_id}? ({status})"
    )


def _candidate(reply: AgencyReply | None, agency_person_id: str) -> AgencyPerson | None:
    if reply is None:
        return None
    return next((c for c in reply.candidates if c.agency_person_id == agency_person_id), None)


def _records_naming(reply: AgencyReply, agency_person_id: str) -> list[ChronologyEntry]:
    return [entry for entry in reply.entries if any(p.agency_person_id == agency_person_id for p in entry.people)]


def _as_cleared(signed: SignedIn, review: LinkReview, entries: list[ChronologyEntry]) -> list[ChronologyEntry]:
    """The entries as this reader may see them, by the chronology's own rule (`Clearance.withhold`)."""
    from schemas import Chronology

    if not entries:
        return []
    held = Chronology(
        referral_id=review.referral_id,
        child_subject_id=review.subject_id,
        version=1,
        assembled_at=review.proposed_at,
        entries=entries,
        checks=[],
    )
    return list(signed.clearance.withhold(held).entries)


def _judge_now(person: Person, reply: AgencyReply, review: LinkReview) -> Judgement:
    """The candidate judged with the agency's current parameters, beside the agency's other candidates as before."""
    from hub.linkage import default_linker
    from schemas.config_files import ConfigFileError

    try:
        linker = default_linker()
    except ConfigFileError as error:
        raise UserError(str(error)) from None
    judgements = linker.link_candidates(person, reply.candidates, agency=review.agency)
    return next(j for j in judgements if j.record_id == review.agency_person_id)


def _given(name: PersonName | None) -> str:
    return " ".join(name.given_names) if name is not None and name.given_names else NOT_RECORDED


def _family(name: PersonName | None) -> str:
    return NOT_RECORDED if name is None else name.family_name


def _names(names: Iterable[PersonName]) -> str:
    return "\n".join(name.display for name in names) or NOT_RECORDED


def _date(value: date | None) -> str:
    return NOT_RECORDED if value is None else f"{value:%d %b %Y}"


def _address(address: Address | None) -> str:
    if address is None:
        return NOT_RECORDED
    return ", ".join(part for part in (address.line, address.postcode) if part) or NOT_RECORDED


def _addresses(addresses: Sequence[Address]) -> str:
    return "\n".join(_address(address) for address in addresses) or NOT_RECORDED


def _rows(person: Person) -> dict[str, str]:
    """What the person's record says, field by field, as the table's rows read."""
    rows = {
        "Given names": _given(person.name),
        "Family name": _family(person.name),
        "Other names": _names(person.aliases),
        "Birth date": _date(person.birth_date),
        "Sex": person.sex.value,
        "Address": _address(person.address),
        "Previous addresses": _addresses(person.previous_addresses),
    }
    for label, field in IDENTIFIER_ROWS:
        rows[label] = getattr(person.identifiers, field) or NOT_RECORDED
    return rows


EVIDENCE_OF_ROW = {
    "Given names": ("given_name",),
    "Family name": ("family_name",),
    "Birth date": ("birth_date",),
    "Sex": ("sex",),
    "Address": ("address",),
    **{label: (field,) for label, field in IDENTIFIER_ROWS},
}
"""The comparisons each row's evidence comes from (other names and earlier addresses count within them)."""


def _side_by_side(ours: Person, theirs: AgencyPerson, judgement: Judgement, review: LinkReview) -> Table:
    table = Table(show_lines=True, title_justify="left")
    table.add_column("Field", max_width=18)
    table.add_column(f"Referral person {review.subject_id}", max_width=34, overflow="fold")
    table.add_column(f"{review.agency} record {review.agency_person_id}", max_width=34, overflow="fold")
    table.add_column("How they compare", max_width=48, overflow="fold")
    table.add_column("Weight (bits)", justify="right")
    evidence = {item.field: item for item in judgement.evidence}
    placed: set[str] = set()
    left, right = _rows(ours), _rows(theirs.person)
    for label in left:
        fields = [field for field in EVIDENCE_OF_ROW.get(label, ()) if field in evidence]
        placed.update(fields)
        words = "\n".join(evidence[field].words for field in fields)
        weights = "\n".join(_weight(evidence[field].weight, neutral=evidence[field].neutral) for field in fields)
        table.add_row(label, left[label], right[label], words, weights)
    for field, item in evidence.items():  # any comparison the rows above do not show
        if field not in placed:
            table.add_row(field.replace("_", " "), "", "", item.words, _weight(item.weight, neutral=item.neutral))
    return table


def _weight(bits: float, *, neutral: bool) -> str:
    return "0 (neither way)" if neutral else f"{bits:+.1f}"


def _print_outcome(console: Console, review: LinkReview, judgement: Judgement) -> None:
    from hub.linkage import default_linker

    thresholds = default_linker().settings.thresholds_for(review.agency)
    console.print(
        f"Match weight {judgement.match_weight:+.1f} bits: match probability {judgement.probability:.2%} "
        f"({review.agency}: linked from {thresholds.link_probability:.2%}, review from "
        f"{thresholds.review_probability:.2%}); the model says: {judgement.outcome.words}."
    )
    if abs(judgement.probability - review.probability) >= 0.0005:
        console.print(f"When proposed for review the probability was {review.probability:.2%}.")
    console.print(f"Why a person decides: {review.review_reasons or 'the evidence is not strong enough alone'}.")
    if theirs_reasons := [reason for reason in judgement.review_reasons if reason not in review.review_reasons]:
        console.print(f"The model would now add: {'; '.join(theirs_reasons)}.")


def _print_records(console: Console, review: LinkReview, entries: list[ChronologyEntry]) -> None:
    if not entries:
        console.print(f"The {review.agency} reply holds no records naming {review.agency_person_id}.")
        return
    table = Table(title=f"What {review.agency} holds about record {review.agency_person_id}", title_justify="left")
    for column in ("Date", "Event", "Role"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        roles = {p.role.value for p in entry.people if p.agency_person_id == review.agency_person_id}
        table.add_row(_date(entry.occurred_on), entry.summary, ", ".join(sorted(roles)) or NOT_RECORDED)
    console.print(table)
