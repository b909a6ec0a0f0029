"""Test knobs: environment variables that only tests set, each shortening a wait the hub would sit out.

A knob may only lower a wait, never raise it, so a deployment that set one by mistake waits no longer
than the default. The README lists them.
"""

from __future__ import annotations

import os


def lowered_seconds(variable: str, default: float, *, zero_allowed: bool) -> float:
    """`default`, or the lower number of seconds `variable` gives; ValueError naming the variable otherwise."""
    given = os.environ.get(variable)
    if given is None:
        return default
    try:
        seconds = float(given)
    except ValueError:
        seconds = -1.0
    lowest_ok = seconds >= 0 if zero_allowed else seconds > 0
    if not (lowest_ok and seconds <= default):
        lowest = "from 0" if zero_allowed else "above 0"
        raise ValueError(f"{variable} must be a number of seconds {lowest}, at most {default:g}")
    return seconds
