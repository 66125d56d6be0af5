"""Where one event of the history happened: city, postcode, region, country, and what kind of place.

Trackers print the place in the status line («Прибыло в место вручения Новосибирск 630000»,
«Сортировочный центр Подольск», "Arrived at MOSCOW PCI") or in fields of their own; facts may
carry `city`, `postcode` and `country`. The place is read here, from those, and never changes how
the status is staged. Its kind decides whether it can be evidence of another address (R3, D6):
`office` (the delivery office) and `delivered` can; `route` (sorting centres, exchange offices,
customs, airports, transit countries: rules/places.yaml, W8) never can, whatever the line says.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.knowledge.places import Places, Region, words_of

if TYPE_CHECKING:
    from advisor.reading.facts import Event

_POSTCODE = re.compile(r"(?<![\d.:/-])(\d{6})(?![\d.:/-])")
KINDS = {"arrived_office": "office", "delivered": "delivered"}


@dataclass(frozen=True)
class EventPlace:
    city: str | None            # as written (a status line's words, or the event's field)
    postcode: str | None
    country: str | None         # given, or the hub's, or assumed (the order's, for a domestic line)
    region: Region | None       # from the postcode, else from the city through the gazetteer
    kind: str | None            # office, delivered, route, or None (no stage: nothing to go by)
    route: str | None           # the route word or hub that made it route
    country_given: bool         # the country was given (a field or a hub), not assumed

    def to_dict(self) -> dict[str, Any]:
        out = {"city": self.city, "postcode": self.postcode, "country": self.country,
               "region": self.region.id if self.region else None, "kind": self.kind}
        return {k: v for k, v in out.items() if v is not None}


def event_place(places: Places | None, e: Event, phrase: str | None, stage: str | None, exported: bool,
                destination: str | None, rank: dict[str, int]) -> EventPlace | None:
    """The place of the facts' event `e` as derive.py classifies it. A line naming no country is
    taken to be in the destination country only from import on (or, without a stage, after the
    export)."""
    if places is None:
        return None
    home = destination if (rank[stage] >= rank["import"] if stage else exported) else None
    return read_place(places, status=e.status, matched=phrase, city=e.city, postcode=e.postcode,
                      country=e.country, stage=stage, destination=destination, assume=home)


def read_place(places: Places, *, status: str | None, matched: str | None, city: str | None,
               postcode: str | None, country: str | None, stage: str | None,
               destination: str | None, assume: str | None = None) -> EventPlace | None:
    """The place of one event, or None when nothing in it names one. `matched` is the stage
    phrase found in the status (left out when looking for a city: it is not a place);
    `destination` is the order's country; `assume` the country of a line that names none.
    Trackers repeat their lines, so answers are remembered (bounded)."""
    key = (status, matched, city, postcode, country, stage, destination, assume)
    try:
        return places.memo.young[key]         # a hit without a call: one read an event
    except KeyError:
        pass
    return places.memo.get(key, lambda: _read(places, status, matched, city, postcode, country, stage,
                                              destination, assume))


def _read(places: Places, status: str | None, matched: str | None, city: str | None, postcode: str | None,
          country: str | None, stage: str | None, destination: str | None, assume: str | None) -> EventPlace | None:
    text = status or ""
    if matched:        # the stage phrase is not a place ("Arrived at", «Прибыло в место вручения»)
        text = re.sub(re.escape(matched), " ", text, count=1, flags=re.IGNORECASE)
    words = words_of(text)
    field_words = words_of(city) if city else []
    hub = places.hub(field_words) or places.hub(words)
    route = places.route_word(words) or places.route_word(field_words) or places.route_word(words_of(matched or ""))
    given = bool(country) or bool(hub and hub[1])
    cc = country or (hub[1] if hub else None) or assume
    found = None
    if not city and words:
        found = _as_written(places.find_city(words, cc), text)
    code = postcode or _postcode(city) or _postcode(status)
    name = city or found or (_as_written(hub[0], f"{text} {city or ''}") if hub else None)
    if not (name or code or country or hub):
        return None
    region = places.region_of_postcode(code, cc) or (places.region_of_city(name, cc) if name else None)
    kind = "route" if route or hub or places.is_transit(cc, destination) else KINDS.get(stage or "", "route" if stage else None)
    why = route or (hub[0] if hub else None) or (cc if places.is_transit(cc, destination) else None)
    return EventPlace(name.strip() if name else None, code, cc, region, kind, why, given)


def _as_written(key: str | None, text: str) -> str | None:
    """The words of `text` that a folded name `key` was read from, as the line writes them."""
    if not key:
        return None
    m = re.search(r"(?<!\w)" + r"[\W_]+".join(re.escape(w) for w in key.split()) + r"(?!\w)",
                  text.replace("ё", "е").replace("Ё", "Е"), re.IGNORECASE)
    return m.group(0) if m else key


def _postcode(text: str | None) -> str | None:
    found = set(_POSTCODE.findall(text or ""))
    return found.pop() if len(found) == 1 else None
