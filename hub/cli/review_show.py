"""`hub review show N`: the referral's person and the agency's candidate side by side, so a person can decide.

The queue's list shows only the model's words; nobody can judge a link without seeing both records.
This puts them field by field, each row with the comparison's level, its words and the weight it
added, then the match probability and why the model would not decide alone. Reading it is reading
the referral's history: it needs `history.read` on the referral (refusals are audited). What is shown,
and what is withheld from a reader not cleared for restricted records, is decided in
`hub.chronology.identity_review`, which the web application's review page uses too; this prints it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from hub.access.permissions import Permission
from hub.chronology.identity_review import ReviewView, Shown, review_view

if TYPE_CHECKING:
    from hub.access.guard import SignedIn


def show_review(signed: SignedIn, review_id: int, console: Console, *, purpose: str) -> None:
    """Print one review side by side, to someone who may read its referral's history."""
    store = signed.store
    review = store.link_review(review_id)
    with signed.permit(Permission.HISTORY_READ, review.referral_id, purpose=purpose):
        view = review_view(store, signed.clearance, review, actor=signed.actor, purpose=purpose)
    console.print(
        f"[bold]Review {review.review_id}[/]: is {review.agency} record {review.agency_person_id} person "
        f"{review.subject_id} of referral {review.referral_id}? ({view.status_words})"
    )
    if view.shown is Shown.GONE:
        console.print(
            f"The {review.agency} reply no longer holds record {review.agency_person_id} (a later check replaced "
            "it), so it cannot be shown. The evidence when it was proposed:"
        )
        console.print(f"  {review.evidence}\n  Why review: {review.review_reasons}")
        return
    if view.shown is Shown.WITHHELD:
        console.print(
            f"The {review.agency} record {review.agency_person_id} is known only from restricted records you are "
            f"not cleared to see, so its details are not shown. To decide, ask {view.ask}."
        )
        return
    console.print(_side_by_side(view))
    _print_outcome(console, view)
    _print_records(console, view)
    if review.decided_at is None:
        console.print(
            f"Decide with `hub review confirm {review.review_id} --reason ...` or "
            f"`hub review reject {review.review_id} --reason ...`."
        )


def _side_by_side(view: ReviewView) -> Table:
    review = view.review
    table = Table(show_lines=True, title_justify="left")
    table.add_column("Field", max_width=18)
    table.add_column(f"Referral person {review.subject_id}", max_width=34, overflow="fold")
    table.add_column(f"{review.agency} record {review.agency_person_id}", max_width=34, overflow="fold")
    table.add_column("How they compare", max_width=48, overflow="fold")
    table.add_column("Weight (bits)", justify="right")
    for row in view.rows:
        table.add_row(row.label, row.ours, row.theirs, "\n".join(row.words), "\n".join(row.weights))
    return table


def _print_outcome(console: Console, view: ReviewView) -> None:
    review, judgement = view.review, view.judgement
    assert judgement is not None  # shown side by side
    console.print(
        f"Match weight {judgement.match_weight:+.1f} bits: match probability {judgement.probability:.2%} "
        f"({review.agency}: linked from {view.link_probability:.2%}, review from "
        f"{view.review_probability:.2%}); the model says: {judgement.outcome.words}."
    )
    if view.probability_moved:
        console.print(f"When proposed for review the probability was {review.probability:.2%}.")
    console.print(f"Why a person decides: {view.why_review}.")
    if view.new_reasons:
        console.print(f"The model would now add: {'; '.join(view.new_reasons)}.")


def _print_records(console: Console, view: ReviewView) -> None:
    review = view.review
    if not view.records:
        console.print(f"The {review.agency} reply holds no records naming {review.agency_person_id}.")
        return
    table = Table(title=f"What {review.agency} holds about record {review.agency_person_id}", title_justify="left")
    for column in ("Date", "Event", "Role"):
        table.add_column(column, overflow="fold")
    for record in view.records:
        table.add_row(record.occurred_on, record.summary, record.roles)
    console.print(table)
