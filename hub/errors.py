"""Errors the hub reports to a person: one line, what went wrong and what to do next.

Messages never carry personal data: they name files, ids, agencies and fields, not people.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix; the CLI prints the message alone and exits non-zero."""
