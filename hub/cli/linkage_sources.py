"""`hub linkage estimate --from-store`: the hub's own stored referrals and agency replies as unlabelled pairs.

As a council would estimate on its own data: each stored agency reply is one case, the referral's
subject (as the referral describes them) against the candidates that agency returned for them. No
review decision or link outcome is read: the pairs are unlabelled, as from an interchange file.

Reading gathers personal data across every referral, so, as `hub linkage learn` does, it needs
`linkage.manage` (a refusal is audited) and every read goes through the store's audited paths with
`ESTIMATE_PURPOSE`. A referral is read only when one of its replies returned candidates. Candidates
known only from restricted records are used as any other (as learning uses them): nothing about one
record is shown or written. What leaves is the model's parameters, counts and notes that name
references only (referral, subject, agency, the candidate's place in the reply), never a value.

One thing in the model is drawn from values: term frequencies, each name's share of the records.
A name is written only if it appears in at least `MIN_NAME_REFERRALS` referrals, so the file never
shows that one family's name is in the store; names withheld (and names never seen) count at the
floor, raised to the largest withheld share, so agreeing on a rare name never weighs more than the
store can support.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hub.access.permissions import Permission
from hub.errors import UserError
from hub.linkage.estimate import SourcePair, TrainingPairs
from hub.linkage.records import LinkageRecord, UnusableRecord, from_agency_person, from_person

if TYPE_CHECKING:
    from hub.access.guard import SignedIn

ESTIMATE_PURPOSE = "linkage model estimation"
STORE_NAME = "the hub's stored agency replies"
FEWEST_PAIRS = 50
"""`estimate_model` refuses fewer returned pairs than this; the store's refusal says what to do instead."""
MIN_NAME_REFERRALS = 10
"""A name's term frequency is written only if the name appears in at least this many referrals."""


def _names(record: LinkageRecord) -> dict[str, str]:
    """The values the model's term frequencies are keyed by: the first given name and the surname."""
    names = {}
    if record.given:
        names["given_name"] = record.given[0].text
    if record.family is not None:
        names["family_name"] = record.family.text
    return names


@dataclass
class StoredReplies:
    """The stored-replies source for `estimate_command`: read it, then make its model fit to write."""

    signed: SignedIn
    name: str = STORE_NAME
    referrals_by_name: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def read(self) -> TrainingPairs:
        """Every stored reply with candidates as a case; a refusal (audited) without `linkage.manage`."""
        store, actor = self.signed.store, self.signed.actor
        training = TrainingPairs()
        referrals = replies = 0
        with self.signed.permit(Permission.LINKAGE_MANAGE, purpose=ESTIMATE_PURPOSE):
            for summary in sorted(store.referral_summaries(), key=lambda summary: summary.referral_id):
                referral_id = summary.referral_id
                answered = [
                    reply
                    for reply in store.load_replies(referral_id, actor=actor, purpose=ESTIMATE_PURPOSE)
                    if reply.candidates
                ]
                if not answered:
                    continue
                referral = store.load_referral(referral_id, actor=actor, purpose=ESTIMATE_PURPOSE)
                subjects = {subject.subject_id: subject for subject in referral.subjects}
                referrals += 1
                for reply in answered:
                    where = f"referral {referral_id}, subject {reply.subject_id}, {reply.agency}"
                    subject = subjects.get(reply.subject_id)
                    if subject is None:
                        training.notes.append(f"{where}: the referral names no such subject; reply skipped")
                        continue
                    try:
                        query = from_person(subject.person)
                    except UnusableRecord as refusal:
                        training.notes.append(f"{where}: the referral's person is unusable ({refusal})")
                        continue
                    replies += 1
                    case = self._case(query, reply.agency, reply.candidates, where, training.notes)
                    for record in [query, *(pair.candidate for pair in case)]:
                        for name_field, value in _names(record).items():
                            self.referrals_by_name[name_field, value].add(referral_id)
                    training.cases.append(case)
        training.source = {"kind": "stored agency replies", "referrals": referrals, "replies": replies}
        if training.pairs < FEWEST_PAIRS:
            raise UserError(
                f"Cannot estimate from {self.name}: only {training.pairs} returned pair(s) are stored, and at "
                f"least {FEWEST_PAIRS} are needed (thousands give steady parameters). Keep the current model until "
                "more checks have been answered, or estimate from a file: hub linkage estimate --from-cases FILE."
            )
        return training

    @staticmethod
    def _case(
        query: LinkageRecord, agency: str, candidates: list[Any], where: str, notes: list[str]
    ) -> list[SourcePair]:
        pairs = []
        for number, candidate in enumerate(candidates, start=1):
            try:
                pairs.append(SourcePair(query, from_agency_person(candidate), agency))
            except UnusableRecord as refusal:
                notes.append(f"{where}, candidate {number} of {len(candidates)}: {refusal}")
        return pairs

    def publishable(self, document: dict[str, Any]) -> dict[str, Any]:
        """The model without any name seen in fewer than `MIN_NAME_REFERRALS` referrals; the floor raised to match."""
        withheld_counts = {}
        for name_field, frequencies in document.get("term_frequencies", {}).items():
            values: dict[str, float] = frequencies["values"]
            withheld = {
                name: share
                for name, share in values.items()
                if len(self.referrals_by_name.get((name_field, name), ())) < MIN_NAME_REFERRALS
            }
            frequencies["values"] = {name: share for name, share in values.items() if name not in withheld}
            frequencies["floor"] = max([frequencies["floor"], *withheld.values()])
            withheld_counts[name_field] = len(withheld)
        document["provenance"]["term_frequencies_withheld"] = {
            "rule": f"a name in fewer than {MIN_NAME_REFERRALS} referrals is not written and counts at the floor",
            "names": withheld_counts,
        }
        return document
