"""How records garble a name: a nickname, another spelling, or a keying error.

The informal forms and spellings are data (`sandbox.world.city.name_variants`); a keying error is made
up here, from the keyboard.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Mapping
from types import MappingProxyType

from sandbox.world.city.name_variants import NICKNAMES, SPELLING_VARIANTS


def nickname_for(rng: random.Random, given: str) -> str | None:
    """An informal form of `given` someone might be recorded under, or None if it has none."""
    forms = NICKNAMES.get(given)
    return rng.choice(forms) if forms else None


def spelling_variant(rng: random.Random, name: str) -> str | None:
    """Another spelling of `name` (or of one part of a compound like "Kowalska-Smith"), or None if it has none."""
    forms = SPELLING_VARIANTS.get(name)
    if forms:
        return rng.choice(forms)
    for separator in ("-", " "):
        if separator in name:
            parts = name.split(separator)
            varied = [index for index, part in enumerate(parts) if part in SPELLING_VARIANTS]
            if varied:
                index = rng.choice(varied)
                parts[index] = rng.choice(SPELLING_VARIANTS[parts[index]])
                return separator.join(parts)
    return None


# --- Keying errors ---------------------------------------------------------------------------------------------

_QWERTY_NEIGHBOURS: Mapping[str, str] = MappingProxyType({
    "q": "wa", "w": "qeas", "e": "wrds", "r": "etdf", "t": "ryfg", "y": "tugh", "u": "yihj", "i": "uojk",
    "o": "ipkl", "p": "ol", "a": "qwsz", "s": "awedxz", "d": "serfcx", "f": "drtgvc", "g": "ftyhbv",
    "h": "gyujnb", "j": "huikmn", "k": "jiolm", "l": "kop", "z": "asx", "x": "zsdc", "c": "xdfv", "v": "cfgb",
    "b": "vghn", "n": "bhjm", "m": "njk",
})  # fmt: skip
_TYPO_KINDS = ("substitute", "delete", "transpose", "insert")
_TYPO_CUM = (0.35, 0.6, 0.8, 1.0)


def typo(rng: random.Random, text: str) -> str:
    """One realistic keying error: a QWERTY-neighbour substitution, a dropped letter, a doubled letter, or two
    adjacent letters swapped. Always differs from `text`, keeps its case style, and never empties a word or a
    part between hyphens, apostrophes or spaces (letters are touched, separators never)."""
    letters = [index for index, char in enumerate(text) if char.isalpha()]
    if not letters:
        raise ValueError(f"no letters to mistype in {text!r}")
    kind = _TYPO_KINDS[bisect_right(_TYPO_CUM, rng.random(), 0, len(_TYPO_KINDS) - 1)]
    if kind == "substitute":
        spots = [index for index in letters if text[index].lower() in _QWERTY_NEIGHBOURS]
        if spots:
            index = rng.choice(spots)
            char = text[index]
            new = rng.choice(_QWERTY_NEIGHBOURS[char.lower()])
            return text[:index] + (new.upper() if char.isupper() else new) + text[index + 1 :]
    elif kind == "delete":
        spots = [index for index in letters if _in_long_word(text, index)]
        if spots:
            index = rng.choice(spots)
            rest = text[index + 1 :]
            starts_word = index == 0 or not text[index - 1].isalpha()
            if starts_word and text[index].isupper() and rest[:1].isalpha() and not _word_at(text, index).isupper():
                rest = rest[0].upper() + rest[1:]
            return text[:index] + rest
    elif kind == "transpose":
        spots = [
            index
            for index in letters
            if index + 1 < len(text) and text[index + 1].isalpha() and text[index].lower() != text[index + 1].lower()
        ]
        if spots:
            index = rng.choice(spots)
            first, second = text[index], text[index + 1]
            swapped = _case_like(second, first) + _case_like(first, second)
            return text[:index] + swapped + text[index + 2 :]
    index = rng.choice(letters)
    word = _word_at(text, index)
    char = text[index]
    doubled = char.upper() if word.isupper() and len(word) > 1 else char.lower()
    return text[: index + 1] + doubled + text[index + 1 :]


def _case_like(char: str, model: str) -> str:
    return char.upper() if model.isupper() else char.lower()


def _word_at(text: str, index: int) -> str:
    """The run of letters containing `index`."""
    start = index
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    end = index
    while end < len(text) and text[end].isalpha():
        end += 1
    return text[start:end]


def _in_long_word(text: str, index: int) -> bool:
    """Whether the letter at `index` has a letter beside it, so deleting it leaves its word non-empty."""
    return (index > 0 and text[index - 1].isalpha()) or (index + 1 < len(text) and text[index + 1].isalpha())
