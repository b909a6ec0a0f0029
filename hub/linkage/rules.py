"""Conservative rules: situations where the weights alone must not decide.

Fellegi–Sunter treats fields as independent, but twins share a surname, birth date and address,
and a father can share his son's name and address. A wrong link puts one child's history into
another's file, so these situations are capped below an automatic link (or raised to review when
the evidence is too strong to drop silently). Each rule says why, in words without data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.linkage.comparisons import IDENTIFIER_LABELS
from hub.linkage.judgement import Outcome
from hub.linkage.records import LinkageRecord

SAME_FIRST_NAME = frozenset({"exact", "middle_left_out", "first_matches", "nickname", "spelling_variant", "other_name"})
"""Given-name levels that mean the same first name (a known nickname or alias counts; a middle name does not)."""
TWIN_PROOF_FIRST_NAME = SAME_FIRST_NAME - {"nickname"}
"""First names that tell twins apart: twins can be given related names (Lucia and Lucy), so a nickname cannot."""
FAMILY_AGREES = frozenset({"exact", "compound_part", "previous_name", "spelling_variant"})
FAMILY_RESEMBLES = FAMILY_AGREES | {"phonetic", "similar"}
"""Surnames that could be one family's, allowing a typing error: what the protective caps look at."""
BIRTH_DATE_AGREES = frozenset({"exact", "day_month_swapped", "one_digit_off"})
NO_FIRST_NAME = frozenset({"missing", "initial"})


@dataclass(frozen=True, slots=True)
class Pair:
    """What the rules look at: both records and the level of every comparison."""

    query: LinkageRecord
    candidate: LinkageRecord
    levels: Mapping[str, str]

    @property
    def known_by_that_name(self) -> bool:
        """One record itself says the person is known by the other's first name (an alias, exactly)."""
        ours, theirs = self.query.given, self.candidate.given
        if not ours or not theirs:
            return False
        return any(name.text == ours[0].text for name in self.candidate.other_given) or any(
            name.text == theirs[0].text for name in self.query.other_given
        )

    @property
    def same_first_name(self) -> bool:
        return self.levels["given_name"] in SAME_FIRST_NAME

    @property
    def family_agrees(self) -> bool:
        return self.levels["family_name"] in FAMILY_AGREES

    @property
    def family_resembles(self) -> bool:
        return self.levels["family_name"] in FAMILY_RESEMBLES

    @property
    def identifier_matches(self) -> bool:
        return any(self.levels.get(field) == "match" for field in IDENTIFIER_LABELS)

    @property
    def conflicting_identifiers(self) -> list[str]:
        return [IDENTIFIER_LABELS[field] for field in IDENTIFIER_LABELS if self.levels.get(field) == "conflict"]

    def birth_years_apart(self) -> int | None:
        ours, theirs = self.query.birth_date, self.candidate.birth_date
        if ours is None or theirs is None:
            return None
        return abs(ours.year - theirs.year)


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that applies: the outcome it caps at (or raises to), and why."""

    reason: str
    ceiling: Outcome = Outcome.LINKED
    floor: Outcome = Outcome.NOT_LINKED


class ConservativeRules:
    """All the rules; `findings` lists those that apply to a pair."""

    def __init__(self, generation_gap_years: int) -> None:
        self.generation_gap_years = generation_gap_years

    def findings(self, pair: Pair) -> list[Finding]:
        checks = (
            self._twins,
            self._generation_apart,
            self._namesake,
            self._birth_year_mistyped,
            self._no_birth_date,
            self._identifier_conflict,
            self._identifier_without_name,
            self._sex_differs,
            self._no_first_name,
        )
        return [finding for check in checks if (finding := check(pair)) is not None]

    @staticmethod
    def _twins(pair: Pair) -> Finding | None:
        """Same surname and birth date, a different first name: a twin (or a sibling on a mistyped date)."""
        birth_dates_agree = pair.levels["birth_date"] in BIRTH_DATE_AGREES
        different_first_name = pair.levels["given_name"] not in TWIN_PROOF_FIRST_NAME and not pair.known_by_that_name
        if not (pair.family_resembles and birth_dates_agree and different_first_name) or pair.identifier_matches:
            return None
        if pair.levels["sex"] == "differs" and pair.levels["given_name"] == "differs":
            return Finding(
                "same surname and birth date, but a different first name and sex: a twin", Outcome.NOT_LINKED
            )
        return Finding("same surname and birth date but a different first name: could be a twin", Outcome.REVIEW)

    def _generation_apart(self, pair: Pair) -> Finding | None:
        """Same name, birth years a generation apart: a parent and child sharing a name, not one person."""
        years = pair.birth_years_apart()
        if years is None or years < self.generation_gap_years or pair.levels["birth_date"] == "one_digit_off":
            return None
        if pair.same_first_name and pair.family_resembles and not pair.identifier_matches:
            return Finding(
                "same name but birth dates a generation apart: could be a parent and child", Outcome.NOT_LINKED
            )
        return None

    @staticmethod
    def _namesake(pair: Pair) -> Finding | None:
        """Same name, different birth dates (not a typing error): relatives and neighbours share names."""
        if pair.levels["birth_date"] != "differs" or pair.identifier_matches:
            return None
        if pair.same_first_name and pair.family_resembles:
            return Finding(
                "same name but different birth dates: could be a relative with the same name", Outcome.REVIEW
            )
        return None

    @staticmethod
    def _birth_year_mistyped(pair: Pair) -> Finding | None:
        """A one-digit difference in the year is a typing error, or a relative born ten years apart."""
        years = pair.birth_years_apart()
        if pair.levels["birth_date"] == "one_digit_off" and years and not pair.identifier_matches:
            return Finding("birth years differ by one digit: a typing error, or a relative", Outcome.REVIEW)
        return None

    @staticmethod
    def _no_birth_date(pair: Pair) -> Finding | None:
        """Without a birth date, twins and namesakes cannot be told apart; with the same name, a person looks."""
        if pair.levels["birth_date"] != "missing" or pair.identifier_matches:
            return None
        reason = "birth date missing, so a relative with the same name cannot be ruled out"
        if pair.same_first_name and pair.family_agrees:
            return Finding(reason, Outcome.REVIEW, Outcome.REVIEW)
        return Finding(reason, Outcome.REVIEW)

    @staticmethod
    def _identifier_conflict(pair: Pair) -> Finding | None:
        """A conflicting identifier is strong evidence against, but duplicate records carry two numbers."""
        conflicting = pair.conflicting_identifiers
        if not conflicting:
            return None
        reason = f"{' and '.join(conflicting)} {'differs' if len(conflicting) == 1 else 'differ'}"
        if pair.same_first_name and pair.family_agrees and pair.levels["birth_date"] == "exact":
            reason += " although name and birth date match: could be a duplicate record"
            return Finding(reason, Outcome.REVIEW, Outcome.REVIEW)
        return Finding(reason, Outcome.REVIEW)

    @staticmethod
    def _identifier_without_name(pair: Pair) -> Finding | None:
        """An identifier matching on records whose names disagree entirely is more likely a recording error."""
        names_differ = pair.levels["given_name"] in {"differs", "missing"} and pair.levels["family_name"] == "differs"
        if pair.identifier_matches and names_differ:
            return Finding("identifier matches but the name does not: could be a recording error", Outcome.REVIEW)
        return None

    @staticmethod
    def _sex_differs(pair: Pair) -> Finding | None:
        if pair.levels["sex"] == "differs":
            return Finding("recorded sex differs", Outcome.REVIEW)
        return None

    @staticmethod
    def _no_first_name(pair: Pair) -> Finding | None:
        """A surname alone (or with an initial) never confirms a person: siblings share it."""
        if pair.levels["given_name"] in NO_FIRST_NAME and not pair.identifier_matches:
            return Finding("no first name (or only an initial) on one side", Outcome.REVIEW)
        return None
