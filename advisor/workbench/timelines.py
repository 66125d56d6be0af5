"""Generated parcel timelines: realistic facts documents for checking the plan's guarantees
(`rules/safety.yaml`) far beyond the example cases.

Each parcel is drawn from one seeded `random.Random`: a platform, a day in two years (so every
season comes round), payment and code dates, protection ending anywhere around today, a code of
every shape the advisor meets, a route through the stages in order with realistic gaps (status
texts taken from `rules/stages.yaml`, seller-typed ones too), the seller's and the dispute's
state, and sometimes the parcel in hand. Every document keeps the facts contract (dates in order,
nothing after today), so each one is advised, not refused.

`advise rules safety --parcels N` runs them through an advisor and reports every guarantee a
repair had to restore; the test suite runs a bounded number.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from advisor.knowledge.checksums import s10_check_digit

if TYPE_CHECKING:
    from advisor.api import Advisor

ROUTE = ["accepted", "origin_sorting", "export", "import", "customs", "destination_sorting",
         "arrived_office", "delivered"]
ORIGIN_SIDE = {"pre_advice", "accepted", "origin_sorting", "export"}
# Cities of each destination country, each with spellings a tracker may print instead of the
# order's (the same place: no red flag). A city is drawn within its own country, as a buyer's
# address has it: Almaty with KZ, never with RU (tests/test_workbench.py checks each against the
# gazetteer).
CITIES = {"RU": {"Moscow": ["Москва", "Moskva", "г. Москва", "MOSCOW 101000"], "Kazan": ["Казань", "Kazan'"],
                 "Novosibirsk": ["Новосибирск"]},
          "BY": {"Minsk": ["Мінск", "Минск"]},
          "KZ": {"Almaty": ["Алматы", "Alma-Ata"]},
          "UA": {"Kyiv": ["Київ", "Киев", "Kiev"]}}
START = dt.date(2026, 1, 1)
SPAN_DAYS = 730


def _iso(d: dt.date) -> str:
    return d.isoformat()


def _s10(rng: random.Random, good: bool) -> str:
    serial = f"{rng.randrange(10 ** 8):08d}"
    check = s10_check_digit(serial)
    if not good:
        check = (check + rng.randrange(1, 10)) % 10
    return f"{rng.choice(['RK', 'RA', 'RB', 'LP', 'CP', 'EE', 'UA', 'RT'])}{serial}{check}{rng.choice(['CN', 'CN', 'CN', 'FI', 'HK'])}"


def _code(rng: random.Random) -> str | None:
    r = rng.random()
    if r < 0.55:
        return _s10(rng, good=True)
    if r < 0.62:
        return _s10(rng, good=False)
    if r < 0.70:
        return f"{rng.randrange(10 ** 13, 10 ** 14)}"           # an order number pasted as the code
    if r < 0.78:
        return f"{rng.randrange(10 ** 11, 10 ** 12)}"           # twelve digits
    if r < 0.84:
        return f"LP00{rng.randrange(10 ** 11, 10 ** 12)}"
    if r < 0.90:
        return None
    return rng.choice(["YT2234567890123456", "4000123456", "HS123456789HE", "RT" + f"{rng.randrange(10 ** 9):09d}" + "FI"])


@dataclass
class Phrases:
    """Status texts per stage and the seller-typed ones, read from the rules' stage book."""
    by_stage: dict[str, list[str]] = field(default_factory=dict)
    seller_typed: list[str] = field(default_factory=list)
    codes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)    # stage -> (provider, code)
    no_stage: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, advisor: Advisor) -> "Phrases":
        out = cls()
        stages, providers = advisor.stages, advisor.providers
        assert stages is not None and providers is not None      # an Advisor's knowledge is whole
        for _norm, stage, original in stages.phrases:
            out.by_stage.setdefault(stage, []).append(original)
        out.seller_typed = [original for _norm, original in stages.seller_typed]
        for provider, table in sorted(providers.codes.items()):
            for code, reading in sorted(table.items()):
                if reading.no_stage:
                    out.no_stage.append((provider, code))
                elif reading.stage:
                    out.codes.setdefault(reading.stage, []).append((provider, code))
        return out


def parcel(rng: random.Random, platforms: list[str], phrases: Phrases) -> dict[str, Any]:
    """One realistic facts document (parcel-facts/1)."""
    today = START + dt.timedelta(days=rng.randrange(SPAN_DAYS))
    paid = today - dt.timedelta(days=rng.randrange(0, 140))
    issued = min(today, paid + dt.timedelta(days=rng.randrange(0, 6)))
    order: dict[str, Any] = {"paid": _iso(paid), "track_issued": _iso(issued)}
    doc: dict[str, Any] = {"platform": rng.choice(platforms), "today": _iso(today), "order": order}
    dest = _order_terms(rng, doc, order, today, paid)
    code = _code(rng)
    if code is not None:
        doc["track"] = code

    route = _history(rng, doc, phrases, issued, today, dest)
    _buyer(rng, doc, order, route, issued, today)
    return doc


def _order_terms(rng: random.Random, doc: dict[str, Any], order: dict[str, Any], today: dt.date, paid: dt.date) -> str | None:
    """Protection, promise, price, shipping, destination: each present as often as buyers know it.
    Returns the destination country, if any."""
    if rng.random() < 0.85:
        if rng.random() < 0.5:
            ends = today + dt.timedelta(days=rng.randrange(-25, 45))    # around today: the dangerous days
        else:
            ends = paid + dt.timedelta(days=rng.choice([60, 75, 90]) + rng.randrange(-15, 30))
        order["protection_ends"] = _iso(max(ends, paid))
    if rng.random() < 0.3:
        order["promised_days"] = rng.choice([10, 15, 20, 30, 45, 60])
    if rng.random() < 0.5:
        order["price"] = {"amount": round(rng.uniform(0.5, 80), 2), "currency": rng.choice(["USD", "USD", "RUB", "EUR"])}
    if rng.random() < 0.25:
        order["shipping"] = {"method": rng.choice(["China Post Registered Air Mail", "AliExpress Standard Shipping",
                                                   "DHL", "EMS", "CDEK", "ePacket", "FedEx"]),
                             "free": rng.random() < 0.6}
    dest = None
    if rng.random() < 0.6:
        dest = rng.choice(["RU", "RU", "RU", "UA", "BY", "KZ"])
        order["destination"] = {"country": dest}
        if rng.random() < 0.5:
            city = rng.choice(list(CITIES[dest]))
            order["destination"]["city"] = city
            if rng.random() < 0.3:
                doc["tracked_destination"] = {"country": dest, "city": rng.choice(CITIES[dest][city])}
    if rng.random() < 0.03:
        order["frozen"] = True
    return dest


def _history(rng: random.Random, doc: dict[str, Any], phrases: Phrases, issued: dt.date, today: dt.date,
             dest: str | None) -> list[str]:
    """The tracking events along the route, as statuses, provider codes or stage ids, sometimes a
    return or a problem code, sometimes statuses the seller typed. Returns the stages passed."""
    events: list[dict[str, Any]] = []
    route: list[str] = []
    day = issued + dt.timedelta(days=rng.randrange(0, 12))

    def add(stage: str, when: dt.date, **extra: Any) -> None:
        texts = phrases.by_stage.get(stage)
        codes = phrases.codes.get(stage)
        ev: dict[str, Any] = {"date": _iso(when)}
        r = rng.random()
        if texts and r < 0.5:
            ev["status"] = rng.choice(texts)
        elif codes and r < 0.7:
            ev["provider"], ev["code"] = rng.choice(codes)
        else:
            ev["stage"] = stage
        if rng.random() < 0.5:
            ev["country"] = "CN" if stage in ORIGIN_SIDE else (dest or "RU")
        ev.update(extra)
        events.append(ev)
        route.append(stage)

    if rng.random() < 0.3 and day <= today:
        add("pre_advice", day)
        day += dt.timedelta(days=rng.randrange(1, 20))
    for stage in ROUTE[:rng.randrange(0, len(ROUTE) + 1)]:
        if day > today:
            break
        add(stage, day)
        day += dt.timedelta(days=rng.choice([1, 2, 3, 5, 8, 12, 20, 30, 45]))
    if events and rng.random() < 0.04 and day <= today:
        add("returned", day)
    elif events and phrases.no_stage and rng.random() < 0.03 and day <= today:
        provider, code = rng.choice(phrases.no_stage)      # lost, seized, renumbered, ...
        events.append({"date": _iso(day), "provider": provider, "code": code})
    if rng.random() < 0.12:
        for _ in range(rng.randrange(1, 4)):
            when = issued + dt.timedelta(days=rng.randrange(0, max(1, (today - issued).days + 1)))
            events.append({"date": _iso(min(when, today)), "status": rng.choice(phrases.seller_typed), "source": "order_page"})
    if events:
        doc["events"] = events

    return route


def _buyer(rng: random.Random, doc: dict[str, Any], order: dict[str, Any], route: list[str], issued: dt.date, today: dt.date) -> None:
    """What the buyer did and has: the parcel in hand, a message to the seller, a dispute."""
    delivered = "delivered" in route
    received = rng.random() < (0.7 if delivered else 0.06)
    if received:
        doc["received"] = True
        if rng.random() < 0.25:
            order["problem"] = rng.choice(["wrong_item", "defective", "not_as_described", "missing_items"])
    if rng.random() < 0.4:
        doc["seller"] = {"messaged": _iso(issued + dt.timedelta(days=rng.randrange(0, (today - issued).days + 1))),
                         "replied": rng.random() < 0.5}
    if rng.random() < 0.28 and (today - issued).days >= 10:
        opened = issued + dt.timedelta(days=rng.randrange(10, (today - issued).days + 1))
        dispute: dict[str, Any] = {"opened": _iso(opened),
                         "seller_response": rng.choice(["none", "none", "rejected", "partial_refund", "resend_promise",
                                                        "accepted"])}
        if dispute["seller_response"] == "partial_refund" or rng.random() < 0.1:
            dispute["offered_refund"] = {"amount": round(rng.uniform(0.5, 10), 2), "currency": "USD"}
        if rng.random() < 0.1:
            dispute["escalated"] = True
        if rng.random() < 0.2:
            dispute["refund_received"] = _iso(opened + dt.timedelta(days=rng.randrange(0, (today - opened).days + 1)))
        doc["dispute"] = dispute


def parcels(advisor: Advisor, n: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """`n` generated facts documents for this advisor's platforms and stage phrases."""
    rng = random.Random(seed)
    platforms = sorted(advisor.profiles)
    phrases = Phrases.of(advisor)
    for _ in range(n):
        yield parcel(rng, platforms, phrases)
