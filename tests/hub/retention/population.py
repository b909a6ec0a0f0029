"""Synthetic referrals for the retention tests: households of invented people, with past dates and outcomes.

`store_referral` stores one (a decision at a past time if it has an outcome); `store_everything` also gives
it a row in every table a referral can have (replies with their recordings, check progress, chronologies
under child keys, a quality assessment, a submission, an allocation, a link review, a pending job with a
callback delivery, a break-glass access), so destroying it shows whether any table was forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from connectors.sdk.callbacks import Delivery
from connectors.sdk.jobs import PendingJob
from connectors.sdk.recording import Exchange, Recording
from hub.chronology.assembly import assemble
from hub.quality.checklist import read_checklist
from hub.quality.records import record_assessment
from hub.settings import REPO_ROOT
from hub.store import HubStore
from schemas import (
    CandidateLink,
    CheckPhase,
    CheckProgress,
    ChecksStage,
    ConcernCategory,
    InvolvementRole,
    LinkEvidence,
    LinkOutcome,
    Rag,
    Referral,
    Referrer,
    ReferrerKind,
    Subject,
    SubjectRole,
)
from tests.hub.builders import candidate, entry, person, reply

SETUP = "service:test-setup"
NAMES = ("Wren", "Quillfeather", "Orrin", "Bramblecote", "Sefton")
"""Every name the population uses: none may appear in output or logs."""
CHECKLIST = read_checklist(REPO_ROOT / "config" / "referral_quality.yaml")


@dataclass(frozen=True)
class Case:
    """One referral of a population and what the schedule must make of it."""

    referral_id: str
    received: date
    birth_dates: tuple[str | None, ...]
    """The children's birth dates (the first is the subject child), None for one not recorded."""
    outcome: str | None = None
    decided: date | None = None
    imported: bool = False
    checks: ChecksStage = ChecksStage.COMPLETE


def referral_of(case: Case) -> Referral:
    """A household of invented people: the children of `case`, and a parent."""
    children = [
        Subject(
            subject_id=f"C{number}",
            role=SubjectRole.SUBJECT_CHILD if number == 1 else SubjectRole.SIBLING,
            person=person(f"{NAMES[number % 3]} {NAMES[0]}", NAMES[1], birth),
        )
        for number, birth in enumerate(case.birth_dates, start=1)
    ]
    parent = Subject(subject_id="P1", role=SubjectRole.PARENT_CARER, person=person(NAMES[3], NAMES[1], "1980-02-02"))
    return Referral(
        referral_id=case.referral_id,
        received_at=datetime.combine(case.received, datetime.min.time(), UTC) + timedelta(hours=10),
        referrer=Referrer(kind=ReferrerKind.EDUCATION, organisation=f"{NAMES[4]} Primary School"),
        concern_categories=[ConcernCategory.NEGLECT],
        rag=Rag.GREEN,
        narrative=f"{NAMES[2]} has come to school hungry on several days this month.",
        subjects=[*children, parent],
    )


def store_referral(store: HubStore, case: Case, *, channel: str | None = None) -> Referral:
    """Store the case's referral, its checks' stage and its decision (agreed, at its past time)."""
    referral = referral_of(case)
    store.save_referral(referral, actor=SETUP, purpose="test referral", for_checks=True, channel=channel)
    store.mark_checks(case.referral_id, ChecksStage.IMPORTED if case.imported else case.checks)
    if case.outcome is not None:
        assert case.decided is not None
        store.import_decision(
            case.referral_id,
            outcome=case.outcome,
            level=2,
            decided_at=datetime.combine(case.decided, datetime.min.time(), UTC) + timedelta(hours=12),
            decided_by="user:test.practitioner",
            actor=SETUP,
            purpose="test decision",
        )
    return referral


def store_everything(store: HubStore, case: Case, *, staff: str) -> Referral:
    """The case's referral with a row in every table a referral can have (`staff`: an account that may hold it)."""
    referral = store_referral(store, case, channel="web")
    referral_id = case.referral_id
    found = person(f"{NAMES[1]} {NAMES[0]}", NAMES[1], case.birth_dates[0])
    occurrence = entry(
        "police", f"OCC-{referral_id}", "2020-05-05", [("P-1", InvolvementRole.CHILD_PRESENT)],
        summary=f"{NAMES[2]} was found at the family home by officers.",
    )  # fmt: skip
    answer = reply("police", "C1", candidates=[candidate("P-1", found)], entries=[occurrence], referral_id=referral_id)
    recording = Recording(
        agency="police",
        connector="connectors.police:PoliceConnector",
        requested_at=answer.requested_at,
        exchanges=[Exchange(method="POST", path="/nominals/search", request_body=b"{}", status=200, body=b"[]")],
    )
    progress = CheckProgress(agency="police", subject_id="C1", phase=CheckPhase.ANSWERED, attempts=1)
    store.save_reply(answer, actor=SETUP, recording=recording, progress=progress)
    for chronology in assemble(referral, [answer], assembled_at=answer.requested_at):
        store.save_chronology(chronology, actor=SETUP)
    record_assessment(store, referral, CHECKLIST, actor=SETUP)
    store.allocate(referral_id, staff, actor=SETUP, purpose="test allocation")
    review = CandidateLink(
        outcome=LinkOutcome.REVIEW,
        probability=0.5,
        evidence=[LinkEvidence(field="birth_date", level="different month", weight=-2.0, words="birth month differs")],
        agency="police",
        agency_person_id="P-2",
        subject_id="C1",
    )
    store.propose_reviews(referral_id, [review], actor=SETUP, purpose="test reviews")
    token = f"tok-{referral_id}"
    book = store.job_book(referral_id, "education", "C1", actor=SETUP, callback_base="https://hub.example/callbacks")
    book.accepted(PendingJob("GET /pupils#0", "https://school.example/jobs/7", "req-1", 1.0, 5.0, token=token))
    store.record_callback(token, Delivery(status=200, media_type="application/json", body=b"{}", request_id="req-1"))
    store.open_break_glass(
        referral_id, username=staff, role="practitioner", reason="out_of_hours",
        note=f"Out of hours call about {NAMES[2]}.", lasts=timedelta(hours=1), actor=f"user:{staff}",
    )  # fmt: skip
    return referral
