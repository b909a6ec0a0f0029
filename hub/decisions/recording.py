"""What a decision and a sign-off must hold, checked in full before anything is stored.

Every problem is found at once and named by its field (`outcome`, `level`, `rationale`, `verdict`,
`note`), so the command line prints one line each and the web form puts each beside its field. The
rationale and the note are a person's words about a child: they are never quoted back in a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.decisions.config import LEVELS, DecisionsConfig
from hub.errors import UserError
from hub.store import HubStore
from hub.store.decision_records import DecisionRefused, StoredDecision
from schemas import ChecksStage

DECISION_PURPOSE = "mash_enquiry"
"""The purpose recorded with a decision: `roles.yaml`'s "MASH enquiry, deciding what happens next"."""
SIGN_OFF_PURPOSE = "management_oversight"
"""The purpose recorded with a sign-off and with a manager's read of the decision to sign it off."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Problems = dict[str, str]
"""Field name to one line saying what is wrong with it and what to do."""


class DecisionProblems(UserError):
    """The decision or sign-off was not stored; one line per problem, each naming its field."""

    def __init__(self, problems: Problems) -> None:
        super().__init__("\n".join(f"{field}: {message}" for field, message in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class DecisionInput:
    outcome: str
    level: int
    rationale: str


def _text_problem(text: str, what: str, *, minimum: int, maximum: int) -> str | None:
    stripped = text.strip()
    if not stripped:
        return f"Enter the {what}"
    if _CONTROL.search(text):
        return f"The {what} contains characters that are not text; type or paste it again"
    if len(stripped) < minimum:
        return f"The {what} must be at least {minimum} characters: say why, in a sentence or two"
    if len(text) > maximum:
        return f"The {what} must be {maximum} characters or fewer"
    return None


def decision_problems(config: DecisionsConfig, outcome: str, level: str | int | None, rationale: str) -> Problems:
    """Every problem with a decision as given (empty if none)."""
    problems: Problems = {}
    if not outcome:
        problems["outcome"] = "Select the outcome of the MASH decision"
    elif outcome not in config.outcomes:
        problems["outcome"] = f"Choose one of the outcomes ({', '.join(config.outcomes)})"
    if level is None or str(level).strip() == "":
        problems["level"] = "Select the threshold level of need, 1 to 4"
    elif not str(level).strip().isdigit() or int(str(level)) not in LEVELS:
        problems["level"] = "The level of need must be 1, 2, 3 or 4"
    rules = config.rationale
    found = _text_problem(rationale, "rationale", minimum=rules.min_characters, maximum=rules.max_characters)
    if found:
        problems["rationale"] = found
    return problems


def checked_decision(config: DecisionsConfig, outcome: str, level: str | int | None, rationale: str) -> DecisionInput:
    """The decision, or `DecisionProblems` naming every field that is wrong."""
    problems = decision_problems(config, outcome, level, rationale)
    if problems:
        raise DecisionProblems(problems)
    return DecisionInput(outcome, int(str(level)), rationale.strip())


def sign_off_problems(config: DecisionsConfig, verdict: str, note: str) -> Problems:
    """Every problem with a sign-off: a verdict (`agree` or `return`), and a note when returning."""
    problems: Problems = {}
    if verdict not in ("agree", "return"):
        problems["verdict"] = "Select whether you agree the decision or return it"
    if verdict == "return" or note.strip():
        maximum = config.note.max_characters
        found = _text_problem(note, "note", minimum=1, maximum=maximum)
        if found:
            problems["note"] = (
                "Enter a note saying what the practitioner should reconsider" if found.startswith("Enter") else found
            )
    return problems


def record_decision(
    store: HubStore,
    config: DecisionsConfig,
    referral_id: str,
    *,
    outcome: str,
    level: str | int | None,
    rationale: str,
    actor: str,
) -> StoredDecision:
    """Check the decision in full, then store it (audited as `decision.record`, the rationale sealed).

    Imported history was decided, if at all, in the council's old system: no decision is recorded on it here.
    """
    decision = checked_decision(config, outcome, level, rationale)
    checks = store.referral_checks(referral_id)
    if checks is not None and checks.stage is ChecksStage.IMPORTED:
        raise DecisionRefused(
            f"Referral {referral_id} is imported history: it was decided in the council's old system, "
            "so no decision is recorded on it here."
        )
    return store.record_decision(
        referral_id,
        outcome=decision.outcome,
        level=decision.level,
        rationale=decision.rationale,
        actor=actor,
        purpose=DECISION_PURPOSE,
    )


def sign_off_decision(
    store: HubStore, config: DecisionsConfig, referral_id: str, number: int, *, verdict: str, note: str, actor: str
) -> StoredDecision:
    """Check the sign-off, then store it (audited as `decision.sign_off`, the note sealed)."""
    problems = sign_off_problems(config, verdict, note)
    if problems:
        raise DecisionProblems(problems)
    return store.sign_off_decision(
        referral_id, number, agree=verdict == "agree", note=note.strip() or None, actor=actor, purpose=SIGN_OFF_PURPOSE
    )


def own_decision(decision: StoredDecision, actor: str) -> bool:
    """Whether `actor` recorded it: nobody signs off their own decision (the guard refuses, audited)."""
    return decision.recorded_by == actor


OWN_DECISION = "A manager cannot sign off a decision they recorded; ask another manager to sign it off."
