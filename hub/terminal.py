"""Text for the terminal exactly as stored: never read as rich markup, never a control sequence.

Names, summaries, evidence and even error messages can carry text from referrals and agencies. Printed
through rich as plain strings, `[link=file:///etc/passwd]` would become a live hyperlink and `[bold red]`
a style; printed raw, an ESC would start a terminal escape (colours, OSC-8 links, cursor moves), and a
bidirectional override would show text in another order than it is stored. `shown` prevents all three.
"""

from __future__ import annotations

import re

from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls (tab and newline stay) and the bidirectional marks and overrides."""


def plain(value: object) -> str:
    """The value as a string with every control replaced by U+FFFD, so it is defused but still visible."""
    return _CONTROL.sub("\ufffd", str(value))


def shown(value: object) -> Text:
    """Stored text for rich: `Text` is never parsed for markup, and `plain` defuses the controls."""
    return Text(plain(value))
