"""Whether an order's shipping method names a carrier or a service. One test for every list that
asks it (express and courier methods, the carrier that decides between readings), so a name in
Russian ("Почта России", "СДЭК") counts as its English one does."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.knowledge.trackformats import FormatBook

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


def named_by(r: dict[str, Any], carrier: str, other_names: dict[str, list[str]]) -> bool:
    """Whether a tracker's carrier name (`fedex`, `UPS`, `Почта России`) names a reading's carrier."""
    first = (r["carrier"] or "").split()[:1]
    return bool(first) and (names(carrier, first[0]) or names_any(carrier, other_names.get(r["carrier"], [])))


def named_first(readings: list[dict[str, Any]], carrier: str, other_names: dict[str, list[str]]) -> list[dict[str, Any]]:
    """A tracker names the carrier (AfterShip's `fedex`, 17TRACK's `UPS`): its readings go first,
    and a fake service's reading goes unless the tracker names that service, so a placeholder or
    courier number of the fake service's shape keeps the tracker's real events."""
    first = [r for r in readings if named_by(r, carrier, other_names)]
    return first + [r for r in readings if not named_by(r, carrier, other_names) and r["kind"] != "fake_service"]


def prefer_carrier(readings: list[dict[str, Any]], method: str | None, destination: str | None,
                   book: FormatBook) -> list[dict[str, Any]]:
    """A code's readings (trackcode.py) re-ranked with the order (`book`: the FormatBook): one whose carrier the shipping method names (by the
    carrier's first word, `FedEx` for `FedEx Ground`, or by one of its other names in
    `carrier_names`, `Почта России`) scores `shipping_carrier` more; a domestic carrier's valid
    reading scores `destination_match` more when the order is bound for one of its `countries`,
    and any of its readings `destination_other` (less) when bound elsewhere."""
    scores, out = book.scores, []
    for r in readings:
        carrier = r["carrier"] or ""
        first = carrier.split()[:1]
        bonus = 0
        if method and first and (names(method, first[0]) or names_any(method, book.carrier_names.get(carrier, []))):
            bonus += scores["shipping_carrier"]
        if destination and r["countries"]:
            bonus += (scores.get("destination_match", 0) if r["valid"] else 0) if destination in r["countries"] \
                else scores.get("destination_other", 0)
        out.append(dict(r, score=r["score"] + bonus) if bonus else r)
    out.sort(key=lambda r: -r["score"])
    return out


def named_posts(method: str, posts: list[dict[str, Any]], aliases: dict[str, Any]) -> set[str]:
    """The names of the national posts (`posts.yaml`) a shipping method names, by their name or
    one of their other names (`carrier_names`)."""
    return {p["name"] for p in posts if names(method, p["name"]) or names_any(method, aliases.get(p["name"], []))}



def real_events(events: Any) -> list[Any]:
    """Events a real post or tracker gave: not typed on the order page, with a provider's status
    code or a country (a fake tracking service's reading is not believed against them, T8)."""
    return [e for e in events if e.source != "order_page" and (e.provider or e.country)]


def against_history(readings: list[dict[str, Any]], events: Any, book: FormatBook, platform: str | None) -> list[dict[str, Any]]:
    """A code's readings re-ranked with its own history, so a guess from the code's shape is never
    stated against the facts. A fake tracking service's reading, with events a real post or
    tracker gave (real_events), scores `history_against` (less) when a valid reading possible on
    this platform is there. The first reading keeps no origin country the history contradicts
    (a Russian courier's or post's number whose history starts in China: the number may be the
    last mile's, the parcel is not "from Russia")."""
    if not readings or not events:
        return readings
    if readings[0]["kind"] == "fake_service" and real_events(events) and any(
            r["valid"] and r["kind"] != "fake_service" and (not r.get("platforms") or platform in r["platforms"]) for r in readings):
        readings = sorted((dict(r, score=r["score"] + book.scores.get("history_against", 0)) if r["kind"] == "fake_service" else r
                           for r in readings), key=lambda r: -r["score"])
    first = next((e.country for e in sorted(events, key=lambda e: e.date) if e.country), None)
    top = readings[0]
    if first and top["origin_country"] and top["origin_country"] != first and top["kind"] != "s10":
        return [dict(top, origin_country=None), *readings[1:]]
    return readings
