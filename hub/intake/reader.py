"""Referral intake from a file: `hub referral submit` and the demo read a referral through here.

A thin wrapper over `hub.intake.validation.check_referral_bytes`, the check every channel shares. A file
over the size limit is refused from its size on disk, before it is read, and then read with a bound, so
a file that grows meanwhile, or a pipe with no size, is never read whole.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hub.errors import UserError
from hub.intake.json_document import MAX_BYTES, too_large
from hub.intake.problems import ReferralRefused
from hub.intake.validation import check_referral_bytes
from schemas import Referral


def read_referral(path: Path, *, now: datetime | None = None) -> Referral:
    """The referral in the file at `path`, or a `UserError` (`ReferralRefused` for its content) saying what to mend."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ReferralRefused([too_large(size)], source=str(path))
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise UserError(f"No such file: {path}. Check the path; an example is config/examples/referral.json.") from None
    except OSError:
        raise UserError(f"Cannot read {path}. Check that it is a file and its permissions.") from None
    if len(data) > MAX_BYTES:  # it grew since, or is a pipe: how much more is not known, and not read
        raise ReferralRefused([too_large()], source=str(path))
    return check_referral_bytes(data, source=str(path), now=now)
