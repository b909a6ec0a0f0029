"""`hub review ...`: a practitioner confirms or rejects the candidate links the model would not make alone.

Every decision is audited with its actor; the reason is stored sealed. The referral's chronologies
are assembled again at once, so the next family history read reflects the decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from hub.access.permissions import Permission
from hub.cli.common import console, signed_in
from hub.errors import UserError

if TYPE_CHECKING:
    from hub.access.guard import SignedIn
    from hub.store import LinkReview

REVIEW_PURPOSE = "identity link review"

app = typer.Typer(
    help="Candidate identity links the hub would not make alone: list, show, confirm, reject.", no_args_is_help=True
)
ReviewNumber = Annotated[int, typer.Argument(help="The review's number, from `hub review list`.")]
Reason = Annotated[str, typer.Option(help="Why: kept (sealed) with the decision.")]


@app.command("list")
def list_command(
    referral: Annotated[str | None, typer.Option(help="Only this referral's reviews.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include decided reviews, with who decided.")] = False,
) -> None:
    """Candidate links waiting for a practitioner, with the evidence and why each needs a person."""
    list_reviews(signed_in(), console, referral_id=referral, include_decided=all_)


@app.command("show")
def show(review: ReviewNumber) -> None:
    """The referral's person and the agency's candidate side by side, field by field with the evidence."""
    from hub.cli.review_show import show_review

    show_review(signed_in(), review, console, purpose=REVIEW_PURPOSE)


@app.command("confirm")
def confirm(review: ReviewNumber, reason: Reason) -> None:
    """This agency record is this person: link it, and assemble the chronology again."""
    decide(signed_in(), review, confirm=True, reason=reason, console=console)


@app.command("reject")
def reject(review: ReviewNumber, reason: Reason) -> None:
    """This agency record is someone else: keep it apart, for good."""
    decide(signed_in(), review, confirm=False, reason=reason, console=console)


def list_reviews(signed: SignedIn, console: Console, *, referral_id: str | None, include_decided: bool) -> None:
    """The reviews of the referrals this person may read (all of one referral's, with `referral_id`)."""
    store = signed.store
    if referral_id is not None:
        with signed.permit(Permission.HISTORY_READ, referral_id, purpose=REVIEW_PURPOSE):
            pass  # a refusal is audited and raised here, before anything is listed
    reviews = [
        review
        for review in store.link_reviews(referral_id, pending_only=not include_decided)
        if signed.may(Permission.HISTORY_READ, review.referral_id)
    ]
    if not reviews:
        scope = f" for referral {referral_id}" if referral_id else " on referrals allocated to you"
        console.print(f"No {'' if include_decided else 'open '}link reviews{scope}.")
        return
    names: dict[tuple[str, str], str] = {}
    for referral in sorted({review.referral_id for review in reviews}):
        with signed.permit(Permission.HISTORY_READ, referral, purpose=REVIEW_PURPOSE):
            subjects = store.load_referral(referral, actor=signed.actor, purpose=REVIEW_PURPOSE).subjects
        for subject in subjects:
            names[(referral, subject.subject_id)] = subject.name.display
    table = Table(title="Candidate links waiting for a practitioner", title_justify="left", show_lines=True)
    for column, width in (("#", 4), ("Referral", 16), ("Person", 26), ("Agency record", 18), ("Evidence", 56)):
        table.add_column(column, max_width=width, overflow="fold")
    if include_decided:
        table.add_column("Decision")
    for review in reviews:
        row = [
            str(review.review_id),
            review.referral_id,
            names.get((review.referral_id, review.subject_id), review.subject_id),
            f"{review.agency} {review.agency_person_id}\n({review.probability:.1%})",
            f"{review.evidence}\n[italic]Why review: {review.review_reasons}[/]",
        ]
        table.add_row(*row, *([_decision(review)] if include_decided else []))
    console.print(table)
    console.print("See one side by side with `hub review show N`, then decide with `hub review confirm N --reason ...`")
    console.print("or `hub review reject N --reason ...`.")


def _decision(review: LinkReview) -> str:
    if review.decided_at is None:
        return "pending"
    return f"{review.status.value} by {review.decided_by} on {review.decided_at:%d %b %Y %H:%M}"


def decide(signed: SignedIn, review_id: int, *, confirm: bool, reason: str, console: Console) -> None:
    from hub.checks.review_decisions import decide_link_review

    if not reason.strip():
        raise UserError("Give the reason for the decision with --reason; it is kept with the decision.")
    decided = decide_link_review(signed, review_id, confirm=confirm, reason=reason)
    review = decided.review
    verdict = "is now linked to" if confirm else "is kept apart from"
    console.print(
        f"Review {review_id} {review.status.value}: {review.agency} record {review.agency_person_id} {verdict} "
        f"{review.subject_id} in referral {review.referral_id}."
    )
    for chronology in decided.stored:
        console.print(f"  chronology for {chronology['child']}: version {chronology['version']}")
