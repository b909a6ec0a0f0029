"""Reading a referral's JSON safely: bounded in size, depth and number length, and no key given twice.

Python's `json` is fine for a well-made file but not for a hostile or broken one: 100,000 nested
brackets exhaust the interpreter's recursion (RecursionError), a 5,000-digit number is slow to convert
and then refused by `sys.set_int_max_str_digits` (ValueError), and a key given twice is kept silently
with its last value (the second `referral_id` wins). Here the depth is counted before parsing, by a
scan that does not recurse, and the parser's hooks see every number before it is converted and every
object's keys before they are merged, so each of these becomes a problem naming its place.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hub.intake.problems import Path, Problem, document_problem

MAX_BYTES = 1_048_576
"""1 MiB. The sample referral is 2 KB; a household of 50 people with a narrative at its limit (20,000
characters, at most 80 KB in UTF-8) is well under 200 KB. The limit bounds the memory and time one
submission can take from a channel anyone with an account can reach, and it is checked before a file is
read whole."""

MAX_DEPTH = 32
"""Objects and lists nested at most 32 deep. The referral format nests 6 deep (the referral, its
subjects, a subject, the person, the name, the given names); 32 leaves room for later versions and stays
far below the depth at which Python's parser fails (about 1,000)."""

MAX_NUMBER_CHARACTERS = 30
"""A number is written in at most 30 characters. Version 1 of the format holds no numbers at all (NHS
numbers and UPNs are strings, so leading zeros survive); 30 characters hold any count or measure a later
version might add, and refuse long before Python's conversion grows slow (it is quadratic in the digits)
or is refused (4,300 digits)."""

MAX_ITEMS = 100
"""A list holds at most 100 items and an object at most 100 fields. The format's longest list is the subjects
(50 at most) and its largest object has 8 fields; without a bound, a 1 MiB file of 500,000 wrong items
would be checked one by one, seconds of work for each submission."""

_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[{]|[\]}]', re.DOTALL)
"""A string (skipped whole, so brackets inside it do not count; an unterminated one runs to the end,
never backtracking), or a bracket. Every match moves forward, so the scan is linear in the text."""
_OPENING = frozenset("[{")
_CLOSING = frozenset("]}")


@dataclass(frozen=True)
class _Refused:
    """Stands in for a value not converted or not checked (a number too long, NaN, a list too long): reported once."""

    message: str


class _JsonObject(dict[str, Any]):
    """An object as parsed, remembering the keys it was given more than once."""

    duplicates: tuple[str, ...] = ()


@dataclass
class ParsedDocument:
    """The parsed value with the problems found in it, and the places whose value was not converted."""

    value: Any
    problems: list[Problem] = field(default_factory=list)
    refused_paths: set[Path] = field(default_factory=set)


def too_large(size: int | None = None) -> Problem:
    """The one wording for a document over the size limit, whether found by its size on disk or by reading."""
    actual = f"{size:,} bytes" if size is not None else f"more than {MAX_BYTES:,} bytes"
    return document_problem(f"is too large: {actual}, where a referral may be at most {MAX_BYTES:,} bytes (1 MiB)")


def nesting_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether objects and lists nest deeper than `limit` anywhere in `text`, found without recursion.

    Malformed text is counted as far as it goes: the parser reports its syntax error afterwards.
    """
    depth = 0
    for match in _TOKENS.finditer(text):
        found = match.group()
        if found in _OPENING:
            depth += 1
            if depth > limit:
                return True
        elif found in _CLOSING:
            depth -= 1
    return False


def _object(pairs: list[tuple[str, Any]]) -> _JsonObject | _Refused:
    if len(pairs) > MAX_ITEMS:
        return _Refused(f"has more than {MAX_ITEMS} fields")
    parsed = _JsonObject(pairs)
    if len(parsed) != len(pairs):
        counts = Counter(key for key, _ in pairs)
        parsed.duplicates = tuple(key for key, count in counts.items() if count > 1)
    return parsed


def _integer(text: str) -> int | _Refused:
    if len(text) > MAX_NUMBER_CHARACTERS:
        return _Refused(f"is a number longer than {MAX_NUMBER_CHARACTERS} characters")
    return int(text)


def _decimal(text: str) -> float | _Refused:
    if len(text) > MAX_NUMBER_CHARACTERS:
        return _Refused(f"is a number longer than {MAX_NUMBER_CHARACTERS} characters")
    value = float(text)
    return value if math.isfinite(value) else _Refused("is a number too large to hold")


def _constant(_text: str) -> _Refused:
    return _Refused("is NaN or Infinity, which JSON does not allow")


def _checked(value: Any) -> tuple[Any, list[Problem], set[Path]]:
    """Every duplicate key and unconverted value with its path, walked with a stack (the depth is bounded anyway).

    A list too long is replaced by a stand-in as it is found, so the format is never checked item by item
    on it: half a million wrong items would take pydantic seconds and say nothing more.
    """
    problems: list[Problem] = []
    refused: set[Path] = set()
    root: list[Any] = [value]
    stack: list[tuple[Path, Any, Any, int | str]] = [((), value, root, 0)]
    while stack:
        path, item, parent, key = stack.pop()
        if isinstance(item, list) and len(item) > MAX_ITEMS:
            item = parent[key] = _Refused(f"has more than {MAX_ITEMS} items")
        if isinstance(item, _Refused):
            problems.append(Problem(path, item.message))
            refused.add(path)
        elif isinstance(item, _JsonObject):
            problems.extend(Problem((*path, name), "is given more than once") for name in item.duplicates)
            stack.extend(((*path, name), child, item, name) for name, child in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend(((*path, index), child, item, index) for index, child in reversed(list(enumerate(item))))
    return root[0], problems, refused


def parse_document(data: bytes) -> ParsedDocument | Problem:
    """The JSON in `data`, or the one problem that stops it being read (too large, not UTF-8, too deep, not JSON).

    Problems inside a document that parses (duplicate keys, numbers too long) are listed with their
    paths in the result, so they are reported alongside the format's own.
    """
    if len(data) > MAX_BYTES:
        return too_large(len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return document_problem("is not UTF-8 text")
    if nesting_depth_exceeds(text):
        return document_problem(f"nests objects and lists more than {MAX_DEPTH} deep")
    try:
        value = json.loads(
            text, object_pairs_hook=_object, parse_int=_integer, parse_float=_decimal, parse_constant=_constant
        )
    except json.JSONDecodeError as error:
        return document_problem(f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})")
    return ParsedDocument(*_checked(value))
