"""What is wrong with a referral, as lines a referrer can act on: each names a field, none repeats a value.

Every channel (the CLI, the web form, the REST API) shows the same problems: the CLI prints them one a
line, a form puts each beside its field, an API returns them as a list. A value is never echoed, since
it may be a child's name, and a field's path is built only from the format's own names and positions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hub.errors import UserError

Path = tuple[int | str, ...]
"""Where in the document: keys and list positions from the top, as pydantic reports them."""

FORMAT_HELP = "See schemas/json/referral.v1.schema.json and config/examples/referral.json."

MAX_LISTED = 100
"""At most this many problems are listed. A referral has a few dozen fields, so a real one never comes
near; only a file that is not a referral at all (a list of 100,000 wrong entries) does, and then the
first hundred say enough, where a hundred thousand lines would hide them."""

_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
UNKNOWN_KEY = "(a key that is not a field name)"
"""How a key that could not be a field of the format is shown: it may be anything, even a name."""


def location(path: Path) -> str:
    """`subjects[1].person.birth_date`: the path as a referrer reads it; "(top level)" for the whole referral."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if _FIELD_NAME.match(part) else UNKNOWN_KEY
            text += f".{name}" if text else name
    return text or "(top level)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (`path`, empty for the document as a whole) and what, in words without its value."""

    path: Path
    message: str
    whole_document: bool = False
    """A problem with the document itself (too large, not JSON): nothing inside it was read."""

    @property
    def field(self) -> str:
        return location(self.path)

    def __str__(self) -> str:
        return self.message if self.whole_document else f"{self.field}: {self.message}"


def document_problem(message: str) -> Problem:
    """A problem with the document as a whole: it is refused before any field is read."""
    return Problem((), message, whole_document=True)


class ReferralRefused(UserError):
    """A referral refused at the door, with every problem found; nothing was stored or triggered.

    `problems` is for channels that show them their own way (a form beside each field); the message
    is the CLI's: one problem on one line, several one a line beneath a heading.
    """

    def __init__(self, problems: Sequence[Problem], *, source: str = "The referral") -> None:
        if not problems:
            raise ValueError("a refusal needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source = source
        super().__init__(refusal_message(self.problems, source))


def refusal_message(problems: Sequence[Problem], source: str) -> str:
    first = problems[0]
    if len(problems) == 1 and first.whole_document:
        return f"{source} {first.message}. Fix the file and try again."
    if len(problems) == 1:
        return f"{source} is not a valid referral: {first}. {FORMAT_HELP}"
    listed = [f"  {problem}" for problem in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        listed.append(f"  ... and {len(problems) - MAX_LISTED:,} more: is this file a referral at all?")
    return "\n".join([f"{source} is not a valid referral ({len(problems):,} problems):", *listed, FORMAT_HELP])
