"""Passwords and second factors: argon2id hashes (argon2-cffi) and TOTP codes (pyotp).

Passwords follow the NCSC's advice: long rather than complex (at least 12 characters, any characters),
no forced expiry, and never stored, only their argon2id hash. A TOTP secret is shown once, at
enrolment, as an `otpauth://` address for an authenticator app.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from functools import cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.errors import UserError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
ISSUER = "MASH Hub"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters (RFC 9106)


@cache
def _dummy_hash() -> str:
    """A hash to check a missing account's password against, so it costs as much as a real check.

    Made on first use, not at import: every `hub` command imports this module, and most never check a
    password, so hashing at import cost each of them a quarter of a second for nothing.
    """
    return _hasher.hash("an unused password, hashed so a missing account costs as much to check")


def check_password_rules(password: str, username: str) -> None:
    """Refuse a password that is too short, too long, or contains the username; one line saying which."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters (three random words work well)."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"The password is too long: use at most {MAX_PASSWORD_LENGTH} characters.")
    if username.lower() in password.lower():
        raise UserError("The password must not contain the username.")
    if len(set(password)) < 4:
        raise UserError("The password repeats too few characters; choose something harder to guess.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches; a missing hash costs the same time as a real check, so timing tells nothing."""
    dummy = _dummy_hash()  # made (once per process) before either branch, so a first check costs the same either way
    try:
        return _hasher.verify(stored_hash or dummy, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_address(secret: str, username: str) -> str:
    """The `otpauth://` address an authenticator app enrols from (shown once, at enrolment)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step a six-digit code belongs to (one step of clock drift either way), or None.

    The caller accepts a step only once and only after the last one used (`HubStore.claim_totp_step`),
    so a code seen over someone's shoulder cannot be replayed within its window.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
