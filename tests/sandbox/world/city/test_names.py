"""Names at city scale: weighted pools, community conventions, and the ways records garble names."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from sandbox.world.city.communities import (
    all_given_names,
    all_surnames,
    compound_surname,
    mixed_given_names,
    partner_community,
    pick_community,
    similar_given_name,
)
from sandbox.world.city.garbling import nickname_for, spelling_variant, typo
from sandbox.world.city.name_pool import NamePool
from sandbox.world.city.name_variants import NICKNAMES, SPELLING_VARIANTS
from sandbox.world.city.names import COMMUNITIES, COMMUNITY_BY_KEY
from sandbox.world.city.naming import Community, Sex

SEXES: tuple[Sex, Sex] = ("female", "male")


def _draw_people(seed: int, count: int) -> list[tuple[str, tuple[str, ...], str]]:
    rng = random.Random(seed)
    people = []
    for _ in range(count):
        community = pick_community(rng)
        sex = rng.choice(SEXES)
        people.append((community.key, community.given_names(rng, sex), community.surname(rng, sex)))
    return people


def _is_known_surname(surname: str) -> bool:
    """A single surname from the pools, or two of them joined by a hyphen or (Iberian style) a space."""
    known = all_surnames()
    if surname in known:
        return True
    return any(
        surname[:index] in known and surname[index + 1 :] in known for index, char in enumerate(surname) if char in "- "
    )


# --- Communities and pools ------------------------------------------------------------------------------------


def test_communities_are_distinct_and_shares_sum_to_a_hundred() -> None:
    assert len(COMMUNITY_BY_KEY) == len(COMMUNITIES) >= 15
    assert sum(community.share for community in COMMUNITIES) == pytest.approx(100.0)
    assert COMMUNITIES[0].key == "white_british"


@pytest.mark.parametrize("community", COMMUNITIES, ids=lambda community: community.key)
def test_pools_are_big_enough_for_the_community(community: Community) -> None:
    big = community.share >= 3.0
    for pool in (community.female, community.male):
        assert len(pool) >= (40 if big else 25)
    assert len(community.surnames) >= (40 if big else 35)


def test_same_seed_gives_the_same_people_and_different_seeds_do_not() -> None:
    assert _draw_people(11, 2_000) == _draw_people(11, 2_000)
    assert _draw_people(11, 2_000) != _draw_people(12, 2_000)


def test_pool_draws_follow_their_weights() -> None:
    pool = NamePool.zipf([f"Name{rank}" for rank in range(12)], offset=2.0)
    rng = random.Random(3)
    draws = 120_000
    counts = Counter(pool.pick(rng) for _ in range(draws))
    for name in pool.names:
        assert counts[name] / draws == pytest.approx(pool.probability(name), abs=0.006)
    assert pool.probability("Name0") > 5 * pool.probability("Name11")
    assert pool.probability("Nobody") == 0.0


def test_pools_reject_duplicate_names() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        NamePool.zipf(["Ann", "Bea", "Ann"])


def test_common_names_are_common_and_the_tail_is_long() -> None:
    british = COMMUNITY_BY_KEY["white_british"]
    assert british.surnames.probability("Smith") > 0.015
    assert len(british.surnames) > 500
    rare = british.surnames.names[-1]
    assert british.surnames.probability(rare) < british.surnames.probability("Smith") / 50


def test_communities_are_drawn_in_proportion_to_their_shares() -> None:
    rng = random.Random(5)
    draws = 200_000
    counts = Counter(pick_community(rng).key for _ in range(draws))
    for community in COMMUNITIES:
        assert counts[community.key] / draws == pytest.approx(community.share / 100, abs=0.005)


def test_drawn_names_come_from_the_pools() -> None:
    given = all_given_names()
    for _key, names, surname in _draw_people(21, 20_000):
        assert 1 <= len(names) <= 3
        assert len(set(names)) == len(names)
        assert set(names) <= given
        assert _is_known_surname(surname), surname


def test_second_given_names_follow_the_convention() -> None:
    british = COMMUNITY_BY_KEY["white_british"]
    rng = random.Random(8)
    draws = 20_000
    with_middle = sum(len(british.given_names(rng, "female")) >= 2 for _ in range(draws))
    assert with_middle / draws == pytest.approx(british.conventions.second_given, abs=0.03)


def test_people_born_before_1995_get_older_names() -> None:
    british = COMMUNITY_BY_KEY["white_british"]
    rng = random.Random(9)
    older = Counter(british.given_name(rng, "female", 1978) for _ in range(5_000))
    younger = Counter(british.given_name(rng, "female", 2016) for _ in range(5_000))
    assert older["Tracey"] > 0 and younger["Tracey"] == 0
    assert younger["Poppy"] > 0 and older["Poppy"] == 0


# --- Conventions ----------------------------------------------------------------------------------------------


def test_polish_surnames_take_the_form_for_each_sex() -> None:
    polish = COMMUNITY_BY_KEY["polish"]
    rng = random.Random(13)
    women = [polish.surname(rng, "female") for _ in range(5_000)]
    men = [polish.surname(rng, "male") for _ in range(5_000)]
    assert not any(re.search(r"ski\b", name) for name in women)
    assert any(name.endswith("ska") for name in women)
    assert not any(re.search(r"ska\b", name) for name in men)
    assert any(name.endswith("wicz") for name in women + men)
    assert polish.surname_for_sex("Kowalski", "female") == "Kowalska"
    assert polish.surname_for_sex("Zawadzka", "male") == "Zawadzki"
    assert polish.surname_for_sex("Kowalska-Nowak", "male") == "Kowalski-Nowak"
    assert polish.child_surname(rng, "Kowalski", "female") == "Kowalska"


def test_sikh_names_carry_kaur_or_singh_once() -> None:
    sikh = COMMUNITY_BY_KEY["indian_sikh"]
    rng = random.Random(17)
    cases: tuple[tuple[Sex, str, str], ...] = (("female", "Kaur", "Singh"), ("male", "Singh", "Kaur"))
    for sex, marker, other in cases:
        names = [sikh.full_name(rng, sex) for _ in range(5_000)]
        as_middle = sum(given[-1] == marker for given, _ in names)
        as_surname = sum(surname == marker for _, surname in names)
        assert as_middle > 1_500 and as_surname > 500
        assert not any(given[-1] == marker and surname == marker for given, surname in names)
        assert not any(other in (*given, surname) for given, surname in names)
    assert sikh.child_surname(rng, "Singh", "female") == "Kaur"
    assert sikh.child_surname(rng, "Kaur", "male") == "Singh"


def test_somali_children_often_take_their_fathers_name() -> None:
    somali = COMMUNITY_BY_KEY["somali"]
    rng = random.Random(19)
    surnames = Counter(somali.child_surname(rng, "Warsame", "female", father_given="Abdi") for _ in range(10_000))
    assert set(surnames) == {"Abdi", "Warsame"}
    assert surnames["Abdi"] / 10_000 == pytest.approx(somali.conventions.patronymic, abs=0.03)
    middles = [somali.given_names(rng, "female") for _ in range(2_000)]
    assert all(name in somali.male for given in middles for name in given[1:])


def test_south_asian_conventions() -> None:
    rng = random.Random(23)
    pakistani = COMMUNITY_BY_KEY["pakistani"]
    men = [pakistani.given_names(rng, "male") for _ in range(10_000)]
    assert sum(given[0] == "Muhammad" for given in men) / len(men) > 0.25
    bangladeshi = COMMUNITY_BY_KEY["bangladeshi"]
    women = Counter(bangladeshi.surname(rng, "female") for _ in range(10_000))
    men_surnames = Counter(bangladeshi.surname(rng, "male") for _ in range(10_000))
    assert women["Begum"] > 1_000
    assert men_surnames["Begum"] == men_surnames["Khatun"] == 0


def test_prefixed_and_double_surnames_occur_at_their_rates() -> None:
    rng = random.Random(29)
    arab = COMMUNITY_BY_KEY["arab"]
    arab_names = [arab.surname(rng, "male") for _ in range(10_000)]
    prefixed = sum(name.startswith(("Al-", "El-")) for name in arab_names)
    assert prefixed / 10_000 == pytest.approx(arab.conventions.prefix_prob, abs=0.03)
    european = COMMUNITY_BY_KEY["other_european"]
    assert {"Van der Berg", "De Souza", "Da Silva"} <= set(european.surnames.names)
    british = COMMUNITY_BY_KEY["white_british"]
    doubles = [name for name in (british.surname(rng, "female") for _ in range(20_000)) if "-" in name]
    assert 0 < len(doubles) < 600
    assert "O'Brien" in COMMUNITY_BY_KEY["irish"].surnames and "McAllister" in british.surnames


def test_chinese_records_may_put_the_family_name_first() -> None:
    assert COMMUNITY_BY_KEY["chinese"].conventions.family_name_first > 0
    assert COMMUNITY_BY_KEY["white_british"].conventions.family_name_first == 0


# --- Mixed heritage -------------------------------------------------------------------------------------------


def test_compound_surnames() -> None:
    assert compound_surname("Okafor", "Reid") == "Okafor-Reid"
    assert compound_surname("Smith", "smith") == "Smith"
    assert compound_surname("Okafor-Reid", "Hartley-Jones") == "Okafor-Jones"
    assert compound_surname("Van der Berg", "Ali") == "Van der Berg-Ali"
    with pytest.raises(ValueError):
        compound_surname("", "Reid")


def test_partners_usually_share_a_community_at_each_communitys_rate() -> None:
    rng = random.Random(31)
    for key in ("white_british", "irish", "black_caribbean", "bangladeshi"):
        community = COMMUNITY_BY_KEY[key]
        partners = [partner_community(rng, community) for _ in range(20_000)]
        out = sum(partner is not community for partner in partners) / len(partners)
        assert out == pytest.approx(community.conventions.outpartnering, abs=0.02)
    irish_partners = Counter(partner_community(rng, COMMUNITY_BY_KEY["irish"]).key for _ in range(20_000))
    assert irish_partners.most_common(2)[1][0] == "white_british"


def test_mixed_heritage_children_get_names_from_both_sides() -> None:
    rng = random.Random(37)
    nigerian, british = COMMUNITY_BY_KEY["nigerian"], COMMUNITY_BY_KEY["white_british"]
    both = 0
    for _ in range(2_000):
        names = mixed_given_names(rng, "female", nigerian, british, 2015)
        assert 1 <= len(names) <= 2
        both += any(name in nigerian.female for name in names) and any(name in british.female for name in names)
    assert both > 500


# --- Nicknames, spellings, typos ------------------------------------------------------------------------------


def test_nickname_and_variant_keys_are_names_the_pools_produce() -> None:
    given, surnames = all_given_names(), all_surnames()
    assert len(NICKNAMES) >= 80
    assert [name for name in NICKNAMES if name not in given] == []
    assert [name for name in SPELLING_VARIANTS if name not in given and name not in surnames] == []
    for forms in (*NICKNAMES.values(), *SPELLING_VARIANTS.values()):
        assert forms and all(forms)
    for name, forms in SPELLING_VARIANTS.items():
        assert name not in forms, name


def test_the_expected_nicknames_and_variants_are_there() -> None:
    assert {"Will", "Bill", "Billy", "Liam"} <= set(NICKNAMES["William"])
    assert {"Beth", "Liz", "Lizzie", "Libby"} <= set(NICKNAMES["Elizabeth"])
    assert NICKNAMES["Oluwaseun"] == ("Seun",) and NICKNAMES["Abdullahi"] == ("Abdi",)
    assert "Mo" in NICKNAMES["Muhammad"]
    assert {"Mohammed", "Mohammad", "Mohamed", "Muhammed"} <= set(SPELLING_VARIANTS["Muhammad"])
    assert {"Ayesha", "Aysha"} <= set(SPELLING_VARIANTS["Aisha"])
    assert {"Catherine", "Kathryn"} <= set(SPELLING_VARIANTS["Katherine"])
    assert "Mahamoud" in SPELLING_VARIANTS["Mohamud"]
    assert "Shivaun" in SPELLING_VARIANTS["Siobhan"]
    assert {"Choudhury", "Chowdhury"} <= set(SPELLING_VARIANTS["Chaudhry"])
    assert "Nwachuku" in SPELLING_VARIANTS["Nwachukwu"]
    assert "Kowalsky" in SPELLING_VARIANTS["Kowalski"]
    assert {"Al Hassan", "Alhassan", "Hassan"} <= set(SPELLING_VARIANTS["Al-Hassan"])


def test_nickname_and_variant_draws() -> None:
    rng = random.Random(41)
    assert nickname_for(rng, "William") in NICKNAMES["William"]
    assert nickname_for(rng, "Zozan") is None
    assert spelling_variant(rng, "Sean") in SPELLING_VARIANTS["Sean"]
    assert spelling_variant(rng, "Okafor") is None
    assert spelling_variant(rng, "Kowalska-Smith") in {"Kowalski-Smith", "Kowalska-Smyth"}


TYPO_SAMPLES = (
    "Smith", "O'Brien", "Okafor-Reid", "SMITH", "smith", "Van der Berg", "McAllister", "A", "Al", "Li", "Ng",
    "Ayşe", "Mary Ann", "D'Souza", "Kerry-Ann", "Aa", "Jo-Anne", "Anne", "Wai-Ming", "Ma",
)  # fmt: skip


def test_typo_always_changes_the_text_and_never_empties_a_part() -> None:
    rng = random.Random(43)
    changes: Counter[int] = Counter()
    for draw in range(10_000):
        text = TYPO_SAMPLES[draw % len(TYPO_SAMPLES)]
        result = typo(rng, text)
        assert result != text
        parts = re.split(r"[-' ]", result)
        assert all(parts), (text, result)
        assert re.findall(r"[-' ]", result) == re.findall(r"[-' ]", text)
        if text.isupper() and len(text) > 1:
            assert result.isupper(), (text, result)
        elif text.islower():
            assert result.islower(), (text, result)
        elif text.istitle():
            assert result.istitle(), (text, result)
        changes[len(result) - len(text)] += 1
    assert set(changes) == {-1, 0, 1}


def test_typo_needs_a_letter() -> None:
    with pytest.raises(ValueError):
        typo(random.Random(1), "-' ")


def test_similar_given_names_differ_and_often_share_the_initial() -> None:
    rng = random.Random(47)
    british = COMMUNITY_BY_KEY["white_british"]
    names = [similar_given_name(rng, british, "male", "Thomas", 2014) for _ in range(2_000)]
    assert not {"Thomas", "Tom", "Tommy"} & set(names)
    assert sum(name.startswith("T") for name in names) > 600
    assert all(name in british.male for name in names)
    assert "Thomas" not in {similar_given_name(rng, british, "male", "Tom", 2014) for _ in range(500)}
    triplet = similar_given_name(rng, british, "female", ["Amelia", "Ava"])
    assert triplet not in {"Amelia", "Ava", *NICKNAMES["Amelia"]}
    with pytest.raises(ValueError):
        similar_given_name(rng, british, "female", [])
