"""What every command group shares: the console it prints to, and the person signed in at the terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from hub.errors import UserError

if TYPE_CHECKING:
    from hub.access.guard import SignedIn

console = Console(highlight=False)

PurposeOption = Annotated[
    str | None,
    typer.Option(
        "--purpose",
        help="Why you are reading it: a code from roles.yaml `purposes` (default: the first, mash_enquiry). "
        "It is recorded in the audit trail.",
    ),
]


def signed_in() -> SignedIn:
    """The person signed in with `hub login`; a one-line error saying how to sign in if nobody is.

    Who is acting comes from the session alone: no environment variable or option chooses it.
    """
    from hub.access.guard import signed_in as current

    return current()


def shown_database_url(url: str) -> str:
    """A database URL fit to print: its password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def reaching_database(url: str) -> Iterator[None]:
    """A database that cannot be reached is one line naming it (password hidden), not a traceback."""
    from sqlalchemy.exc import OperationalError

    try:
        yield
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise UserError(f"Cannot reach the database {shown_database_url(url)}: {reason}") from None


def secret_from_stdin(what: str) -> str:
    """One line of standard input (for `--password-stdin`), without its line ending."""
    line = sys.stdin.readline()
    if not line.strip():
        raise UserError(f"Expected the {what} on standard input (one line), but there was none.")
    return line.rstrip("\r\n")
