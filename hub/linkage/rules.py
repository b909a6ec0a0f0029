"""Conservative rules: situations where the weights alone must not decide.

Fellegi–Sunter treats fields as independent, but twins share a surname, birth date and address,
and a father can share his son's name and address. A wrong link puts one child's history into
another's file, so these situations are capped below an automatic link (or raised to review when
the evidence is too strong to drop silently). Each rule says why, in words without data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from hub.linkage.comparisons import IDENTIFIER_LABELS, days_apart, edits_apart, identifier_label
from hub.linkage.judgement import Outcome
from hub.linkage.records import BirthDate, LinkageRecord, Name

SAME_FIRST_NAME = frozenset({"exact", "middle_left_out", "first_matches", "nickname", "spelling_variant", "other_name"})
"""Given-name levels that mean the same first name (a known nickname or alias counts; a middle name does not)."""
TWIN_PROOF_FIRST_NAME = SAME_FIRST_NAME - {"nickname"}
"""First names that tell twins apart: twins can be given related names (Lucia and Lucy), so a nickname cannot."""
FAMILY_AGREES = frozenset({"exact", "compound_part", "previous_name", "spelling_variant"})
FAMILY_RESEMBLES = FAMILY_AGREES | {"one_edit", "phonetic", "two_edits", "similar"}
"""Surnames that could be one family's, allowing a typing error: what the protective caps look at."""
BIRTH_DATE_AGREES = frozenset({"exact", "day_month_swapped", "one_digit_off"})
BIRTH_DATE_NEARLY = frozenset({"one_digit_off", "few_days_apart", "year_off"})
"""Birth dates a slip apart but not the same: a mistake, or a relative of the same name born a month or a
year apart (with the same name, never linked without a person looking)."""
SAME_HOME = frozenset({"same_address", "same_postcode", "previous_address", "same_line"})
NO_FIRST_NAME = frozenset({"missing", "initial"})
SLIP_FREQUENCY_RATIO = 0.2
"""A first name at most this fraction as common as one a letter away from it is taken for a typing error of it."""
FAR_OR_UNKNOWN_BIRTH_DATE = frozenset({"differs", "missing", "partial_agrees"})
NEAR_MISS_DAYS = 7
"""Birth dates at most this many days apart could be one date recorded wrongly (the near-miss rule)."""


@dataclass(frozen=True)
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

    @cached_property
    def same_first_name(self) -> bool:
        return self.levels["given_name"] in SAME_FIRST_NAME

    @cached_property
    def family_agrees(self) -> bool:
        return self.levels["family_name"] in FAMILY_AGREES

    @cached_property
    def family_resembles(self) -> bool:
        return self.levels["family_name"] in FAMILY_RESEMBLES

    @cached_property
    def identifier_matches(self) -> bool:
        """The same identifier of any scheme both records hold (the hub's own or a data set's)."""
        return any(self.levels.get(field) == "match" for field in self.query.identifiers)

    @property
    def conflicting_identifiers(self) -> list[str]:
        ours = self.query.identifiers
        fields = [*(field for field in IDENTIFIER_LABELS if field in ours), *sorted(set(ours) - set(IDENTIFIER_LABELS))]
        return [identifier_label(field) for field in fields if self.levels.get(field) == "conflict"]

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

    def __init__(self, generation_gap_years: int, first_name_frequency: Callable[[str], float] | None = None) -> None:
        self.generation_gap_years = generation_gap_years
        self.first_name_frequency = first_name_frequency
        """How common a first name is among the records (term frequencies); tells a slip from another name."""

    def findings(self, pair: Pair) -> list[Finding]:
        checks = (
            self._twins,
            self._other_household_member,
            self._generation_apart,
            self._namesake,
            self._birth_year_mistyped,
            self._no_birth_date,
            self._identifier_conflict,
            self._identifier_without_name,
            self._sex_differs,
            self._no_first_name,
            self.near_miss,
        )
        return [finding for check in checks if (finding := check(pair)) is not None]

    def _slip_of_a_commoner_name(self, pair: Pair) -> bool:
        """First names a letter apart where one is far rarer than the other: a typing error, not a twin's name.

        Twins are given two real names ("Hayden" and "Jayden", both common); a slip of the keyboard makes a
        string few people have ("Jacksn" for "Jackson").
        """
        if pair.levels["given_name"] != "one_edit" or self.first_name_frequency is None:
            return False
        ours = self.first_name_frequency(pair.query.given[0].text)
        theirs = self.first_name_frequency(pair.candidate.given[0].text)
        return min(ours, theirs) <= SLIP_FREQUENCY_RATIO * max(ours, theirs)

    def _twins(self, pair: Pair) -> Finding | None:
        """Same surname and birth date, a different first name: a twin (or a sibling on a mistyped date)."""
        birth_dates_agree = pair.levels["birth_date"] in BIRTH_DATE_AGREES
        different_first_name = (
            pair.levels["given_name"] not in TWIN_PROOF_FIRST_NAME
            and not pair.known_by_that_name
            and not self._slip_of_a_commoner_name(pair)
        )
        if not (pair.family_resembles and birth_dates_agree and different_first_name) or pair.identifier_matches:
            return None
        if pair.levels["sex"] == "differs" and pair.levels["given_name"] == "differs":
            return Finding(
                "same surname and birth date, but a different first name and sex: a twin", Outcome.NOT_LINKED
            )
        return Finding("same surname and birth date but a different first name: could be a twin", Outcome.REVIEW)

    @staticmethod
    def _other_household_member(pair: Pair) -> Finding | None:
        """Same surname and home, a first name that differs outright, and no agreeing birth date: someone else there.

        A surname and an address agree together far more often than chance for people of one household,
        so their weights (each counted as independent evidence) can outweigh two clear disagreements.
        """
        if pair.identifier_matches or pair.levels["given_name"] != "differs":
            return None
        if pair.levels["birth_date"] not in {"differs", "missing"}:
            return None
        if pair.family_resembles and pair.levels["address"] in SAME_HOME:
            return Finding(
                "same surname and address, but a different first name and no matching birth date: another member of "
                "the household",
                Outcome.NOT_LINKED,
            )
        return None

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
        """Same name, birth dates that are not the same: relatives and neighbours share names, and a cousin
        named after the same grandparent can be born a month after the child."""
        level = pair.levels["birth_date"]
        if level not in {"differs", *BIRTH_DATE_NEARLY} or pair.identifier_matches:
            return None
        if not ((pair.same_first_name and pair.family_resembles) or pair.levels["given_name"] == "swapped"):
            return None
        if level in BIRTH_DATE_NEARLY:
            return Finding(
                "same name and a birth date a slip away: a typing error, or a relative with the same name",
                Outcome.REVIEW,
            )
        return Finding("same name but different birth dates: could be a relative with the same name", Outcome.REVIEW)

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

    @staticmethod
    def near_miss(pair: Pair) -> Finding | None:
        """A similar name and a birth date a slip of the pen away: too plausible to drop, so a person looks.

        Issue 13: a referred child whose police record was a day out vanished as "not linked". The rule
        reads the records themselves, not comparison levels, so it holds however the comparisons change.
        It only raises to review: the caps above (twins, namesake parents, namesakes born apart) still win.
        (A birth-date level that says the dates differ outright, or one is missing or partial, rules it out
        at once: none of those is a slip.)
        """
        if pair.levels.get("birth_date") in FAR_OR_UNKNOWN_BIRTH_DATE:
            return None
        how = _near_birth_date(pair.query.birth_date, pair.candidate.birth_date)
        if how is None or _identifiers_differ(pair.query, pair.candidate):
            return None
        ours, theirs = pair.query, pair.candidate
        straight = _first_names_near(ours, theirs) and _family_names_near(ours, theirs)
        if not (straight or _names_swapped(ours, theirs)):
            return None
        return Finding(f"a similar name and {how}: could be this person recorded with a mistake", floor=Outcome.REVIEW)


def _near_birth_date(ours: BirthDate | None, theirs: BirthDate | None) -> str | None:
    """How two full birth dates could be one date mistyped, in words without values; None if they could not."""
    if ours is None or theirs is None:
        return None
    days = days_apart(ours, theirs)
    if days is None:
        return None
    if days == 0:
        return "the same birth date"
    if days <= NEAR_MISS_DAYS:
        return "birth dates a few days apart"
    if ours.year == theirs.year and (ours.month, ours.day) == (theirs.day, theirs.month):
        return "a birth date with day and month swapped"
    if (ours.month, ours.day) == (theirs.month, theirs.day) and abs(ours.year - theirs.year) == 1:
        return "the birth year one out"
    if sum(a != b for a, b in zip(ours.digits, theirs.digits, strict=True)) == 1:
        return "a birth date one digit different"
    return None


def _identifiers_differ(ours: LinkageRecord, theirs: LinkageRecord) -> bool:
    """Both records hold the same kind of identifier, with different values (read from the records, so the
    rule stands alone of the comparison levels)."""
    return any(theirs.identifiers.get(field, value) != value for field, value in ours.identifiers.items())


def _near(ours: Name, theirs: Name) -> bool:
    """One name typed with a slip (one edit in a short name, two in a longer one), spoken alike, or a known variant."""
    if ours.text == theirs.text or ours.metaphone == theirs.metaphone:
        return True
    if (
        ours.text in theirs.nicknames
        or theirs.text in ours.nicknames
        or not ours.variant_groups.isdisjoint(theirs.variant_groups)
    ):
        return True
    allowed = 2 if min(len(ours.text), len(theirs.text)) >= 5 else 1
    return edits_apart(ours, theirs) <= allowed


def _first_names_near(ours: LinkageRecord, theirs: LinkageRecord) -> bool:
    if not ours.given or not theirs.given:
        return False
    return any(_near(ours.given[0], name) for name in (*theirs.given, *theirs.other_given)) or any(
        _near(name, theirs.given[0]) for name in ours.other_given
    )


def _family_names_near(ours: LinkageRecord, theirs: LinkageRecord) -> bool:
    """Similar surnames, one part of a compound surname, or a surname either record gives as another it used."""
    if ours.family is None or theirs.family is None:
        return False
    if set(ours.family.parts) & set(theirs.family.parts):
        return True
    return any(_near(a, b) for a in (ours.family, *ours.other_family) for b in (theirs.family, *theirs.other_family))


def _names_swapped(ours: LinkageRecord, theirs: LinkageRecord) -> bool:
    """Given and family names recorded the wrong way round, allowing a slip in either."""
    if not ours.given or not theirs.given or ours.family is None or theirs.family is None:
        return False
    first, family = theirs.given[0], ours.family
    return _near(ours.given[0], theirs.family) and (_near(family, first) or first.text in family.parts)
