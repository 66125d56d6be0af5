"""Whether an order's shipping method names a carrier or a service. One test for every list that
asks it (express and courier methods, the carrier that decides between readings), so a name in
Russian ("Почта России", "СДЭК") counts as its English one does."""
from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """The words of a name in any script, case-folded (a few dozen methods recur across parcels)."""
    return tuple(_WORD.findall(text.casefold()))


def names(method: str, name: str) -> bool:
    """The method's words hold the name's words side by side: "Почта России EMS" names
    "Почта России" and "EMS"; "Почта Китая" does not name "Почта России"."""
    m, n = words(method), words(name)
    if not n or len(n) > len(m):
        return False
    if len(n) == 1:
        return n[0] in m
    return any(m[i:i + len(n)] == n for i in range(len(m) - len(n) + 1))


def names_any(method: str, names_: list[str]) -> bool:
    return any(names(method, n) for n in names_)


def named_first(readings: list[dict], carrier: str, other_names: dict) -> list[dict]:
    """A tracker names the carrier (AfterShip's `fedex`, 17TRACK's `UPS`): its readings go first,
    and a fake service's reading goes unless the tracker names that service, so a placeholder or
    courier number of the fake service's shape keeps the tracker's real events."""
    def named(r: dict) -> bool:
        first = (r["carrier"] or "").split()[:1]
        return bool(first) and (names(carrier, first[0]) or names_any(carrier, other_names.get(r["carrier"], [])))
    first = [r for r in readings if named(r)]
    return first + [r for r in readings if not named(r) and r["kind"] != "fake_service"]
