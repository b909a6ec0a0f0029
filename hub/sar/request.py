"""A subject access request as IG asks it: whom to look for, checked before anything is read.

The request id (`SAR-20261102-7F3A2C`: the day and six random hex digits) names the request in the
audit trail, the output folder and the file names, so nothing the hub writes carries the NHS number
or a name. Every read made for the request records the purpose `subject access request <id>`, so
`hub audit search --purpose <id>` finds all of them.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from hub.errors import UserError
from hub.store.errors import UnknownReferral, safe_id
from schemas.identifiers import is_valid_nhs_number, normalise_nhs_number

PURPOSE = "subject access request"
REQUEST_ID = re.compile(r"^SAR-\d{8}-[0-9A-F]{6}$")


class SarInputError(UserError):
    """The request cannot be run as given; nothing was read or written."""


class UnknownSubject(SarInputError):
    def __init__(self, referral_id: str, subject_id: str) -> None:
        super().__init__(
            f"referral {safe_id(referral_id)} has no subject {safe_id(subject_id)}; subject ids are the "
            "referral's own (S1, S2, ...), as `hub audit show` and the family history name them"
        )


def new_request_id(now: datetime) -> str:
    return f"SAR-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"


@dataclass(frozen=True)
class SubjectAccessRequest:
    """Whom to look for: an NHS number, and/or referral subjects IG names, and who asked, when."""

    request_id: str
    nhs_number: str | None
    named: tuple[tuple[str, str], ...]
    actor: str
    requested_at: datetime

    @property
    def purpose(self) -> str:
        """Recorded with every read made for this request."""
        return f"{PURPOSE} {self.request_id}"


def parse_request(
    nhs_number: str | None,
    referrals: list[str],
    subjects: list[str],
    *,
    actor: str,
    now: datetime,
) -> SubjectAccessRequest:
    """Check what IG typed (no store needed); a `SarInputError`, one line, if it cannot be run.

    The NHS number is checked by its modulus 11 check digit and never repeated in a message: the
    message may be seen, or pasted into a ticket, where the number should not be.
    """
    number = None
    if nhs_number is not None:
        number = normalise_nhs_number(nhs_number)
        if not is_valid_nhs_number(number):
            raise SarInputError(
                "that is not a valid NHS number (ten digits, the last a modulus 11 check digit); check it "
                "against the request (it is not repeated here)"
            )
    if len(referrals) != len(subjects):
        raise SarInputError(
            "give --referral and --subject in pairs, one --subject for each --referral "
            f"({len(referrals)} referrals and {len(subjects)} subjects given)"
        )
    if number is None and not referrals:
        raise SarInputError(
            "say whom to look for: --nhs-number N, or --referral REF --subject S for a person with no NHS number"
        )
    named = tuple(dict.fromkeys(zip((r.strip() for r in referrals), (s.strip() for s in subjects), strict=True)))
    for referral_id, subject_id in named:
        if safe_id(referral_id) != referral_id:
            raise UnknownReferral(referral_id)
        if safe_id(subject_id) != subject_id:
            raise UnknownSubject(referral_id, subject_id)
    return SubjectAccessRequest(new_request_id(now), number, named, actor, now)
