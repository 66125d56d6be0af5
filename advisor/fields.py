"""The facts a person types, one field at a time: the CLI's options and the page's form.

Both ask the same questions (dates, the destination, the offered refund, events) and both turn
the answers into a `parcel-facts/1` document here, so the page and the terminal give the same
advice for the same answers. An error names the field as the asker calls it: `name_of("paid")`
is `--paid` on the command line and `paid` on the page; its `key` says which kind of problem it
is, for an interface that words its errors in the user's language.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields as dataclass_fields
from typing import Callable, Mapping

from .dates import DateFormatError, parse_date
from .errors import FactsError

# field -> its path in the facts document and how its text is read
DATE_FIELDS = {
    "paid": "order.paid", "issued": "order.track_issued", "protection_ends": "order.protection_ends",
    "seller_messaged": "seller.messaged", "dispute_opened": "dispute.opened",
    "refund_received": "dispute.refund_received",
}
PLACE_FIELDS = {"dest": "order.destination", "tracked_dest": "tracked_destination"}
PLAIN_FIELDS = {
    "code": "track", "platform": "platform", "promised_days": "order.promised_days",
    "shipping": "order.shipping.method", "free_shipping": "order.shipping.free",
    "seller_replied": "seller.replied", "seller_response": "dispute.seller_response", "received": "received",
}
SELLER_RESPONSES = ("none", "rejected", "partial_refund", "resend_promise", "accepted")


def read_date(value: str | None, name: str, today: dt.date) -> str | None:
    """`YYYY-MM-DD`, `DD.MM.YYYY` or `Nd` (N days ago) as an ISO date."""
    if value is None:
        return None
    try:
        return parse_date(value, today=today, relative=True).isoformat()
    except DateFormatError as e:
        raise FactsError.of("bad_date", where=name, value=value, reason=e.phrase) from None


def read_place(value: str | None, name: str) -> dict | None:
    """`CC` or `CC,CITY` (also `CC/CITY`, `CC:CITY`); six digits after the country are the
    postcode (`RU,Kazan 420111`, `RU,420111`), the rest the city."""
    if value is None:
        return None
    parts = re.split(r"[,/:]", value, maxsplit=1)
    out = {"country": parts[0].strip()}
    rest = parts[1] if len(parts) > 1 else ""
    code = re.search(r"(?<!\d)\d{6}(?!\d)", rest)
    if code:
        out["postcode"] = code.group(0)
        rest = rest[:code.start()] + rest[code.end():]
    rest = rest.strip(" ,;/:")
    if rest:
        out["city"] = rest
    if not re.fullmatch(r"[A-Za-z]{2}", out["country"]):
        raise FactsError.of("bad_country", where=name, value=value)
    return out


def read_money(value: str | None, name: str) -> dict | None:
    """`3`, `3.00`, `3,50` or `3.00USD`."""
    if value is None:
        return None
    m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*([A-Za-z]{3})?\s*", value)
    if not m:
        raise FactsError.of("bad_amount", where=name, value=value)
    out: dict = {"amount": float(m[1].replace(",", "."))}
    if m[2]:
        out["currency"] = m[2].upper()
    return out


def read_event(value: str, name: str, today: dt.date, stages: set[str]) -> dict:
    """`DATE=STATUS` (or `DATE STATUS`); a status that is a stage id is given as the stage."""
    m = re.match(r"^\s*([^=\s]+)\s*(?:=|\s)\s*(.+)$", value)
    if not m:
        raise FactsError.of("bad_event", where=name, value=value)
    date = read_date(m[1], name, today)
    status = m[2].strip()
    return {"date": date, "stage": status} if status in stages else {"date": date, "status": status}


@dataclass
class Answers:
    """What a person answered, one field at a time (the CLI's options, the questions, the page):
    texts for dates, places and money, read by `to_facts` against the day advised for; the typed
    value for the rest. Unanswered fields are None."""

    code: str | None = None
    platform: str | None = None
    paid: str | None = None
    issued: str | None = None
    protection_ends: str | None = None
    promised_days: int | None = None
    shipping: str | None = None
    free_shipping: bool | None = None
    dest: str | None = None
    tracked_dest: str | None = None
    seller_messaged: str | None = None
    seller_replied: bool | None = None
    dispute_opened: str | None = None
    refund_received: str | None = None
    seller_response: str | None = None
    offered_refund: str | None = None
    price: str | None = None
    received: bool | None = None
    events: tuple[str, ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, object]) -> "Answers":
        """The answers among `values` (an interface's options or form): the other keys are not answers."""
        return cls(**{f.name: values[f.name] for f in dataclass_fields(cls) if values.get(f.name) is not None})


def to_facts(answers: Answers, today: dt.date, stages: set[str],
             name_of: Callable[[str], str]) -> dict[str, object]:
    """The answers as dotted facts paths (`order.paid` -> ISO date); unanswered ones are None."""
    out: dict[str, object] = {"today": today.isoformat()}
    for field, path in PLAIN_FIELDS.items():
        out[path] = getattr(answers, field)
    for field, path in DATE_FIELDS.items():
        out[path] = read_date(getattr(answers, field), name_of(field), today)
    for field, path in PLACE_FIELDS.items():
        out[path] = read_place(getattr(answers, field), name_of(field))
    out["dispute.offered_refund"] = read_money(answers.offered_refund, name_of("offered_refund"))
    out["order.price"] = read_money(answers.price, name_of("price"))
    events = [read_event(e, name_of("event"), today, stages) for e in answers.events]
    if events:
        out["events"] = events
    return out


def read_pasted(data: bytes, name: str) -> tuple[list[dict], dict]:
    """A tracking history pasted from a tracker page: (its events, what the advice says of the
    reading: lines read, lines not read, lines repaired)."""
    from . import validation
    from .history import read_history
    pasted = read_history(data)
    max_events = validation.schema("parcel-facts-1")["properties"]["events"]["maxItems"]
    if len(pasted.events) > max_events:
        raise FactsError.of("too_long", where=name, n=len(pasted.events), max=max_events)
    # the place printed beside an event (city, postcode) travels as the event's `city`, as printed
    events = [{**{k: e[k] for k in ("date", "time", "offset", "status") if k in e},
               **({"city": e["place"]} if e.get("place") else {})} for e in pasted.events]
    return events, {"read": len(pasted.events), "unread": pasted.unread, "repaired": pasted.repaired}
