"""`hub sandbox generate`: a seeded population of up to a million people, written in batches.

Household 0 is always the sample family of `config/examples/referral.json`; random family units
follow until exactly `settings.people` people exist. Each unit's truth, life events and agency
views are made together, gathered into batches of about 20,000 people, written and dropped, so
memory stays flat however large the population. Separate named random streams drive the truth,
the agencies' knowledge and their noise: the same seed always gives byte-identical files, and
changing only noise rates leaves the true population unchanged.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.model.truth import IdFactory, LifeEvent, Population, TruePerson
from sandbox.population.dataset import DatasetWriter
from sandbox.world.city.catchment import Catchments
from sandbox.world.events import EventModel
from sandbox.world.households import HouseholdBuilder
from sandbox.world.sample_family import add_sample_family
from sandbox.world.settings import AGENCIES, GeneratorSettings
from sandbox.world.units import Figures, Unit
from sandbox.world.views.education import EducationView
from sandbox.world.views.health import HealthView
from sandbox.world.views.housing import HousingView
from sandbox.world.views.noise import NoiseLedger, Noiser
from sandbox.world.views.police import PoliceView

GENERATOR = "mash-hub-population-generator"
GENERATOR_VERSION = "2.0"
BATCH_PEOPLE = 20_000
"""People gathered before a batch is written (and dropped): bounds memory at any scale."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class GenerationReport:
    """What a generation produced: the folder, the figures for a summary, and the full manifest."""

    directory: Path
    people: int
    households: int
    seconds: float
    manifest: dict[str, Any]

    @property
    def people_per_second(self) -> float:
        return self.people / self.seconds if self.seconds else 0.0

    def summary(self) -> list[str]:
        """A few lines for the command line: counts, records per agency, and the noise produced."""
        counts: dict[str, dict[str, int]] = self.manifest.get("counts", {})
        lines = [
            f"{self.people:,} people in {self.households:,} households (seed {self.manifest['seed']}) written to "
            f"{self.directory} in {self.seconds:.1f} s ({self.people_per_second:,.0f} people/s)."
        ]
        for agency in AGENCIES:
            tables = ", ".join(f"{count:,} {name}" for name, count in counts.get(agency, {}).items())
            lines.append(f"  {agency:<9} {tables}")
        truth = self.manifest["truth"]
        lines.append(
            f"  {truth['households_without_record_beyond_health']:.0%} of households have no record beyond health; "
            f"{truth['households_without_police_record']:.0%} none with the police, "
            f"{truth['households_without_housing_record']:.0%} none with housing."
        )
        lines.append("  noise produced (configured):")
        for agency, kinds in self.manifest["noise"].items():
            produced = [
                f"{kind} {figures['rate']:.1%} ({figures['configured']:.1%})"
                for kind, figures in kinds.items()
                if figures["applied"] and figures["rate"] is not None
            ]
            lines.append(f"    {agency:<9} " + (", ".join(produced) or "none"))
        return lines


class World:
    """Everything one generation draws on, shared across its batches."""

    def __init__(self, settings: GeneratorSettings) -> None:
        seed = settings.seed
        self.settings = settings
        self.ids = IdFactory(random.Random(f"{seed}:ids"))
        self.places = Catchments(random.Random(f"{seed}:places"), settings.people)
        self.figures = Figures()
        self.builder = HouseholdBuilder(random.Random(f"{seed}:households"), self.ids, self.places, self.figures)
        self.events = EventModel(random.Random(f"{seed}:events"), self.ids)
        self.ledger = NoiseLedger({agency: settings.noise.for_agency(agency).rates() for agency in AGENCIES})
        noise_rng = random.Random(f"{seed}:noise")
        views_rng = random.Random(f"{seed}:views")

        def noiser(agency: str) -> Noiser:
            return Noiser(agency, settings.noise.for_agency(agency), noise_rng, self.ledger)

        self.health = HealthView(views_rng, self.ids, self.places, noiser("health"))
        self.police = PoliceView(views_rng, self.ids, noiser("police"))
        self.education = EducationView(views_rng, self.ids, self.places, noiser("education"))
        self.housing = HousingView(views_rng, self.ids, noiser("housing"))
        self.households = 0
        self.known: Counter[str] = Counter()

    def add_units(self, batch: Population, units: list[Unit]) -> int:
        """Add one family unit's truth, events and agency records to the batch; returns its people."""
        people: dict[str, TruePerson] = {}
        for unit in units:
            for person in unit.people:
                people[person.person_id] = person
        events: list[LifeEvent] = []
        for unit in units:
            events += self.events.happen(unit, people)
        batch.people.update(people)
        batch.households += [unit.household for unit in units]
        batch.relationships += self.builder.relationships
        self.builder.relationships.clear()
        batch.events += events
        marks = (len(batch.police.nominals), len(batch.education.pupils), len(batch.housing.people))
        self.health.record(batch.health, list(people.values()), events)
        self.police.record(batch.police, people, events)
        schools = {child: spells for unit in units for child, spells in unit.schools.items()}
        self.education.record(batch.education, people, schools, events)
        self.housing.record(batch.housing, units, people, events)
        self._count_knowledge(batch, units, marks)
        self.households += len(units)
        return len(people)

    def _count_knowledge(self, batch: Population, units: list[Unit], marks: tuple[int, int, int]) -> None:
        police = {nominal.person_id for nominal in batch.police.nominals[marks[0] :]}
        education = {pupil.person_id for pupil in batch.education.pupils[marks[1] :]}
        housing = {person.person_id for person in batch.housing.people[marks[2] :]}
        for unit in units:
            members = unit.roles.keys()
            in_police = any(pid in police for pid in members)
            in_housing = any(pid in housing for pid in members)
            in_education = any(pid in education for pid in members)
            self.known["police"] += in_police
            self.known["housing"] += in_housing
            self.known["beyond_health"] += in_police or in_housing or in_education

    def manifest(self, people: int) -> dict[str, Any]:
        households = self.households
        figures = self.figures.counts
        return {
            "generator": {"name": GENERATOR, "version": GENERATOR_VERSION},
            "seed": self.settings.seed,
            "people": people,
            "households": households,
            "settings": self.settings.model_dump(mode="json"),
            "noise": self.ledger.report(),
            "events": dict(sorted(self.events.counts.items())),
            "truth": {
                "households_by_type": dict(sorted(self.figures.kinds.items())),
                "risk_tiers": {str(tier): count for tier, count in sorted(self.events.tiers.items())},
                "twin_pairs": figures["twin_pairs"],
                "sons_named_after_father": figures["sons_named_after_father"],
                "people_known_by_another_given_name": figures["people_known_by_another_given_name"],
                "people_with_earlier_surnames": figures["people_with_earlier_surnames"],
                "name_changes": {
                    "marriage": figures["name_changes_marriage"],
                    "separation": figures["name_changes_separation"],
                    "deed_poll": figures["name_changes_deed_poll"],
                },
                "children_using_a_step_parents_surname": figures["children_using_a_step_parents_surname"],
                "people_who_moved": figures["people_who_moved"],
                "households_without_police_record": round(1 - self.known["police"] / households, 4),
                "households_without_housing_record": round(1 - self.known["housing"] / households, 4),
                "households_without_record_beyond_health": round(1 - self.known["beyond_health"] / households, 4),
            },
        }


def _sample_family(world: World, batch: Population) -> int:
    """Household 0: the sample referral's family, with its fixed records in every agency."""
    household = add_sample_family(batch, world.ids)
    world.households += 1
    world.figures.kinds["step_family"] += 1
    world.known.update(("police", "housing", "beyond_health"))
    return len(household.members)


def generate(
    settings: GeneratorSettings,
    out: Path,
    *,
    overwrite: bool = False,
    on_progress: Progress | None = None,
) -> GenerationReport:
    """Generate the population `settings` describe into the folder `out` (published only when complete).

    Raises `sandbox.population.dataset.DatasetError` when `out` cannot be used (not empty without `overwrite`).
    """
    started = time.perf_counter()
    world = World(settings)
    total = settings.people
    with DatasetWriter(out, overwrite=overwrite) as writer:
        batch = Population(seed=settings.seed)
        made = _sample_family(world, batch)
        while made < total:
            made += world.add_units(batch, world.builder.build(total - made))
            if len(batch.people) >= BATCH_PEOPLE:
                writer.add(batch)
                batch = Population(seed=settings.seed)
                if on_progress is not None:
                    on_progress(made, total)
        writer.add(batch)
        manifest = world.manifest(made)
        directory = writer.finish(manifest)
    if on_progress is not None:
        on_progress(made, total)
    full = {**manifest, "counts": writer.counts}
    return GenerationReport(directory, made, world.households, time.perf_counter() - started, full)


def build_population(settings: GeneratorSettings) -> Population:
    """The whole population in memory (small sizes only: tests and benchmarks), without writing it."""
    world = World(settings)
    population = Population(seed=settings.seed)
    made = _sample_family(world, population)
    while made < settings.people:
        made += world.add_units(population, world.builder.build(settings.people - made))
    return population
