"""Saving serialises a chronology once: the digest's bytes and the stored document are exactly the plain ones.

The digest must be taken over the very bytes it always was (canonical JSON of schema version, entries
and checks), or an unchanged chronology saved after an upgrade would no longer match the version
stored before it and would be stored again. The document is the chronology's canonical JSON.
"""

from __future__ import annotations

import pytest

from hub.chronology.assembly import assemble
from hub.crypto import keyed_digest, new_data_key
from hub.crypto.digest import canonical_json
from hub.store.chronology_records import _Serialised, chronology_content
from schemas import Chronology
from tests.hub.builders import ASSEMBLED_AT, example_referral, household_replies
from tests.hub.chronology.large_input import large_replies


@pytest.fixture(scope="module")
def chronologies() -> list[Chronology]:
    referral = example_referral()
    return [
        *assemble(referral, household_replies(), assembled_at=ASSEMBLED_AT),
        *assemble(referral, large_replies(referral, 1_500), assembled_at=ASSEMBLED_AT),
    ]


def test_the_digests_bytes_are_the_plain_canonical_json_of_entries_and_checks(
    chronologies: list[Chronology],
) -> None:
    for chronology in chronologies:
        plain = canonical_json(
            {
                "schema_version": chronology.schema_version,
                "entries": [entry.model_dump(mode="json") for entry in chronology.entries],
                "checks": [check.model_dump(mode="json") for check in chronology.checks],
            }
        )
        assert chronology_content(chronology) == plain


def test_the_stored_document_is_the_chronologys_canonical_json_with_its_version_and_reads_back_equal(
    chronologies: list[Chronology],
) -> None:
    for chronology in chronologies:
        stored = chronology.model_copy(update={"version": 3})
        document = _Serialised(chronology).document(3)
        assert document == canonical_json(stored.model_dump(mode="json"))
        assert Chronology.model_validate_json(document) == stored


def test_the_digest_fed_in_pieces_is_the_keyed_digest_of_the_content(chronologies: list[Chronology]) -> None:
    """Saving feeds the content to the HMAC piece by piece: the digest must be `keyed_digest`'s, as stored before."""
    key = new_data_key()
    for chronology in chronologies:
        serialised = _Serialised(chronology)
        assert serialised.content_digest(key) == keyed_digest(key, "chronology", serialised.content)
