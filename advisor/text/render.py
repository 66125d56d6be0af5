"""Rendering: sandboxed Jinja2 with Babel filters for dates, day counts, money and countries.

Templates come from `templates/` (messages, the text report) and from rule texts. Values from
the facts are passed as data and never compiled as templates, so a city named `{{ 7*7 }}` stays
literal. StrictUndefined makes a misspelt variable an error instead of an empty string.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from typing import TYPE_CHECKING, Any, Callable, Iterator, SupportsInt, TypeVar

from advisor.base.sentences import fill
from advisor.base.cache import template_cache
from advisor.base.errors import RulesError
from advisor.base.location import Location
from advisor.text.sandbox import MAX_OUTPUT_CHARS, BudgetError, Sandbox, start_budget, template_line
from advisor.base.i18n import LANGS as LANGS   # the one list of languages; the texts' modules import it from here
from advisor.base.i18n import TABLE, info, locale, text_in
from advisor.base.memo import Memo

if TYPE_CHECKING:
    from jinja2 import Environment, Template
    from jinja2.runtime import Context

LANG_NAMES = {code: lg.name for code, lg in TABLE.items()}   # for rule editors' errors
T = TypeVar("T")


def _given(value: T | None, what: str) -> T:
    """A missing value must be guarded with `{% if %}` in the template, never printed as a dash."""
    if value is None:
        raise UndefinedError(f"the {what} is not known for this parcel; guard it with `{{% if ... %}}`")
    return value


def fmt_date(value: dt.date | None, lang: str) -> str:
    return _date_text(_given(value, "date"), lang)


@lru_cache(maxsize=8192)
def _date_text(value: dt.date, lang: str) -> str:
    from babel.dates import format_date
    return format_date(value, format="long", locale=locale(lang))


def fmt_days(n: SupportsInt | None, lang: str) -> str:
    """`5 days` / `5 дней`, `21 день`: Babel's unit data, no hand-written plural table."""
    return _days_text(int(_given(n, "day count")), lang)


@lru_cache(maxsize=4096)
def _days_text(n: int, lang: str) -> str:
    # Cached: Babel's formatting is the slowest part of rendering a rule text.
    from babel.units import format_unit
    return format_unit(n, "duration-day", length="long", locale=locale(lang))


def fmt_plural(n: SupportsInt | None, lang: str, *forms: str) -> str:
    """The form agreeing with the number, by Babel's plural rules: `one, other` in English,
    `one, few, many` in Russian (остался 1 день, осталось 2 дня, осталось 5 дней)."""
    category = _plural_category(int(_given(n, "count")), lang)
    order = info(lang).plural          # the language's forms (templates/languages.yaml)
    if len(forms) >= len(order) and category in order[:-1]:
        return forms[order.index(category)]
    return forms[0] if category == "one" or len(forms) == 1 else forms[-1]


@lru_cache(maxsize=4096)
def _plural_category(n: int, lang: str) -> str:
    from babel import Locale
    return Locale.parse(locale(lang)).plural_form(abs(n))


def fmt_relative(n: SupportsInt | None, lang: str, named: dict[int, str]) -> str:
    """A day `n` days from today in words: today, tomorrow, yesterday, in 5 days, 5 days ago
    (сегодня, завтра, вчера, через 5 дней, 5 дней назад); never "in 0 days". `named`: the
    words for 0, 1 and -1 (`relative_days` in vocabulary.yaml)."""
    days = int(_given(n, "day count"))
    return named.get(days) or _relative_text(days, lang)


def named_days(words: dict[str, Any] | None, lang: str) -> dict[int, str]:
    offsets = {"today": 0, "tomorrow": 1, "yesterday": -1}
    return {offsets[k]: v[lang] for k, v in (words or {}).items() if k in offsets and isinstance(v, dict) and v.get(lang)}


@lru_cache(maxsize=4096)
def _relative_text(n: int, lang: str) -> str:
    from babel.dates import format_timedelta
    return format_timedelta(dt.timedelta(days=n), add_direction=True, threshold=100_000, granularity="day", locale=locale(lang))


def fmt_money(m: Any, lang: str) -> str:
    _given(m, "amount")
    amount = m["amount"] if isinstance(m, dict) else m.amount
    currency = m.get("currency") if isinstance(m, dict) else m.currency
    return _money_text(amount, currency, lang)


@lru_cache(maxsize=1024)     # prices are nearly all distinct: a large cache only grew (bench/run.py memory)
def _money_text(amount: float, currency: str | None, lang: str) -> str:
    # Cached like dates: Babel's currency formatting costs ~10 µs, and prices repeat.
    from babel.numbers import format_currency, format_decimal
    if not currency:
        return format_decimal(amount, locale=locale(lang))
    text = format_currency(amount, currency, locale=locale(lang))
    if text[:3] == currency and text[3:4].isdigit():
        # the locale has no sign for it and glues the code on ("RUB1,234.50"): the code after, spaced
        text = format_currency(amount, currency, "#,##0.00\u00a0¤¤", locale=locale(lang), currency_digits=True)
    return text


@lru_cache(maxsize=4)
def _territories(lang: str) -> dict[str, str]:
    from babel import Locale
    return dict(Locale.parse(locale(lang)).territories)


def fmt_country(code: str | None, lang: str) -> str:
    _given(code or None, "country")
    return _territories(lang).get(str(code).upper(), str(code))


# Babel writes a Russian date as "30 ноября 2026\u202fг.": a sentence ending on one gets one period
_ONE_PERIOD = re.compile(r"(?<=\s)г\.\.")


def fmt_place(p: Any, lang: str) -> str:
    """A place (destination.view) in `lang`: its city (the gazetteer's English name in English)
    or else its region, its postcode, and the country when asked to show it."""
    if not isinstance(p, dict):
        return str(_given(p, "place"))
    city, region = p.get("city"), p.get("region")
    parts = [text_in(city, lang)] if city else [text_in(region, lang)] if region else []
    if p.get("postcode"):
        parts.append(p["postcode"])
    if p.get("country") and (p.get("with_country") or not parts):
        parts.append(fmt_country(p["country"], lang))
    return ", ".join(x for x in parts if x)


def fmt_in_place(p: Any, lang: str) -> str:
    """"in Novosibirsk, 630000" / «в Новосибирске (630000)»: a place after the preposition, the
    Russian name in the prepositional case (inflect.py), so prose needs no brackets around it."""
    from advisor.text.inflect import inflect, preposition_in
    if not isinstance(p, dict) or not info(lang).inflects:
        return fill(info(lang).in_place, place=fmt_place(p, lang))
    city, region = p.get("city"), p.get("region")
    name = text_in(city, lang) if city else text_in(region, lang) if region else None
    if not name:
        name = fmt_country(p.get("country"), lang)
    where = inflect(name, "loct")
    extra = [x for x in (p.get("postcode"), fmt_country(p["country"], lang) if p.get("country") and p.get("with_country") and name != fmt_country(p["country"], lang) else None) if x]
    return f"{preposition_in(where)} {where}" + (f" ({', '.join(extra)})" if extra else "")


def fmt_inflect(word: object, case: str, lang: str) -> str:
    """A Russian word in a case (`{{ profile.words.dispute.ru|inflect("gent") }}`: жалобы); English as is."""
    from advisor.text.inflect import inflect
    word = str(_given(word, "word"))
    return inflect(word, case) if info(lang).inflects else word


def lower_first(text: object) -> str:
    """A sentence after a colon starts in lower case ("Открыть спор: посылка отмечена…"), unless its
    first word is a name, a code or an abbreviation (AliExpress, RK190321410CN, EMS, I)."""
    text = str(text or "")
    first = text.split(" ", 1)[0].rstrip(",.:;")
    cyrillic_letter = len(first) == 1 and "А" <= first <= "Я"         # В, С, К, У: a preposition
    if cyrillic_letter or first == "A" or len(first) > 1 and first.isalpha() and first[0].isupper() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


def make_env(lang: str, templates_dir: Path | None = None, words: dict[str, Any] | None = None,
             carriers: dict[str, Any] | None = None) -> ImmutableSandboxedEnvironment:
    """`words`: `relative_days` of vocabulary.yaml (the names of today, tomorrow, yesterday);
    `carriers`: `carrier_names`, a carrier's name in Russian prose (СДЭК, Почта России)."""
    named = named_days(words, lang)
    # auto_reload off: an Advisor is one set of rules and templates, read at its start (its
    # digest says which); looking for a changed file at every render was a tenth of a message
    env = Sandbox(
        loader=FileSystemLoader(str(templates_dir)) if templates_dir else None,
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False,
        trim_blocks=True, lstrip_blocks=True, auto_reload=False, bytecode_cache=template_cache() if templates_dir else None,
    )
    env.filters.update({
        "date": lambda v: fmt_date(v, lang),
        "days": lambda v: fmt_days(v, lang),
        "money": lambda v: fmt_money(v, lang),
        "country": lambda v: fmt_country(v, lang),
        "place": lambda v: fmt_place(v, lang),
        "in_place": lambda v: fmt_in_place(v, lang),
        "lower_first": lower_first,
        # a carrier as the language names it: `{{ track.carrier|carrier }}` (CDEK -> СДЭК in Russian)
        "carrier": lambda v: ((carriers or {}).get(str(_given(v, "carrier"))) or {}).get(lang) or str(v),
        "inflect": lambda v, case: fmt_inflect(v, case, lang),
        "add_days": lambda d, n: d + dt.timedelta(days=int(n)) if d else None,
        # a count of days from today, as words: `{{ protection_left|from_now }}`, `{{ n|ago }}`;
        # `{{ d|when(today) }}` for a date
        "from_now": lambda n: fmt_relative(n, lang, named),
        "ago": lambda n: fmt_relative(-int(_given(n, "day count")), lang, named),
        "when": lambda d, today: fmt_relative((_given(d, "date") - today).days, lang, named),
        "plural": lambda n, *forms: fmt_plural(n, lang, *forms),
    })
    # texts for a terminal, not HTML: JSON values as readable as the rest (`"доставлено"`, not `\u0434...`)
    env.filters["tojson"] = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)
    env.globals["lang"] = lang
    return env


_CONSTANT = object()       # marks a constant's name in a memo key: no value a text is given equals it


class Renderer:
    """Compiles each template once per language and renders it with a context."""

    def __init__(self, templates_dir: Path, words: dict[str, Any] | None = None, carriers: dict[str, Any] | None = None):
        self.templates_dir = templates_dir
        self.envs = {lang: make_env(lang, templates_dir, words, carriers) for lang in LANGS}
        self._inline: dict[tuple[str, str], tuple[Template, tuple[str, ...] | None]] = {}
        # rendered rule texts: 2 x 2,048 hold all but 1% of the hits an unbounded memo gets on
        # distinct parcels (bench/run.py), in about 2 MB
        self._texts: Memo[str] = Memo(2048)
        # id -> (a mapping never changed while this lives, kept so its id stays its own; its key)
        self._constants: dict[int, tuple[object, tuple[object, str]]] = {}
        self._files: dict[tuple[str, str], tuple[Template, dict[str, Any]]] = {}

    def constant(self, value: object, name: str) -> None:
        """`value` (a platform's profile: shared, never changed) is `name` in the texts' memo
        keys: three texts in ten read the profile, and were rendered every time."""
        self._constants[id(value)] = (value, (_CONSTANT, name))

    def inline(self, text: str, lang: str, context: dict[str, Any], where: str | Location = "rule text",
               extra: dict[str, Any] | None = None) -> str:
        """Render a rule's text. `extra` (e.g. `due`) is looked up before `context`. Only the
        names the text uses are handed to Jinja: copying the whole context per text was most of
        the cost of rendering."""
        key = (lang, text)
        compiled = self._inline.get(key)
        if compiled is None:
            try:
                env = self.envs[lang]
                tpl = env.from_string(text)
                used = _names_used(env, text)
            except TemplateError as e:
                raise RulesError(f"the text cannot be read as a template: {e}", where=where) from None
            compiled = self._inline[key] = (tpl, tuple(sorted(used)) if used is not None else None)
        tpl, names = compiled
        try:
            return self._inline_render(tpl, names, key, context, where, extra)
        except BudgetError as e:
            at = _text_line(where, text, e.line)
            e.where, e.location = str(at), at if isinstance(at, Location) else None
            raise

    def _inline_render(self, tpl: Template, names: tuple[str, ...] | None, key: tuple[str, str], context: dict[str, Any],
                       where: str | Location, extra: dict[str, Any] | None) -> str:
        if names is None:
            return _render(tpl, dict(context, **(extra or {})), where)
        extra, glob, consts = extra or {}, tpl.globals, self._constants
        ctx: dict[str, Any] = {}
        values = []
        for n in names:
            if n in extra:
                v = extra[n]
            elif n in context:
                v = context[n]
            elif n in glob:
                v = glob[n]
            else:
                continue
            ctx[n] = v
            if type(v) is dict and id(v) in consts:     # keyed by its name (another mapping: unhashable)
                v = consts[id(v)][1]
            values.append((n, v))
        # The text depends only on these values (filters are pure), and parcels share them:
        # "wait until 5 December" is the same string for thousands of parcels.
        memo_key = (key, tuple(values))
        try:
            return self._texts.young[memo_key]      # the common case, without a call
        except (KeyError, TypeError):               # a list among the values: rendered every time
            pass
        return self._texts.get(memo_key, lambda: _render(tpl, ctx, where, shared=True))

    def _template(self, name: str, lang: str) -> tuple[Template, dict[str, Any]]:
        """A template file, loaded once, and its globals flattened: Jinja merges a template's
        globals (a ChainMap) into every render's context, which was half of rendering a message."""
        found = self._files.get((lang, name))
        if found is None:
            try:
                tpl = self.envs[lang].get_template(f"{lang}/{name}")
            except TemplateError as e:
                raise RulesError(f"cannot load the template: {e}", where=f"templates/{lang}/{name}") from None
            found = self._files[(lang, name)] = (tpl, dict(tpl.globals))
        return found

    def file(self, name: str, lang: str, context: dict[str, Any]) -> str:
        tpl, glob = self._template(name, lang)
        return _render(tpl, {**glob, **context}, f"templates/{lang}/{name}", shared=True, glob=glob)

    def blocks(self, name: str, lang: str, context: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
        """The named blocks of a template, each rendered alone with the same limits (a dispute's
        `form`, `text` and `attach`); a block the template lacks is left out."""
        tpl, glob = self._template(name, lang)
        full = {**glob, **context}      # what `Template.new_context` makes, from globals flattened once
        out: dict[str, str] = {}
        for block in names:
            render = tpl.blocks.get(block)
            if render is not None:
                out[block] = _render(tpl, full, f"templates/{lang}/{name}", shared=True, block=render, glob=glob)
        return out

    def message_names(self) -> set[str]:
        return message_names(self.templates_dir)


def _names_used(env: Environment, text: str) -> frozenset[str] | None:
    """The variables a template reads, or None when it includes or imports other templates
    (whose variables cannot be seen from here: they get the whole context)."""
    ast = env.parse(text)
    if any(True for _ in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends))):
        return None
    # find_undeclared_variables leaves out the environment's globals (`range`, `lang`): add those read
    used_globals = {n.name for n in ast.find_all(nodes.Name) if n.ctx == "load" and n.name in env.globals}
    return frozenset(meta.find_undeclared_variables(ast)) | used_globals


def _render(tpl: Template, context: dict[str, Any], where: str | Location, shared: bool = False,
            block: Callable[[Context], Iterator[str]] | None = None, glob: dict[str, Any] | None = None) -> str:
    """Render with limits (sandbox.py): a fresh budget of loop steps, and MAX_OUTPUT_CHARS of
    text per render, so a rule or template that loops without end fails instead of hanging.
    `shared`: `context` already holds every global the template reads, so Jinja need not merge
    its globals into a copy (what `Template.render` does, at a cost per call); `glob`: those
    globals, named to the Context as `Template.new_context` names them (imports read them)."""
    start_budget()
    try:
        env = tpl.environment
        if shared:
            # the Context `Template.new_context` would build, minus copying the globals' names
            # (given as `glob` for a template file; texts given a shared context import nothing)
            made = env.context_class(env, context, tpl.name, tpl.blocks, globals=glob)
            chunks = block(made) if block is not None else tpl.root_render_func(made)
        else:
            chunks = tpl.generate(context)
        out, size = [], 0
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise SecurityError(f"the text is longer than {MAX_OUTPUT_CHARS:,} characters")
            out.append(chunk)
        return _ONE_PERIOD.sub("г.", "".join(out).strip())
    except SecurityError as e:
        line = template_line(e)
        err = BudgetError(f"the template failed{f' at its line {line}' if line else ''}: {e}", where=where)
        err.line = line
        raise err from None
    except TemplateError as e:
        raise RulesError(f"the template failed: {e}", where=where) from None
    except RecursionError:
        raise BudgetError("the template recursed too deeply", where=where) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError, MemoryError) as e:
        # A template doing arithmetic on a missing value is a template bug; report it by file.
        raise RulesError(f"the template failed: {e}", where=where) from None


def _text_line(where: "str | Location", text: str, line: int | None) -> "str | Location":
    """`file:line:col` of a text's line `line`: `where` is its key's (`en:`), a Location; a text
    of several lines is a block (`|`) whose first line is the one after the key. A text not
    located on its own (a rule's `file:line`, a file's name) keeps `where`."""
    if not isinstance(where, Location) or where.line is None or not line or "\n" not in text.rstrip("\n"):
        return where
    return where.down(line)


def message_langs(templates_dir: Path) -> dict[str, set[str]]:
    """Every message template found, as `kind/purpose` -> the languages it exists in."""
    names: dict[str, set[str]] = {}
    for lang in LANGS:
        base = templates_dir / lang
        for kind in ("seller", "dispute", "post"):     # post: a request to the destination post, in its language
            for p in sorted((base / kind).glob("*.j2")) if (base / kind).is_dir() else []:
                names.setdefault(f"{kind}/{p.stem}", set()).add(lang)
    return names


def message_names(templates_dir: Path) -> set[str]:
    """Message templates present in *both* languages: the only ones a rule may name."""
    return {n for n, langs in message_langs(templates_dir).items() if langs == set(LANGS)}


