"""A bounded memo for pure lookups whose inputs repeat across parcels (status texts, season
windows, rendered rule texts), so memory stays flat however many distinct parcels go through.

Two generations: a value is kept in the young one; when it holds `size` values the old one is
dropped and the young one becomes old, and a value found in the old one moves back to the young.
What parcels keep asking for stays, a one-off is forgotten within two generations, and at most
2 x `size` values are held (forgetting everything at once, as before, lost the common values too).
"""
from __future__ import annotations

from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    """Values of one type `V` by hashable keys (`Memo[EventPlace | None]`)."""

    def __init__(self, size: int):
        self.size = size
        # the young generation, read directly by a hot caller (`young[key]`: a hit without a call;
        # a miss or an unhashable key goes through `get`)
        self.young: dict[Hashable, V] = {}
        self._old: dict[Hashable, V] = {}

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The remembered value for `key`, computing it on the first ask (exceptions are not kept).
        An unhashable key (a list among its values) is computed every time."""
        try:
            return self.young[key]
        except KeyError:
            pass
        except TypeError:
            return compute()
        try:
            value = self._old.pop(key)
        except KeyError:
            value = compute()
        if len(self.young) >= self.size:
            self._old, self.young = self.young, {}
        self.young[key] = value
        return value

    def __len__(self) -> int:
        return len(self.young) + len(self._old)
