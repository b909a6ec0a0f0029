"""The police sandbox's guard: mutual TLS, where the client certificate is the credential."""

from __future__ import annotations

from cryptography import x509
from fastapi import Request, Response

from sandbox.common.auth.guard import SandboxGuard


class MutualTlsGuard(SandboxGuard):
    """Mutual TLS, for the police sandbox: the client certificate is the credential.

    uvicorn enforces it (`ssl_cert_reqs=ssl.CERT_REQUIRED` with the dev CA, from
    `DevPki.server_ssl_kwargs(require_client_cert=True)`): a client without a certificate from
    that CA fails the TLS handshake and never reaches the app. This guard fails closed if the
    app is served over plain HTTP by mistake, and refuses a request whose server reports (through
    the ASGI TLS extension) that no client certificate was presented. uvicorn does not report
    peer certificates, so `peer_subject` is None under uvicorn.
    """

    def refusal(self, request: Request) -> Response | None:
        if request.url.scheme != "https":
            return self._deny("Mutual TLS required")
        tls = request.scope.get("extensions", {}).get("tls")
        if tls is not None and not tls.get("client_cert_chain"):
            return self._deny("Client certificate required")
        return None

    @staticmethod
    def peer_subject(request: Request) -> str | None:
        """The client certificate's subject (RFC 4514), when the server exposes it via the ASGI TLS extension."""
        chain = request.scope.get("extensions", {}).get("tls", {}).get("client_cert_chain") or []
        if not chain:
            return None
        return x509.load_pem_x509_certificate(str(chain[0]).encode("ascii")).subject.rfc4514_string()
