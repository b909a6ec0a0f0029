"""Every agency's parser, fuzzed: whatever an agency sends, reading it ends in a document or `malformed_reply`.

Every agency's connector is fuzzed (`CONNECTORS` in hostile.py, which must hold every connector class
in config/agencies.yaml); its seeds are its captured replies in tests/fixtures/native/<agency>/ (for
health, the real PDS replies too). A mutant is a seed changed by up to three of: byte flips,
truncation, cut or repeated spans, invalid UTF-8, re-encoding (UTF-8/16/32, with and without a BOM,
the declaration naming the encoding or not), hostile DOCTYPEs (internal and external entities, file
and http, parameter entities, billion laughs, quadratic blow-up) with their entities referenced,
XInclude, stylesheet and schema-location markup, deep nesting, huge numbers, and structural changes
(a value replaced, swapped, deleted or repeated).

For every mutant:

* no unexpected exception: `parse_document` returns a `NormalisedDocument` or raises a
  `ConnectorError` whose code is `malformed_reply` (or an agency's own typed answer,
  `too_many_matches` or `operation_outcome`), never quoting the reply; the document it returns
  can be stored (it serialises to JSON);
* no unbounded work: each parse finishes within `TIME_BOUND` seconds of CPU, asserted;
* no entity resolved: a marker file's content, and an internal entity's, never appear in any output,
  and a listener on 127.0.0.1 that every external reference points at is never connected to.

`test_checks_*` run whole checks (search, fetch and every reply read) against a stub agency, one of
whose replies is a mutant: the check returns a reply, failed with `malformed_reply` at worst, never the
SDK's last resort (`connector_error`, which would mean a reply escaped the parsing guards).

Hypothesis chooses each example's seed, mutations and attack, and an entropy from which, with the rest
of the example (`stream`), the example makes `BATCH` mutants (positions, bytes and values from a
`random.Random`: drawing each through Hypothesis would cost ten times as much). Settings are
deterministic (`derandomize=True`, no example database), so CI sees the same mutants every run; a
failure names the example and the mutant.
Per agency: 4,000 byte-level, 3,500 structural and 2,000 hostile-markup mutants parsed, and 800
whole checks: 10,300 replies read. The module takes about 35 s of CPU on a 2-vCPU machine (41 s before `stream`).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from connectors.sdk.errors import ConnectorError
from connectors.sdk.registry import REGISTRY_FILE, load_registry_file
from schemas import NormalisedDocument, ReplyStatus
from tests.conftest import REPO_ROOT
from tests.connectors.hostile import (
    CONNECTORS,
    ENCODINGS,
    ROUTES,
    Trap,
    captured_replies,
    encoded,
    fetching_markup,
    hostile_dtds,
    offline,
    seeds,
    subject,
    trap,
    with_schema_location,
)

AGENCIES = tuple(CONNECTORS)
TIME_BOUND = 5.0
"""CPU seconds any one parse (or check) may take: a bound against unbounded work (a list repeated a thousand
times, deep nesting), not a speed target. It was 2 s; on the 2-vCPU machines CI now runs on (about four
times slower than a developer's laptop at plain Python), one structural mutant of the housing reply,
which now reads every record's fields through the set-aside reader, took 2.1-2.5 s idle.

It is the test thread's CPU time (`time.thread_time`: the parsers run in it, lxml and pydantic-core
included), not time on the clock. Work is what the bound is about, and the clock also counts waiting for
a core: with other suites on the same two cores, a housing mutant that takes 1 s of CPU took over 5 s on
the clock, and the test failed with no parser at fault. A parser that waited on the network instead of
working would not pass either: every address a hostile document names is the trap's listener, which
records the connection, or the discard port, which refuses it at once."""
TYPED_ANSWERS = frozenset({"malformed_reply", "too_many_matches", "operation_outcome"})
"""Codes a reply may legitimately end in: unreadable, or the agency's own typed refusal."""
PEOPLE = ("Okafor", "Smith", "Hartley", "Smythe")
"""Surnames in the seeds: an error message must never quote them."""
BATCH = 5
"""Mutants per Hypothesis example."""
REPLIES = {"bytes": 4000, "structure": 3500, "markup": 2000, "checks": 800}
"""Replies read per agency by each test."""
FUZZ = settings(
    derandomize=True, database=None, deadline=None, print_blob=True, suppress_health_check=list(HealthCheck)
)
Mutation = Callable[[random.Random, bytes], bytes]
JsonPath = tuple[Any, ...]


@pytest.fixture(scope="module")
def caught(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trap]:
    with trap(tmp_path_factory.mktemp("trap")) as sprung:
        yield sprung
    assert sprung.connections == [], "a parser reached out to the network"


# What each parse must end in -----------------------------------------------------------------------------


def read_within_bounds(parse: Callable[[bytes], NormalisedDocument], document: bytes, caught: Trap) -> str:
    """Parse once and assert the rules in the module docstring; the outcome, for the tally."""
    started = time.thread_time()
    try:
        try:
            result = parse(document)
        except ConnectorError as error:
            outcome, text = error.code, str(error)
            assert error.code in TYPED_ANSWERS, f"unexpected code {error.code}"
            assert not any(name in text for name in PEOPLE), text
        else:
            assert isinstance(result, NormalisedDocument)
            outcome, text = "document", result.model_dump_json()
        elapsed = time.thread_time() - started
        assert elapsed < TIME_BOUND, f"parse took {elapsed:.1f} s of CPU"
        assert not caught.leaked(text), "an entity was resolved"
    except BaseException as error:
        error.add_note(f"mutant ({len(document)} bytes): {document[:400]!r}")
        raise
    return outcome


# Byte-level mutations ------------------------------------------------------------------------------------

INVALID_UTF8 = (b"\xff", b"\xfe\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80", b"\x00")


def flip(rng: random.Random, document: bytes) -> bytes:
    if not document:
        return document
    mutated = bytearray(document)
    for _ in range(rng.randint(1, 8)):
        mutated[rng.randrange(len(mutated))] ^= rng.randint(1, 255)
    return bytes(mutated)


def truncate(rng: random.Random, document: bytes) -> bytes:
    return document[: rng.randrange(len(document) or 1)]


def splice(rng: random.Random, document: bytes) -> bytes:
    """A span cut out, or repeated."""
    start = rng.randint(0, len(document))
    end = rng.randint(start, min(len(document), start + 256))
    return document[:start] + document[start:end] * rng.choice([0, 2, 50]) + document[end:]


def invalid_utf8(rng: random.Random, document: bytes) -> bytes:
    position = rng.randint(0, len(document))
    return document[:position] + rng.choice(INVALID_UTF8) + document[position:]


def reencode(rng: random.Random, document: bytes) -> bytes:
    text = document.decode("utf-8", errors="replace")
    return encoded(text, rng.choice(ENCODINGS), declare=rng.random() < 0.5, bom=rng.random() < 0.5)


BYTE_MUTATIONS: dict[str, Mutation] = {
    "flip": flip,
    "truncate": truncate,
    "splice": splice,
    "invalid-utf8": invalid_utf8,
    "reencode": reencode,
}


# Structural mutations: JSON values and XML elements ----------------------------------------------------

RAW = "@@RAW-TOKEN@@"
HUGE_NUMBERS = (
    "1" * 5000,
    "-" + "9" * 4301,
    "1e999999",
    "-1e-999999",
    "1" + "0" * 400 + ".5",
    "NaN",
    "Infinity",
    "-Infinity",
    '"1e999999999"',
    '"-1E+999999999"',
    '"99999999999999999999999999"',
    '"NaN"',
    '"\\ud800"',
)
"""Raw JSON tokens (strings quoted): the biggest numbers a JSON text can hold, as numbers and as strings."""
DEPTHS = (50, 257, 1000, 100_000)
ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    "",
    " ",
    "2026-13-45",
    "0000-00-00",
    "<&>",
    "\x00",
    [],
    {},
)
XML_TEXTS = ("", " ", "0", "-1", "2026-13-45", "-0001-01-01", "99999-01-01", "Z", "<&>", "9" * 5000, "1e999999")


def random_paths(rng: random.Random, payload: Any, count: int) -> list[JsonPath]:
    """`count` paths to values in `payload` (the whole document's is `()`), chosen at random.

    Iterative, and each value keeps only its parent's index: a mutant may already be nested deep.
    """
    nodes: list[tuple[int, Any]] = [(-1, None)]
    pending: list[tuple[int, Any]] = [(0, payload)]
    while pending:
        index, value = pending.pop()
        children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for step, child in children:
            nodes.append((index, step))
            pending.append((len(nodes) - 1, child))
    paths = []
    for _ in range(count):
        index, steps = rng.randrange(len(nodes)), []
        while index > 0:
            index, step = nodes[index]
            steps.append(step)
        paths.append(tuple(reversed(steps)))
    return paths


def at(value: Any, path: JsonPath) -> Any:
    for step in path:
        value = value[step]
    return value


def replaced(payload: Any, path: JsonPath, new: Any) -> Any:
    if not path:
        return new
    at(payload, path[:-1])[path[-1]] = new
    return payload


def structure_json(rng: random.Random, document: bytes) -> bytes:
    """One value replaced (by an odd value, another of the document's, a huge number or deep nesting),
    deleted, or a list repeated. A document Python's json module cannot read or write back (an earlier
    mutation nested it too deep for either) gets invalid UTF-8 instead."""
    try:
        payload = json.loads(document)
        return _restructured(rng, payload)
    except (ValueError, RecursionError):
        return invalid_utf8(rng, document)


def _restructured(rng: random.Random, payload: Any) -> bytes:
    path, other = random_paths(rng, payload, 2)
    target, raw = at(payload, path), None
    operation = rng.choice(["odd", "swap", "delete", "repeat", "huge", "deep"])
    if operation == "odd":
        payload = replaced(payload, path, rng.choice(ODD_VALUES))
    elif operation == "swap":
        payload = replaced(payload, path, json.loads(json.dumps(at(payload, other))))
    elif operation == "delete" and path:
        del at(payload, path[:-1])[path[-1]]
    elif operation == "repeat" and isinstance(target, list) and target:
        payload = replaced(payload, path, target * rng.choice([2, 100, 1000]))
    elif operation == "deep":
        depth = rng.choice(DEPTHS)
        opening, closing = rng.choice([("[", "]"), ('{"a":', "}")])
        payload, raw = replaced(payload, path, RAW), opening * depth + "1" + closing * depth
    else:
        payload, raw = replaced(payload, path, RAW), rng.choice(HUGE_NUMBERS)
    text = json.dumps(payload)
    return (text.replace(f'"{RAW}"', raw, 1) if raw is not None else text).encode("utf-8")


def structure_xml(rng: random.Random, document: bytes) -> bytes:
    """One element's text replaced (odd, another's, huge), the element deleted, repeated, renamed or made deep."""
    try:
        root = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return invalid_utf8(rng, document)
    elements = list(root.iter())
    element = rng.choice(elements)
    parent = element.getparent()
    operation = rng.choice(["odd", "swap", "delete", "repeat", "rename", "deep"])
    if operation == "odd":
        element.text = rng.choice(XML_TEXTS)
    elif operation == "swap":
        element.text = rng.choice(elements).text
    elif operation == "delete" and parent is not None:
        parent.remove(element)
    elif operation == "repeat" and parent is not None:
        for _ in range(rng.choice([1, 50, 1000])):
            parent.append(etree.fromstring(etree.tostring(element)))
    elif operation == "rename":
        element.tag = rng.choice(elements).tag
    elif operation == "deep":
        depth = rng.choice(DEPTHS)
        nested = ("<a>" * depth + "1" + "</a>" * depth).encode("ascii")
        return etree.tostring(root, xml_declaration=True, encoding="utf-8").replace(etree.tostring(element), nested, 1)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def structure(rng: random.Random, document: bytes) -> bytes:
    return structure_xml(rng, document) if document.lstrip()[:1] == b"<" else structure_json(rng, document)


STRUCTURAL_MUTATIONS: dict[str, Mutation] = {"structure": structure, "reencode": reencode}


# Hostile markup: DOCTYPEs, entities, XInclude, stylesheets, schema locations --------------------------

TEXT_NODES = re.compile(rb">([^<]+)<")
JSON_STRINGS = re.compile(rb'"([^"\\]*)"')
PLACES = ("after-declaration", "anywhere")


def hostile_markup(rng: random.Random, document: bytes, caught: Trap, attack: str, place: str) -> bytes:
    """`attack` (a hostile DOCTYPE, its entity referenced in a text node or string, or fetching markup) put in."""
    text = document.decode("utf-8", errors="replace")
    if attack == "schema-location":
        return with_schema_location(text, caught).encode("utf-8")
    dtds, markups = hostile_dtds(caught), fetching_markup(caught)
    markup, reference = dtds.get(attack, (markups.get(attack, ""), ""))
    declaration, separator, body = text.partition("?>") if text.startswith("<?xml") else ("", "", text)
    position = 0 if place == "after-declaration" else rng.randint(0, len(body))
    raw = (declaration + separator + body[:position] + markup + body[position:]).encode("utf-8")
    nodes = list((TEXT_NODES if raw.lstrip()[:1] == b"<" else JSON_STRINGS).finditer(raw))
    if reference and nodes:
        node = rng.choice(nodes)
        raw = raw[: node.start(1)] + reference.encode("ascii") + raw[node.end(1) :]
    return raw


def attacks(caught: Trap) -> list[str]:
    return [*hostile_dtds(caught), *fetching_markup(caught), "schema-location"]


# The tests ------------------------------------------------------------------------------------------------


def stream(entropy: int, *example: Any) -> str:
    """The seed of an example's `random.Random`: its entropy together with the rest of the example.

    Hypothesis favours small and boundary integers: of health's 700 structural examples, 100 drew
    entropy 0 and 49 drew 1 (393 distinct entropies in all). Seeded by the entropy alone, every example
    with entropy 1 made the same random choices whatever its seed and plan, and those happened to be
    expensive (lists repeated a thousand times, chained): those 49 examples took 6.0 s of the 13.1 s
    the test spent making and parsing mutants. With the whole example in the seed, each example's
    mutants are its own, and the structural tests spend less on them (CPU, measured without pytest:
    health 9.6 s to 5.7 s, housing 9.5 s to 4.4 s, police 4.0 s to 5.2 s, education 3.1 s to 3.0 s).
    A string seeds `random.Random` through SHA-512, the same on every run and machine.
    """
    return repr((entropy, *example))


def fuzz(
    agency: str,
    replies: int,
    plans: st.SearchStrategy[Any],
    mutant: Callable[[random.Random, bytes, Any], bytes],
    caught: Trap,
) -> Counter[str]:
    """Parse `replies` mutants of the agency's seeds, `BATCH` per example, each under the module's rules.

    Hypothesis draws each example's seed, plan (which mutations, which attack) and entropy; `mutant`
    makes each of the example's mutants from the seed, the plan and a `random.Random` of that entropy.
    """
    parse = CONNECTORS[agency].parse_document
    agency_seeds = seeds(agency)
    tally: Counter[str] = Counter()

    @settings(FUZZ, max_examples=-(-replies // BATCH))
    @given(seed=st.sampled_from(sorted(agency_seeds)), plan=plans, entropy=st.integers(0, 2**64 - 1))
    def parse_mutants(seed: str, plan: Any, entropy: int) -> None:
        rng = random.Random(stream(entropy, seed, plan))
        for _ in range(BATCH):
            tally[read_within_bounds(parse, mutant(rng, agency_seeds[seed], plan), caught)] += 1

    parse_mutants()
    assert sum(tally.values()) >= replies, tally
    assert tally["malformed_reply"] > 0, tally
    return tally


def chains(mutations: dict[str, Mutation]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(sorted(mutations)), min_size=1, max_size=3)


def chained(mutations: dict[str, Mutation]) -> Callable[[random.Random, bytes, list[str]], bytes]:
    def mutant(rng: random.Random, document: bytes, chain: list[str]) -> bytes:
        for mutation in chain:
            document = mutations[mutation](rng, document)
        return document

    return mutant


@pytest.mark.parametrize("agency", AGENCIES)
def test_bytes_flipped_cut_repeated_invalid_or_reencoded(agency: str, caught: Trap) -> None:
    fuzz(agency, REPLIES["bytes"], chains(BYTE_MUTATIONS), chained(BYTE_MUTATIONS), caught)


@pytest.mark.parametrize("agency", AGENCIES)
def test_values_replaced_swapped_deleted_repeated_huge_or_deep(agency: str, caught: Trap) -> None:
    fuzz(agency, REPLIES["structure"], chains(STRUCTURAL_MUTATIONS), chained(STRUCTURAL_MUTATIONS), caught)


@pytest.mark.parametrize("agency", AGENCIES)
def test_doctypes_entities_and_fetching_markup_in_any_encoding(agency: str, caught: Trap) -> None:
    """Every attack, at the start or anywhere, then in every encoding: BOM or none, declared or not."""
    plans = st.tuples(
        st.sampled_from(attacks(caught)),
        st.sampled_from(PLACES),
        st.sampled_from(ENCODINGS),
        st.booleans(),
        st.booleans(),
    )

    def mutant(rng: random.Random, document: bytes, plan: tuple[str, str, str, bool, bool]) -> bytes:
        attack, place, encoding, declare, bom = plan
        hostile = hostile_markup(rng, document, caught, attack, place).decode("utf-8", errors="replace")
        return encoded(hostile, encoding, declare=declare, bom=bom)

    tally = fuzz(agency, REPLIES["markup"], plans, mutant, caught)
    if agency == "education":
        assert tally["document"] > 0, "no harmless markup was ever read: the test would pass a parser refusing all"


def any_mutant(rng: random.Random, document: bytes, caught: Trap) -> bytes:
    family = rng.choice(["bytes", "structure", "markup"])
    if family == "markup":
        return reencode(rng, hostile_markup(rng, document, caught, rng.choice(attacks(caught)), rng.choice(PLACES)))
    mutations = BYTE_MUTATIONS if family == "bytes" else STRUCTURAL_MUTATIONS
    for _ in range(rng.randint(1, 3)):
        document = rng.choice(list(mutations.values()))(rng, document)
    return document


def test_every_registered_connector_class_is_fuzzed() -> None:
    """A new agency's connector class must join `CONNECTORS` (and its requests `ROUTES`) in hostile.py."""
    registry = load_registry_file(REPO_ROOT / "config" / REGISTRY_FILE)
    unfuzzed = {entry.id for entry in registry if entry.connector_class not in CONNECTORS.values()}
    assert not unfuzzed, f"add {sorted(unfuzzed)} to CONNECTORS and ROUTES in tests/connectors/hostile.py"
    assert set(ROUTES) == set(CONNECTORS)


@pytest.mark.parametrize("agency", AGENCIES)
def test_checks_read_every_reply_inside_the_guard(agency: str, caught: Trap) -> None:
    """A whole check, one of its agency's replies a mutant: a reply every time, never the SDK's last resort."""
    captured = captured_replies(agency)
    replies: dict[str, bytes] = {}
    connector = offline(agency, lambda: replies)
    person = subject()
    tally: Counter[str] = Counter()

    @settings(FUZZ, max_examples=REPLIES["checks"])
    @given(route=st.sampled_from(sorted(ROUTES[agency])), entropy=st.integers(0, 2**64 - 1))
    def check_mutant(route: str, entropy: int) -> None:
        replies.clear()
        replies.update(captured)
        replies[route] = any_mutant(random.Random(stream(entropy, route)), captured[route], caught)
        started = time.thread_time()
        reply = connector.check("REF-FUZZ", person)
        assert time.thread_time() - started < TIME_BOUND
        assert reply.status is not ReplyStatus.FAILED or reply.error_code in TYPED_ANSWERS, reply.error_code
        assert not caught.leaked(reply.model_dump_json())
        tally[reply.error_code or reply.status.value] += 1

    check_mutant()
    assert sum(tally.values()) >= REPLIES["checks"], tally
    assert tally["malformed_reply"] > 0, tally
