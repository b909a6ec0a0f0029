"""Hostile agency replies, and what catches a parser that misbehaves on them.

Shared by test_malformed_replies.py and test_parser_fuzz.py:

* `Trap`: a marker file whose content must never appear in anything a parser returns or raises, and a
  TCP listener on 127.0.0.1 that must never be connected to (an external entity, DTD, schema or
  XInclude that a parser fetched would reach one or the other);
* `hostile_dtds`: DOCTYPEs declaring internal, external (file and http) and parameter entities,
  billion laughs and a quadratic blow-up, each with where its entity is referenced;
* `encoded`: an XML document re-encoded (UTF-8/16/32, with or without a BOM), its declaration
  naming that encoding or not;
* `offline`: a connector whose agency is a stub answering from captured replies, so a whole check
  (search, fetch and the reading of every reply) runs without a network.
"""

from __future__ import annotations

import codecs
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from connectors.education import EducationConnector
from connectors.health import HealthConnector
from connectors.housing import HousingConnector
from connectors.police import PoliceConnector
from connectors.sdk.base import Connector
from connectors.sdk.recording import Exchange, encoded_body, stored_response
from schemas import Subject

FIXTURES = Path(__file__).parents[1] / "fixtures" / "native"
CONNECTORS: dict[str, type[Connector]] = {  # a new agency: add it here, and its requests to ROUTES
    "health": HealthConnector,
    "police": PoliceConnector,
    "education": EducationConnector,
    "housing": HousingConnector,
}
UNREACHABLE = "http://127.0.0.1:9/"
"""The discard port: nothing listens there, so a fetch would fail, but it must never be tried."""


def seeds(agency: str) -> dict[str, bytes]:
    """Every captured reply of the agency (real PDS replies included for health), by file, in a stable order."""
    files = sorted(path for path in (FIXTURES / agency).rglob("*") if path.suffix in (".json", ".xml"))
    return {str(path.relative_to(FIXTURES)): path.read_bytes() for path in files}


@dataclass
class Trap:
    """A marker file and a listener; `sprung()` says whether anything read the one or reached the other."""

    marker_file: Path
    marker: str
    internal: str
    url: str
    connections: list[tuple[str, int]] = field(default_factory=list)

    def leaked(self, text: str) -> bool:
        """Whether an entity's replacement text (the file's content, or an internal entity's) is in `text`."""
        return self.marker in text or self.internal in text


@contextmanager
def trap(directory: Path) -> Iterator[Trap]:
    """A `Trap` for the duration: the marker file under `directory`, the listener on an ephemeral port."""
    marker = f"MARKER-{secrets.token_hex(16)}"
    marker_file = directory / "marker.txt"
    marker_file.write_text(marker, encoding="utf-8")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    caught = Trap(marker_file, marker, f"INTERNAL-{secrets.token_hex(16)}", f"http://127.0.0.1:{port}")
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            caught.connections.append(address)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield caught
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


def hostile_dtds(caught: Trap, root: str = "CTfile") -> dict[str, tuple[str, str]]:
    """DOCTYPE text and the entity reference that would expand it, by attack."""
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    return {
        "internal": (f'<!DOCTYPE {root} [<!ENTITY e "{caught.internal}">]>', "&e;"),
        "billion-laughs": (f'<!DOCTYPE {root} [<!ENTITY l0 "{caught.internal}">{laughs}]>', "&l9;"),
        "quadratic": (f'<!DOCTYPE {root} [<!ENTITY e "{caught.internal * 2000}">]>', "&e;" * 2000),
        "file": (f'<!DOCTYPE {root} [<!ENTITY e SYSTEM "file://{caught.marker_file}">]>', "&e;"),
        "file-path": (f'<!DOCTYPE {root} [<!ENTITY e SYSTEM "{caught.marker_file}">]>', "&e;"),
        "http": (f'<!DOCTYPE {root} [<!ENTITY e SYSTEM "{caught.url}/entity">]>', "&e;"),
        "discard-port": (f'<!DOCTYPE {root} [<!ENTITY e SYSTEM "{UNREACHABLE}">]>', "&e;"),
        "parameter": (f'<!DOCTYPE {root} [<!ENTITY % p SYSTEM "{caught.url}/parameter"> %p;]>', ""),
        "external-dtd": (f'<!DOCTYPE {root} SYSTEM "{caught.url}/dtd">', ""),
        "public-dtd": (f'<!DOCTYPE {root} PUBLIC "-//MASH//EN" "file://{caught.marker_file}">', ""),
        "bare-entity": (f'<!ENTITY e SYSTEM "file://{caught.marker_file}">', "&e;"),
    }


def fetching_markup(caught: Trap) -> dict[str, str]:
    """Markup without a DOCTYPE that a careless XML stack would still follow to the trap."""
    return {
        "xinclude": (
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{caught.marker_file}" parse="text"/>'
        ),
        "xinclude-http": f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{caught.url}/xinclude"/>',
        "stylesheet": f'<?xml-stylesheet type="text/xsl" href="{caught.url}/xsl"?>',
    }


def with_schema_location(document: str, caught: Trap) -> str:
    """The CTF's root element pointing XSD validation at the trap."""
    where = f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="{caught.url}/xsd"'
    return document.replace("<CTfile>", f"<CTfile {where}>", 1)


ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")
"""Python's codecs: plain `utf-16` and `utf-32` (and `utf-8-sig`) write a BOM; the -le/-be ones do not."""
BOMS = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}


def encoded(document: str, encoding: str, *, declare: bool = True, bom: bool = False) -> bytes:
    """`document` in `encoding`; its XML declaration (if any) names it when `declare`, else says UTF-8."""
    named = encoding.removesuffix("-sig").upper() if declare else "UTF-8"
    if document.startswith("<?xml"):
        declaration, _, rest = document.partition("?>")
        document = f'<?xml version="1.0" encoding="{named}"?>{rest}' if "encoding" in declaration else document
    return (BOMS[encoding] if bom and encoding in BOMS else b"") + document.encode(encoding)


def ctf_text() -> str:
    return (FIXTURES / "education" / "ctf.xml").read_text(encoding="utf-8")


# A whole check without a network -----------------------------------------------------------------------

ROUTES: dict[str, dict[str, str]] = {
    "health": {
        "POST /Patient/_search": "health/patient-search.json",
        "GET /Patient/*": "health/patient.json",
        "POST /Encounter/_search": "health/encounters.json",
        "POST /Flag/_search": "health/flags.json",
    },
    "police": {
        "POST /nominals/search": "police/nominal-search.json",
        "POST /occurrences/search": "police/occurrences.json",
        "POST /ppns/search": "police/ppns.json",
    },
    "education": {"POST /pupils/search": "education/ctf.xml"},
    "housing": {"POST /api/people/search": "housing/people-search.json", "POST /api/records": "housing/records.json"},
}
"""What each agency's stub answers, by request: a path ending `*` matches any id."""


def route_of(method: str, path: str, routes: dict[str, Any]) -> str:
    exact = f"{method} {path}"
    if exact in routes:
        return exact
    return next(route for route in routes if route.endswith("*") and exact.startswith(route[:-1]))


class StubTransport:
    """Answers each request with the reply for its route (HTTP 200), recording every exchange."""

    def __init__(self, replies: dict[str, bytes]) -> None:
        self.replies = replies
        self.exchanges: list[Exchange] = []

    def send(self, method: str, path: str, *, json: Any = None, data: Any = None) -> requests.Response:
        body = self.replies[route_of(method, path, self.replies)]
        media_type = "application/xml" if body.lstrip()[:1] == b"<" else "application/json"
        sent = encoded_body(json, data) if method == "POST" else b""
        self.exchanges.append(
            Exchange(method=method, path=path, request_body=sent, status=200, media_type=media_type, body=body)
        )
        return stored_response(200, body, media_type)


def captured_replies(agency: str) -> dict[str, bytes]:
    return {route: (FIXTURES / file).read_bytes() for route, file in ROUTES[agency].items()}


def offline(agency: str, replies: Callable[[], dict[str, bytes]]) -> Connector:
    """The agency's connector, its agency a `StubTransport` built afresh from `replies()` for each check."""
    base = CONNECTORS[agency]

    class Offline(base):
        def _http_transport(self) -> StubTransport:
            return StubTransport(replies())

    Offline.__qualname__ = Offline.__name__ = f"Offline{base.__name__}"
    return Offline.configured(UNREACHABLE.rstrip("/"))


def subject() -> Subject:
    """The sample family's older child: a name, birth date, NHS number and UPN, so every search path runs."""
    return Subject.model_validate(
        {
            "subject_id": "S1",
            "role": "subject_child",
            "person": {
                "name": {"given_names": ["Amara", "Joy"], "family_name": "Okafor-Reid"},
                "birth_date": "2015-03-14",
                "address": {"line": "14 Larch Close, Northbridge", "postcode": "NE6 5QT"},
                "identifiers": {"nhs_number": "9990001014", "upn": "Y393201510011"},
            },
        }
    )
