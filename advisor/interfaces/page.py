"""The buyers' page at `/` of `advise serve`: a form in, the advice as HTML out.

The form asks what the CLI's options ask, and its answers become facts through the same reader
(`fields.py`), so the page and `advise` give the same advice. Nothing is stored: a posted form is
redirected to a GET whose address holds the answers (POST-redirect-GET), so the answer can be
reloaded, bookmarked and shared. Every answer that cannot be used is shown next to its field in
the page's language (`templates/page/texts.yaml`), never as a traceback.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol
from urllib.parse import urlencode

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from advisor.base.sentences import fill
from advisor.base.dates import Counted, advice_day, read_day
from advisor.interfaces import fields
from advisor.base.errors import AdvisorError, FactsError
from advisor.base import i18n
from advisor.reading.facts import merge
from advisor.interfaces.pageform import field_groups
from advisor.interfaces.pagelist import STATIC_FILES, list_view
from advisor.views.parcelroute import check_bar, route_marks, route_view
from advisor.views.picture import timeline
from advisor.text.render import LANGS, fmt_country, fmt_date, fmt_money, fmt_relative, named_days
from advisor.base.yamlfile import load

if TYPE_CHECKING:
    from advisor.advice.build import Advice
    from advisor.api import Advisor

Texts = dict[str, Any]           # the page's texts in one language, as templates/page/texts.yaml holds them

# the form's inputs, from the field table: a date and the number of days that may stand for it
# (`paid_ago`, `protection_ends_left`), a place's country and its city (`dest`, `dest_city`)
_FIELDS = [f for f in fields.table().fields]
DATE_INPUTS = {f.name: f.counts for f in _FIELDS if f.kind in ("date", "date_left")}
FORM_FIELDS = (tuple(f.name for f in _FIELDS) + tuple(f"{f}_{n}" for f, n in DATE_INPUTS.items())
               + tuple(f"{f.name}_city" for f in _FIELDS if f.kind == "place") + ("today",))
MAX_FIELD = 200                  # characters of one short answer
MAX_HISTORY = 64 * 1024          # characters of a pasted history
MAX_URL = 6000                   # a longer query (a long pasted history) is answered from the POST itself
MAX_DAYS = 3650
_WHOLE = re.compile(r"\d{1,5}")
# where an error of a money fact points without its field (`currency`) -> the form's field
_FIELD_OF_PART = {"currency": "offered_refund", "amount": "offered_refund"}


@dataclass
class Answer:
    """What one request to the page comes to."""

    form: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    advice: Advice | None = None
    facts: dict[str, Any] | None = None        # the facts advised on: what "Add to my parcels" keeps (pagelist.py)
    # a page with errors by its fields is still a page that answers (200): an error status would
    # be a failed load to the browser, in its console, for a form the buyer only has to correct
    status: int = 200


class _Problem(Protocol):
    """Notes an answer the form cannot use, by its field: `problem(name, key, value)`."""

    def __call__(self, name: str, key: str, value: str = "") -> None: ...


class Page:
    """The page for one Advisor: its texts, its template and the lists its form offers."""

    def __init__(self, advisor: Advisor) -> None:
        self.advisor = advisor
        folder = Path(advisor.templates_dir) / "page"
        self.texts = load(folder / "texts.yaml", "templates/page/texts.yaml")
        self.env = SandboxedEnvironment(loader=FileSystemLoader(str(folder)), autoescape=True, finalize=_contained,
                                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.template = self.env.get_template("page.html.j2")
        self._words = advisor.vocab.get("relative_days")
        # what is the same on every request, made once: each language's texts, the lists the
        # form offers as <option>s, and the empty form (the page most visitors load first)
        self._t: dict[str, Texts] = {lang: _in_lang(self.texts, lang) for lang in LANGS}
        check_bar(self.texts, advisor.vocab["stages"])
        self._stages = {lang: {k: v[lang] for k, v in advisor.vocab["stages"].items()} for lang in LANGS}
        self._groups = {lang: field_groups(advisor, lang, self._t[lang]) for lang in LANGS}
        self._labels = {lang: {f["name"]: f["label"] for g in self._groups[lang] for f in g["fields"]}
                        for lang in LANGS}
        self._empty: dict[str, str] = {}
        self._blanks: dict[tuple[str, bool], dict[str, Any]] = {}

    # -- language
    def language(self, asked: str | None, accept: str | None) -> str:
        """`?lang=` when it is one we have, else the browser's `Accept-Language`, else English."""
        if asked in LANGS:
            return asked
        best, best_q = i18n.DEFAULT, 0.0
        for part in (accept or "").split(","):
            tag, _, q = part.strip().partition(";q=")
            lang = tag.strip().lower().split("-")[0]
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                continue
            if lang in LANGS and weight > best_q:
                best, best_q = lang, weight
        return best

    def t(self, lang: str) -> Texts:
        """The page's texts in one language (shared: read, never changed)."""
        return self._t[lang]

    # -- the answers
    def read(self, given: Mapping[str, str], lang: str, real_today: dt.date) -> tuple[Answer, dict[str, Any], dict[str, Any]]:
        """The form's answers -> (the answer so far, the facts of the answers without errors, extra output)."""
        form = {k: str(given[k]).strip() if k != "history" else str(given[k])
                for k in FORM_FIELDS if given.get(k) not in (None, "")}
        answer = Answer(form=form)
        t = self.t(lang)
        err = answer.errors

        def problem(name: str, key: str, value: str = "") -> None:
            text = t["errors"].get(key) or t["errors"]["default"]
            err.setdefault(name, fill(text, value=value))

        for name, value in form.items():
            if len(value) > (MAX_HISTORY if name == "history" else MAX_FIELD):
                problem(name, "too_long")
        today = real_today
        if "today" in form and "today" not in err:
            try:
                today = read_day(form["today"], "today") or real_today
            except FactsError as e:     # the day advised for, read as every interface reads it
                problem("today", "bad_date" if e.key == "bad_date_value" else e.key or "default", form["today"])
        values: dict[str, object] = {}
        for name, number in DATE_INPUTS.items():
            values[name] = self._date(form, name, f"{name}_{number}", -1 if number == "ago" else 1, today, problem)
        values.update(self._others(form, today, problem))
        extra: dict[str, Any] = {}
        events: list[dict[str, Any]] = []
        if form.get("history", "").strip() and "history" not in err:
            try:
                events, extra["history"] = fields.read_pasted(form["history"].encode("utf-8"), "history")
            except AdvisorError as e:
                problem("history", e.key or "history", getattr(e, "lines", ""))   # the lines a refused paste names
        for name in list(values):           # the answers in error stay out of the facts
            if name in err or f"{name}_{DATE_INPUTS.get(name)}" in err or f"{name}_city" in err:
                values[name] = None
        over = fields.to_facts(fields.Answers.of(values), today, set(self.advisor.vocab["stages"]), lambda name: name)
        over.pop("events", None)
        doc = merge({}, over)
        if events:
            doc["events"] = events
        return answer, doc, extra

    def _others(self, form: dict[str, str], today: dt.date, problem: _Problem) -> dict[str, object]:
        """The answers that are not dates, each read as its kind of the table says; each one the
        form cannot hold is a problem by its field."""
        values: dict[str, object] = {}
        for f in _FIELDS:
            text = form.get(f.name)
            value: object = text
            if f.kind in ("date", "date_left", "history"):
                continue
            if f.kind == "place":
                city = form.get(f"{f.name}_city")
                if city and not text:
                    problem(f.name, "bad_city")
                value = text + (f",{city}" if city else "") if text else None
            elif f.kind == "bool":
                if text is not None and text not in ("yes", "no"):
                    problem(f.name, "default", text)
                value = {"yes": True, "no": False}.get(text or "")
            elif f.choices == "platforms" and text and text not in self.advisor.profiles:
                problem(f.name, "default", text)
            try:
                fields.read_answer(f, value, f.name, today)
            except FactsError as e:
                problem(f.name, e.key or "default", form.get(f.name, ""))
            values[f.name] = value
        return values

    def _date(self, form: dict[str, str], name: str, number: str, sign: int, today: dt.date,
              problem: _Problem) -> str | None:
        """A date field and the number of days that may stand for it; both given must agree."""
        day: str | None = None
        if name in form:
            try:
                day = fields.read_date(form[name], name, today)
            except FactsError:
                problem(name, "bad_date", form[name])
                return None
        if number in form:
            if not _WHOLE.fullmatch(form[number]) or int(form[number]) > MAX_DAYS:
                problem(number, "bad_days", form[number])
                return None
            counted = fields.resolve_date(Counted(int(form[number]), ahead=sign > 0, written=form[number]), number, today)
            if day is not None and day != counted:
                problem(name, "two_dates")
                return None
            day = counted
        return day

    def advise(self, given: Mapping[str, str], lang: str, real_today: dt.date) -> Answer:
        """The answers read and advised on; errors of the facts land on their fields."""
        answer, doc, extra = self.read(given, lang, real_today)
        if not _asked(answer.form):
            return answer
        try:
            if answer.errors:       # the other answers are still checked together, to show every error at once
                self.advisor.facts(doc)
            else:
                answer.advice = self.advisor.advise(doc, lang=lang, extra=extra)
                answer.facts = {k: v for k, v in doc.items() if k != "today"}
        except AdvisorError as e:
            name = _field_of(e.where) or ("history" if e.kind == "history" else "code")
            text = (self.t(lang)["errors"].get(e.key) or self.t(lang)["errors"].get(e.kind)
                    or self.t(lang)["errors"]["default"])
            answer.errors.setdefault(name, fill(text, value=answer.form.get(name, "")))
        return answer

    # -- the HTML
    def html(self, answer: Answer, lang: str) -> str:
        empty = not answer.form and not answer.errors and answer.advice is None and answer.status == 200
        if empty and lang in self._empty:
            return self._empty[lang]
        page = self._html(answer, lang)
        if empty:
            self._empty[lang] = page
        return page

    def _html(self, answer: Answer, lang: str) -> str:
        t = self.t(lang)
        other = i18n.other(lang)
        query = {k: v for k, v in answer.form.items()}
        a = answer.advice.to_dict() if answer.advice is not None else None
        named = named_days(self._words, lang)

        def date(d: str | dt.date) -> str:
            return fmt_date(advice_day(d), lang)

        def rel(n: int) -> str:
            return fmt_relative(n, lang, named)

        context = {
            "t": t, "lang": lang, "other_lang": other, "form": answer.form, "errors": answer.errors,
            "error_list": _error_list(answer.errors, t, self._labels[lang]), "likely_country": dict(t.get("likely_country") or ()).get(lang),
            "folded": a is not None and not answer.errors, "asked": _asked(answer.form),
            "other_url": "/?" + urlencode(dict(query, lang=other)),
            "field_groups": self._groups[lang], "a": a, "date": date, "rel": rel,
        }
        present = [*answer.form, *answer.errors]
        context["blank"] = {name: html for name, html in self._blank(context).items()
                            if not any(key.startswith(name) for key in present)}
        context.update(list_view(self.advisor, t, lang, answer.facts))
        if answer.advice is not None and a is not None:
            context.update(self._answer_view(answer.advice, a, t, lang, date, rel, query))
        return self.template.render(context)

    def _blank(self, context: dict[str, Any]) -> dict[str, Any]:
        """Each field's HTML with no answer and no error, by name, made once per language and
        whether anything was asked: most of an answered page's form is fields left blank, and
        drawing them was most of the page's time. A field an answer or error names (`paid`,
        `paid_ago`) is drawn with it; a templates folder without the `field` macro gets none."""
        key = (context["lang"], bool(context["asked"]))
        found = self._blanks.get(key)
        if found is None:
            module = self.env.get_template("fields.html.j2").make_module(
                dict(context, form={}, errors={}, blank={}))
            draw = getattr(module, "field", None)
            found = {} if draw is None else {f["name"]: draw(f) for g in context["field_groups"] for f in g["fields"]}
            self._blanks[key] = found
        return found

    def _answer_view(self, advice: Advice, a: dict[str, Any], t: Texts, lang: str, date: Callable[[Any], str],
                     rel: Callable[[int], str], query: dict[str, str]) -> dict[str, Any]:
        from advisor.views.report import view
        today = advice_day(a["today"])
        v = view(self.advisor, advice, lang)
        steps = []
        for s in v["actions"]:
            steps.append(dict(s, due_text=_due(s, today, t, date)))
        names = self._stages[lang]
        pic = timeline(a, t["timeline_today"], t["windows"], {w["label"]: t[w["label"]] for w in t["windows"]},
                       date, rel, route_marks(a, t, names))
        deadlines = [dict(d, when_text=date(d["when"]) + (f" ({rel((d['when'] - today).days)})"
                                                          if abs((d["when"] - today).days) <= 1 else ""))
                     for d in v["deadlines"]]
        return {"v": v, "steps": steps, "route": route_view(a, t, names, date, lambda cc: fmt_country(cc, lang)), "next": steps[0] if steps else None, "pic": pic, "deadlines": deadlines,
                "ics_url": "/advice.ics?" + urlencode(dict(query, lang=lang)),
                "missing": [dict(m, anchor=_field_of(m["field"]) or "code") for m in a["missing"]],
                "country": lambda cc: fmt_country(cc, lang), "money": lambda m: fmt_money(m, lang)}

    def refused(self, key: str, status: int) -> Answer:
        """A form post that could not be read at all (too large, not a form): said above the form."""
        return Answer(form={}, errors={"form": key}, status=status)

    def redirect_target(self, answer: Answer, lang: str) -> str | None:
        """Where a posted form is sent to be answered by a GET, or None when its answers do not
        fit in an address (they are answered from the POST itself)."""
        url = "/?" + urlencode(dict(answer.form, lang=lang))
        return url if len(url) <= MAX_URL else None


def _asked(form: Mapping[str, str]) -> bool:
    """Whether the form holds any answer about the parcel (not just the language)."""
    return any(k not in ("today",) for k in form)


def _error_list(errors: dict[str, str], t: Texts, labels: dict[str, str]) -> list[dict[str, str]]:
    """The summary above the form: each error with its field's name, linked to the field, in the
    form's order (a `NAME_ago` / `NAME_left` number is named by its date's label)."""
    def order(name: str) -> int:
        return FORM_FIELDS.index(name) if name in FORM_FIELDS else len(FORM_FIELDS)
    out = []
    for name in sorted((n for n in errors if n != "form"), key=order):
        base = name.rsplit("_", 1)[0] if name not in labels and name.endswith(("_ago", "_left", "_city")) else name
        label = labels.get(base) or (t.get(base) if isinstance(t.get(base), str) else None)
        out.append({"anchor": f"f-{name}", "label": label or t["errors"]["default"], "text": errors[name]})
    return out


def _due(step: dict[str, Any], today: dt.date, t: Texts, date: Callable[[dt.date], str]) -> str:
    when = step["when"]
    if when is None:
        return str(t["any_time"])
    kind = ("overdue" if when < today else "today" if when == today else step["timing"]
            if step["timing"] in ("until", "check") else "tomorrow" if when == today + dt.timedelta(days=1) else "by")
    return fill(str(t["due"][kind]), date=date(when))


def _field_of(where: str | None) -> str | None:
    """The form's field an error of the facts (its `where`) points at."""
    if not where:
        return None
    f = fields.field_of_path(where)
    if f is not None:
        return f.name
    return _FIELD_OF_PART.get(where) or (where if where in FORM_FIELDS else None)


def _in_lang(node: Any, lang: str) -> Any:
    """The texts of one language: `{en: …, ru: …}` leaves become strings."""
    if isinstance(node, dict):
        if set(node) >= set(LANGS) and all(isinstance(node[k], str) for k in LANGS):
            return node[lang]
        return {k: _in_lang(v, lang) for k, v in node.items()}
    if isinstance(node, list):
        return [_in_lang(x, lang) for x in node]
    return node


_HERE = Path(__file__).parent.parent / "static"
STATIC = {"page.css": (_HERE / "page.css", "text/css; charset=utf-8"),
          "page.js": (_HERE / "page.js", "text/javascript; charset=utf-8"),
          "icon.svg": (_HERE / "icon.svg", "image/svg+xml"), **STATIC_FILES}


def calendar_name(advice: Advice) -> str:
    """The downloaded file's name: `parcel-CODE.ics` (letters and digits only)."""
    code = re.sub(r"[^A-Za-z0-9]", "", ((advice.to_dict().get("track") or {}).get("code") or ""))[:40]
    return f"parcel-{code}.ics" if code else "parcel.ics"


_EMBEDS, _ISOLATES = "\u202a\u202b\u202d\u202e", "\u2066\u2067\u2068"
_BIDI = frozenset(_EMBEDS + _ISOLATES)


def _contained(value: object) -> object:
    """Every value the page shows with its bidi embeddings and isolates closed where it ends: a
    right-to-left override in a pasted status reordered the page's own text after it."""
    # a macro's output (Markup) holds values already contained: a blank field's HTML is not read again
    if not isinstance(value, str) or isinstance(value, Markup) or _BIDI.isdisjoint(value):
        return value
    open_: list[str] = []
    for ch in value:
        if ch == "\n":
            open_.clear()                  # a new paragraph ends them all
        elif ch in _EMBEDS or ch in _ISOLATES:
            open_.append(ch)
        elif ch == "\u202c" and open_ and open_[-1] in _EMBEDS:
            open_.pop()
        elif ch == "\u2069" and any(c in _ISOLATES for c in open_):
            while open_.pop() not in _ISOLATES:
                pass
    return value + "".join("\u202c" if c in _EMBEDS else "\u2069" for c in reversed(open_))
