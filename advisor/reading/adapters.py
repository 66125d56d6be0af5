"""A tracker's payload as the tracker sends it -> facts (`parcel-facts/1`), through data.

Each file of `rules/adapters/*.yaml` describes one provider: which forms its payloads take (an API
response, a webhook body), how each form is recognised, and where the code, the carrier, the
tracker's current status and each event's time, code, text, place and country are, as JMESPath
expressions; `codes:` names the table of `rules/providers/` that reads its status codes. A new
provider is a new file. Python here only evaluates the expressions and normalises what they find:
times as printed at the event's place (the day is never moved to UTC), countries by ISO code or
English name (countries.py), XML (Russian Post's SOAP) read into the same shape as its JSON.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.reading.countries import alpha2
from advisor.base.errors import FactsError, RulesError, did_you_mean, one_of
from advisor.base.yamlfile import Located, load

if TYPE_CHECKING:
    from jmespath.parser import ParsedResult

EVENT_FIELDS = ("at", "date", "time", "offset", "code", "text", "city", "country", "place")
FORM_FIELDS = ("when", "root", "track", "carrier", "status", "status_text", "status_at", "events", "destination", "origin")
# `2026-11-20T10:15:00.000+03:00`, `2026-11-20 10:15`, `2026-11-20`: the date and time as printed, and the offset
_MOMENT = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?)?\s*"
                     r"(Z|[+-]\d{2}:?\d{2})?\s*$")
_GMT = re.compile(r"^\s*(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?\s*$")
MAX_STATUS = 500
_PLAIN = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")     # `msg.checkpoints`: a path an error can name


@dataclass(frozen=True)
class Form:
    name: str
    expr: dict[str, ParsedResult]        # field -> compiled JMESPath (FORM_FIELDS)
    event: dict[str, ParsedResult]             # field -> compiled JMESPath, on each event (EVENT_FIELDS)


@dataclass(frozen=True)
class Adapter:
    id: str
    title: str
    codes: str | None          # the rules/providers table its codes are read by
    forms: tuple[Form, ...]


@dataclass
class Reading:
    """What a payload gave: the facts it holds, and which adapter and form read it."""
    facts: dict[str, Any]
    provider: str
    form: str
    recognised: bool


class Adapters:
    """Every adapter of a rules directory, by id (the file's `adapter:`)."""

    def __init__(self, rules_dir: Path, providers: set[str]):
        self.by_id: dict[str, Adapter] = {}
        folder = rules_dir / "adapters"
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            adapter = _read_file(path, f"rules/adapters/{path.name}", providers)
            if adapter.id in self.by_id:
                raise RulesError(f"the adapter `{adapter.id}` is described twice", where=f"rules/adapters/{path.name}:1:1")
            self.by_id[adapter.id] = adapter

    @property
    def names(self) -> list[str]:
        return sorted(self.by_id)

    def read(self, payload: Any, provider: str = "auto") -> Reading:
        """The facts a payload holds. `provider` is an adapter id, or `auto` to recognise it."""
        if provider != "auto" and provider not in self.by_id:
            raise FactsError(f"unknown provider `{provider}`", where="provider",
                             help=did_you_mean(provider, self.by_id) or one_of(["auto", *self.names]))
        data = parse_payload(payload)
        if provider == "auto":
            for adapter in self.by_id.values():
                form = _form_of(adapter, data)
                if form is not None:
                    return Reading(_facts(adapter, form, data), adapter.id, form.name, True)
            raise FactsError("no adapter recognises the payload's shape", where="payload",
                             help=f"name its provider: {one_of(self.names)}")
        adapter = self.by_id[provider]
        form = _form_of(adapter, data)
        if form is None:
            forms = ", ".join(f"`{f.name}`" for f in adapter.forms)
            raise FactsError(f"the payload is not in a form {adapter.title} sends ({forms})", where="payload",
                             help="give the body as the provider sends it, or try `auto`")
        return Reading(_facts(adapter, form, data), adapter.id, form.name, False)


def parse_payload(payload: Any) -> Any:
    """A payload given as text or bytes: JSON, or XML (a SOAP envelope) read as nested mappings."""
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise FactsError(f"the payload is not UTF-8 (byte {e.start})", where="payload") from None
    if not isinstance(payload, str):
        return payload
    text = payload.strip()
    if text.startswith("<"):
        from advisor.reading.xmlpayload import xml_to_data
        return xml_to_data(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise FactsError(f"the payload is not JSON or XML: {e.msg.lower()}", where=f"payload:{e.lineno}:{e.colno}") from None


def _form_of(adapter: Adapter, data: Any) -> Form | None:
    for form in adapter.forms:
        if isinstance(data, (dict, list)) and _truthy(form.expr["when"].search(data)):
            return form
    return None


def _truthy(value: object) -> bool:
    return value not in (None, False, "", [], {})


def _facts(adapter: Adapter, form: Form, data: Any) -> dict[str, Any]:
    """The facts document the payload holds (track, carrier, current status, events)."""
    root = form.expr["root"].search(data) if "root" in form.expr else data
    if isinstance(root, list):
        if len(root) != 1:
            raise FactsError(f"the payload holds {len(root)} parcels; one is advised at a time", where="payload",
                             help="give one parcel's payload; `advise batch --from` reads one a line")
        root = root[0]
    get = {k: (v.search(root) if k not in ("when", "root") else None) for k, v in form.expr.items()}
    facts: dict[str, Any] = {}
    if track := _text(get.get("track")):
        facts["track"] = track
    if carrier := _text(get.get("carrier")):
        facts["order"] = {"carrier": carrier[:100]}
    if destination := _text(get.get("destination")):     # the tracker's destination country: the far end of the route
        facts["tracked_destination"] = {"country": _country(destination, "payload destination")}
    if origin := _text(get.get("origin")):               # where it was sent from: a domestic route when it is the destination's country
        facts["tracked_origin"] = {"country": _country(origin, "payload origin")}
    status = _status(adapter, get)
    if status:
        facts["tracker_status"] = status
    raw = get.get("events") or []
    if isinstance(raw, dict):
        raw = [raw]
    base = _events_path(form, isinstance(form.expr["root"].search(data), list) if "root" in form.expr else False)
    facts["events"] = [_event(adapter, form, e, i, base) for i, e in enumerate(raw) if e is not None]
    return facts


def _events_path(form: Form, root_list: bool) -> str | None:
    """Where the events are in the payload as the provider names them (`msg.checkpoints`), when the
    adapter's expressions are plain paths; None when they compute (then errors say `events[N]`)."""
    parts = []
    for key in ("root", "events"):
        expr = form.expr.get(key)
        if expr is None:
            continue
        if not _PLAIN.match(expr.expression):
            return None
        parts.append(expr.expression + ("[0]" if key == "root" and root_list else ""))
    return ".".join(parts) if "events" in form.expr else None


def _where(form: Form, base: str | None, i: int, field: str | None = None) -> str:
    """`payload tracking_history[3].status_date`: the event's field by the payload's own names."""
    if base is None:
        return f"payload events[{i}]" + (f".{field}" if field else "")
    expr = form.event.get(field) if field else None
    if expr is not None and _PLAIN.match(expr.expression):
        return f"payload {base}[{i}].{expr.expression}"
    return f"payload {base}[{i}]"


def _status(adapter: Adapter, get: dict[str, Any]) -> dict[str, Any] | None:
    code, text = _text(get.get("status")), _text(get.get("status_text"))
    out: dict[str, Any] = {}
    if code and adapter.codes:
        out.update(provider=adapter.codes, code=code[:60])
    elif code or text:
        out["status"] = (code or text or "")[:MAX_STATUS]
    if out and get.get("status_at"):
        day = _moment(get["status_at"], "status_at")[0]
        if day:
            out["date"] = day
    return out or None


def _event(adapter: Adapter, form: Form, e: Any, i: int, base: str | None = None) -> dict[str, Any]:
    """One event of the payload as a facts event, its `index` its place in the payload."""
    where = _where(form, base, i)
    v = {k: x.search(e) for k, x in form.event.items()}
    date, time, offset = _moment(v.get("at"), _where(form, base, i, "at")) if v.get("at") is not None else (None, None, None)
    if v.get("date") is not None:
        date = _moment(v["date"], _where(form, base, i, "date"))[0]
    if v.get("time") is not None:
        time = _clock(v["time"])
    if v.get("offset") is not None:
        offset = _offset(v["offset"])
    if date is None:
        raise FactsError(f"event {i} of the payload has no date", where=where,
                         help=f"{adapter.title} events carry one; check that this is the whole payload")
    out: dict[str, Any] = {"date": date}
    if time:
        out["time"] = time
        if offset:
            out["offset"] = offset
    code, text = _text(v.get("code")), _text(v.get("text"))
    if code and adapter.codes:
        out.update(provider=adapter.codes, code=code[:40])
    if text:
        out["status"] = text[:MAX_STATUS]
    elif not code:
        raise FactsError(f"event {i} of the payload has no status or code", where=where)
    elif not adapter.codes:
        out["status"] = code[:MAX_STATUS]
    _place(out, v, _where(form, base, i, "country"))
    return out


def _country(country: str, where: str) -> str:
    code = alpha2(country)
    if code is None:
        raise FactsError(f"`{country}` is not a country we know", where=where,
                         help="the adapter's `country` should find an ISO code (`CN`, `CHN`, `156`) or an English name")
    return code


def _place(out: dict[str, Any], v: dict[str, Any], country_where: str) -> None:
    country = _text(v.get("country"))
    if country:
        out["country"] = _country(country, country_where)
    city = _text(v.get("city")) or _text(v.get("place"))
    if city:
        out["city"] = city[:200]


def _text(value: object) -> str | None:
    """A value the payload gives as text: strings stripped, numbers as digits, lists joined by `.`
    (Russian Post's operation type and attribute make one code, `2.1`)."""
    if value is None or value is False:
        return None
    if isinstance(value, list):
        parts = [_text(x) for x in value]
        return ".".join(p for p in parts if p) or None
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _moment(value: object, where: str) -> tuple[str | None, str | None, str | None]:
    """(date, time, offset) as printed: `2018-08-01T13:19:47-04:00` is 1 August at 13:19:47 at
    UTC-4, never moved to another day."""
    m = _MOMENT.match(str(value)) if isinstance(value, str) else None
    if not m:
        raise FactsError(f"`{value}` is not a date and time", where=where,
                         help="the adapter's `at` should find an ISO 8601 time, e.g. `2026-11-20T10:15:00+03:00`")
    return m[1], m[2], _offset(m[3]) if m[3] else None


def _clock(value: object) -> str | None:
    m = re.match(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?", str(value))
    if not m:
        return None
    return f"{int(m[1]):02d}:{m[2]}" + (f":{m[3]}" if m[3] else "")


def _offset(value: object) -> str | None:
    """`Z`, `+0300`, `+03:00`, `GMT+8`, `+8` -> `Z` or `+HH:MM`."""
    text = str(value).strip()
    if text in ("Z", "z"):
        return "Z"
    m = _GMT.match(text)
    if not m or int(m[2]) > 14:
        return None
    return f"{m[1]}{int(m[2]):02d}:{m[3] or '00'}"


def _read_file(path: Path, display: str, providers: set[str]) -> Adapter:
    """One adapter file, every expression compiled; a mistake is an error at its `file:line:col`."""
    import jmespath
    from jmespath.exceptions import JMESPathError
    doc = load(path, display)
    if not isinstance(doc, Located) or not isinstance(doc.get("adapter"), str) or not isinstance(doc.get("forms"), list):
        raise RulesError("an adapter file needs `adapter:` (its id), `title:` and `forms:`", where=f"{display}:1:1")
    codes = doc.get("codes")
    if codes is not None and codes not in providers:
        raise RulesError(f"unknown code table `{codes}`", where=doc.where("codes"),
                         help=did_you_mean(str(codes), providers) or one_of(providers))

    def compiled(spec: Any, key: str, known: tuple[str, ...]) -> ParsedResult:
        if key not in known:
            raise RulesError(f"unknown field `{key}`", where=spec.where(key), help=did_you_mean(str(key), known) or one_of(known))
        try:
            return jmespath.compile(str(spec[key]))
        except JMESPathError as e:
            raise RulesError(f"`{spec[key]}` is not a JMESPath expression: {str(e).splitlines()[0]}", where=spec.where(key)) from None

    forms: list[Form] = []
    for spec in doc["forms"]:
        if not isinstance(spec, dict) or "form" not in spec or "when" not in spec or not isinstance(spec.get("event"), dict):
            raise RulesError("a form needs `form:` (its name), `when:` and `event:`", where=f"{display}:1:1")
        expr = {k: compiled(spec, k, FORM_FIELDS) for k in spec if k not in ("form", "event", "note")}
        event = {k: compiled(spec["event"], k, EVENT_FIELDS) for k in spec["event"]}
        forms.append(Form(str(spec["form"]), expr, event))
    return Adapter(doc["adapter"], str(doc.get("title") or doc["adapter"]), codes, tuple(forms))


def payload_facts(reading: Reading, order: dict[str, Any] | None = None, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The facts to advise on: the payload's, with the order's own facts beside it (the dates only
    the buyer or the shop knows). The order's fields win over the payload's (`carrier`); events
    come from the payload alone."""
    doc = dict(facts or {})
    for key in ("events", "tracker_status"):
        if key in doc:
            raise FactsError(f"`{key}` comes from the payload", where=key, help="give the order's facts beside the payload, not its events")
    if order is not None and not isinstance(order, dict):
        raise FactsError("`order` must be a mapping of the order's facts", where="order")
    merged_order = {**(reading.facts.get("order") or {}), **(doc.get("order") or {}), **(order or {})}
    doc.update({k: v for k, v in reading.facts.items()
                if k != "order" and (k not in ("track", "tracked_destination", "tracked_origin") or k not in doc)})
    if merged_order:
        doc["order"] = merged_order
    return doc
