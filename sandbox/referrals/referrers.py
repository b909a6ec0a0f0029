"""Who refers to Northbridge's MASH: the referrer types in realistic proportions, and their organisations.

The police are the largest referrer (docs: /work/shared/guide/DOMAIN.md, "The front door"; the DfE's
children in need census has found so every year since it first recorded sources in 2013-14). Then come
schools, health services and the council's own services, then families and the public, housing and others.
The shares below are round figures close to the census's recent years.

Organisations come from the world: every school with pupils on its roll and every GP practice in
the health records, the hospitals of its A&E attendances, plus police teams, community health
services, council services and voluntary groups named for Northbridge. Each organisation has a quality
profile (`sandbox.referrals.quality`) and a propensity to refer. About a fifth of schools never refer
in the year (the council meets schools' safeguarding leads because some schools refer and others don't).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.referrals.families import Families
from sandbox.referrals.quality import draw_profile
from sandbox.world.city.street_names import neighbourhood_names
from schemas import ReferrerKind

SHARES: dict[ReferrerKind, float] = {
    ReferrerKind.POLICE: 0.29,
    ReferrerKind.EDUCATION: 0.20,
    ReferrerKind.HEALTH: 0.15,
    ReferrerKind.SOCIAL_CARE: 0.13,
    ReferrerKind.FAMILY: 0.07,
    ReferrerKind.PUBLIC: 0.04,
    ReferrerKind.HOUSING: 0.02,
    ReferrerKind.OTHER: 0.10,
}
"""Each referrer type's share of a year's referrals (police largest, then schools, health, council services)."""
SILENT_SCHOOLS = 0.2
"""Share of schools that make no referral in the year, whatever their size."""
CHILDREN_PER_POLICE_TEAM = 4_000
"""One neighbourhood policing team for about this many children (at least two, at most thirty)."""


@dataclass(frozen=True)
class Organisation:
    """A referrer organisation: an opaque id for the manifest, its type and name, and how it refers."""

    org_id: str
    kind: ReferrerKind
    name: str
    sort: str
    """What sort of organisation (police_frontline, school, gp, ...): who it refers and how well."""
    profile: str
    propensity: float
    """Relative volume among organisations of its type (0: never refers)."""
    role: str = ""
    """For health, social care and others: the service it is (emergency, health_visiting, ...), which
    decides which children it meets."""
    pupils: int | None = None


def school_org_id(dfe_number: str) -> str:
    """A school's id in the manifest, from its DfE number ("393/2015" -> "school-3932015")."""
    return "school-" + dfe_number.replace("/", "")


def gp_org_id(ods_code: str) -> str:
    """A GP practice's id in the manifest, from its ODS code."""
    return f"gp-{ods_code.lower()}"


# (id, name, sort, role, propensity)
_FIXED: dict[ReferrerKind, tuple[tuple[str, str, str, str, float], ...]] = {
    ReferrerKind.POLICE: (
        ("police-ppu", "Northbridge Police Public Protection Unit", "police_specialist", "", 3.0),
        ("police-daiu", "Northbridge Police Domestic Abuse Investigation Unit", "police_specialist", "", 2.0),
        ("police-missing", "Northbridge Police Missing from Home Team", "police_specialist", "", 1.0),
        ("police-response-north", "Northbridge Police Response Team North", "police_frontline", "", 2.0),
        ("police-response-south", "Northbridge Police Response Team South", "police_frontline", "", 2.0),
    ),
    ReferrerKind.HEALTH: (
        ("health-visiting", "Northbridge Health Visiting Service", "health_service", "health_visiting", 1.5),
        ("health-school-nursing", "Northbridge School Nursing Service", "health_service", "school_nursing", 0.5),
        ("health-midwifery", "Northbridge Community Midwifery", "health_service", "midwifery", 0.4),
        ("health-camhs", "Northbridge Child and Adolescent Mental Health Service", "health_service", "camhs", 1.0),
        ("health-adult-mh", "Northbridge Adult Mental Health Service", "health_service", "adult", 0.6),
        ("health-substance", "Northbridge Drug and Alcohol Recovery Service", "health_service", "adult", 0.4),
    ),
    ReferrerKind.SOCIAL_CARE: (
        ("la-early-help", "Northbridge City Council Early Help Service", "local_authority", "", 4.0),
        ("la-youth-justice", "Northbridge Youth Justice Service", "local_authority", "teenager", 1.0),
        ("la-adult-social-care", "Northbridge City Council Adult Social Care", "local_authority", "", 1.0),
        ("la-family-hub", "Northbridge Family Hub", "local_authority", "", 1.5),
        ("la-other-council", "Children's Social Care, another local authority", "local_authority", "", 1.0),
    ),
    ReferrerKind.HOUSING: (
        ("housing-options", "Northbridge City Council Housing Options", "housing", "", 1.0),
        ("housing-homes", "Northbridge Homes (housing association)", "housing", "", 1.0),
    ),
    ReferrerKind.FAMILY: (
        ("individual-parent", "Parent or carer", "individual", "", 2.0),
        ("individual-relative", "Relative", "individual", "", 2.0),
        ("individual-self", "Young person (self-referral)", "individual", "teenager", 0.5),
    ),
    ReferrerKind.PUBLIC: (
        ("individual-public", "Member of the public", "individual", "", 3.0),
        ("individual-anonymous", "Anonymous", "individual", "", 1.0),
    ),
    ReferrerKind.OTHER: (
        ("vol-domestic-abuse", "Northbridge Domestic Abuse Support (charity)", "voluntary", "", 2.0),
        ("other-probation", "Probation Service, Northbridge office", "voluntary", "", 1.5),
        ("vol-youth-centre", "Northbridge Young People's Centre", "voluntary", "teenager", 1.0),
        ("vol-foodbank", "Riverside Community Foodbank", "voluntary", "", 0.5),
        ("other-nursery", "Little Acorns Day Nursery", "voluntary", "under_five", 1.0),
        ("other-sports", "Northbridge Juniors Football Club", "voluntary", "", 0.3),
    ),
}


def _organisation(rng_seed: int, kind: ReferrerKind, org_id: str, name: str, sort: str, role: str,
                  propensity: float, pupils: int | None = None) -> Organisation:  # fmt: skip
    """Each organisation's profile is drawn from its own stream, so adding a school changes no other's."""
    profile = draw_profile(random.Random(f"{rng_seed}:profile:{org_id}"), sort)
    return Organisation(org_id, kind, name, sort, profile, propensity, role, pupils)


def organisations(families: Families, seed: int) -> list[Organisation]:
    """Every referrer organisation of the world, by type, in a stable order."""
    found: list[Organisation] = []
    for kind, fixed in _FIXED.items():
        found += [_organisation(seed, kind, *spec) for spec in fixed]
    teams = min(30, max(2, round(len(families.children) / CHILDREN_PER_POLICE_TEAM)))
    for area in neighbourhood_names(teams):
        slug = area.lower().replace(" ", "-").replace("'", "")
        name = f"Northbridge Police {area} Neighbourhood Team"
        found.append(_organisation(seed, ReferrerKind.POLICE, f"police-npt-{slug}", name, "police_frontline", "", 0.6))
    for ods_code, name in families.gp_practices.items():
        found.append(_organisation(seed, ReferrerKind.HEALTH, gp_org_id(ods_code), name, "gp", "gp", 0.4))
    for index, hospital in enumerate(families.hospitals):
        found.append(_organisation(seed, ReferrerKind.HEALTH, f"hospital-{index + 1}-ed",
                                   f"{hospital} Emergency Department", "health_service", "emergency", 3.0))  # fmt: skip
    found += _schools(families, seed)
    return found


def _schools(families: Families, seed: int) -> list[Organisation]:
    """Schools refer in proportion to their roll and their own culture; about a fifth never refer at all."""
    rng = random.Random(f"{seed}:schools")
    numbers = sorted(families.schools)
    silent_count = round(len(numbers) * SILENT_SCHOOLS) if len(numbers) >= 3 else 0
    silent = set(rng.sample(numbers, max(1, silent_count) if len(numbers) >= 3 else 0))
    found = []
    for number in numbers:
        school = families.schools[number]
        culture = rng.lognormvariate(0, 0.5)
        propensity = 0.0 if number in silent else culture
        org_id = school_org_id(number)
        found.append(_organisation(seed, ReferrerKind.EDUCATION, org_id, school.name, "school", "", propensity,
                                   school.pupils))  # fmt: skip
    return found
