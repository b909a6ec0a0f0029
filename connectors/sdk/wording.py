"""Small helpers for writing summaries the way a practitioner would."""

from __future__ import annotations

from datetime import date

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def long_date(value: date) -> str:
    """14 March 2015: unambiguous in a chronology read aloud at a strategy discussion."""
    return f"{value.day} {value:%B %Y}"


def count(number: int, singular: str, plural: str | None = None) -> str:
    """'two children', 'one child', 'no children'."""
    word = _NUMBER_WORDS[number] if 0 <= number < len(_NUMBER_WORDS) else str(number)
    return f"{word} {singular if number == 1 else plural or singular + 's'}"


def sentence(*parts: str | None) -> str:
    """Join clauses with semicolons into one sentence, skipping empty ones."""
    text = "; ".join(part.strip().rstrip(".") for part in parts if part and part.strip())
    return text[:1].upper() + text[1:] + "."
