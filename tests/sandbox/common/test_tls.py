"""The development PKI: files and modes, idempotence and renewal, and real mutual TLS through uvicorn."""

from __future__ import annotations

import json
import socket
import ssl
import stat
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from connectors.sdk.auth import AgencyCredentials, TlsClientConfig, parse_credentials
from sandbox.common.api import new_app
from sandbox.common.auth.credentials import issue_credentials
from sandbox.common.auth.mutual_tls import MutualTlsGuard
from sandbox.common.tls import CA_COMMON_NAME, CLIENT_COMMON_NAME, DevPki, ensure_dev_pki
from sandbox.server import ServerThread

FILES = ("ca.pem", "ca-key.pem", "server.pem", "server-key.pem", "client.pem", "client-key.pem")
KEYS = ("ca-key.pem", "server-key.pem", "client-key.pem")


class TlsServerThread:
    """sandbox.server.ServerThread with TLS: uvicorn on a pre-bound 127.0.0.1 socket, in a daemon thread."""

    def __init__(self, app: FastAPI, ssl_kwargs: Mapping[str, Any]) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, log_config=None, log_level="warning", access_log=False, lifespan="off", **dict(ssl_kwargs)
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def __enter__(self) -> TlsServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline and self._thread.is_alive(), "TLS server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        # A TLS close waits for the peer's close_notify, which an idle pooled client never sends:
        # without force_exit uvicorn waits for such connections until the join times out.
        self._server.should_exit = self._server.force_exit = True
        self._thread.join(timeout=5)
        self._socket.close()


def _render(status: int, code: str, message: str) -> Response:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _police_like_app() -> FastAPI:
    app = new_app("mTLS test")

    @app.get("/nominals")
    async def nominals(request: Request) -> dict[str, Any]:
        return {"ok": True, "peer": MutualTlsGuard.peer_subject(request)}

    MutualTlsGuard(_render).install(app)
    return app


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return ensure_dev_pki(tmp_path_factory.mktemp("pki") / "dev")


@pytest.fixture(scope="module")
def mtls_server(pki: DevPki) -> Iterator[TlsServerThread]:
    with TlsServerThread(_police_like_app(), pki.server_ssl_kwargs(require_client_cert=True)) as server:
        yield server


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {name: ((directory / name).read_bytes(), (directory / name).stat().st_mtime_ns) for name in FILES}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_files_exist_with_private_modes(pki: DevPki) -> None:
    assert _mode(pki.directory) == 0o700
    assert all((pki.directory / name).is_file() for name in FILES)
    assert {name: _mode(pki.directory / name) for name in KEYS} == dict.fromkeys(KEYS, 0o600)
    assert not list(pki.directory.glob(".*.tmp"))


def test_ca_is_a_marked_development_ca(pki: DevPki) -> None:
    ca = _load(pki.ca_cert_file)
    assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == CA_COMMON_NAME
    assert "NOT FOR PRODUCTION" in ca.subject.rfc4514_string()
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    lifetime = ca.not_valid_after_utc - ca.not_valid_before_utc
    assert timedelta(days=5 * 365) <= lifetime <= timedelta(days=5 * 366)


def test_server_and_client_certificates_fit_their_roles(pki: DevPki) -> None:
    server, client = _load(pki.server_cert_file), _load(pki.client_cert_file)
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(address) for address in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert list(server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH
    ]
    assert timedelta(days=729) <= server.not_valid_after_utc - server.not_valid_before_utc <= timedelta(days=731)
    assert client.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == CLIENT_COMMON_NAME
    assert list(client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH
    ]
    ca = _load(pki.ca_cert_file)
    server.verify_directly_issued_by(ca)
    client.verify_directly_issued_by(ca)


def test_second_call_rewrites_nothing(tmp_path: Path) -> None:
    ensure_dev_pki(tmp_path / "pki")
    before = _snapshot(tmp_path / "pki")
    ensure_dev_pki(tmp_path / "pki")
    assert _snapshot(tmp_path / "pki") == before


def test_new_names_renew_only_the_server_certificate(tmp_path: Path) -> None:
    pki = ensure_dev_pki(tmp_path / "pki")
    before = _snapshot(pki.directory)
    ensure_dev_pki(pki.directory, hostnames=("localhost", "sandbox.test"), ip_addresses=("127.0.0.1", "::1"))
    after = _snapshot(pki.directory)
    assert {name for name in FILES if after[name] != before[name]} == {"server.pem", "server-key.pem"}
    sans = _load(pki.server_cert_file).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(sans.get_values_for_type(x509.DNSName)) == ["localhost", "sandbox.test"]


def test_expired_leaves_are_renewed_under_the_same_ca(tmp_path: Path) -> None:
    pki = ensure_dev_pki(tmp_path / "pki", now=datetime.now(UTC) - timedelta(days=3 * 365))
    before = _snapshot(pki.directory)
    ensure_dev_pki(pki.directory)
    after = _snapshot(pki.directory)
    assert {name for name in FILES if after[name] != before[name]} == {
        "server.pem",
        "server-key.pem",
        "client.pem",
        "client-key.pem",
    }
    assert _load(pki.server_cert_file).not_valid_after_utc > datetime.now(UTC) + timedelta(days=700)


def test_expired_ca_renews_everything(tmp_path: Path) -> None:
    pki = ensure_dev_pki(tmp_path / "pki", now=datetime.now(UTC) - timedelta(days=6 * 365))
    before = _snapshot(pki.directory)
    ensure_dev_pki(pki.directory)
    after = _snapshot(pki.directory)
    assert all(after[name][0] != before[name][0] for name in FILES)


def test_damaged_or_loosened_files_are_repaired(tmp_path: Path) -> None:
    pki = ensure_dev_pki(tmp_path / "pki")
    pki.client_key_file.write_bytes(b"not a key")
    pki.server_key_file.chmod(0o644)
    pki.directory.chmod(0o755)
    ensure_dev_pki(pki.directory)
    assert _mode(pki.server_key_file) == 0o600 and _mode(pki.directory) == 0o700
    assert b"PRIVATE KEY" in pki.client_key_file.read_bytes()
    _load(pki.client_cert_file).verify_directly_issued_by(_load(pki.ca_cert_file))


def test_client_with_the_dev_ca_and_its_certificate_gets_through(pki: DevPki, mtls_server: TlsServerThread) -> None:
    response = requests.get(f"{mtls_server.url}/nominals", verify=pki.ca_bundle, cert=pki.client_cert(), timeout=5)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "peer": None}  # uvicorn does not expose the peer certificate


def test_client_without_a_certificate_is_refused(pki: DevPki, mtls_server: TlsServerThread) -> None:
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{mtls_server.url}/nominals", verify=pki.ca_bundle, timeout=5)


def test_the_system_trust_store_does_not_trust_the_dev_ca(pki: DevPki, mtls_server: TlsServerThread) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{mtls_server.url}/nominals", verify=True, cert=pki.client_cert(), timeout=5)


def test_a_certificate_from_another_dev_ca_is_refused(
    pki: DevPki, mtls_server: TlsServerThread, tmp_path: Path
) -> None:
    stranger = ensure_dev_pki(tmp_path / "other")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{mtls_server.url}/nominals", verify=pki.ca_bundle, cert=stranger.client_cert(), timeout=5)


def test_certificates_pass_strict_x509_verification(pki: DevPki, mtls_server: TlsServerThread) -> None:
    """Python 3.13 verifies strictly by default; the dev certificates must already pass."""
    context = ssl.create_default_context(cafile=pki.ca_bundle)
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    context.load_cert_chain(*pki.client_cert())
    with (
        socket.create_connection(("127.0.0.1", mtls_server.port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}


def test_server_without_client_certificates_accepts_plain_tls_clients(pki: DevPki) -> None:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    with TlsServerThread(app, pki.server_ssl_kwargs(require_client_cert=False)) as server:
        response = requests.get(f"{server.url}/ping", **TlsClientConfig(ca_bundle=pki.ca_bundle).requests_kwargs())
    assert response.json() == {"ok": True}


def test_issued_mutual_tls_credentials_reach_the_police_sandbox(pki: DevPki, mtls_server: TlsServerThread) -> None:
    issued = issue_credentials("mutual_tls", pki=pki)
    credentials: AgencyCredentials = parse_credentials(json.dumps({"police": issued.connector_credentials()}))["police"]
    assert credentials.build_auth(mtls_server.url) is None
    response = requests.get(f"{mtls_server.url}/nominals", timeout=5, **credentials.requests_kwargs())
    assert response.status_code == 200


def test_mutual_tls_guard_fails_closed_over_plain_http() -> None:
    server = ServerThread(_police_like_app())
    server.start()
    try:
        response = requests.get(f"{server.url}/nominals", timeout=5)
    finally:
        server.stop()
    assert response.status_code == 401
    assert response.json() == {"code": "ACCESS_DENIED", "message": "Mutual TLS required"}
