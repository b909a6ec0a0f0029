"""Signed notes (C2SP signed-note, as golang.org/x/mod/sumdb/note writes them) with Ed25519 keys.

A note is UTF-8 text ending in a newline, a blank line, then one line per signature:
`— <key name> <base64(key id (4 bytes) || signature)>`. The key id is the first four bytes of
SHA-256(name || 0x0A || 0x01 || public key), so a verifier finds the right key and a signature by
another key of the same name is told apart. Keys are written as the Go tooling writes them
(`PRIVATE+KEY+<name>+<id>+<base64>` and `<name>+<id>+<base64>`), so a checkpoint can be checked with
any implementation of the format, not only this one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALGORITHM_ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # An em dash and a space.
_PRIVATE_PREFIX = "PRIVATE+KEY+"


class NoteError(ValueError):
    """A note, key or signature that is malformed, or a signature that does not verify."""


def key_id(name: str, public_key: bytes) -> bytes:
    """The first four bytes of SHA-256(name || "\\n" || 0x01 || public key)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ALGORITHM_ED25519 + public_key).digest()[:4]


def _check_name(name: str) -> str:
    if not name or any(character.isspace() or character == "+" for character in name):
        raise NoteError("a key name must be non-empty, without spaces or '+'")
    return name


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("not valid base64") from None


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key that checks signatures on notes."""

    name: str
    public_key: bytes

    @cached_property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """`<name>+<key id in hex>+<base64(0x01 || public key)>`."""
        encoded = base64.b64encode(ALGORITHM_ED25519 + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """Read a verifier key, checking that its key id matches its name and key."""
        name, hex_id, encoded = _three_parts(vkey)
        raw = _b64decode(encoded)
        if len(raw) != 33 or raw[:1] != ALGORITHM_ED25519:
            raise NoteError("a verifier key must be an Ed25519 key (algorithm 1, 32 bytes)")
        verifier = cls(_check_name(name), raw[1:])
        if verifier.key_id.hex() != hex_id:
            raise NoteError("the verifier key's id does not match its name and key")
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


def _three_parts(key: str) -> tuple[str, str, str]:
    parts = key.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("a key has three parts separated by '+': name, key id, key (which may hold '+')")
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key (its 32-byte seed) that signs notes."""

    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> Signer:
        private = Ed25519PrivateKey.generate()
        return cls(_check_name(name), private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    @classmethod
    def parse(cls, skey: str) -> Signer:
        """Read `PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>`, checking its key id."""
        text = skey.strip()
        if not text.startswith(_PRIVATE_PREFIX):
            raise NoteError("a signer key starts with PRIVATE+KEY+")
        name, hex_id, encoded = _three_parts(text.removeprefix(_PRIVATE_PREFIX))
        raw = _b64decode(encoded)
        if len(raw) != 33 or raw[:1] != ALGORITHM_ED25519:
            raise NoteError("a signer key must be an Ed25519 key (algorithm 1, 32-byte seed)")
        signer = cls(_check_name(name), raw[1:])
        if signer.verifier.key_id.hex() != hex_id:
            raise NoteError("the signer key's id does not match its name and key")
        return signer

    @property
    def skey(self) -> str:
        encoded = base64.b64encode(ALGORITHM_ED25519 + self.seed).decode("ascii")
        return f"{_PRIVATE_PREFIX}{self.name}+{self.verifier.key_id.hex()}+{encoded}"

    @cached_property
    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @cached_property
    def verifier(self) -> Verifier:
        public = self._private.public_key()
        return Verifier(self.name, public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, text: str) -> str:
        """The signed note: `text`, a blank line, and this key's signature line."""
        _check_text(text)
        signature = self._private.sign(text.encode("utf-8"))
        encoded = base64.b64encode(self.verifier.key_id + signature).decode("ascii")
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {encoded}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("a note's text ends with one newline and has no blank line")
    if any(ord(character) < 0x20 and character != "\n" for character in text):
        raise NoteError("a note's text has no control characters other than newline")


def open_note(note: str, verifier: Verifier) -> str:
    """The note's text, if `verifier`'s key signed it; raises `NoteError` otherwise.

    Signatures by other keys are allowed (a witness may cosign) but at least one must be this key's.
    """
    text, blank, signatures = note.rpartition("\n\n")
    if not blank or not signatures.endswith("\n"):
        raise NoteError("malformed note: no blank line before the signatures")
    text += "\n"
    _check_text(text)
    message = text.encode("utf-8")
    verified = False
    for line in signatures[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("malformed note: a signature line must start with an em dash")
        name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        raw = _b64decode(encoded)
        if len(raw) < 5:
            raise NoteError("malformed note: a signature is too short")
        if name != verifier.name or raw[:4] != verifier.key_id:
            continue
        if not verifier.verify(message, raw[4:]):
            raise NoteError(f"invalid signature for key {verifier.name}+{verifier.key_id.hex()}")
        verified = True
    if not verified:
        raise NoteError(f"the note has no signature by key {verifier.name}+{verifier.key_id.hex()}")
    return text
