"""`hub connectors parse` refuses a reply its connector cannot read in one line, whatever broke the parser.

The measured case: an education reply in UTF-16 with a DOCTYPE ended in "internal error" (lxml's
`XMLSchemaValidateError` escaped the parsing guard). Each file here is refused with one line naming
the code a live check fails with, `malformed_reply`, and a fixed reason; never a traceback, never
"internal error", never a word of the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.sdk.allowlist import ReturnedFields
from connectors.sdk.base import Connector
from connectors.sdk.registry import AgencyRegistry, RegisteredAgency
from hub.cli import connectors as connectors_cli
from hub.errors import UserError
from hub.settings import HubSettings
from schemas import AgencyPerson, ChronologyEntry, EntryCategory, NormalisedDocument, Person
from tests.conftest import REPO_ROOT
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub_here import run_hub_here

NATIVE = REPO_ROOT / "tests" / "fixtures" / "native"
CTF = (NATIVE / "education" / "ctf.xml").read_text(encoding="utf-8")
RECORDS = json.loads((NATIVE / "housing" / "records.json").read_text(encoding="utf-8"))


def utf16_ctf_with_a_doctype() -> bytes:
    _, _, rest = CTF.partition("?>")
    doctype = '<!DOCTYPE CTfile [<!ENTITY e "Okafor-Reid">]>'
    text = f'<?xml version="1.0" encoding="UTF-16"?>{doctype}{rest.replace("<Surname>Okafor-Reid", "<Surname>&e;")}'
    return text.encode("utf-16")


def huge_arrears() -> bytes:
    RECORDS["tenancies"][0]["arrears"] = [{"as_at": "2026-10-26", "balance": "1e999999999", "weeks_in_arrears": 11}]
    return json.dumps(RECORDS).encode("utf-8")


MALFORMED: dict[str, tuple[str, bytes]] = {
    "utf16-doctype.xml": ("education", utf16_ctf_with_a_doctype()),
    "truncated.xml": ("education", CTF.encode("utf-8")[:-40]),
    "invalid-utf8.json": ("police", b'{"nominals": [{"surname": "Okafor\xff"}]}'),
    "lone-surrogate.json": ("police", (NATIVE / "police" / "nominal.json").read_bytes().replace(b"Grace", b"\\ud800")),
    "deep.json": ("health", b"[" * 100_000 + b"]" * 100_000),
    "huge-arrears.json": ("housing", huge_arrears()),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_reply_is_refused_in_one_line(hub_home: Path, tmp_path: Path, name: str) -> None:
    agency, content = MALFORMED[name]
    reply = tmp_path / name
    reply.write_bytes(content)
    result = run_hub_here("connectors", "parse", agency, str(reply), home=hub_home, COLUMNS="1000")  # no wrapping
    article = "an" if agency == "education" else "a"
    output = assert_clean_refusal(result, f"{reply} is not {article} {agency} reply", "(malformed_reply: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""
    assert "internal error" not in output and "Okafor" not in output.replace(str(reply), "")


class Careless(Connector):
    """A connector whose `parse_document` lets a library's error out (its author forgot `parsing()`),
    or, reading `json.loads` rather than `json_of`, returns text no store can hold (a lone surrogate)."""

    agency = "careless"
    title = "A careless connector"
    lawful_basis = "test"
    returns = ReturnedFields(person=frozenset(), entry=frozenset(), categories=frozenset({EntryCategory.OTHER}))

    @classmethod
    def parse_document(cls, document: bytes) -> NormalisedDocument:
        if document.startswith(b"{"):
            return NormalisedDocument.model_construct(agency=cls.agency, kind=json.loads(document)["kind"])
        raise RuntimeError(document.decode())

    def search(self, person: Person) -> list[AgencyPerson]:
        return []

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        return []


@pytest.mark.parametrize(
    ("content", "error"),
    [(b"Okafor-Reid", "RuntimeError"), (b'{"kind": "Okafor-Reid \\ud800"}', "PydanticSerializationError")],
)
def test_a_connector_missing_its_own_guard_is_refused_alike(
    hub_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, error: str
) -> None:
    config = Careless.configured("http://127.0.0.1:9").config
    registry = AgencyRegistry([RegisteredAgency(config=config, connector_class=Careless, options=Careless.Options())])
    monkeypatch.setattr(connectors_cli, "load_registry", lambda settings: registry)
    reply = tmp_path / "reply.json"
    reply.write_bytes(content)
    with pytest.raises(UserError) as refused:
        connectors_cli.parse_file(HubSettings.from_env(), "careless", reply, connectors_cli.console)
    message = str(refused.value)
    assert "is not a careless reply the connector understands (malformed_reply: " in message
    assert error in message and "Okafor" not in message.replace(str(reply), "")
