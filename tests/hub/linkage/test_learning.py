"""Learning from practitioners' decisions: m nudged per agency by Bayes, thresholds widened only towards safety."""

from __future__ import annotations

import json
import math
import shutil
from datetime import date
from pathlib import Path

import pytest

from hub.linkage.engine import Linker, load_linker
from hub.linkage.learning import LEARNT, DecidedPair, LearningOptions, Learnt, learn
from hub.linkage.learning_files import settings_text, write_learnt
from hub.linkage.model import LinkageModel
from hub.linkage.settings import Thresholds
from schemas import Person
from tests.hub.builders import candidate, person
from tests.hub.linkage.builders import SETTINGS

TODAY = date(2026, 12, 1)
CHILD = person("Amara Joy", "Okafor-Reid", "2015-03-14")
ONE_DIGIT_OUT = person("Amara Joy", "Okafor-Reid", "2015-04-14")  # a month out, the same name: review
ONE_SURNAME_OF_TWO = person("Amara", "Reid", "2015-03-14")  # linked on its own: 99.99%
FAR_OFF = person("Amy", "Okafor-Reid", "2016-03-14")  # not linked, not even reviewed: 0.3%


@pytest.fixture(scope="module")
def linker(tmp_path_factory: pytest.TempPathFactory) -> Linker:
    """The committed settings and model without its own per-agency parameters: learning starts from the global m."""
    folder = tmp_path_factory.mktemp("config")
    shutil.copy(SETTINGS, folder / SETTINGS.name)
    model = json.loads((SETTINGS.parent / "linkage_model.json").read_text(encoding="utf-8"))
    (folder / "linkage_model.json").write_text(json.dumps({**model, "agencies": {}}), encoding="utf-8")
    return load_linker(folder / SETTINGS.name)


def pair(number: int, record: Person, *, confirmed: bool, agency: str = "police") -> DecidedPair:
    return DecidedPair(number, agency, confirmed, CHILD, [candidate(f"P-{number}", record)], f"P-{number}")


def m_of(linker: Linker, agency: str | None, field: str, level: str) -> float:
    return linker.model.tables_for(agency)[field].m[level]


def test_confirmed_decisions_nudge_that_agencys_m_and_nothing_else(linker: Linker) -> None:
    decided = [pair(n, ONE_DIGIT_OUT, confirmed=True) for n in range(1, 6)]
    learnt = learn(linker, decided, learnt_on=TODAY)
    before = m_of(linker, "police", "birth_date", "one_digit_off")
    after = m_of(learnt.linker, "police", "birth_date", "one_digit_off")
    assert after == pytest.approx((50 * before + 5) / 55)  # Bayes: 50 pseudo-counts, 5 observations
    assert m_of(learnt.linker, "police", "birth_date", "exact") < m_of(linker, None, "birth_date", "exact")
    unseen = m_of(linker, None, "birth_date", "differs")
    assert m_of(learnt.linker, "police", "birth_date", "differs") == pytest.approx(50 * unseen / 55)
    assert m_of(learnt.linker, None, "birth_date", "one_digit_off") == before  # the global model is untouched
    assert m_of(learnt.linker, "health", "birth_date", "one_digit_off") == before  # and other agencies
    [police] = learnt.agencies
    assert police.new_decisions == 5 and police.current.confirmed == 5
    assert any(change.level == "one_digit_off" and change.after > change.before for change in police.m_changes)
    record = learnt.model.agencies["police"].provenance[LEARNT]
    assert (record["through_review"], record["confirmed"], record["pseudo_counts"]) == (5, 5, 55)


def test_one_decision_moves_m_by_at_most_its_share_of_the_pseudo_counts(linker: Linker) -> None:
    learnt = learn(linker, [pair(1, FAR_OFF, confirmed=True)], learnt_on=TODAY, options=LearningOptions(100))
    for change in learnt.agencies[0].m_changes:
        assert abs(change.after - change.before) <= 1 / 101 + 1e-12


def test_decisions_already_learnt_are_not_counted_again(linker: Linker) -> None:
    decided = [pair(n, ONE_DIGIT_OUT, confirmed=True) for n in range(1, 4)]
    once = learn(linker, decided, learnt_on=TODAY)
    again = learn(once.linker, decided, learnt_on=TODAY)
    assert again.agencies[0].new_decisions == 0 and again.agencies[0].m_changes == ()
    more = learn(once.linker, [*decided, pair(4, ONE_DIGIT_OUT, confirmed=True)], learnt_on=TODAY)
    assert more.agencies[0].new_decisions == 1
    assert more.model.agencies["police"].provenance[LEARNT]["pseudo_counts"] == 54


def test_a_confirmed_miss_lowers_the_review_threshold_and_is_then_reviewed(linker: Linker) -> None:
    steady = LearningOptions(prior_strength=1e6)  # m barely moves: the threshold must
    learnt = learn(linker, [pair(1, FAR_OFF, confirmed=True)], learnt_on=TODAY, options=steady)
    [police] = learnt.agencies
    assert (police.current.misses, police.learnt.misses, police.learnt.to_review) == (1, 0, 1)
    assert police.learnt_thresholds.review_probability < police.current_thresholds.review_probability
    assert police.learnt_thresholds.link_probability == police.current_thresholds.link_probability
    assert learnt.settings.thresholds == linker.settings.thresholds  # the global thresholds stay


def test_a_rejected_pair_the_model_would_link_raises_the_link_threshold(linker: Linker) -> None:
    learnt = learn(linker, [pair(1, ONE_SURNAME_OF_TWO, confirmed=False)], learnt_on=TODAY)
    [police] = learnt.agencies
    assert (police.current.false_links, police.learnt.false_links) == (1, 0)
    assert police.learnt_thresholds.link_probability > police.current_thresholds.link_probability
    assert police.learnt_thresholds.review_probability == police.current_thresholds.review_probability
    assert police.m_changes == ()  # a rejection says nothing fair about m or u


def test_a_rejected_pair_already_held_by_a_better_match_asks_nothing_of_the_threshold(linker: Linker) -> None:
    both = DecidedPair(1, "police", False, CHILD, [candidate("P-1", CHILD), candidate("P-5", ONE_DIGIT_OUT)], "P-5")
    [police] = learn(linker, [both], learnt_on=TODAY).agencies
    assert police.current.to_review == 1 and police.current.false_links == 0
    assert police.learnt_thresholds == police.current_thresholds


def test_no_decisions_learn_nothing(linker: Linker) -> None:
    learnt = learn(linker, [], learnt_on=TODAY, unavailable={"police": 2})
    [police] = learnt.agencies
    assert police.unavailable == 2 and police.current.decisions == 0
    assert learnt.model == linker.model.parameters


@pytest.fixture
def learnt(linker: Linker) -> Learnt:
    decided = [pair(1, FAR_OFF, confirmed=True), pair(2, ONE_DIGIT_OUT, confirmed=False)]
    return learn(linker, decided, learnt_on=TODAY)


def test_the_learnt_files_are_written_whole_and_load(learnt: Learnt, tmp_path: Path) -> None:
    settings = tmp_path / SETTINGS.name
    shutil.copy(SETTINGS, settings)
    text = settings_text(settings.read_text(), learnt.settings.agency_thresholds, learnt_on=TODAY.isoformat())
    write_learnt(learnt.model, tmp_path / "linkage_model.json", text, settings)
    loaded = load_linker(settings)
    assert loaded.settings.agency_thresholds == learnt.settings.agency_thresholds
    assert loaded.model.parameters.agencies == learnt.model.agencies
    assert "# Match probability from which a candidate is linked automatically" in settings.read_text()
    again = settings_text(settings.read_text(), learnt.settings.agency_thresholds, learnt_on=TODAY.isoformat())
    assert again == settings.read_text()  # the block is replaced, not appended twice
    assert sorted(path.name for path in tmp_path.iterdir()) == ["linkage.yaml", "linkage_model.json"]


def test_a_bad_document_writes_nothing(learnt: Learnt, tmp_path: Path) -> None:
    from schemas.config_files import ConfigFileError

    settings = tmp_path / SETTINGS.name
    shutil.copy(SETTINGS, settings)
    before = settings.read_text()
    wrong = settings_text(before, {"police": Thresholds(link_probability=0.9, review_probability=0.2)}, learnt_on="x")
    with pytest.raises(ConfigFileError, match=r"agency_thresholds\.police"):
        write_learnt(learnt.model, tmp_path / "linkage_model.json", wrong.replace("0.9\n", "1.9\n"), settings)
    assert settings.read_text() == before and not (tmp_path / "linkage_model.json").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["linkage.yaml"]


def test_the_learnt_model_judges_as_fast(learnt: Learnt) -> None:
    model = LinkageModel(learnt.model, learnt.linker.comparisons)
    assert set(model.agency_tables) == {"police"}
    assert math.isfinite(learnt.linker.model.prior_weight)
