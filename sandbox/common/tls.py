"""A local development CA, so the sandboxes can speak TLS (and police mutual TLS) as the real agencies do.

`ensure_dev_pki` keeps a CA, a server certificate and a client certificate for the hub in one
directory, creating or renewing only what is missing, expired, about to expire, or issued for
other names. The CA is marked "not for production" and is trusted only by whoever is handed
`ca.pem`: never install it in a system trust store.

Usage::

    pki = ensure_dev_pki(hub_home / "sandbox-pki")
    uvicorn.Config(app, **pki.server_ssl_kwargs(require_client_cert=True))
    requests.get(url, verify=pki.ca_bundle, cert=pki.client_cert())
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import ssl
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_COMMON_NAME = "MASH Hub Sandbox Development CA"
CLIENT_COMMON_NAME = "mash-hub-connector"
ORGANISATION = "MASH Hub sandbox"
NOT_FOR_PRODUCTION = "Development only - NOT FOR PRODUCTION USE"
CA_VALIDITY = timedelta(days=5 * 365)
LEAF_VALIDITY = timedelta(days=2 * 365)
RENEW_BEFORE = timedelta(days=30)
"""Renew a certificate this long before it expires, so a long-running sandbox never serves an expired one."""
CLOCK_SKEW = timedelta(minutes=5)
"""Certificates start this long before issue, so a peer whose clock is slightly behind accepts them."""

DIRECTORY_MODE = 0o700
PRIVATE_KEY_MODE = 0o600
CERTIFICATE_MODE = 0o600
"""Certificates are public, but everything under `$HUB_HOME` is its user's alone (`hub.settings`)."""

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to `path` with `mode`, so readers see the old file or the new one, never a part.

    The temporary file is created in the same directory (so `os.replace` is atomic) and is
    private from its first byte (mkstemp creates it 0600), so a key is never briefly readable.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@dataclass(frozen=True)
class DevPki:
    """Where the development CA, server and client certificates live, and how to hand them to uvicorn and requests."""

    directory: Path

    @property
    def ca_cert_file(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key_file(self) -> Path:
        return self.directory / "ca-key.pem"

    @property
    def server_cert_file(self) -> Path:
        return self.directory / "server.pem"

    @property
    def server_key_file(self) -> Path:
        return self.directory / "server-key.pem"

    @property
    def client_cert_file(self) -> Path:
        return self.directory / "client.pem"

    @property
    def client_key_file(self) -> Path:
        return self.directory / "client-key.pem"

    @property
    def ca_bundle(self) -> str:
        """For requests' `verify=`: trust this CA alone, not the system store."""
        return str(self.ca_cert_file)

    def client_cert(self) -> tuple[str, str]:
        """For requests' `cert=`: the hub's client certificate and key."""
        return str(self.client_cert_file), str(self.client_key_file)

    def server_ssl_kwargs(self, require_client_cert: bool = False) -> dict[str, Any]:
        """Keyword arguments for `uvicorn.Config`.

        With `require_client_cert`, uvicorn's TLS layer refuses any client without a certificate
        issued by this CA (ssl.CERT_REQUIRED) before the app sees a byte: that is mutual TLS.
        """
        return {
            "ssl_certfile": str(self.server_cert_file),
            "ssl_keyfile": str(self.server_key_file),
            "ssl_ca_certs": str(self.ca_cert_file),
            "ssl_cert_reqs": ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_NONE,
        }


def ensure_dev_pki(
    directory: Path,
    hostnames: Sequence[str] = ("localhost",),
    ip_addresses: Sequence[str] = ("127.0.0.1",),
    *,
    now: datetime | None = None,
) -> DevPki:
    """Create, or renew where needed, the development CA and the server and client certificates.

    Idempotent: files that are still good are left untouched (same bytes, same mtime). A new CA
    means new server and client certificates too. `now` is for tests that need old certificates.
    """
    if not hostnames and not ip_addresses:
        raise ValueError("the server certificate needs at least one hostname or IP address")
    now = now or datetime.now(UTC)
    names = frozenset(name.lower() for name in hostnames)
    addresses = frozenset(ipaddress.ip_address(address) for address in ip_addresses)
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, DIRECTORY_MODE)
    pki = DevPki(directory)

    ca = _load_pair(pki.ca_cert_file, pki.ca_key_file)
    renewed_ca = ca is None or not _usable_ca(ca[0], now)
    if ca is None or renewed_ca:
        ca = _issue_ca(now)
        _store(pki.ca_cert_file, pki.ca_key_file, *ca)
    ca_cert, ca_key = ca

    server = _load_pair(pki.server_cert_file, pki.server_key_file)
    if renewed_ca or server is None or not _usable_server(server[0], ca_cert, now, names, addresses):
        subject = sorted(names)[0] if names else str(sorted(addresses, key=str)[0])
        sans: list[x509.GeneralName] = [x509.DNSName(name) for name in sorted(names)]
        sans += [x509.IPAddress(address) for address in sorted(addresses, key=str)]
        _store(
            pki.server_cert_file,
            pki.server_key_file,
            *_issue_leaf(ca_cert, ca_key, subject, ExtendedKeyUsageOID.SERVER_AUTH, sans, now),
        )

    client = _load_pair(pki.client_cert_file, pki.client_key_file)
    if renewed_ca or client is None or not _usable_client(client[0], ca_cert, now):
        _store(
            pki.client_cert_file,
            pki.client_key_file,
            *_issue_leaf(ca_cert, ca_key, CLIENT_COMMON_NAME, ExtendedKeyUsageOID.CLIENT_AUTH, [], now),
        )

    for key_file in (pki.ca_key_file, pki.server_key_file, pki.client_key_file):
        os.chmod(key_file, PRIVATE_KEY_MODE)
    return pki


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, NOT_FOR_PRODUCTION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _issue_ca(now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(CA_COMMON_NAME)
    key_id = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(digital_signature=False, cert_sign=True), critical=True)
        .add_extension(key_id, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(key_id), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def _issue_leaf(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    common_name: str,
    usage: x509.ObjectIdentifier,
    sans: list[x509.GeneralName],
    now: datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    ca_key_id = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(now + LEAF_VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id), critical=False)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _key_usage(*, digital_signature: bool, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _store(cert_file: Path, key_file: Path, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
    """Key first: a crash between the two writes leaves a pair that no longer matches, renewed next time."""
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_atomically(key_file, key_pem, PRIVATE_KEY_MODE)
    write_atomically(cert_file, certificate.public_bytes(serialization.Encoding.PEM), CERTIFICATE_MODE)


def _load_pair(cert_file: Path, key_file: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """The certificate and its key, or None if either is missing, unreadable, or they do not belong together."""
    try:
        certificate = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != certificate.public_key():
        return None
    return certificate, key


def _current(certificate: x509.Certificate, now: datetime) -> bool:
    return certificate.not_valid_before_utc <= now + CLOCK_SKEW and now + RENEW_BEFORE < certificate.not_valid_after_utc


def _usable_ca(certificate: x509.Certificate, now: datetime) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        certificate.verify_directly_issued_by(certificate)
    except (x509.ExtensionNotFound, ValueError, TypeError, InvalidSignature):
        return False
    return constraints.ca and _current(certificate, now)


def _issued_for(certificate: x509.Certificate, ca_cert: x509.Certificate, usage: x509.ObjectIdentifier) -> bool:
    try:
        certificate.verify_directly_issued_by(ca_cert)
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (x509.ExtensionNotFound, ValueError, TypeError, InvalidSignature):
        return False
    return usage in usages


def _usable_server(
    certificate: x509.Certificate,
    ca_cert: x509.Certificate,
    now: datetime,
    names: frozenset[str],
    addresses: frozenset[IpAddress],
) -> bool:
    if not (_issued_for(certificate, ca_cert, ExtendedKeyUsageOID.SERVER_AUTH) and _current(certificate, now)):
        return False
    try:
        sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    issued_names = frozenset(name.lower() for name in sans.get_values_for_type(x509.DNSName))
    issued_addresses = frozenset(sans.get_values_for_type(x509.IPAddress))
    return issued_names == names and issued_addresses == addresses


def _usable_client(certificate: x509.Certificate, ca_cert: x509.Certificate, now: datetime) -> bool:
    common_names = [attribute.value for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return (
        common_names == [CLIENT_COMMON_NAME]
        and _issued_for(certificate, ca_cert, ExtendedKeyUsageOID.CLIENT_AUTH)
        and _current(certificate, now)
    )
