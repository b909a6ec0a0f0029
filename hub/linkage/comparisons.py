"""Field comparisons: how two records agree on one field, as one of a few named levels.

Each comparison is a small class whose docstring lists its levels, strongest agreement first (as
Splink's `DateOfBirthComparison` does). `compare` returns the level and, for levels whose weight
depends on how common the agreeing value is, that value (for the term-frequency adjustment).
Level words are fixed text: they describe how the fields agree and never quote the data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from hub.linkage.records import CHECKED_IDENTIFIERS, BirthDate, LinkageRecord, Name, Place, name_of

SIMILAR_GIVEN = 0.88
"""Jaro-Winkler similarity from which two first names count as a likely typing error of one another."""
SIMILAR_FAMILY = 0.9
TWO_EDITS_SHORTEST = 4
"""Two typing errors count only in names of at least this many letters ("Ncoah" and "Naoh", not "Mia" and "Max")."""
FEW_DAYS = 7
"""Full birth dates at most this many days apart (and not a one-digit slip) are "a few days apart"."""
SIMILAR_ADDRESS_LINE = 85.0
"""rapidfuzz token-set ratio (0-100) from which two address lines on the same house number agree."""


@dataclass(frozen=True, slots=True)
class Level:
    """One level of a comparison: its key (used in the model file) and its words for practitioners."""

    key: str
    words: str
    neutral: bool = False
    """Missing data: weight 0 by design (absence is not evidence either way)."""
    term_frequency: bool = False
    """The weight depends on how common the agreeing value is (a common name counts for less)."""


Result = tuple[Level, str | None]
"""A level and, for term-frequency levels, the agreeing value (a normalised name)."""


class Comparison(ABC):
    """Compares one field of two records."""

    field: str
    levels: tuple[Level, ...]

    @abstractmethod
    def compare(self, query: LinkageRecord, candidate: LinkageRecord) -> Result:
        """The level at which `candidate` agrees with `query` on this field."""

    def level(self, key: str) -> Level:
        """The level with this key (KeyError if the comparison has none)."""
        for level in self.levels:
            if level.key == key:
                return level
        raise KeyError(key)


# --- Shared name relations -------------------------------------------------------------------------


def _sound_alike(a: Name, b: Name) -> bool:
    """Same Metaphone key, or same Soundex key with similar spelling (Soundex alone is too coarse)."""
    if a.metaphone and a.metaphone == b.metaphone:
        return True
    return a.soundex == b.soundex and JaroWinkler.similarity(a.text, b.text) >= 0.8


def _spelling_variants(a: Name, b: Name) -> bool:
    return not a.variant_groups.isdisjoint(b.variant_groups) or (a.variant_key == b.variant_key and a.text != b.text)


def _same_or_nickname(a: Name, b: Name) -> bool:
    return a.text == b.text or b.text in a.nicknames or _spelling_variants(a, b)


def edits_apart(a: Name, b: Name) -> int:
    """Damerau-Levenshtein distance: letters dropped, doubled, changed or transposed ("Naoh", "Noah": 1)."""
    return DamerauLevenshtein.distance(a.text, b.text)


def _one_slip_apart(a: Name, b: Name) -> bool:
    """The same name, allowing a nickname, another spelling, or one typing error in a name of 3+ letters."""
    if _same_or_nickname(a, b):
        return True
    lengths = len(a.text), len(b.text)
    return min(lengths) >= 3 and abs(lengths[0] - lengths[1]) <= 1 and edits_apart(a, b) == 1


def _typing_level(a: Name, b: Name, one: Level, two: Level) -> Level | None:
    """`one` for one typing error, `two` for two in names long enough for that to mean anything; else None."""
    distance = edits_apart(a, b)
    if distance == 1:
        return one
    if distance == 2 and min(len(a.text), len(b.text)) >= TWO_EDITS_SHORTEST:
        return two
    return None


def names_swapped(query: LinkageRecord, candidate: LinkageRecord) -> bool:
    """Whether one record has the given and family names the wrong way round (allowing one typing error in each)."""
    if not query.given or not candidate.given or query.family is None or candidate.family is None:
        return False
    if query.given[0].text == candidate.given[0].text:
        return False
    return any(_one_slip_apart(ours, candidate.family) for ours in _given_forms(query)) and any(
        _one_slip_apart(query.family, theirs) for theirs in _given_forms(candidate)
    )


def _given_forms(record: LinkageRecord) -> tuple[Name, ...]:
    """The first given name and, when there are several, all of them as one: a compound surname recorded in the
    given-name field ("van groesen") is several words there."""
    if len(record.given) == 1:
        return record.given
    return (record.given[0], name_of(tuple(name.text for name in record.given)))


def _any_pair_known_as(ours: Sequence[Name], theirs: Sequence[Name]) -> bool:
    """Whether any name on one side is the same as, or a nickname of, any on the other."""
    return any(a.text == b.text or b.text in a.nicknames for a in ours for b in theirs)


# --- Names -----------------------------------------------------------------------------------------


class GivenNameComparison(Comparison):
    """Given names, compared on the first given name and what the person is known by.

    Levels, strongest first:
    - exact: all given names match;
    - middle_left_out: the first name matches and one side leaves out a middle name;
    - first_matches: the first name matches and the middle names differ;
    - nickname: one first name is a nickname or short form of the other (Liz, Elizabeth);
    - spelling_variant: another spelling of the same name (Mohammed, Muhammad);
    - other_name: the first name matches another name the person is known by (an alias);
    - middle_name: the first name matches a middle name on the other side;
    - swapped: the given and family names are the wrong way round (allowing a typing error in each);
    - one_edit: the first names differ by one letter dropped, doubled, changed or transposed
      (Damerau-Levenshtein 1: "Naoh", "Noah"; "vAa", "Ava");
    - phonetic: the first names sound alike (Metaphone, or Soundex with similar spelling);
    - two_edits: two typing errors, in names of at least four letters ("Ncoah", "Naoh");
    - similar: the first names are spelt similarly (Jaro-Winkler), a likely typing error;
    - initial: one side holds only an initial, and it agrees;
    - differs; missing (no given name on one side: neutral).
    Exact levels are adjusted for how common the first name is.
    """

    field = "given_name"
    EXACT = Level("exact", "given names match", term_frequency=True)
    MIDDLE_LEFT_OUT = Level(
        "middle_left_out", "first name matches; a middle name is left out on one side", term_frequency=True
    )
    FIRST_MATCHES = Level("first_matches", "first name matches; middle names differ", term_frequency=True)
    NICKNAME = Level("nickname", "first name is a known nickname or short form of the other")
    SPELLING_VARIANT = Level("spelling_variant", "first name is another spelling of the other")
    OTHER_NAME = Level("other_name", "first name matches another name the person is known by")
    MIDDLE_NAME = Level("middle_name", "first name matches a middle name on the other record")
    SWAPPED = Level("swapped", "given and family names are swapped")
    ONE_EDIT = Level("one_edit", "first names differ by one letter (a likely typing error)")
    PHONETIC = Level("phonetic", "first names sound alike")
    TWO_EDITS = Level("two_edits", "first names differ by two letters (likely typing errors)")
    SIMILAR = Level("similar", "first names are spelt similarly (a likely typing error)")
    INITIAL = Level("initial", "only an initial is recorded for the first name, and it agrees")
    DIFFERS = Level("differs", "first names differ")
    MISSING = Level("missing", "first name missing on one side", neutral=True)
    levels = (
        EXACT, MIDDLE_LEFT_OUT, FIRST_MATCHES, NICKNAME, SPELLING_VARIANT, OTHER_NAME, MIDDLE_NAME, SWAPPED,
        ONE_EDIT, PHONETIC, TWO_EDITS, SIMILAR, INITIAL, DIFFERS, MISSING,
    )  # fmt: skip

    def compare(self, query: LinkageRecord, candidate: LinkageRecord) -> Result:
        ours, theirs = query.given, candidate.given
        if not ours or not theirs:
            return self.MISSING, None
        first, their_first = ours[0], theirs[0]
        if first.text == their_first.text:
            return self._first_agrees(query, candidate), first.text
        if names_swapped(query, candidate):
            return self.SWAPPED, None
        if their_first.text in first.nicknames:
            return self.NICKNAME, None
        if _spelling_variants(first, their_first):
            return self.SPELLING_VARIANT, None
        if _any_pair_known_as(ours[:1], candidate.other_given) or _any_pair_known_as(query.other_given, theirs[:1]):
            return self.OTHER_NAME, None
        if _any_pair_known_as(ours[:1], theirs[1:]) or _any_pair_known_as(ours[1:], theirs[:1]):
            return self.MIDDLE_NAME, None
        return self._spelling(first, their_first), None

    def _first_agrees(self, query: LinkageRecord, candidate: LinkageRecord) -> Level:
        if query.given_text == candidate.given_text:
            return self.EXACT
        shorter = min(len(query.given), len(candidate.given))
        ours = [name.text for name in query.given[:shorter]]
        theirs = [name.text for name in candidate.given[:shorter]]
        return self.MIDDLE_LEFT_OUT if ours == theirs else self.FIRST_MATCHES

    def _spelling(self, first: Name, their_first: Name) -> Level:
        if len(first.text) == 1 or len(their_first.text) == 1:
            return self.INITIAL if first.text[0] == their_first.text[0] else self.DIFFERS
        typing = _typing_level(first, their_first, self.ONE_EDIT, self.TWO_EDITS)
        if typing is self.ONE_EDIT:
            return typing
        if _sound_alike(first, their_first):
            return self.PHONETIC
        if typing is not None:
            return typing
        if JaroWinkler.similarity(first.text, their_first.text) >= SIMILAR_GIVEN:
            return self.SIMILAR
        return self.DIFFERS


class FamilyNameComparison(Comparison):
    """Family names (surnames), including compound surnames and previous surnames.

    Levels, strongest first:
    - exact: the surnames match (adjusted for how common the surname is);
    - compound_part: one part of a double-barrelled or compound surname matches the other;
    - previous_name: the surname matches a previous or other surname on either side;
    - spelling_variant: another spelling of the same surname (Chowdhury, Choudhury; Kowalska, Kowalski);
    - swapped: the given and family names are the wrong way round (allowing a typing error in each);
    - one_edit: one letter dropped, doubled, changed or transposed (Damerau-Levenshtein 1);
    - phonetic: the surnames sound alike;
    - two_edits: two typing errors, in surnames of at least four letters;
    - similar: the surnames are spelt similarly (Jaro-Winkler), a likely typing error;
    - differs; missing (no surname on one side: neutral).
    """

    field = "family_name"
    EXACT = Level("exact", "surname matches", term_frequency=True)
    COMPOUND_PART = Level("compound_part", "one part of a double-barrelled surname matches")
    PREVIOUS_NAME = Level("previous_name", "surname matches a previous or other surname")
    SPELLING_VARIANT = Level("spelling_variant", "surname is another spelling of the other")
    SWAPPED = Level("swapped", "given and family names are swapped")
    ONE_EDIT = Level("one_edit", "surnames differ by one letter (a likely typing error)")
    PHONETIC = Level("phonetic", "surnames sound alike")
    TWO_EDITS = Level("two_edits", "surnames differ by two letters (likely typing errors)")
    SIMILAR = Level("similar", "surnames are spelt similarly (a likely typing error)")
    DIFFERS = Level("differs", "surnames differ")
    MISSING = Level("missing", "surname missing on one side", neutral=True)
    levels = (
        EXACT, COMPOUND_PART, PREVIOUS_NAME, SPELLING_VARIANT, SWAPPED, ONE_EDIT, PHONETIC, TWO_EDITS, SIMILAR,
        DIFFERS, MISSING,
    )  # fmt: skip

    def compare(self, query: LinkageRecord, candidate: LinkageRecord) -> Result:
        ours, theirs = query.family, candidate.family
        if ours is None or theirs is None:
            return self.MISSING, None
        if ours.text == theirs.text:
            return self.EXACT, ours.text
        if self._known_by_that_surname(ours, theirs, query, candidate):
            return self.PREVIOUS_NAME, None
        if _shares_part(ours, theirs):
            return self.COMPOUND_PART, None
        if self._previous_name(query, candidate):
            return self.PREVIOUS_NAME, None
        if _spelling_variants(ours, theirs):
            return self.SPELLING_VARIANT, None
        if names_swapped(query, candidate):
            return self.SWAPPED, None
        typing = _typing_level(ours, theirs, self.ONE_EDIT, self.TWO_EDITS)
        if typing is self.ONE_EDIT:
            return typing, None
        if _sound_alike(ours, theirs):
            return self.PHONETIC, None
        if typing is not None:
            return typing, None
        if JaroWinkler.similarity(ours.text, theirs.text) >= SIMILAR_FAMILY:
            return self.SIMILAR, None
        return self.DIFFERS, None

    @staticmethod
    def _known_by_that_surname(ours: Name, theirs: Name, query: LinkageRecord, candidate: LinkageRecord) -> bool:
        """One record itself gives the other's surname, whole, as one the person used or uses."""
        return any(name.text == theirs.text for name in query.other_family) or any(
            name.text == ours.text for name in candidate.other_family
        )

    @staticmethod
    def _previous_name(query: LinkageRecord, candidate: LinkageRecord) -> bool:
        our_names = (query.family, *query.other_family)
        their_names = (candidate.family, *candidate.other_family)
        return any(
            a is not None and b is not None and (a.text == b.text or _shares_part(a, b))
            for a in our_names
            for b in their_names
        )


def _shares_part(a: Name, b: Name) -> bool:
    """Whether a compound surname (or one with a particle, "de Souza") shares a part with the other."""
    if a.parts == (a.text,) and b.parts == (b.text,):
        return False
    return not set(a.parts).isdisjoint(b.parts)


# --- Birth date, sex -------------------------------------------------------------------------------


def _one_digit_apart(a: BirthDate, b: BirthDate) -> bool:
    return sum(x != y for x, y in zip(a.digits, b.digits, strict=True)) == 1


def days_apart(a: BirthDate, b: BirthDate) -> int | None:
    """Days between two full dates (None if either is partial)."""
    first, second = a.as_date(), b.as_date()
    if first is None or second is None:
        return None
    return abs((first - second).days)


class BirthDateComparison(Comparison):
    """Birth dates.

    Levels, strongest first:
    - exact: the same date;
    - day_month_swapped: day and month the other way round (14/03 recorded as 03/14 is impossible,
      so only days up to 12 can be swapped);
    - one_digit_off: one digit of YYYYMMDD differs, a likely typing error;
    - few_days_apart: at most a week apart (19th and 20th: a slip across a digit, or a date of
      registration for a date of birth);
    - year_off: the same day and month, the year one or ten apart;
    - partial_agrees: one side knows only the year (or year and month), and it agrees;
    - differs; missing (no birth date on one side: neutral).
    """

    field = "birth_date"
    EXACT = Level("exact", "birth date matches")
    DAY_MONTH_SWAPPED = Level("day_month_swapped", "birth date has day and month swapped")
    ONE_DIGIT_OFF = Level("one_digit_off", "birth date differs by one digit (a likely typing error)")
    FEW_DAYS_APART = Level("few_days_apart", "birth dates are a few days apart")
    YEAR_OFF = Level("year_off", "birth date has the same day and month, but the year is one or ten out")
    PARTIAL_AGREES = Level("partial_agrees", "birth date agrees as far as both records know it")
    DIFFERS = Level("differs", "birth dates differ")
    MISSING = Level("missing", "birth date missing on one side", neutral=True)
    levels = (EXACT, DAY_MONTH_SWAPPED, ONE_DIGIT_OFF, FEW_DAYS_APART, YEAR_OFF, PARTIAL_AGREES, DIFFERS, MISSING)

    def compare(self, query: LinkageRecord, candidate: LinkageRecord) -> Result:
        ours, theirs = query.birth_date, candidate.birth_date
        if ours is None or theirs is None:
            return self.MISSING, None
        if not ours.is_full or not theirs.is_full:
            months_agree = ours.month is None or theirs.month is None or ours.month == theirs.month
            return (self.PARTIAL_AGREES if ours.year == theirs.year and months_agree else self.DIFFERS), None
        if ours == theirs:
            return self.EXACT, None
        if ours.year == theirs.year and ours.day == theirs.month and ours.month == theirs.day:
            return self.DAY_MONTH_SWAPPED, None
        if _one_digit_apart(ours, theirs):
            return self.ONE_DIGIT_OFF, None
        apart = days_apart(ours, theirs)
        if apart is not None and apart <= FEW_DAYS:
            return self.FEW_DAYS_APART, None
        if (ours.month, ours.day) == (theirs.month, theirs.day) and abs(ours.year - theirs.year) in (1, 10):
            return self.YEAR_OFF, None
        return self.DIFFERS, None


class SexComparison(Comparison):
    """Recorded sex.

    Levels: match; differs; unknown (not recorded on one side: neutral).
    """

    field = "sex"
    MATCH = Level("match", "sex matches")
    DIFFERS = Level("differs", "sex differs")
    UNKNOWN = Level("unknown", "sex not recorded on one side", neutral=True)
    levels = (MATCH, DIFFERS, UNKNOWN)

    def compare(self, query: LinkageRecord, candidate: LinkageRecord) -> Result:
        if query.sex is None or candidate.sex is None:
            return self.UNKNOWN, None
        return (self.MATCH if query.sex == candidate.sex else self.DIFFERS), None


# --- Address ---------------------------------------------------------------------------------------


@lru_cache(maxsize=131_072)
def _house_numbers(line: str) -> frozenset[str]:
    """The words of an address line holding a digit; cached, as the same lines recur across many pairs."""
    return frozenset(word for word in line.split() if any(char.isdigit() for char in word))


def _lines_agree(a: str | None, b: str | None) -> bool:
    """Same house numbers and nearly the same words ("14 Larch Close" and "14 Larch Close, Northbridge")."""
    if a is None or b is None:
        return False
    if a == b:
        return True
    return _house_numbers(a) == _house_numbers(b) and fuzz.token_set_ratio(a, b) >= SIMILAR_ADDRESS_LINE


def _lines_alike(a: str | None, b: str | None) -> bool:
    """Nearly the same words, whatever the house numbers ("14 Larch Close" and "16 Larhc Close")."""
    return a is not None and b is not None and fuzz.token_sort_ratio(a, b) >= SIMILAR_ADDRESS_LINE


def _same_place(a: Place, b: Place) -> bool:
    if a.postcode is not None and b.postcode is not None:
        return a.postcode == b.postcode and (a.line is None or b.line is None or _lines_agree(a.line, b.line))
    return _lines_agree(a.line, b.line)


class AddressComparison(Comparison):
    """Current address (postcode and address line), and previous addresses either side holds.

    Levels, strongest first:
    - same_address: the same postcode and address line;
    - same_postcode: the same postcode, the line differs or is missing on one side;
    - previous_address: the address matches a previous address on the other record;
    - same_line: the address lines agree, a postcode is missing or differs;
    - similar_line: the address lines are alike but not the same (a typing error in the street or the
      house number, or a neighbour: the weight says which is likelier);
    - same_sector: the postcodes differ but share a sector ("NE6 5");
    - same_district: the postcodes differ but share a district ("NE6");
    - differs; missing (no address on one side: neutral).
    """

    field = "address"
    SAME_ADDRESS = Level("same_address", "same address")
    SAME_POSTCODE = Level("same_postcode", "same postcode; the address line differs or is missing")
    PREVIOUS_ADDRESS = Level("previous_address", "address differs but matches a previous address")
    SAME_LINE = Level("same_line", "address line matches; the postcode differs or is missing")
    SIMILAR_LINE = Level("similar_line", "address lines are alike but not the same")
    SAME_SECTOR = Level("same_sector", "postcode differs but is in the same sector")
    SAME_DISTRICT = Level("same_district", "postcode differs but is in the same district")
    DIFFERS = Level("differs", "address differs")
    MISSING = Level("missing", "address missing on one side", neutral=True)
    levels = (
        SAME_ADDRESS, SAME_POSTCODE, PREVIOUS_ADDRESS, SAME_LINE, SIMILAR_LINE, SAME_SECTOR, SAME_DISTRICT, DIFFERS,
        MISSING,
    )  # fmt: skip

    def compare(self, query: LinkageRecord, candidate: LinkageRecord) -> Result:
        ours, theirs = query.address, candidate.address
        if ours is None or theirs is None:
            return self._previous_only(query, candidate), None
        if ours.postcode is not None and ours.postcode == theirs.postcode:
            return (self.SAME_ADDRESS if _lines_agree(ours.line, theirs.line) else self.SAME_POSTCODE), None
        if self._matches_previous(query, candidate):
            return self.PREVIOUS_ADDRESS, None
        if _lines_agree(ours.line, theirs.line):
            return self.SAME_LINE, None
        if _lines_alike(ours.line, theirs.line):
            return self.SIMILAR_LINE, None
        if ours.postcode is None or theirs.postcode is None:
            return self.DIFFERS, None
        if ours.sector == theirs.sector:
            return self.SAME_SECTOR, None
        if ours.district == theirs.district:
            return self.SAME_DISTRICT, None
        return self.DIFFERS, None

    def _previous_only(self, query: LinkageRecord, candidate: LinkageRecord) -> Level:
        return self.PREVIOUS_ADDRESS if self._matches_previous(query, candidate) else self.MISSING

    @staticmethod
    def _matches_previous(query: LinkageRecord, candidate: LinkageRecord) -> bool:
        if not query.other_addresses and not candidate.other_addresses:
            return False
        ours = [place for place in (query.address, *query.other_addresses) if place is not None]
        theirs = [place for place in (candidate.address, *candidate.other_addresses) if place is not None]
        return any(_same_place(a, b) for a in ours for b in theirs)


# --- Identifiers -----------------------------------------------------------------------------------

IDENTIFIER_LABELS = {
    "nhs_number": "NHS number",
    "upn": "UPN",
    "police_nominal_id": "police nominal id",
    "housing_reference": "housing reference",
}


def identifier_label(field: str) -> str:
    """An identifier's words: the hub's own by name, another scheme (a data set's own) by its field name."""
    return IDENTIFIER_LABELS.get(field) or field.replace("_", " ")


class IdentifierComparison(Comparison):
    """One identifier: the hub's own (NHS number, UPN, police nominal id, housing reference) or another
    scheme a data set carries (a council's case-management person id, FEBRL's social security number).

    Levels: match (strong evidence for); one_slip (a scheme with no check digit the hub knows, one
    character changed, dropped or two swapped: a typing slip as likely as another person, so neutral);
    conflict (both hold a valid one and they differ: strong evidence against); absent (one side has
    none, or it fails its check digit: neutral). An NHS number or UPN one slip from another is a
    conflict: their check digits catch every single slip, so both valid means two different numbers.
    """

    def __init__(self, field: str) -> None:
        label = identifier_label(field)
        self.field = field
        self.MATCH = Level("match", f"{label} matches")
        self.ONE_SLIP = Level("one_slip", f"{label}s one typing slip apart", neutral=True)
        self.CONFLICT = Level("conflict", f"{label}s differ")
        self.ABSENT = Level("absent", f"no {label} on one side", neutral=True)
        self._slips_count = field not in CHECKED_IDENTIFIERS
        self.levels = (self.MATCH, self.ONE_SLIP, self.CONFLICT, self.ABSENT)

    def compare(self, query: LinkageRecord, candidate: LinkageRecord) -> Result:
        ours = query.identifiers.get(self.field)
        theirs = candidate.identifiers.get(self.field)
        if ours is None or theirs is None:
            return self.ABSENT, None
        if ours == theirs:
            return self.MATCH, None
        if self._slips_count and DamerauLevenshtein.distance(ours, theirs) == 1:
            return self.ONE_SLIP, None
        return self.CONFLICT, None


def comparisons_for(identifier_fields: Iterable[str] = ()) -> tuple[Comparison, ...]:
    """The engine's comparisons, with one more identifier comparison for each other scheme named.

    A model estimated on data carrying another identifier scheme has parameters for it; the engine
    reading that model compares it too (`LinkageModel.identifier_fields`).
    """
    extra = sorted(set(identifier_fields) - set(IDENTIFIER_LABELS))
    return (*default_comparisons(), *(IdentifierComparison(field) for field in extra))


def default_comparisons() -> tuple[Comparison, ...]:
    """The comparisons the engine makes, in the order evidence is shown."""
    return (
        GivenNameComparison(),
        FamilyNameComparison(),
        BirthDateComparison(),
        SexComparison(),
        AddressComparison(),
        *(IdentifierComparison(field) for field in IDENTIFIER_LABELS),
    )
