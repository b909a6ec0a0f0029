"""The privacy markers are long enough never to match random data by chance, and still find the family.

Measured (issue 11): the 3-byte marker 'Joy' matched inside ciphertext in `hub.db-wal` and failed
the suite at random.
"""

from __future__ import annotations

import json
import random
import secrets
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_REFERRAL
from tests.markers import MIN_BYTES, MIN_TEXT_BITS, chance_bits, files_containing, sample_family_markers

SEED = 3


def test_a_three_byte_marker_matches_random_bytes_by_chance_and_is_refused(tmp_path: Path) -> None:
    """What happened: 16 MiB of random bytes (a busy WAL) holds 'Joy' about once (2^24 / 2^24)."""
    noise = random.Random(SEED).randbytes(2**24)
    chance_matches = noise.count(b"Joy")
    assert chance_matches == 4  # this seed's bytes hold 'Joy' by chance, as the WAL that failed the suite did
    assert chance_bits("Joy") == 18  # 3 base64 characters; 24 bits as raw bytes
    (tmp_path / "hub.db-wal").write_bytes(noise)
    with pytest.raises(ValueError, match="too short"):
        files_containing(tmp_path, ["Joy"])
    assert files_containing(tmp_path, sample_family_markers()) == {}


def test_every_marker_is_long_and_distinctive() -> None:
    for marker in sample_family_markers():
        assert len(marker.encode()) >= MIN_BYTES and chance_bits(marker) >= MIN_TEXT_BITS, marker
    assert "Joy" not in sample_family_markers() and "20150314" not in sample_family_markers()  # 18 and 32 bits


def test_the_markers_still_cover_every_subjects_names_birth_date_and_identifiers() -> None:
    markers = set(sample_family_markers())
    raw = json.loads(SAMPLE_REFERRAL.read_text())
    for subject in raw["subjects"]:
        person = subject["person"]
        name = person["name"]
        assert f"{' '.join(name['given_names'])} {name['family_name']}" in markers
        year, month, day = person["birth_date"].split("-")
        assert {person["birth_date"], f"{day}/{month}/{year}"} <= markers
        assert set(person.get("identifiers", {}).values()) <= markers
    assert {"9990001014", "9990001022", "Y393201510011", raw["narrative"][:40]} <= markers


@pytest.mark.parametrize(
    ("leak", "expected"),
    [
        (SAMPLE_REFERRAL.read_bytes(), {"Okafor-Reid", "2015-03-14", "9990001014", "1986-05-09"}),
        (b'{"given_names": ["Liam"], "family_name": "Hartley"}', {'"Hartley"'}),
        (b"conf={'name': 'Amara Joy Okafor-Reid'}", {"Amara Joy Okafor-Reid", "Okafor-Reid"}),
        (b"born 20/11/1989", {"20/11/1989"}),
    ],
)
def test_a_leak_hidden_among_random_bytes_is_still_found(tmp_path: Path, leak: bytes, expected: set[str]) -> None:
    (tmp_path / "airflow.db").write_bytes(secrets.token_bytes(2**16) + leak + secrets.token_bytes(2**16))
    found = files_containing(tmp_path, sample_family_markers())
    assert expected <= set(found["airflow.db"])


def test_random_hex_and_base64_text_matches_no_marker(tmp_path: Path) -> None:
    """Digests, UUIDs and tokens: a MiB of each, which is more than a test's homes hold."""
    generator = random.Random(SEED)
    (tmp_path / "digests.txt").write_text("".join(generator.choices("0123456789abcdef", k=2**20)))
    (tmp_path / "tokens.txt").write_text(secrets.token_urlsafe(3 * 2**18))
    assert files_containing(tmp_path, sample_family_markers()) == {}
