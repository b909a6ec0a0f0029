"""Evidence words go into logs and the audit trail: they must never quote the records' values."""

from __future__ import annotations

import itertools

from hub.linkage.engine import Linker
from hub.linkage.judgement import Judgement
from hub.linkage.records import LinkageRecord
from tests.hub.linkage.builders import VALID_NHS, record

MARKERS = {
    "given": "Zqxandra Wilhelmina",
    "family": "Quixlotte-Marzipan",
    "other": "Brightwaterfall",
    "line": "77 Zebrafish Crescent, Mockbury",
    "postcode": "ZZ9 9ZZ",
    "born": "1987-11-23",
}
FRAGMENTS = [
    "zqxandra", "wilhelmina", "quixlotte", "marzipan", "brightwater", "zebrafish", "mockbury", "zz9", "9zz",
    "1987", "11-23", "23/11", *VALID_NHS,
]  # fmt: skip


def variants() -> list[LinkageRecord]:
    """Candidates reaching many levels and every outcome, all built from the marker values."""
    return [
        record(
            MARKERS["given"],
            MARKERS["family"],
            MARKERS["born"],
            sex="female",
            line=MARKERS["line"],
            postcode=MARKERS["postcode"],
            nhs_number=VALID_NHS[0],
        ),
        record("Zqxandra", "Marzipan", "1987-11-23", other_family=[MARKERS["other"]], sex="female"),
        record("Marzipan", "Zqxandra", "1987-11-24", nhs_number=VALID_NHS[1]),
        record("Zqxandr", MARKERS["other"], None, line=MARKERS["line"], postcode="ZZ9 9ZY", sex="male"),
        record("Wilhelmina", MARKERS["family"], "1957-11-23", previous=[(MARKERS["line"], MARKERS["postcode"])]),
        record(None, MARKERS["family"], "1987", nhs_number=VALID_NHS[0]),
    ]


def texts(judgement: Judgement) -> list[str]:
    return [judgement.summary, *judgement.review_reasons, *(item.words for item in judgement.evidence)]


def test_no_value_from_either_record_appears_in_the_words(linker: Linker) -> None:
    people = variants()
    outcomes = set()
    for query, candidate in itertools.permutations(people, 2):
        judgement = linker.judge(query, candidate)
        outcomes.add(judgement.outcome)
        for text in texts(judgement):
            folded = text.casefold()
            leaked = [fragment for fragment in FRAGMENTS if fragment in folded]
            assert not leaked, (leaked, text)
    assert len(outcomes) == 3  # the words of every outcome were searched
