"""One identity review as a person decides it: the referral's person and the agency's candidate, field by field.

Nobody can judge a candidate link from the model's words alone, so `hub review show N` and the web
application's review page both put the two records side by side, each row with the comparison's level
words and the weight it added, then the match probability, why the model would not decide alone and what
the agency holds about the candidate. Both build it here, so the terminal and the browser cannot disagree.

The referral and the one agency reply are read through the store's audited paths: the caller holds the
access guard's permission (`history.read` on the referral) around `review_view`. A candidate the agency
knows only from restricted records the reader is not cleared for is not shown: the reader learns whom to
ask, by the chronology's own rule (`Clearance.withhold`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from hub.chronology.restricted import WITHHELD_RECORD_ID, Clearance
from hub.errors import UserError
from hub.linkage import Judgement
from hub.store import HubStore, LinkReview
from schemas import Address, AgencyPerson, AgencyReply, Chronology, ChronologyEntry, Person, PersonName

NOT_RECORDED = "—"
IDENTIFIER_ROWS = (
    ("NHS number", "nhs_number"),
    ("UPN", "upn"),
    ("Police nominal id", "police_nominal_id"),
    ("Housing reference", "housing_reference"),
)
EVIDENCE_OF_ROW = {
    "Given names": ("given_name",),
    "Family name": ("family_name",),
    "Birth date": ("birth_date",),
    "Sex": ("sex",),
    "Address": ("address",),
    **{label: (name,) for label, name in IDENTIFIER_ROWS},
}
"""The comparisons each row's evidence comes from (other names and earlier addresses count within them)."""


class Shown(StrEnum):
    """What the reader can be shown of the candidate."""

    SIDE_BY_SIDE = "side by side"
    GONE = "gone"
    """A later check replaced the reply, which no longer holds the candidate: only the evidence as proposed."""
    WITHHELD = "withheld"
    """Known only from restricted records the reader is not cleared for: whom to ask instead."""


@dataclass(frozen=True)
class ComparisonRow:
    """One row: what each side records and each comparison's words and weight (several lines in one cell)."""

    label: str
    ours: str
    theirs: str
    words: tuple[str, ...]
    weights: tuple[str, ...]


@dataclass(frozen=True)
class HeldRecord:
    """One of the agency's records naming the candidate, as the reader may see it."""

    occurred_on: str
    summary: str
    roles: str


@dataclass(frozen=True)
class ReviewView:
    """Everything a person deciding a review is shown, in words ready for the terminal or a page."""

    review: LinkReview
    shown: Shown
    ask: str = ""
    rows: tuple[ComparisonRow, ...] = ()
    judgement: Judgement | None = None
    link_probability: float = 0.0
    review_probability: float = 0.0
    new_reasons: tuple[str, ...] = field(default=())
    records: tuple[HeldRecord, ...] = ()

    @property
    def status_words(self) -> str:
        review = self.review
        if review.decided_at is None:
            return "waiting for a practitioner"
        return f"{review.status.value} by {review.decided_by} on {review.decided_at:%d %b %Y %H:%M}"

    @property
    def why_review(self) -> str:
        return self.review.review_reasons or "the evidence is not strong enough alone"

    @property
    def probability_moved(self) -> bool:
        """Whether the model's probability now differs from the one the review was proposed with."""
        return self.judgement is not None and abs(self.judgement.probability - self.review.probability) >= 0.0005


def review_view(store: HubStore, clearance: Clearance, review: LinkReview, *, actor: str, purpose: str) -> ReviewView:
    """The review as `actor` may see it; call within the guard's `history.read` permission on its referral."""
    referral = store.load_referral(review.referral_id, actor=actor, purpose=purpose)
    reply = store.load_reply(review.referral_id, review.agency, review.subject_id, actor=actor, purpose=purpose)
    subject = referral.subject(review.subject_id)
    candidate = _candidate(reply, review.agency_person_id)
    if reply is None or candidate is None:
        return ReviewView(review, Shown.GONE)
    records = _records_naming(reply, review.agency_person_id)
    shown = _as_cleared(clearance, review, records)
    if records and all(entry.source.record_id.startswith(f"{WITHHELD_RECORD_ID}-") for entry in shown):
        whom = clearance.ask.get(review.agency) or f"the {review.agency} MASH representative"
        return ReviewView(review, Shown.WITHHELD, ask=whom)
    from hub.linkage import default_linker

    judgement = _judge_now(subject.person, reply, review)
    thresholds = default_linker().settings.thresholds_for(review.agency)
    return ReviewView(
        review,
        Shown.SIDE_BY_SIDE,
        rows=tuple(_side_by_side(subject.person, candidate, judgement)),
        judgement=judgement,
        link_probability=thresholds.link_probability,
        review_probability=thresholds.review_probability,
        new_reasons=tuple(reason for reason in judgement.review_reasons if reason not in review.review_reasons),
        records=tuple(_held(review, entry) for entry in shown),
    )


def _candidate(reply: AgencyReply | None, agency_person_id: str) -> AgencyPerson | None:
    if reply is None:
        return None
    return next((c for c in reply.candidates if c.agency_person_id == agency_person_id), None)


def _records_naming(reply: AgencyReply, agency_person_id: str) -> list[ChronologyEntry]:
    return [entry for entry in reply.entries if any(p.agency_person_id == agency_person_id for p in entry.people)]


def _as_cleared(clearance: Clearance, review: LinkReview, entries: list[ChronologyEntry]) -> list[ChronologyEntry]:
    """The entries as this reader may see them, by the chronology's own rule (`Clearance.withhold`)."""
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
    return list(clearance.withhold(held).entries)


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


def when(value: date | None) -> str:
    """A date as the review reads it (`14 Mar 2015`), or a dash when not recorded."""
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
        "Birth date": when(person.birth_date),
        "Sex": person.sex.value,
        "Address": _address(person.address),
        "Previous addresses": _addresses(person.previous_addresses),
    }
    for label, name in IDENTIFIER_ROWS:
        rows[label] = getattr(person.identifiers, name) or NOT_RECORDED
    return rows


def _side_by_side(ours: Person, theirs: AgencyPerson, judgement: Judgement) -> list[ComparisonRow]:
    evidence = {item.field: item for item in judgement.evidence}
    placed: set[str] = set()
    left, right = _rows(ours), _rows(theirs.person)
    rows = []
    for label in left:
        fields = [name for name in EVIDENCE_OF_ROW.get(label, ()) if name in evidence]
        placed.update(fields)
        words = tuple(evidence[name].words for name in fields)
        weights = tuple(weight(evidence[name].weight, neutral=evidence[name].neutral) for name in fields)
        rows.append(ComparisonRow(label, left[label], right[label], words, weights))
    for name, item in evidence.items():  # any comparison the rows above do not show
        if name not in placed:
            weighs = weight(item.weight, neutral=item.neutral)
            rows.append(ComparisonRow(name.replace("_", " "), "", "", (item.words,), (weighs,)))
    return rows


def weight(bits: float, *, neutral: bool) -> str:
    """A comparison's weight in bits as people read it: signed, or "neither way" when it counts for nothing."""
    return "0 (neither way)" if neutral else f"{bits:+.1f}"


def _held(review: LinkReview, entry: ChronologyEntry) -> HeldRecord:
    roles = {p.role.value for p in entry.people if p.agency_person_id == review.agency_person_id}
    return HeldRecord(when(entry.occurred_on), entry.summary, ", ".join(sorted(roles)) or NOT_RECORDED)
