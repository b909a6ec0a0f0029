"""Generator settings: impossible ones are refused with one clear line naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.world.settings import DEFAULT_NOISE, MAX_PEOPLE, UNSUPPORTED, SettingsError, load_settings


def _noise_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "noise.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("people", "seed", "expected"),
    [
        (3, 0, "people: must be at least 4: the sample family alone has 4 people"),
        (0, 0, "people: must be at least 4"),
        (MAX_PEOPLE + 1, 0, "people: must be at most 1,000,000"),
        (10, -1, "seed: must be 0 or more"),
    ],
)
def test_impossible_sizes_and_seeds_are_refused(people: int, seed: int, expected: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(people, seed)
    assert str(raised.value).startswith(expected)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("police:\n  typo: 1.5\n", "noise.police.typo: must be at most 1 (got 1.5)"),
        ("police:\n  typo: -0.1\n", "noise.police.typo: must be at least 0 (got -0.1)"),
        ("police:\n  tpyo: 0.1\n", "noise.police.tpyo: unknown noise kind"),
        ("fire:\n  typo: 0.1\n", "noise.fire: unknown agency"),
        ("health:\n  missing_birth_date: 0.1\n", "noise.health.missing_birth_date: must be 0: PDS always holds"),
        ("housing:\n  old_address: 0.1\n", "noise.housing.old_address: must be 0"),
        ("police:\n  typo: often\n", "noise.police.typo: must be a valid number"),
        ("- police\n", "must map agencies"),
        ("police: [typo\n", "is not valid YAML"),
    ],
)
def test_impossible_noise_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(100, 1, _noise_file(tmp_path, text))
    assert expected in str(raised.value)


def test_a_missing_noise_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="Cannot read"):
        load_settings(100, 1, tmp_path / "absent.yaml")


def test_given_rates_override_defaults_kind_by_kind(tmp_path: Path) -> None:
    settings = load_settings(100, 1, _noise_file(tmp_path, "noise:\n  police:\n    typo: 0.2\n"))
    assert settings.noise.police.typo == 0.2
    assert settings.noise.police.duplicate == DEFAULT_NOISE["police"]["duplicate"]
    assert settings.noise.health.rates() == DEFAULT_NOISE["health"]
    assert load_settings(100, 1, _noise_file(tmp_path, "")).noise == load_settings(100, 1).noise


def test_defaults_make_health_the_cleanest_and_police_the_noisiest() -> None:
    for kind in ("typo", "nickname", "old_address", "old_surname", "duplicate"):
        rates = {agency: DEFAULT_NOISE[agency][kind] for agency in DEFAULT_NOISE if kind not in UNSUPPORTED[agency]}
        assert rates["health"] == min(rates.values())
        assert rates["police"] == max(rates.values())
