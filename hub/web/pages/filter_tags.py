"""The MoJ filter's "Selected filters": each chosen filter as a tag that is a plain link removing just that one.

A page gives the query string's filter pairs (codes and ids only, never a name) and how to say each one;
every tag links to the same page with every other pair kept, so removing a filter works without
JavaScript. `kept` pairs (an order, a layout) stay in every link and are not tags themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class Removable:
    text: str
    href: str


@dataclass(frozen=True)
class SelectedGroup:
    heading: str
    tags: tuple[Removable, ...]


@dataclass(frozen=True)
class Selected:
    groups: tuple[SelectedGroup, ...]
    clear_href: str
    """The page with no filter at all (the `kept` pairs only)."""


def _href(path: str, pairs: Sequence[tuple[str, str]], fragment: str) -> str:
    query = urlencode(list(pairs))
    return f"{path}{'?' + query if query else ''}{fragment}"


def selected_filters(
    path: str,
    pairs: Sequence[tuple[str, str]],
    describe: Mapping[str, tuple[str, Callable[[str], str]]],
    *,
    kept: Sequence[tuple[str, str]] = (),
    fragment: str = "",
) -> Selected:
    """A group per heading (in `describe`'s order) with a tag per value; `describe[name]` is (heading, words).

    Fields may share a heading (from and to under "Dates").
    """
    groups: dict[str, list[Removable]] = {}
    for name, (heading, say) in describe.items():
        for field_name, value in pairs:
            if field_name == name:
                others = [pair for pair in pairs if pair != (name, value)]
                groups.setdefault(heading, []).append(Removable(say(value), _href(path, [*others, *kept], fragment)))
    return Selected(
        tuple(SelectedGroup(heading, tuple(tags)) for heading, tags in groups.items()), _href(path, kept, fragment)
    )
