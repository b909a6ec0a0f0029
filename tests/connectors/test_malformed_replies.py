"""A reply the parser cannot read is `malformed_reply`, in any encoding, from any library, never a crash.

An education reply in UTF-16 with a DOCTYPE once slipped past the DOCTYPE guard (which looked for
the declaration in the raw bytes, where UTF-16 spreads it out) and raised lxml's
`XMLSchemaValidateError` outside the parsing guard, so the check raised instead of returning a
reply and left the earlier result in place. These tests pin each part of the fix; the fuzzing in
test_parser_fuzz.py covers the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from lxml import etree

from connectors import education, housing, police
from connectors.health import TooManyMatches
from connectors.sdk.allowlist import ReturnedFields
from connectors.sdk.base import Connector, json_of, parsing
from connectors.sdk.errors import ConnectorError, MalformedReply
from connectors.sdk.recording import stored_response
from schemas import AgencyPerson, ChronologyEntry, EntryCategory, NormalisedDocument, Person, ReplyStatus
from tests.connectors.hostile import (
    ENCODINGS,
    FIXTURES,
    Trap,
    captured_replies,
    ctf_text,
    encoded,
    fetching_markup,
    hostile_dtds,
    offline,
    subject,
    trap,
    with_schema_location,
)

SURNAME = "<Surname>Okafor-Reid</Surname>"


@pytest.fixture(scope="module")
def caught(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trap]:
    with trap(tmp_path_factory.mktemp("trap")) as sprung:
        yield sprung
    assert sprung.connections == [], "a parser reached out to the network"


def hostile_ctf(caught: Trap, attack: str) -> str:
    """The captured CTF with a hostile DOCTYPE after its declaration and the entity in the pupil's surname."""
    dtd, reference = hostile_dtds(caught)[attack]
    declaration, _, rest = ctf_text().partition("?>")
    return f"{declaration}?>\n{dtd}{rest.replace(SURNAME, f'<Surname>{reference}</Surname>')}"


def refused(document: bytes, caught: Trap) -> MalformedReply:
    with pytest.raises(MalformedReply) as raised:
        education.parse_document(document)
    assert raised.value.code == "malformed_reply"
    assert not caught.leaked(str(raised.value)) and "Okafor" not in str(raised.value)
    return raised.value


def test_the_measured_case_utf16_with_a_doctype_is_a_malformed_reply(caught: Trap) -> None:
    document = encoded(hostile_ctf(caught, "internal"), "utf-16")
    error = refused(document, caught)
    assert "DOCTYPE" in str(error)


@pytest.mark.parametrize("attack", sorted(hostile_dtds(Trap(Path("/x"), "", "", "")).keys()))
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(("declare", "bom"), [(True, False), (False, False), (True, True)])
def test_a_doctype_is_refused_in_every_encoding(
    caught: Trap, attack: str, encoding: str, declare: bool, bom: bool
) -> None:
    """UTF-8, UTF-16 and UTF-32, BOM or none, the declaration naming the encoding, or wrongly UTF-8."""
    refused(encoded(hostile_ctf(caught, attack), encoding, declare=declare, bom=bom), caught)


@pytest.mark.parametrize("encoding", ["iso-8859-1", "windows-1252", "utf-7", "ascii"])
def test_a_doctype_is_refused_in_a_declared_single_byte_encoding(caught: Trap, encoding: str) -> None:
    """The guard reads the document as the parser would, so no declared encoding can disguise it."""
    text = hostile_ctf(caught, "file").replace("encoding='utf-8'", f"encoding='{encoding}'")
    refused(text.encode(encoding), caught)


def test_utf7_cannot_smuggle_a_doctype(caught: Trap) -> None:
    _, _, rest = ctf_text().partition("?>")
    smuggled = "+ADwAIQ-DOCTYPE CTfile +AFs-+ADwAIQ-ENTITY e SYSTEM +ACI-file:///etc/passwd+ACIAPgBd-+AD4-"
    refused(f"<?xml version='1.0' encoding='utf-7'?>{smuggled}{rest}".encode("ascii"), caught)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_sound_ctf_reads_the_same_in_every_encoding(encoding: str) -> None:
    """Re-encoding is not malformed: a school system that sends UTF-16 is read as it would be in UTF-8."""
    expected = education.parse_document(ctf_text().encode("utf-8"))
    assert education.parse_document(encoded(ctf_text(), encoding)) == expected


@pytest.mark.parametrize("markup", ["xinclude", "xinclude-http", "stylesheet", "schema-location"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_nothing_is_fetched_for_xinclude_stylesheets_or_schema_locations(
    caught: Trap, markup: str, encoding: str
) -> None:
    text = ctf_text()
    if markup == "schema-location":
        text = with_schema_location(text, caught)
    elif markup == "stylesheet":
        text = text.replace("?>", "?>" + fetching_markup(caught)[markup], 1)
    else:
        text = text.replace(SURNAME, f"<Surname>Okafor-Reid{fetching_markup(caught)[markup]}</Surname>")
    try:
        outcome = education.parse_document(encoded(text, encoding)).model_dump_json()
    except MalformedReply as error:
        outcome = str(error)
    assert not caught.leaked(outcome)


@pytest.mark.parametrize(
    "document",
    [
        b"\xff\xfe\x00\x00<",  # a UTF-32 BOM and half a character
        b"<?xml version='1.0' encoding='utf-8'?><CTfile>\xc3\x28</CTfile>",  # invalid UTF-8
        b"<?xml version='1.0' encoding='x-no-such-codec'?><CTfile/>",
        b"<?xml version='1.0' encoding='zlib'?><CTfile/>",  # a codec, but not a text encoding
        b"<?xml version='1.0' encoding='punycode'?><CTfile/>",
        "<?xml version='1.0' encoding='utf-16'?><CTfile/>".encode("utf-16")[:-1],  # half a code unit
        b"<" * 100_000,
        b"<a>" * 100_000,
        b"",
    ],
)
def test_any_unreadable_xml_is_a_malformed_reply(caught: Trap, document: bytes) -> None:
    refused(document, caught)


def test_parsing_turns_any_exception_into_a_fixed_malformed_reply() -> None:
    """Whatever a library raises (it may quote the reply) becomes `MalformedReply` naming only its type."""
    schema_error = etree.XMLSchemaValidateError("Internal error in XML Schema validation: Okafor-Reid")
    for error in (schema_error, RuntimeError("Okafor-Reid"), OSError("Okafor-Reid"), RecursionError()):
        with pytest.raises(MalformedReply) as raised, parsing():
            raise error
        assert raised.value.code == "malformed_reply" and "Okafor" not in str(raised.value)
        assert type(error).__name__ in str(raised.value)
        assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_parsing_lets_a_typed_answer_through() -> None:
    """TOO_MANY_MATCHES is the agency's answer, not a reading failure: it keeps its own code."""
    with pytest.raises(TooManyMatches), parsing():
        raise TooManyMatches()
    with pytest.raises(MalformedReply, match="its own words"), parsing():
        raise MalformedReply(message="its own words")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"\xff\xfe\xfd",
        b'{"name": "Okafor\xff"}',  # invalid UTF-8, which requests' .json() would have patched over
        "{}".encode("utf-16")[:-1],
        b"[" * 100_000,
        b'{"n": 1' + b"0" * 10_000 + b"}",  # past Python's 4,300-digit limit
        b'{"n": 1e999}',
        b'{"n": NaN}',
        b'{"n": -Infinity}',
        b'{"name": "\\ud800"}',  # a lone surrogate: no stored text can hold it
        b'{"\\udfff": 1}',
    ],
)
def test_json_of_any_unreadable_body_is_a_malformed_reply(body: bytes) -> None:
    for reply in (stored_response(200, body, "application/json"), body):
        with pytest.raises(MalformedReply) as raised:
            json_of(reply)
        assert raised.value.code == "malformed_reply" and "Okafor" not in str(raised.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32-be"])
def test_json_of_reads_json_in_any_encoding_rfc_8259_allows(encoding: str) -> None:
    assert json_of('{"name": "Zoë", "pair": "\U0001f600"}'.encode(encoding)) == {"name": "Zoë", "pair": "\U0001f600"}


def test_values_no_reply_can_honestly_hold_are_malformed() -> None:
    """Where printing a value would cost the hub dearly: aliases pairing into millions, arrears of 1e999999999."""
    nominal = json.loads((FIXTURES / "police" / "nominal.json").read_bytes())
    nominal["aliases"] = {"surnames": [f"S{n}" for n in range(300)], "forenames": [f"F{n}" for n in range(300)]}
    with pytest.raises(MalformedReply, match="aliases"):
        police.parse_document(json.dumps(nominal).encode())
    records = json.loads((FIXTURES / "housing" / "records.json").read_bytes())
    records["tenancies"][0]["arrears"] = [{"as_at": "2026-10-26", "balance": "1E+999999999", "weeks_in_arrears": 1}]
    with pytest.raises(MalformedReply, match="arrears"):
        housing.parse_document(json.dumps(records).encode())


def test_the_measured_case_fails_the_check_with_its_recording_instead_of_raising(caught: Trap) -> None:
    """The check returns a failed reply (so it is stored, replacing any earlier one), with what was received."""
    hostile = encoded(hostile_ctf(caught, "internal"), "utf-16")
    connector = offline("education", lambda: {"POST /pupils/search": hostile})
    checked = connector.check_recorded("REF-1", subject())
    assert checked.reply.status is ReplyStatus.FAILED
    assert checked.reply.error_code == "malformed_reply"
    assert checked.recording.exchanges and checked.recording.exchanges[0].body == hostile


@pytest.mark.parametrize("agency", ["health", "police", "education", "housing"])
def test_every_agency_answers_a_check_offline_from_its_captured_replies(agency: str) -> None:
    """The offline harness the fuzzing uses reaches every reading path: a sound check finds records."""
    reply = offline(agency, lambda: captured_replies(agency)).check("REF-1", subject())
    assert reply.status in (ReplyStatus.FOUND, ReplyStatus.MULTIPLE_CANDIDATES), reply.error_code
    assert reply.entries


class Careless(Connector):
    """A connector that reads a reply outside `parsing()`, or fails for a reason of its own."""

    agency = "careless"
    title = "A careless connector"
    lawful_basis = "test"
    returns = ReturnedFields(person=frozenset(), entry=frozenset(), categories=frozenset({EntryCategory.OTHER}))
    failure: Exception = RuntimeError("Okafor-Reid")

    @classmethod
    def parse_document(cls, document: bytes) -> NormalisedDocument:
        raise MalformedReply()

    def search(self, person: Person) -> list[AgencyPerson]:
        raise self.failure

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        return []


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (RuntimeError("Okafor-Reid"), "connector_error"),
        (KeyError("Okafor-Reid"), "connector_error"),
        (MalformedReply(message="reply could not be parsed"), "malformed_reply"),
        (ConnectorError("too_many_matches"), "too_many_matches"),
    ],
)
def test_a_check_never_raises_whatever_its_connector_does(
    failure: Exception, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Anything a connector raises fails that check with a code; the log names the error's type, not its text."""
    careless = type("Failing", (Careless,), {"failure": failure}).configured("http://127.0.0.1:9")
    reply = careless.check("REF-1", subject())
    assert reply.status is ReplyStatus.FAILED and reply.error_code == code
    assert "Okafor" not in caplog.text


def test_a_body_requests_cannot_give_is_malformed_too() -> None:
    """`requests` raises errors of its own reading a body (here RuntimeError); `json_of` makes them malformed."""
    response = requests.Response()
    response.status_code = 200
    response._content = False
    response._content_consumed = True
    with pytest.raises(MalformedReply):
        json_of(response)
