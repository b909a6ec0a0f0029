"""A household across several referrals, stored for subject access tests.

Amara (NHS number 9990001014) is the subject child of REF-2026-000417 (the example referral, with her
brother Tyler, her mother Grace and Liam, another adult) and a sibling in an earlier referral about
Tyler, REF-2025-000101. REF-2024-000050 names her without an NHS number (the hub's linkage ties it to her
by name and date of birth, as an earlier referral); REF-2026-000500 is about another family.
Replies, chronologies, a MASH decision with its sign-off and a decided identity review are stored, so a
subject access export for Amara has something of every kind to gather, and something of everyone else's
to mark.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hub.chronology.assembly import assemble, prior_referrals
from hub.store import HubStore
from schemas import (
    CandidateLink,
    InvolvementRole,
    LinkEvidence,
    LinkOutcome,
    Referral,
    Referrer,
    ReferrerKind,
    Subject,
    SubjectRole,
)
from tests.hub.builders import (
    ASSEMBLED_AT,
    REFERRAL_ID,
    candidate,
    entry,
    example_referral,
    household_replies,
    person,
    reply,
)

AMARA_NHS = "9990001014"
TYLER_NHS = "9990001022"
EARLIER_ID = "REF-2025-000101"
OTHER_FAMILY_ID = "REF-2026-000500"
NAME_ONLY_ID = "REF-2024-000050"
OTHER_FAMILY_NHS = "9990002010"
SETUP = "service:test-setup"
PRACTITIONER = "user:sam.practitioner"
MANAGER = "user:mo.manager"
RATIONALE = (
    "Domestic abuse with both children present; Grace Okafor disclosed earlier incidents. Section 17 assessment."
)
REVIEW_REASON = "Different date of birth from the referral; the school confirmed it is another child."
NAMES = ("Amara", "Okafor-Reid", "Tyler", "Grace", "Okafor", "Liam", "Hartley", "Noah", "Pemberton")


def earlier_referral() -> Referral:
    """Tyler's earlier referral: Amara is his sibling there (subject S2), their mother S3."""
    example = example_referral()
    amara, tyler, grace = (example.subject(sid).person for sid in ("S1", "S2", "S3"))
    return Referral(
        referral_id=EARLIER_ID,
        received_at=datetime(2025, 5, 6, 14, 0, tzinfo=UTC),
        referrer=Referrer(kind=ReferrerKind.PUBLIC, organisation="Member of the public (a neighbour)"),
        concern_categories=example.concern_categories[:1],
        rag=example.rag,
        narrative="A neighbour heard shouting and a child crying late at night.",
        subjects=[
            Subject(subject_id="S1", role=SubjectRole.SUBJECT_CHILD, person=tyler),
            Subject(subject_id="S2", role=SubjectRole.SIBLING, person=amara),
            Subject(subject_id="S3", role=SubjectRole.PARENT_CARER, person=grace),
        ],
    )


def name_only_referral() -> Referral:
    """An older referral naming Amara and her mother, without Amara's NHS number."""
    example = example_referral()
    amara = example.subject("S1").person
    return Referral(
        referral_id=NAME_ONLY_ID,
        received_at=datetime(2024, 2, 12, 9, 0, tzinfo=UTC),
        referrer=Referrer(kind=ReferrerKind.FAMILY, organisation="A grandparent"),
        concern_categories=example.concern_categories[1:],
        rag=example.rag,
        narrative="Her grandmother worries that Amara is often left alone in the evenings.",
        subjects=[
            Subject(
                subject_id="S1",
                role=SubjectRole.SUBJECT_CHILD,
                person=amara.model_copy(
                    update={"identifiers": amara.identifiers.model_copy(update={"nhs_number": None})}
                ),
            ),
            Subject(subject_id="S2", role=SubjectRole.PARENT_CARER, person=example.subject("S3").person),
        ],
    )


def other_family() -> Referral:
    return Referral(
        referral_id=OTHER_FAMILY_ID,
        received_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
        referrer=Referrer(kind=ReferrerKind.EDUCATION, organisation="Larch Primary School"),
        concern_categories=example_referral().concern_categories[1:],
        rag=example_referral().rag,
        narrative="Attendance has fallen to 70% this term.",
        subjects=[
            Subject(
                subject_id="S1",
                role=SubjectRole.SUBJECT_CHILD,
                person=person("Noah", "Pemberton", "2016-01-09", nhs_number=OTHER_FAMILY_NHS),
            )
        ],
    )


def earlier_replies() -> list:  # type: ignore[type-arg]
    amara = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    tyler = person("Tyler", "Okafor-Reid", "2018-07-02")
    shouting = entry(
        "police",
        "OCC-9",
        "2025-05-05",
        [("P-1", InvolvementRole.CHILD_PRESENT), ("P-2", InvolvementRole.CHILD_PRESENT)],
        summary="Police attended a report of shouting; both children were at home.",
    )
    return [
        reply("police", "S2", candidates=[candidate("P-1", amara)], entries=[shouting], referral_id=EARLIER_ID),
        reply("police", "S1", candidates=[candidate("P-2", tyler)], entries=[shouting], referral_id=EARLIER_ID),
    ]


def store_household(store: HubStore) -> None:
    """Store the three referrals with their replies, chronologies, a decision and an identity review."""
    for referral, replies in (
        (name_only_referral(), []),
        (earlier_referral(), earlier_replies()),
        (example_referral(), household_replies()),
        (other_family(), [reply("health", "S1", candidates=[], entries=[], referral_id=OTHER_FAMILY_ID)]),
    ):
        store.save_referral(referral, actor=SETUP, purpose="test referral")
        for each in replies:
            store.save_reply(each, actor=SETUP)
        earlier = {
            subject.subject_id: store.prior_involvement(
                subject.person, excluding=referral.referral_id, actor=SETUP, purpose="test prior involvement"
            )
            for subject in referral.subjects
        }
        prior = prior_referrals(referral, earlier)
        for chronology in assemble(referral, replies, assembled_at=ASSEMBLED_AT, prior=prior):
            store.save_chronology(chronology, actor=SETUP)
    store.record_decision(REFERRAL_ID, outcome="s17_assessment", level=3, rationale=RATIONALE, actor=PRACTITIONER,
                          purpose="mash_enquiry")  # fmt: skip
    store.sign_off_decision(REFERRAL_ID, 1, agree=True, note="Agreed.", actor=MANAGER, purpose="management_oversight")
    review = CandidateLink(
        outcome=LinkOutcome.REVIEW,
        probability=0.55,
        evidence=[LinkEvidence(field="birth_date", level="different month", weight=-2.0, words="birth month differs")],
        agency="police",
        agency_person_id="P-5",
        subject_id="S1",
    )
    store.propose_reviews(REFERRAL_ID, [review], actor=SETUP, purpose="test reviews")
    [proposed] = store.link_reviews(REFERRAL_ID)
    store.decide_review(
        proposed.review_id, confirm=False, reason=REVIEW_REASON, actor=PRACTITIONER, purpose="mash_enquiry"
    )
