"""The input contract `parcel-facts/1`: load a document, validate it, and build typed facts.

Shape is checked by the JSON Schema in `schemas/`; what a schema cannot say (real dates,
dates in the future, protection ending before payment) is checked here. Every error names the
field, e.g. `order.paid`, `events[2].date`.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import AbstractSet, Any, TYPE_CHECKING, TypeVar

from advisor.reading.countries import event_country
from advisor.base.dates import read_date
from advisor.base.errors import FactsError, suggest
from advisor.base.jsonio import MAX_JSON_DEPTH, check_json, read_json  # noqa: F401 (check_json: said here for its callers)
from advisor.base import validation
from advisor.base.schemaerrors import describe, field_path

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


@dataclass(frozen=True)
class Money:
    amount: float
    currency: str | None = None


@dataclass(frozen=True)
class Place:
    country: str | None = None
    city: str | None = None
    postcode: str | None = None


@dataclass(frozen=True)
class Event:
    date: dt.date
    status: str | None = None
    stage: str | None = None
    country: str | None = None
    city: str | None = None
    postcode: str | None = None
    weight_g: float | None = None
    source: str | None = None
    index: int = 0
    provider: str | None = None        # whose status code `code` is (rules/providers)
    code: str | None = None
    time: str | None = None            # HH:MM[:SS] as printed at the event's place
    offset: str | None = None          # that place's UTC offset, when the source gives it


@dataclass(frozen=True)
class Order:
    paid: dt.date | None = None
    track_issued: dt.date | None = None
    protection_ends: dt.date | None = None
    promised_days: int | None = None
    price: Money | None = None
    shipping_method: str | None = None
    shipping_free: bool | None = None
    destination: Place | None = None
    frozen: bool = False
    problem: str | None = None
    carrier: str | None = None         # the carrier a tracker names for the code


@dataclass(frozen=True)
class Seller:
    messaged: dt.date | None = None
    replied: bool | None = None
    templated_replies: bool = False
    extended_days: int = 0


@dataclass(frozen=True)
class Dispute:
    opened: dt.date | None = None
    seller_response: str = "none"
    offered_refund: Money | None = None
    escalated: bool = False
    refund_received: dt.date | None = None


@dataclass(frozen=True)
class Facts:
    today: dt.date
    track: str | None = None
    platform: str = "aliexpress"
    order: Order = field(default_factory=Order)
    events: tuple[Event, ...] = ()
    tracked_destination: Place | None = None
    tracked_origin: Place | None = None     # where the tracker says it was sent from (a domestic route's other end)
    tracker_status: Event | None = None    # the tracker's own current status (index -1)
    seller: Seller = field(default_factory=Seller)
    dispute: Dispute | None = None
    received: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


_object_new = object.__new__
T = TypeVar("T")


def _new(cls: type[T], **fields: Any) -> T:
    """An instance of one of the frozen classes above from *every* one of its fields, without the
    generated `__init__`, which sets each field through `object.__setattr__` (three times slower;
    facts are built for every parcel). tests/test_engine.py checks the result equals the
    constructor's."""
    obj = _object_new(cls)
    obj.__dict__.update(fields)
    return obj


def parse_document(text: str, source: str = "facts") -> dict[str, Any]:
    """JSON or YAML text to a mapping; syntax errors name `source:line:col`."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        doc = read_json(text, source)
    else:
        from advisor.base.yamlfile import loads
        doc = loads(text, source, error=FactsError)
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise FactsError.of("facts_not_mapping", where=source, type=type(doc).__name__)
    return doc


def _schema_error(err: ValidationError) -> FactsError:
    """One jsonschema error to our one-line style, naming the field."""
    p = describe(err)
    where = field_path(p.path + ([p.key] if p.key else []))
    if err.validator == "anyOf" and where.startswith("events"):
        return FactsError.of("event_needs_status", where=where)
    if p.key:
        return FactsError.of("unknown_field", where=where, value=where, help=p.said_help or p.help)
    if p.said:
        return FactsError.of(p.said.key, where=where, help=p.said_help, **p.said.values)
    return FactsError(p.message, where=where, help=p.help)


# The one reader of a date of the facts contract (and of the day advised for) is dates.py's;
# the name older callers import
fact_date = read_date


def _money(d: dict[str, Any] | None) -> Money | None:
    if not d:
        return None
    cur = d.get("currency")
    if cur is not None:
        cur = cur.upper()
        if cur not in _currencies():
            raise FactsError.of("bad_currency", where="currency", value=d['currency'])
    amount = float(d["amount"])
    if not math.isfinite(amount):   # NaN passes every schema bound: refuse it by name
        raise FactsError.of("bad_amount_number", where="amount", value=d['amount'])
    return _new(Money, amount=amount, currency=cur)


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    """ISO 4217 codes known to Babel (read once: Babel builds a new set on every call)."""
    from babel.numbers import list_currencies
    return frozenset(list_currencies())


def _place(d: dict[str, Any] | None, where: str) -> Place | None:
    if not d:
        return None
    cc = d.get("country")
    if cc is not None:
        from advisor.knowledge.trackformats import _country_codes
        cc = cc.upper()
        if cc not in _country_codes():
            raise FactsError.of("bad_country_code", where=f"{where}.country", value=d['country'])
    return _new(Place, country=cc, city=d.get("city"), postcode=d.get("postcode"))


def build_facts(doc: dict[str, Any], *, today: dt.date, platforms: AbstractSet[str] | None = None,
                default_platform: str = "aliexpress", providers: list[str] | None = None) -> Facts:
    """Validate a facts mapping and build typed `Facts`; raise `FactsError` naming the field.
    `default_platform` is the platform of facts that name none (`default:` in platforms.yaml)."""
    if not isinstance(doc, dict):
        raise FactsError.of("facts_top_not_mapping", where="(top level)")
    errors = validation.errors("parcel-facts-1", doc)
    if errors:
        raise _schema_error(errors[0])
    today = read_date(doc["today"] if doc.get("today") is not None else today, "today") or today
    platform = doc.get("platform", default_platform)
    if platforms is not None and platform not in platforms:
        raise FactsError.of("unknown_platform", where="platform", value=platform, help=suggest(platform, platforms))
    o = doc.get("order") or {}
    ship = o.get("shipping") or {}
    order = _new(
        Order, paid=read_date(o.get("paid"), "order.paid"),
        track_issued=read_date(o.get("track_issued"), "order.track_issued"),
        protection_ends=read_date(o.get("protection_ends"), "order.protection_ends"),
        promised_days=o.get("promised_days"),
        price=_wrap_money(o.get("price"), "order.price"),
        shipping_method=ship.get("method"), shipping_free=ship.get("free"),
        destination=_place(o.get("destination"), "order.destination"),
        frozen=bool(o.get("frozen", False)), problem=o.get("problem"), carrier=o.get("carrier"),
    )
    events = _events(doc.get("events") or [], providers)
    s = doc.get("seller") or {}
    seller = _new(Seller, messaged=read_date(s.get("messaged"), "seller.messaged"), replied=s.get("replied"),
                  templated_replies=bool(s.get("templated_replies", False)),
                  extended_days=int(s.get("extended_days", 0)))
    dispute = _dispute(doc.get("dispute"))
    facts = _new(Facts, today=today, track=doc.get("track"), platform=platform, order=order, events=tuple(events),
                 tracked_destination=_place(doc.get("tracked_destination"), "tracked_destination"),
                 tracked_origin=_place(doc.get("tracked_origin"), "tracked_origin"),
                 tracker_status=_tracker_status(doc.get("tracker_status"), providers),
                 seller=seller, dispute=dispute, received=bool(doc.get("received", False)), raw=doc)
    _check_dates(facts)
    return facts


def _events(given: list[dict[str, Any]], providers: list[str] | None) -> list[Event]:
    """The history's events, typed; an error names the event by its place in the list."""
    events: list[Event] = []
    for i, e in enumerate(given):
        try:
            date = read_date(e["date"], "date")
        except FactsError as err:     # the field's path only when it is needed: most events are fine
            raise err.at(f"events[{i}].date") from None
        if len(e) == 2 and "status" in e:     # most events: a date and a status, nothing more
            events.append(_new(Event, **_PLAIN_EVENT, date=date, status=e["status"], index=i))
            continue
        if isinstance(e.get("weight_g"), float) and not math.isfinite(e["weight_g"]):
            raise FactsError.of("bad_weight", where=f"events[{i}].weight_g", value=e['weight_g'])
        country = e.get("country")
        events.append(_new(
            Event, date=date, status=e.get("status"), stage=e.get("stage"),
            # the field's path made only for an event that names a country (most name none)
            country=event_country(country, f"events[{i}].country") if country else None,
            city=e.get("city"), postcode=e.get("postcode"),
            weight_g=e.get("weight_g"), source=e.get("source"), index=i,
            provider=e.get("provider"), code=e.get("code"), time=e.get("time"), offset=e.get("offset"),
        ))
        if providers is not None and e.get("provider") is not None and e["provider"] not in providers:
            raise FactsError.of("unknown_provider", where=f"events[{i}].provider", value=e["provider"],
                                help=suggest(e["provider"], providers))
    return events


# an event's fields that a date-and-status event leaves empty
_PLAIN_EVENT = {name: None for name in Event.__dataclass_fields__ if name not in ("date", "status", "index")}


def _tracker_status(d: dict[str, Any] | None, providers: list[str] | None) -> Event | None:
    """The tracker's current status as one more event (index -1): read like an event's code or text."""
    if not d:
        return None
    if providers is not None and d.get("provider") is not None and d["provider"] not in providers:
        raise FactsError.of("unknown_provider", where="tracker_status.provider", value=d["provider"],
                            help=suggest(d["provider"], providers))
    date = read_date(d.get("date"), "tracker_status.date")
    return _new(Event, date=date, status=d.get("status"), stage=None, country=None, city=None, weight_g=None,
                source="tracker", index=-1, provider=d.get("provider"), code=d.get("code"), time=None, offset=None)


def _dispute(d: dict[str, Any] | None) -> Dispute | None:
    """The dispute, typed; it needs the day it was opened."""
    if not d:
        return None
    dispute = _new(Dispute, opened=read_date(d.get("opened"), "dispute.opened"),
                   seller_response=d.get("seller_response", "none"),
                   offered_refund=_wrap_money(d.get("offered_refund"), "dispute.offered_refund"),
                   escalated=bool(d.get("escalated", False)),
                   refund_received=read_date(d.get("refund_received"), "dispute.refund_received"))
    if dispute.opened is None:
        raise FactsError.of("dispute_needs_date", where="dispute.opened")
    return dispute


def _wrap_money(d: dict[str, Any] | None, where: str) -> Money | None:
    try:
        return _money(d)
    except FactsError as e:
        raise e.at(f"{where}.{e.where}") from None


def _check_dates(f: Facts) -> None:
    """Dates that cannot be true together are errors, never silently reordered."""
    o = f.order
    past: list[tuple[str | Event, dt.date | None]] = [("order.paid", o.paid), ("order.track_issued", o.track_issued),
            ("seller.messaged", f.seller.messaged),
            ("tracker_status.date", f.tracker_status.date if f.tracker_status else None)]
    if f.dispute:
        past += [("dispute.opened", f.dispute.opened), ("dispute.refund_received", f.dispute.refund_received)]
    past += [(e, e.date) for e in f.events]     # an event's path is written only if it is wrong
    for where, d in past:
        if d and d > f.today:
            raise FactsError.of("after_today", where=where if isinstance(where, str) else f"events[{where.index}].date",
                                value=d.isoformat(), today=f.today.isoformat())
    if o.paid:
        for where, d in (("order.track_issued", o.track_issued), ("order.protection_ends", o.protection_ends),
                         ("dispute.opened", f.dispute.opened if f.dispute else None)):
            if d and d < o.paid:
                raise FactsError.of("before_paid", where=where, value=d.isoformat(), paid=o.paid.isoformat())
    opened = f.dispute.opened if f.dispute else None         # set whenever there is a dispute
    if f.dispute and f.dispute.refund_received and opened and f.dispute.refund_received < opened:
        raise FactsError.of("before_dispute", where="dispute.refund_received",
                            value=f.dispute.refund_received.isoformat(), opened=opened.isoformat())
    if o.problem and o.problem != "none" and not f.received:
        raise FactsError.of("problem_not_received", where="order.problem", value=o.problem)
    if f.dispute and o.track_issued and opened and opened < o.track_issued:
        raise FactsError.of("before_issued", where="dispute.opened", value=opened.isoformat(),
                            issued=o.track_issued.isoformat())


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Put CLI option values (dotted paths) into a facts mapping; options win over the file."""
    out = json.loads(json.dumps(base, default=str)) if base else {}
    for path, value in overrides.items():
        if value is None:
            continue
        node = out
        parts = path.split(".")
        for p in parts[:-1]:
            if not isinstance(node.get(p), dict):
                node[p] = {}
            node = node[p]
        if parts[-1] == "events" and isinstance(value, list):
            node.setdefault("events", [])
            node["events"] = list(node["events"]) + value
        else:
            node[parts[-1]] = value
    return out
