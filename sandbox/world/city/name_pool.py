"""A weighted pool of names: a few very common, a long tail rare, and one draw a single bisection.

Pools are listed most common first and weighted by a Zipf-like law (weight of rank r is 1 / (r + offset)), so a
few names are very common and a long tail is rare. That matters downstream: record linkage must learn that a
shared "Smith" or "Mohamed" proves far less than a shared "Kelworth". Every draw bisects precomputed cumulative
weights, so a million people take seconds.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate


class NamePool:
    """Names with precomputed cumulative weights: one draw is a single bisection, whatever the pool's size."""

    __slots__ = ("_by_initial", "_cum", "_last", "_total", "names")

    def __init__(self, names: Sequence[str], weights: Sequence[float]) -> None:
        if not names or len(names) != len(weights):
            raise ValueError("a name pool needs one positive weight per name")
        if len(set(names)) != len(names):
            duplicates = sorted({name for name in names if names.count(name) > 1})
            raise ValueError(f"duplicate names in pool: {duplicates}")
        self.names: tuple[str, ...] = tuple(names)
        self._cum = tuple(accumulate(weights))
        self._total = self._cum[-1]
        self._last = len(self.names) - 1
        self._by_initial: dict[str, NamePool | None] = {}

    @classmethod
    def zipf(cls, names: Iterable[str], offset: float = 4.0, exponent: float = 1.0) -> NamePool:
        """Names listed most common first; a larger `offset` flattens the head (given names vary more than surnames)."""
        listed = tuple(names)
        return cls(listed, [1.0 / (rank + offset) ** exponent for rank in range(len(listed))])

    def pick(self, rng: random.Random) -> str:
        return self.names[bisect_right(self._cum, rng.random() * self._total, 0, self._last)]

    def probability(self, name: str) -> float:
        """The chance one draw gives `name` (0 if the pool cannot give it)."""
        try:
            index = self.names.index(name)
        except ValueError:
            return 0.0
        return (self._cum[index] - (self._cum[index - 1] if index else 0.0)) / self._total

    def with_initial(self, initial: str) -> NamePool | None:
        """The names starting with `initial`, keeping their relative weights (cached)."""
        key = initial[:1].upper()
        if key not in self._by_initial:
            picked = [(name, self.probability(name)) for name in self.names if name[:1].upper() == key]
            self._by_initial[key] = NamePool([n for n, _ in picked], [w for _, w in picked]) if picked else None
        return self._by_initial[key]

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"NamePool({len(self.names)} names, most common {self.names[0]!r})"
