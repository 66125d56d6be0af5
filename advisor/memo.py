"""A bounded memo for pure lookups whose inputs repeat across parcels (status texts, season
windows, rendered rule texts): forgets everything when full, so memory stays flat."""
from __future__ import annotations

from typing import Callable, Hashable


class Memo:
    def __init__(self, size: int):
        self.size = size
        self._values: dict = {}

    def get(self, key: Hashable, compute: Callable[[], object]):
        """The remembered value for `key`, computing it on the first ask (exceptions are not kept).
        An unhashable key (a list among its values) is computed every time."""
        try:
            return self._values[key]
        except KeyError:
            pass
        except TypeError:
            return compute()
        if len(self._values) >= self.size:
            self._values.clear()
        value = self._values[key] = compute()
        return value

    def __len__(self) -> int:
        return len(self._values)
