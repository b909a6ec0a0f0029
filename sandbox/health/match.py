"""Whether a patient record matches a PDS search, and how well: the `search.score` of each result.

Each criterion the search gives is compared with the record and yields a similarity from 0 to 1, or
rules the record out. The score is the weighted mean of those similarities, rounded to four places,
so it is 1 exactly when every criterion matched the record's current details as given, and the same
search always scores the same record the same way.

A non-fuzzy search matches names and postcodes exactly (ignoring case, accents and spacing) or by
a trailing-text wildcard (`Sm*`), and only on current details unless `_history` is set; any miss rules
the record out. A fuzzy search, as PDS documents it, tolerates homophones (Soundex), spelling
mistakes, swapped family and given names, a birth date with day and month transposed, and always
searches previous names and addresses; names must still come close, and the score must reach
`FUZZY_THRESHOLD`. Gender, postcode, GP practice and date of death only lower a fuzzy score.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import jellyfish
from rapidfuzz.distance import JaroWinkler

from sandbox.health.keys import fold, letters, postcode_key, soundex, transposed, words
from sandbox.health.query import PatientQuery
from sandbox.model.records import HealthPatient

WEIGHTS = {"family": 0.35, "given": 0.25, "birth": 0.25, "gender": 0.05, "postcode": 0.1, "practice": 0.05}
DEATH_WEIGHT = 0.05
NAME_THRESHOLD = 0.85
"""A fuzzy name comparison below this is no match (Jaro-Winkler, or Soundex/Metaphone agreement)."""
FUZZY_THRESHOLD = 0.75
SOUNDS_ALIKE = 0.88
"""The similarity of two different spellings that sound alike: above NAME_THRESHOLD, below an exact match."""
WILDCARD = 0.9
REORDERED = 0.95
"""The same words in another order or form: "Reid Okafor" for "Okafor-Reid"."""
COMPOUND_PART = 0.9
"""One part of a compound name: "Okafor" for "Okafor-Reid"."""
PREVIOUS = 0.95
"""Matching a previous name or address is a match on history, not on the current record."""
SWAPPED_NAMES = 0.9
SWAPPED_DATE = 0.85
SAME_AREA = 0.6
"""A fuzzy postcode in the same outward code (NE6 of NE6 5QT): the patient may have moved locally."""
UNKNOWN_GENDER = 0.5

Similarity = float | None
"""A criterion's similarity, or None when it rules the record out."""


def _pattern(query: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in fold(query).split("*")))


def exact_text(query: str, held: str) -> Similarity:
    """Equal when folded, or matching a wildcard pattern ("Sm*" finds Smith and Smythe)."""
    if "*" in query:
        return WILDCARD if _pattern(query).fullmatch(fold(held)) else None
    return 1.0 if fold(query) == fold(held) else None


def exact_given(query: str, held: tuple[str, ...]) -> Similarity:
    """Every word of the searched given name is one of the patient's given names (any order)."""
    held_words = [word for name in held for word in fold(name).split()]
    similarities = []
    for word in fold(query).split():
        found = [similarity for name in held_words if (similarity := exact_text(word, name)) is not None]
        if not found:
            return None
        similarities.append(max(found))
    return min(similarities, default=None)


def sounds_like(query: str, held: str) -> float:
    """How alike two names are, tolerating spelling, homophones and compound-name parts."""
    plain_query, plain_held = letters(query), letters(held)
    if not plain_query or not plain_held:
        return 0.0
    if plain_query == plain_held:
        return 1.0
    query_words, held_words = set(words(query)), set(words(held))
    if query_words == held_words:
        return REORDERED
    if query_words <= held_words or held_words <= query_words:
        return COMPOUND_PART
    similarity = JaroWinkler.similarity(plain_query, plain_held)
    return max(similarity, SOUNDS_ALIKE) if _sound_alike(plain_query, plain_held) else similarity


def _sound_alike(plain_query: str, plain_held: str) -> bool:
    if soundex(plain_query) == soundex(plain_held):
        return True
    return bool(jellyfish.metaphone(plain_query) == jellyfish.metaphone(plain_held))


def _best(scores: Iterable[float]) -> float:
    return max(scores, default=0.0)


def _closest_words(query: str, held: Iterable[str]) -> float:
    """How well a searched name's words are found among the held names' words (the weakest word counts)."""
    held_words = [word for name in held for word in words(name)]
    return min((_best(sounds_like(word, name) for name in held_words) for word in words(query)), default=0.0)


class Match:
    """Compares one search with one patient record, criterion by criterion."""

    def __init__(self, query: PatientQuery, patient: HealthPatient) -> None:
        self.query = query
        self.patient = patient

    def score(self) -> float | None:
        """The record's search score, or None when it does not match."""
        query = self.query
        if query.contact or (query.death is not None and not query.fuzzy):
            return None
        parts: list[tuple[float, Similarity]] = []
        checks: tuple[tuple[str, bool, Callable[[], Similarity]], ...] = (
            ("family", query.family is not None, self.family),
            ("given", bool(query.given), self.given),
            ("birth", query.birth is not None, self.birth),
            ("gender", query.gender is not None, self.gender),
            ("postcode", query.postcode is not None, self.postcode),
            ("practice", query.general_practitioner is not None, self.practice),
        )
        for criterion, asked, compare in checks:
            if asked:
                parts.append((WEIGHTS[criterion], compare()))
        if query.death is not None:
            parts.append((DEATH_WEIGHT, 0.0))
        if any(similarity is None for _, similarity in parts):
            return None
        total = sum(weight for weight, _ in parts)
        score = round(sum(weight * (similarity or 0.0) for weight, similarity in parts) / total, 4) if total else 1.0
        return None if query.fuzzy and score < FUZZY_THRESHOLD else score

    def family(self) -> Similarity:
        query, patient = self.query, self.patient
        assert query.family is not None
        if not query.fuzzy:
            current = exact_text(query.family, patient.family_name)
            if current is not None or not query.history:
                return current
            previous = [exact_text(query.family, name) for name in patient.previous_family_names]
            found = [similarity for similarity in previous if similarity is not None]
            return PREVIOUS * max(found) if found else None
        best = max(
            sounds_like(query.family, patient.family_name),
            _best(PREVIOUS * sounds_like(query.family, name) for name in patient.previous_family_names),
            SWAPPED_NAMES * _closest_words(query.family, patient.given_names),
        )
        return best if best >= NAME_THRESHOLD else None

    def given(self) -> Similarity:
        query, patient = self.query, self.patient
        similarities = []
        for name in query.given:
            if not query.fuzzy:
                similarity = exact_given(name, patient.given_names)
            else:
                families = (patient.family_name, *patient.previous_family_names)
                best = max(_closest_words(name, patient.given_names), SWAPPED_NAMES * _closest_words(name, families))
                similarity = best if best >= NAME_THRESHOLD else None
            if similarity is None:
                return None
            similarities.append(similarity)
        return min(similarities)

    def birth(self) -> Similarity:
        query, born = self.query, self.patient.birth_date
        assert query.birth is not None
        if born in query.birth:
            return 1.0
        exact = query.birth.exact
        return SWAPPED_DATE if query.fuzzy and exact is not None and transposed(exact) == born else None

    def gender(self) -> Similarity:
        held = self.patient.gender
        if held == self.query.gender:
            return 1.0
        if not self.query.fuzzy:
            return None
        return UNKNOWN_GENDER if "unknown" in (held, self.query.gender) else 0.0

    def postcode(self) -> Similarity:
        query, patient = self.query, self.patient
        assert query.postcode is not None
        wanted = query.postcode
        compact = (postcode_key(wanted) or "") if "*" not in wanted else "".join(wanted.split()).upper()
        current = _postcode(compact, patient.postcode)
        previous = [_postcode(compact, address.postcode) for address in patient.previous_addresses]
        found = [similarity for similarity in previous if similarity is not None]
        if current is not None:
            return current
        if found and query.history:
            return PREVIOUS * max(found)
        if not query.fuzzy:
            return None
        area = _outward(compact)
        return SAME_AREA if area and area == _outward(postcode_key(patient.postcode) or "") else 0.0

    def practice(self) -> Similarity:
        query, patient = self.query, self.patient
        if not patient.restricted and patient.gp.ods_code.upper() == query.general_practitioner:
            return 1.0
        return 0.0 if query.fuzzy else None


def _postcode(wanted: str, held: str | None) -> Similarity:
    key = postcode_key(held)
    if key is None:
        return None
    if "*" in wanted:
        return WILDCARD if _pattern(wanted.lower()).fullmatch(key.lower()) else None
    return 1.0 if wanted == key else None


def _outward(compact: str) -> str | None:
    """The outward code of a compact postcode ("NE6" of "NE65QT"): all but the last three characters."""
    return compact[:-3] if len(compact) > 3 else None


def score(query: PatientQuery, patient: HealthPatient) -> float | None:
    return Match(query, patient).score()
