"""Whether the post shows the parcel at another address than the order's, and on what evidence.

A wrong-destination red flag accuses the seller (R3, D6), so it rests on evidence only: the
latest delivery-office or delivered event in a place that really differs from the order's (another
country; another city or region when both sides are known). A route place (sorting centre,
exchange office, customs, airport, transit country: rules/places.yaml) is never evidence (W8), nor
is a place that cannot be compared; the tracker's own destination field counts at country level
only, and only while no office or delivery has been seen. Where it cannot tell, a note says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.engine.placenames import view_name
from advisor.text.details import note
from advisor.knowledge.places import Places, Region

if TYPE_CHECKING:
    from advisor.engine.derive import Seen
    from advisor.reading.facts import Facts, Place

FINAL = ("arrived_office", "delivered")


@dataclass
class Mismatch:
    level: str              # country, region or city
    kind: str               # office, delivered or tracked (the tracker's destination field)
    event: int | None       # the event's index in the facts, for `tracked` None
    seen: dict[str, Any]              # the place shown (view(): names in both languages)
    order: dict[str, Any]             # the order's place

    def to_context(self) -> dict[str, Any]:
        return {"level": self.level, "kind": self.kind, "event": self.event, "seen": self.seen, "order": self.order}


def view(places: Places, city: str | None, postcode: str | None, country: str | None,
         region: Region | None, with_country: bool = False) -> dict[str, Any]:
    """A place for texts: the city's name in English (the gazetteer's, for the seller) and in
    Russian (placenames.py), its postcode, region and country (`place` filter in render.py)."""
    return {"city": view_name(places, city, country), "postcode": postcode,
            "region": {"en": region.en, "ru": region.ru, "id": region.id} if region else None,
            "country": country, "with_country": with_country}


def office(events: list[Seen], places: Places | None, dest: Place | None) -> dict[str, Any] | None:
    """The latest delivery office's place for texts (the pick-up step names it), with `route`
    when it is a route place; None when that event names no place."""
    offices = [e for e in events if e.stage == "arrived_office"]
    p = offices[-1].place if offices else None
    if places is None or p is None or not (p.city or p.postcode):
        return None
    foreign = bool(dest and dest.country and p.country != dest.country)
    return dict(view(places, p.city, p.postcode, p.country, p.region, foreign), route=p.kind == "route")


def order_region(places: Places, dest: Place) -> Region | None:
    return places.region_of_postcode(dest.postcode, dest.country) or (
        places.region_of_city(dest.city, dest.country) if dest.city else None)


def find(facts: Facts, events: list[Seen], origin: str | None, places: Places | None,
         notes: list[dict[str, Any]]) -> Mismatch | None:
    """The evidence that the parcel is elsewhere (see the module's docstring), or None."""
    dest = facts.order.destination
    if not dest or places is None:
        return None
    final = [e for e in events if e.postal and e.stage in FINAL
             and not (e.place and e.place.country_given and e.place.country == origin and origin != dest.country)]
    if final:
        e = final[-1]
        if e.place is None:
            return None
        p = e.place
        kind = "office" if e.stage == "arrived_office" else "delivered"
        level = _compare(places, p.city, p.postcode, p.country if p.country_given else None, p.region, p.kind, dest,
                         notes, f"events[{e.index}]")
        return _mismatch(places, level, kind, e.index, p.city, p.postcode, p.country, p.region, dest)
    t = facts.tracked_destination
    if t and t.country and dest.country and t.country != dest.country:
        if places.is_transit(t.country, dest.country):
            notes.append(_unverified(places, "transit", "tracked_destination", t.city, None, t.country, None, dest))
            return None
        return _mismatch(places, "country", "tracked", None, t.city, None, t.country, None, dest)
    if t and t.city and dest.city and places.same_city(t.city, dest.city, dest.country or t.country) is not True \
            and not _same_name(places, t.city, dest.city, t.country or dest.country):
        # a tracker's destination city may be the exchange office's: not evidence by itself (R3)
        notes.append(_unverified(places, "tracked_city", "tracked_destination", t.city, None,
                                 t.country or dest.country, None, dest))
    return None


def _same_name(places: Places, a: str, b: str, country: str | None) -> bool:
    """Two spellings of one name (Минск, Мінск and Minsk): a note would call them two places."""
    na, nb = view_name(places, a, country), view_name(places, b, country)
    return bool(na and nb and na["en"].casefold() == nb["en"].casefold())


def _compare(places: Places, city: str | None, postcode: str | None, country: str | None, region: Region | None, kind: str | None, dest: Place,
             notes: list[dict[str, Any]], where: str) -> str | None:
    """`country`, `region` or `city` when the place really differs from the order's, else None
    (a note says why it could not tell)."""
    if kind == "route":
        reason = "transit" if places.is_transit(country, dest.country) else "route"
        notes.append(_unverified(places, reason, where, city, postcode, country or dest.country, region, dest))
        return None
    if country and dest.country and country != dest.country:
        return "country"
    cc = dest.country or country
    mine = order_region(places, dest)
    if city and dest.city:
        same = places.same_city(city, dest.city, cc)
        if same is True:
            return None
        if same is False:
            if region and mine and region.id == mine.id:
                notes.append(_unverified(places, "same_region", where, city, postcode, cc, region, dest))
                return None
            return "city"
        if not (region and mine):
            notes.append(note("city_unverified", {"field": where, "city": city, "order_city": dest.city}))
            return None
    if region and mine:
        return "region" if region.id != mine.id else None
    if (city or postcode) and (dest.city or dest.postcode):
        notes.append(_unverified(places, "unknown", where, city, postcode, cc, region, dest))
    return None


def _mismatch(places: Places, level: str | None, kind: str, index: int | None, city: str | None, postcode: str | None, country: str | None,
              region: Region | None, dest: Place) -> Mismatch | None:
    if level is None:
        return None
    foreign = level == "country"
    return Mismatch(level, kind, index, view(places, city, postcode, country, region, foreign),
                    view(places, dest.city, dest.postcode, dest.country, order_region(places, dest), foreign))


def _unverified(places: Places, reason: str, where: str, city: str | None, postcode: str | None, country: str | None,
                region: Region | None, dest: Place) -> dict[str, Any]:
    seen = view(places, city, postcode, country, region, bool(country and dest.country and country != dest.country))
    order = view(places, dest.city, dest.postcode, dest.country, order_region(places, dest), seen["with_country"])
    label = ", ".join(x for x in (city, postcode, country) if x) or "?"
    return note("place_unverified", {"field": where, "reason": reason, "place": seen, "order_place": order},
                label=label, order_label=", ".join(x for x in (dest.city, dest.postcode, dest.country) if x) or "?")
