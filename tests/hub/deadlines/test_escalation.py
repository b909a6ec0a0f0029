"""Escalation emails through a real SMTP server (aiosmtpd on 127.0.0.1): recipients, subject, ids, no personal data.

The referral's names, address, narrative and referrer are long random markers, so a marker found in
the message or the log can only have been copied there, never matched by chance.
"""

from __future__ import annotations

import json
import logging
import secrets
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from hub.deadlines.config import DeadlinesConfig
from hub.deadlines.escalation import EscalationStatus, Overdue, escalate
from sandbox.common.tls import ensure_dev_pki
from schemas import Referral
from tests.conftest import SAMPLE_REFERRAL
from tests.smtp import Inbox, free_port

RECIPIENTS = ["mash-duty-manager@council.example", "mash-team-lead@council.example"]
SENDER = "mash-hub@council.example"
DUE_AT = datetime(2026, 11, 2, 11, 15, tzinfo=UTC)  # Monday: the red referral's two working hours
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def config_for(port: int, **smtp: Any) -> DeadlinesConfig:
    return DeadlinesConfig.model_validate(
        {
            "referral_due": {"red": "2 working hours"},
            "escalation": {
                "email_to": RECIPIENTS,
                "email_from": SENDER,
                "smtp": {"host": "127.0.0.1", "port": port, "starttls": False, "timeout_seconds": 5, **smtp},
            },
        }
    )


@pytest.fixture
def markers() -> dict[str, str]:
    """Personal data the referral carries: long random text no email or log line could hold by accident."""
    return {
        name: f"zq{secrets.token_hex(16)}" for name in ("given", "family", "alias", "street", "narrative", "referrer")
    }


@pytest.fixture
def marked_referral(markers: dict[str, str]) -> Referral:
    document = json.loads(SAMPLE_REFERRAL.read_text(encoding="utf-8"))
    document["narrative"] = f"Concern raised: {markers['narrative']}"
    document["referrer"]["organisation"] = markers["referrer"]
    for number, subject in enumerate(document["subjects"]):
        person = subject["person"]
        person["name"] = {"given_names": [f"{markers['given']}{number}"], "family_name": markers["family"]}
        person["aliases"] = [{"given_names": [markers["alias"]], "family_name": markers["family"]}]
        person["address"] = {"line": f"{markers['street']} Close"}
    return Referral.model_validate(document)


def assert_no_marker(text: str, markers: dict[str, str]) -> None:
    found = [name for name, marker in markers.items() if marker in text]
    assert not found, f"personal data in the output: {found}"


def test_an_overdue_check_is_emailed_with_ids_and_no_personal_data(
    smtp_server: tuple[Inbox, int],
    marked_referral: Referral,
    markers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, port = smtp_server
    overdue = Overdue.of(marked_referral, DUE_AT, agency_id="housing", subject_id="S1")
    with caplog.at_level(logging.INFO, logger="hub.deadlines.escalation"):
        result = escalate(config_for(port), overdue, now=NOW)

    assert result.status is EscalationStatus.SENT and result.sent
    assert result.recipients == tuple(RECIPIENTS) and result.reason is None and result.refused == ()
    envelope, message = inbox.only()
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == RECIPIENTS
    assert message["Subject"] == "MASH Hub overdue: REF-2026-000417, housing check for S1"
    assert message["To"] == ", ".join(RECIPIENTS)
    assert message["From"] == SENDER
    assert message["Message-ID"] == result.message_id
    assert message["Auto-Submitted"] == "auto-generated"
    assert not message.is_multipart() and message.get_content_type() == "text/plain"
    assert message["Content-Transfer-Encoding"] == "7bit"  # plain lines: what the server got is what a person reads
    body = message.get_content()
    for id_ in ("REF-2026-000417", "housing", "S1", "2026-11-02T11:15:00Z"):
        assert id_ in body
    assert "The housing check for S1 of referral REF-2026-000417 is overdue." in body
    assert "Monday 02 November 2026, 11:15 (Europe/London)" in body
    assert "0 h 45 min of working time" in body
    assert "What to do:" in body and "hub chronology show REF-2026-000417" in body
    assert "http" not in body.lower() and "www." not in body.lower()  # no links
    assert_no_marker(
        envelope.content.decode("utf-8", "replace") if isinstance(envelope.content, bytes) else "", markers
    )

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert (
        "escalation: overdue referral=REF-2026-000417 agency=housing subject=S1 due_at=2026-11-02T11:15:00Z" in logged
    )
    assert "escalation email sent" in logged
    assert_no_marker(logged, markers)


def test_a_referral_overdue_as_a_whole(
    smtp_server: tuple[Inbox, int], marked_referral: Referral, markers: dict[str, str]
) -> None:
    inbox, port = smtp_server
    result = escalate(config_for(port), Overdue.of(marked_referral, DUE_AT), now=NOW)
    assert result.sent
    _envelope, message = inbox.only()
    assert message["Subject"] == "MASH Hub overdue: REF-2026-000417, agency checks"
    assert "Agency:" not in message.get_content() and "Person:" not in message.get_content()
    assert_no_marker(message.as_string(), markers)


def test_a_subject_the_referral_does_not_have_is_refused(marked_referral: Referral) -> None:
    with pytest.raises(KeyError):
        Overdue.of(marked_referral, DUE_AT, agency_id="police", subject_id="S9")


def test_a_server_that_is_not_there_is_reported_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="hub.deadlines.escalation"):
        result = escalate(config_for(free_port()), Overdue("REF-1", DUE_AT, "police", "S2"), now=NOW)
    assert result.status is EscalationStatus.FAILED and not result.sent
    assert result.reason == "smtp_unreachable"
    assert result.recipients == tuple(RECIPIENTS)
    failures = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert [record.getMessage() for record in failures] == [
        "escalation email not sent: referral=REF-1 agency=police subject=S2 due_at=2026-11-02T11:15:00Z "
        "reason=smtp_unreachable"
    ]


def test_missing_credentials_fail_before_connecting(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    config = config_for(port, username_env="HUB_TEST_SMTP_USER", password_env="HUB_TEST_SMTP_PASSWORD")
    result = escalate(config, Overdue("REF-1", DUE_AT), now=NOW, environ={"HUB_TEST_SMTP_USER": "hub"})
    assert (result.status, result.reason) == (EscalationStatus.FAILED, "smtp_credentials_missing")
    assert inbox.envelopes == []


def test_starttls_to_a_server_without_it_fails_rather_than_sending_in_clear(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    result = escalate(config_for(port, starttls=True), Overdue("REF-1", DUE_AT), now=NOW)
    assert (result.status, result.reason) == (EscalationStatus.FAILED, "smtp_starttls_failed")
    assert inbox.envelopes == []


@dataclass
class Accounts:
    """An SMTP authenticator that knows one login and remembers who logged in."""

    username: str
    password: str
    logins: list[str] = field(default_factory=list)

    def __call__(self, server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            self.username.encode(),
            self.password.encode(),
        ):
            self.logins.append(auth_data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def tls_smtp_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Inbox, Accounts, int]]:
    """A server that offers STARTTLS with a certificate from a test CA, and takes a login only over TLS."""
    pki = ensure_dev_pki(tmp_path / "pki")
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_cert_file))  # the client trusts the test CA, as a deployment its own
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.server_cert_file, pki.server_key_file)
    inbox, accounts, port = Inbox(), Accounts("mash-hub", secrets.token_hex(12)), free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True, authenticator=accounts
    )
    controller.start()
    try:
        yield inbox, accounts, port
    finally:
        controller.stop()


def test_starttls_and_a_login_from_the_environment(tls_smtp_server: tuple[Inbox, Accounts, int]) -> None:
    inbox, accounts, port = tls_smtp_server
    config = config_for(port, starttls=True, username_env="HUB_TEST_SMTP_USER", password_env="HUB_TEST_SMTP_PASSWORD")
    environ = {"HUB_TEST_SMTP_USER": accounts.username, "HUB_TEST_SMTP_PASSWORD": accounts.password}
    result = escalate(config, Overdue("REF-1", DUE_AT, "education", "S3"), now=NOW, environ=environ)
    assert result.sent, result.reason
    assert accounts.logins == ["mash-hub"]
    envelope, message = inbox.only()
    assert envelope.rcpt_tos == RECIPIENTS
    assert message["Subject"] == "MASH Hub overdue: REF-1, education check for S3"


def test_a_refused_login_is_reported(tls_smtp_server: tuple[Inbox, Accounts, int]) -> None:
    inbox, accounts, port = tls_smtp_server
    config = config_for(port, starttls=True, username_env="HUB_TEST_SMTP_USER", password_env="HUB_TEST_SMTP_PASSWORD")
    environ = {"HUB_TEST_SMTP_USER": accounts.username, "HUB_TEST_SMTP_PASSWORD": "not-the-password"}
    result = escalate(config, Overdue("REF-1", DUE_AT), now=NOW, environ=environ)
    assert (result.status, result.reason) == (EscalationStatus.FAILED, "smtp_login_refused")
    assert inbox.envelopes == []


def test_a_certificate_the_client_does_not_trust_is_refused(
    tls_smtp_server: tuple[Inbox, Accounts, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    inbox, _accounts, port = tls_smtp_server
    other = ensure_dev_pki(tmp_path / "other-ca")
    monkeypatch.setenv("SSL_CERT_FILE", str(other.ca_cert_file))
    result = escalate(config_for(port, starttls=True), Overdue("REF-1", DUE_AT), now=NOW)
    assert (result.status, result.reason) == (EscalationStatus.FAILED, "smtp_starttls_failed")
    assert inbox.envelopes == []
