"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) and the inbox it delivers to."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session


@dataclass
class Inbox:
    """What the SMTP server was handed, as the server saw it."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        """aiosmtpd's hook, called by this name for each message the server accepts."""
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def only(self) -> tuple[Envelope, EmailMessage]:
        assert len(self.envelopes) == 1
        envelope = self.envelopes[0]
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return envelope, message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def council_mail_through(config_dir: Path, port: int) -> None:
    """Send the council's mail (`deadlines.yaml` in a test's copy of `config/`) to the test's server on `port`."""
    path = config_dir / "deadlines.yaml"
    deadlines = yaml.safe_load(path.read_text())
    deadlines["escalation"]["smtp"] = {"host": "127.0.0.1", "port": port, "starttls": False, "timeout_seconds": 5}
    path.write_text(yaml.safe_dump(deadlines))
