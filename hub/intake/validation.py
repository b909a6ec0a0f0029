"""The one check every channel puts a referral through before anything is stored or triggered.

The CLI (`hub referral submit`, the demo), and later the web form and the REST API, all call
`check_referral_bytes`: the same limits, the same format, the same plausibility, the same words. It
either returns the referral or raises `ReferralRefused` with every problem found, each naming its field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from hub.intake.json_document import parse_document
from hub.intake.plausibility import plausibility_problems
from hub.intake.problems import Path, Problem, ReferralRefused
from schemas import Referral, Subject

_PLAIN_WORDS = {
    "missing": "is required",
    "extra_forbidden": "is not a field of a referral (check its spelling)",
}
"""pydantic's words where plainer ones read better to a referrer; the rest are pydantic's, which never quote a value."""

_RECEIVED_AT: TypeAdapter[datetime] = TypeAdapter(datetime)


def format_problems(error: ValidationError, *, skip_under: Sequence[Path] = ()) -> list[Problem]:
    """Each of pydantic's errors as a problem, in the referrer's words; none under a path already reported."""
    problems = []
    for detail in error.errors(include_input=False, include_url=False, include_context=False):
        path = tuple(detail["loc"])
        if any(path[: len(reported)] == reported for reported in skip_under):
            continue
        message = _PLAIN_WORDS.get(detail["type"], detail["msg"].removeprefix("Value error, "))
        problems.append(Problem(path, message))
    return problems


def _valid_parts(raw: Any) -> tuple[datetime | None, list[tuple[int, Subject]]]:
    """The received time and the subjects that are valid on their own, from a referral that is not valid whole.

    So a birth date in 2999 is reported beside a missing field, not only once the field is mended.
    """
    if not isinstance(raw, dict):
        return None, []
    received: datetime | None = None
    with suppress(ValidationError):
        received = _RECEIVED_AT.validate_python(raw.get("received_at"))
    if received is not None and received.tzinfo is None:
        received = None  # the format reports it; it cannot be compared with an aware clock
    subjects = raw.get("subjects")
    return received, list(_valid_subjects(subjects if isinstance(subjects, list) else []))


def _valid_subjects(items: list[Any]) -> Iterator[tuple[int, Subject]]:
    for index, item in enumerate(items):
        try:
            yield index, Subject.model_validate(item)
        except ValidationError:
            continue


def check_referral_bytes(data: bytes, *, source: str = "The referral", now: datetime | None = None) -> Referral:
    """The referral in `data` (UTF-8 JSON), or `ReferralRefused` listing every problem; nothing is kept either way.

    `source` names the document in the message (a file's path); `now` is the clock the plausibility
    checks use (tests fix it).
    """
    parsed = parse_document(data)
    if isinstance(parsed, Problem):
        raise ReferralRefused([parsed], source=source)
    problems = list(parsed.problems)
    now = now or datetime.now(UTC)
    try:
        referral = Referral.model_validate(parsed.value)
    except ValidationError as error:
        problems += format_problems(error, skip_under=sorted(parsed.refused_paths))
        problems += plausibility_problems(*_valid_parts(parsed.value), now=now)
        raise ReferralRefused(problems, source=source) from None
    problems += plausibility_problems(referral.received_at, list(enumerate(referral.subjects)), now=now)
    if problems:
        raise ReferralRefused(problems, source=source)
    return referral
