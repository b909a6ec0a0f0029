"""Where a household lives and studies: its tenure, its current and earlier homes, and its children's schools.

Social renting is far likelier in deprived households; the time since the last move follows the
tenure (English Housing Survey); people who joined a household later bring an earlier home of their
own; and a child changes school after a move across school areas and at the move to secondary.
"""

from __future__ import annotations

import random

from sandbox.model.truth import IdFactory
from sandbox.world.city.catchment import Catchments
from sandbox.world.timeline import TODAY, YEAR, Home, home_on, reception_year, september, years_before
from sandbox.world.units import Being, SchoolSpell

YEARS_AT_ADDRESS = {"owner": 10.0, "social": 8.0, "private_rented": 3.5}
"""Mean years since the last move, by tenure (English Housing Survey, rounded)."""
SIXTH_FORM = 0.45
"""Share of 16- and 17-year-olds still on a school roll (the rest are at college)."""
REFERENCE_YEAR = 2026
"""The academic year 2026/27 is under way on the reference date."""


class Homes:
    """Homes and schools for the people a household builder makes, drawn from its seeded rng and the city's places."""

    def __init__(self, rng: random.Random, ids: IdFactory, places: Catchments) -> None:
        self._rng = rng
        self._ids = ids
        self._places = places

    def tenure(self, deprivation: float | None = None) -> tuple[str, float]:
        """Social renting is far likelier in deprived households (about 17% overall)."""
        rng = self._rng
        level = rng.random() if deprivation is None else deprivation
        draw = rng.random()
        social = 0.02 + 0.45 * level * level
        tenure = "social" if draw < social else "private_rented" if draw < social + 0.12 + 0.15 * level else "owner"
        return tenure, level

    def settle(self, people: list[Being], tenure: str, earliest: int) -> None:
        """The household's homes (the current one and up to two before, within 15 years), shared by `people`."""
        rng = self._rng
        mean = YEARS_AT_ADDRESS[tenure]
        floor = max(earliest, max(person.born for person in people) + int(18 * YEAR), years_before(15))
        start = min(max(floor, years_before(rng.expovariate(1 / mean))), TODAY - 1)
        line, postcode = self._places.home(rng, start)
        homes = [Home(line, postcode, start)]
        while len(homes) < 3 and start > floor + 365:
            previous = max(floor, start - int((0.5 + rng.expovariate(1 / mean)) * YEAR))
            line, postcode = self._places.earlier_home(rng, start)
            homes.insert(0, Home(line, postcode, previous, start))
            start = previous
        for person in people:
            person.homes = copy_homes(homes, person.born)

    def move_in(self, person: Being, joined: int, homes: list[Home]) -> None:
        """Someone who moved into the household's home(s) on `joined`, from a home of their own."""
        rng = self._rng
        shared = copy_homes(homes, joined)
        first = shared[0].start
        before = max(person.born + int(18 * YEAR), first - int((1 + rng.expovariate(1 / 4)) * YEAR))
        line, postcode = self._places.earlier_home(rng, first)
        person.homes = [Home(line, postcode, min(before, first - 1), first), *shared]

    def schools_for(self, kid: Being) -> list[SchoolSpell]:
        """School spells: Reception at four, secondary at eleven, a new school after a move across areas.

        Children now in Reception to Year 13 get a UPN from their first school (16- and 17-year-olds
        only if still on a school roll)."""
        first_year = reception_year(kid.born)
        year_group = REFERENCE_YEAR - first_year
        if year_group < 0 or year_group > 13 or (year_group > 11 and self._rng.random() >= SIXTH_FORM):
            return []
        places = self._places
        secondary_from = september(first_year + 7)
        day = september(first_year)
        phase = "primary" if day < secondary_from else "secondary"
        spells = [SchoolSpell(places.school(home_on(kid.homes, day).postcode, phase), day, None)]
        changes = sorted({home.start for home in kid.homes if day < home.start <= TODAY} | {secondary_from})
        for change in changes:
            if change > TODAY:
                break
            phase = "primary" if change < secondary_from else "secondary"
            current = spells[-1].school if change != secondary_from else None
            wanted = places.school(home_on(kid.homes, change).postcode, phase, current)
            if wanted == spells[-1].school:
                continue
            entry = change if change == secondary_from else change + 7 + int(self._rng.random() * 20)
            if entry > TODAY:
                break
            reason = "transfer_to_secondary" if change == secondary_from else "moved_away"
            spells[-1] = SchoolSpell(spells[-1].school, spells[-1].entry, entry - 1, reason)
            spells.append(SchoolSpell(wanted, entry, None))
        first = spells[0].school
        kid.upn = self._ids.upn(first.lea, first.estab, first_year)
        return spells


def copy_homes(homes: list[Home], since: int) -> list[Home]:
    """The homes someone shared from `since` on (their own copies, starting no earlier than `since`)."""
    kept = [Home(home.line, home.postcode, max(home.start, since), home.end) for home in homes
            if home.end is None or home.end > since]  # fmt: skip
    return kept
