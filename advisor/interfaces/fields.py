"""The facts a person types, one field at a time: the CLI's options, the questions, the page's form.

All three ask the fields of one table (`fieldtable.py`, `templates/fields.yaml`) and turn the
answers into a `parcel-facts/1` document here, so the page, the questions and the terminal give
the same advice for the same answers. An error names the field as the asker calls it: `name_of("paid")`
is `--paid` on the command line and `paid` on the page; its `key` says which kind of problem it
is, for an interface that words its errors in the user's language.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Required, TypedDict

from advisor.base.dates import Counted, DateFormatError, parse_written
from advisor.base.errors import FactsError

from advisor.interfaces.fieldtable import Field, table as table  # `fields.table()`: the interfaces read the table through here

class Place(TypedDict, total=False):
    """A place as the facts give it (`order.destination`, an event's place)."""
    country: Required[str]
    postcode: str
    city: str


class Money(TypedDict, total=False):
    """An amount as the facts give it (`order.price`)."""
    amount: Required[float]
    currency: str


Day = dt.date | Counted          # a date typed: a day, or `Nd` until the day advised for is known


@dataclass(frozen=True)
class Event:
    """`DATE=STATUS` read: whether the status is a stage id is decided with the rules in use."""
    day: Day
    status: str


def parse_date_answer(value: str, name: str, counts: str = "ago") -> Day:
    """`YYYY-MM-DD`, `DD.MM.YYYY` or `Nd`: N days ago, or with `counts="left"` (buyer protection,
    as AliExpress shows it) N days from the day advised for; read by `base.dates`."""
    try:
        return parse_written(value, ahead=counts == "left")
    except DateFormatError as e:
        raise FactsError.of("bad_date", where=name, value=value, reason=e.phrase) from None


def resolve_date(day: Day, name: str, today: dt.date) -> str:
    """A typed date as the facts write it, `Nd` counted from `today`."""
    return resolve_day(day, name, today).isoformat()


def resolve_day(day: Day, name: str, today: dt.date) -> dt.date:
    """A typed date as a day, `Nd` counted from `today`."""
    if isinstance(day, dt.date):
        return day
    try:
        return day.on(today)
    except DateFormatError as e:
        if day.ahead:
            raise FactsError(f"`{day.written}` is too far ahead", where=name, key="bad_date") from None
        raise FactsError.of("bad_date", where=name, value=day.written, reason=e.phrase) from None


def read_date(value: str | Day | None, name: str, today: dt.date, counts: str = "ago") -> str | None:
    """A date answer (typed, or text as typed) as the facts write it, `Nd` counted from `today`."""
    if value is None:
        return None
    day = parse_date_answer(value, name, counts) if isinstance(value, str) else value
    return resolve_date(day, name, today)


def read_place(value: str | Place | None, name: str) -> Place | None:
    """`CC` or `CC,CITY` (also `CC/CITY`, `CC:CITY`); six digits after the country are the
    postcode (`RU,Kazan 420111`, `RU,420111`), the rest the city."""
    if value is None or isinstance(value, dict):
        return value
    parts = re.split(r"[,/:]", value, maxsplit=1)
    out: Place = {"country": parts[0].strip()}
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


def read_money(value: str | Money | None, name: str) -> Money | None:
    """`3`, `3.00`, `3,50` or `3.00USD`."""
    if value is None or isinstance(value, dict):
        return value
    m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*([A-Za-z]{3})?\s*", value)
    if not m:
        raise FactsError.of("bad_amount", where=name, value=value)
    out: Money = {"amount": float(m[1].replace(",", "."))}
    if m[2]:
        out["currency"] = m[2].upper()
    return out


def parse_event(value: str, name: str) -> Event:
    """`DATE=STATUS` (or `DATE STATUS`)."""
    m = re.match(r"^\s*([^=\s]+)\s*(?:=|\s)\s*(.+)$", value)
    if not m:
        raise FactsError.of("bad_event", where=name, value=value)
    return Event(parse_date_answer(m[1], name), m[2].strip())


def read_event(value: str | Event, name: str, today: dt.date, stages: set[str]) -> dict[str, str | None]:
    """An event (typed, or text as typed) as the facts write it; a status that is a stage id is
    given as the stage."""
    event = parse_event(value, name) if isinstance(value, str) else value
    date = resolve_date(event.day, name, today)
    status = event.status
    return {"date": date, "stage": status} if status in stages else {"date": date, "status": status}


def read_number(value: object, name: str) -> int | None:
    """A whole number of days, 0 to 1000 (`30`)."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,4}", text) or int(text) > MAX_DAYS:
        raise FactsError(f"`{value}` is not a whole number of days from 0 to {MAX_DAYS}", where=name,
                         help="write e.g. `30`", key="bad_number")
    return int(text)


MAX_DAYS = 1000


def read_answer(f: Field, value: Any, name: str, today: dt.date) -> object:
    """One answer, as typed (the CLI's option types) or as text (the questions, the page), as its
    fact (an ISO date, a place, an amount, a number; the rest as given); a FactsError naming
    `name` when it cannot be read. Every interface's answers are read by these readers."""
    if value is None:
        return None
    if f.kind in ("date", "date_left"):
        return read_date(value, name, today, f.counts)
    if f.kind == "place":
        return read_place(value, name)
    if f.kind == "amount":
        return read_money(value, name)
    if f.kind == "number":
        return read_number(value, name)
    if f.kind == "choice" and isinstance(f.choices, dict) and value not in f.choices:
        raise FactsError(f"`{value}` is not one of the answers", where=name,
                         help="answers: " + ", ".join(f"`{c}`" for c in f.choices), key="bad_choice")
    return value


class Answers:
    """What a person answered, by the field names of the table (`templates/fields.yaml`): texts
    for dates, places and money, read by `to_facts` against the day advised for; the typed value
    for the rest; `events`, the CLI's `--event`s. Unanswered fields are left out."""

    def __init__(self, values: Mapping[str, object] | None = None):
        self.values = {k: v for k, v in (values or {}).items() if v is not None and v != ()}

    @classmethod
    def of(cls, values: Mapping[str, object]) -> "Answers":
        """The answers among `values` (an interface's options or form): the other keys are not answers."""
        names = [f.name for f in table().fields if f.kind != "history"] + ["events"]
        return cls({name: values.get(name) for name in names})

    def get(self, name: str) -> Any:
        """An answer as its interface gave it: a text, a flag, a number, or the CLI's events."""
        return self.values.get(name)

    @property
    def code(self) -> str | None:
        return self.values.get("code")  # type: ignore[return-value]


def to_facts(answers: Answers, today: dt.date, stages: set[str],
             name_of: Callable[[str], str]) -> dict[str, Any]:
    """The answers as dotted facts paths (`order.paid` -> ISO date); unanswered ones are None.
    A pasted history is read by each interface (`read_pasted`), a file or a form's text."""
    out: dict[str, Any] = {"today": today.isoformat()}
    for f in table().fields:
        if f.kind != "history":
            out[f.path] = read_answer(f, answers.get(f.name), name_of(f.name), today)
    events = [read_event(e, name_of("event"), today, stages) for e in answers.get("events") or ()]
    if events:
        out["events"] = events
    return out


def field_of_path(where: str | None) -> Field | None:
    """The field whose fact an error of the facts points at (`order.paid`, `order.price.currency`)."""
    for f in sorted(table().fields, key=lambda f: -len(f.path)):
        if where and (where == f.path or where.startswith(f.path + ".") or where.startswith(f.path + "[")):
            return f
    return None


def read_pasted(data: bytes, name: str) -> tuple[list[dict[str, Any]], dict[str, object]]:
    """A tracking history pasted from a tracker page: (its events, what the advice says of the
    reading: lines read, lines not read, lines repaired)."""
    from advisor.base import validation
    from advisor.reading.history import read_history
    pasted = read_history(data)
    max_events = validation.schema("parcel-facts-1")["properties"]["events"]["maxItems"]
    if len(pasted.events) > max_events:
        raise FactsError.of("too_long", where=name, n=len(pasted.events), max=max_events)
    # the place printed beside an event (city, postcode) travels as the event's `city`, as printed
    events = [{**{k: e[k] for k in ("date", "time", "offset", "status") if k in e},
               **({"city": e["place"]} if e.get("place") else {})} for e in pasted.events]
    return events, {"read": len(pasted.events), "unread": pasted.unread, "repaired": pasted.repaired}
