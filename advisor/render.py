"""Rendering: sandboxed Jinja2 with Babel filters for dates, day counts, money and countries.

Templates come from `templates/` (messages, the text report) and from rule texts. Values from
the facts are passed as data and never compiled as templates, so a city named `{{ 7*7 }}` stays
literal. StrictUndefined makes a misspelt variable an error instead of an empty string.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
import time
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, UndefinedError, meta, nodes
from jinja2.sandbox import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from .cache import template_cache
from .errors import RulesError
from .i18n import LANGS   # the one list of languages; the texts' modules import it from here
from .memo import Memo

LANG_NAMES = {"en": "English", "ru": "Russian"}


def _given(value, what: str):
    """A missing value must be guarded with `{% if %}` in the template, never printed as a dash."""
    if value is None:
        raise UndefinedError(f"the {what} is not known for this parcel; guard it with `{{% if ... %}}`")
    return value


def fmt_date(value, lang: str) -> str:
    return _date_text(_given(value, "date"), lang)


@lru_cache(maxsize=8192)
def _date_text(value: dt.date, lang: str) -> str:
    from babel.dates import format_date
    return format_date(value, format="long", locale=lang)


def fmt_days(n, lang: str) -> str:
    """`5 days` / `5 дней`, `21 день`: Babel's unit data, no hand-written plural table."""
    return _days_text(int(_given(n, "day count")), lang)


@lru_cache(maxsize=4096)
def _days_text(n: int, lang: str) -> str:
    # Cached: Babel's formatting is the slowest part of rendering a rule text.
    from babel.units import format_unit
    return format_unit(n, "duration-day", length="long", locale=lang)


def fmt_plural(n, lang: str, *forms: str) -> str:
    """The form agreeing with the number, by Babel's plural rules: `one, other` in English,
    `one, few, many` in Russian (остался 1 день, осталось 2 дня, осталось 5 дней)."""
    category = _plural_category(int(_given(n, "count")), lang)
    if lang == "ru" and len(forms) >= 3:
        return {"one": forms[0], "few": forms[1]}.get(category, forms[2])
    return forms[0] if category == "one" or len(forms) == 1 else forms[-1]


@lru_cache(maxsize=4096)
def _plural_category(n: int, lang: str) -> str:
    from babel import Locale
    return Locale.parse(lang).plural_form(abs(n))


def fmt_relative(n, lang: str, named: dict[int, str]) -> str:
    """A day `n` days from today in words: today, tomorrow, yesterday, in 5 days, 5 days ago
    (сегодня, завтра, вчера, через 5 дней, 5 дней назад); never "in 0 days". `named`: the
    words for 0, 1 and -1 (`relative_days` in vocabulary.yaml)."""
    n = int(_given(n, "day count"))
    return named.get(n) or _relative_text(n, lang)


def named_days(words: dict | None, lang: str) -> dict[int, str]:
    offsets = {"today": 0, "tomorrow": 1, "yesterday": -1}
    return {offsets[k]: v[lang] for k, v in (words or {}).items() if k in offsets and isinstance(v, dict) and v.get(lang)}


@lru_cache(maxsize=4096)
def _relative_text(n: int, lang: str) -> str:
    from babel.dates import format_timedelta
    return format_timedelta(dt.timedelta(days=n), add_direction=True, threshold=100_000, granularity="day", locale=lang)


def fmt_money(m, lang: str) -> str:
    _given(m, "amount")
    amount = m["amount"] if isinstance(m, dict) else m.amount
    currency = m.get("currency") if isinstance(m, dict) else m.currency
    return _money_text(amount, currency, lang)


@lru_cache(maxsize=8192)
def _money_text(amount, currency: str | None, lang: str) -> str:
    # Cached like dates: Babel's currency formatting costs ~10 µs, and prices repeat.
    from babel.numbers import format_currency, format_decimal
    if not currency:
        return format_decimal(amount, locale=lang)
    text = format_currency(amount, currency, locale=lang)
    if text[:3] == currency and text[3:4].isdigit():
        # the locale has no sign for it and glues the code on ("RUB1,234.50"): the code after, spaced
        text = format_currency(amount, currency, "#,##0.00\u00a0¤¤", locale=lang, currency_digits=True)
    return text


@lru_cache(maxsize=4)
def _territories(lang: str) -> dict:
    from babel import Locale
    return dict(Locale.parse(lang).territories)


def fmt_country(code, lang: str) -> str:
    _given(code or None, "country")
    return _territories(lang).get(str(code).upper(), str(code))


MAX_LOOP_STEPS = 100_000       # loop items and calls one render may take, nested loops included
MAX_OUTPUT_CHARS = 2_000_000   # a message is a few kB; a report of 5,000 events about 500 kB
MAX_SEQUENCE = 100_000         # longest string or list one operation may build
MAX_INT_BITS = 256             # the largest whole number arithmetic may build (about 77 digits)
MAX_RENDER_SECONDS = 2.0       # one render's time; a message takes milliseconds
_budget = threading.local()


def _charge(steps: int = 1) -> None:
    """Take `steps` from this render's budget; past it (or past its time) the render fails."""
    left = getattr(_budget, "steps", MAX_LOOP_STEPS) - steps
    if left < 0:
        raise SecurityError(f"the template takes more than {MAX_LOOP_STEPS:,} loop steps and calls")
    _budget.steps = left
    if left % 1024 == 0 or steps > 1:
        deadline = getattr(_budget, "deadline", None)
        if deadline is not None and time.monotonic() > deadline:
            raise SecurityError(f"the template runs longer than {MAX_RENDER_SECONDS:g} s")


def _range(*args):
    """`range` that charges every item to this render's budget (the sandbox's own only caps one call)."""
    r = range(*args)
    _charge(len(r))
    return r


def _loop(items):
    """Every `{% for %}` runs over this: each item taken is a step of the budget, so loops nested
    over strings or lists of fair size cannot multiply into hours."""
    for item in items:
        _charge()
        yield item


def _concat(*parts):
    """`a ~ b`: bounded like `*`, so doubling a string in a loop stops at MAX_SEQUENCE."""
    text = "".join(str(x) for x in parts)
    if len(text) > MAX_SEQUENCE:
        raise SecurityError(f"the text would be longer than {MAX_SEQUENCE:,}")
    return text


def _sized(n, what: str = "the width") -> int:
    if isinstance(n, int) and abs(n) > MAX_SEQUENCE:
        raise SecurityError(f"{what} `{n}` is larger than {MAX_SEQUENCE:,}")
    return n


# widths in a printf-style (`%500000000s`) or format-style (`{:>500000000}`) format
_PRINTF_WIDTHS = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_WIDTHS = re.compile(r"\{[^{}]*?:[^{}]*?(\d+)")


def _check_format(fmt) -> None:
    if not isinstance(fmt, str):
        return
    for m in _PRINTF_WIDTHS.finditer(fmt):
        for g in m.groups():
            if g == "*":
                raise SecurityError("a `*` width in a format is not allowed")
            if g:
                _sized(int(g))
    for m in _FORMAT_WIDTHS.finditer(fmt):
        _sized(int(m.group(1)))


# str methods whose result grows with a number they are given: (argument position, how)
_GROWING = {"center": 0, "ljust": 0, "rjust": 0, "zfill": 0}


class BudgetError(RulesError):
    """A text or template went past a bound of its render's budget (or reached for internals):
    whatever the facts, it would fail again."""


class Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, plus a budget for every render: `*`, `+` and `~` cannot build strings or
    lists past MAX_SEQUENCE nor numbers past MAX_INT_BITS, widths and counts given to string
    methods and filters are bounded, every loop step and call is charged (MAX_LOOP_STEPS) and
    the render has a time limit (MAX_RENDER_SECONDS). A text that breaks a bound fails with its
    `file:line` instead of running until killed or taking gigabytes."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "<<"})

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 64 or isinstance(left, int) and abs(left) > 10 ** 9:
                raise SecurityError("the power is too large")
        elif operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_SEQUENCE:
                    raise SecurityError(f"the result would be longer than {MAX_SEQUENCE:,}")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise SecurityError("the number would be too large")
        elif operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
                    and len(left) + len(right) > MAX_SEQUENCE:
                raise SecurityError(f"the result would be longer than {MAX_SEQUENCE:,}")
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
        elif operator == "<<" and isinstance(right, int) and right > MAX_INT_BITS:
            raise SecurityError("the number would be too large")
        result = super().call_binop(context, operator, left, right)
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            raise SecurityError("the number would be too large")
        return result

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        _charge()
        name = getattr(__obj, "__name__", None)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and name is not None:
            if name in ("format", "format_map"):     # older Jinja calls str.format through here
                _check_format(owner)
            elif name in _GROWING and args:
                _sized(args[_GROWING[name]])
            elif name == "expandtabs":
                _sized(len(owner) * (args[0] if args and isinstance(args[0], int) else 8), "the result")
            elif name == "replace" and len(args) >= 2 and isinstance(args[1], str):
                _sized((len(owner) + 1) * len(args[1]) + len(owner), "the result")
            elif name == "join" and args:
                _joined(owner, args[0])
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value):
        """`'{:>500000000}'.format(x)`: the widths are checked before anything is built."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format(value.__self__)
        return wrapped

    def _parse(self, source, name, filename):
        """The template's tree with every `for` loop taken through `_loop` and every `~` through
        `_concat`: the budget sees each step, whatever the loop runs over."""
        return _Budgeted().visit(super()._parse(source, name, filename))


class _Budgeted(NodeTransformer):
    """Rewrites a template's tree: `for x in ITEMS` becomes `for x in _budget_loop(ITEMS)` and
    `a ~ b` becomes `_budget_concat(a, b)` (see Sandbox._parse)."""

    def visit_For(self, node: nodes.For):
        node = self.generic_visit(node)
        node.iter = nodes.Call(nodes.Name("_budget_loop", "load"), [node.iter], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat):
        node = self.generic_visit(node)
        return nodes.Call(nodes.Name("_budget_concat", "load"), list(node.nodes), [], None, None, lineno=node.lineno)


def _joined(sep: str, items) -> None:
    if isinstance(items, (list, tuple)):
        total = len(sep) * max(0, len(items) - 1) + sum(len(x) for x in items if isinstance(x, str))
        _sized(total, "the result")


def _bounded_filters(env) -> None:
    """Filters that take a width or a count, with the same bounds as the methods."""
    f = env.filters
    center, indent, fmt, replace, join = f["center"], f["indent"], f["format"], f["replace"], f["join"]
    f["center"] = lambda value, width=80: center(value, _sized(width))
    f["indent"] = lambda value, width=4, *a, **k: (_sized(len(str(value)) * (width if isinstance(width, int) else len(str(width))),
                                                          "the result"), indent(value, width, *a, **k))[1]
    f["format"] = lambda value, *a, **k: (_check_format(value), fmt(value, *a, **k))[1]
    f["replace"] = lambda s, old, new, count=None: (_sized((len(str(s)) + 1) * len(str(new)) + len(str(s)), "the result")
                                                    if not old else None, replace(s, old, new, count))[1]
    join_ctx = join

    def bounded_join(eval_ctx, value, d="", attribute=None):
        items = list(value) if not isinstance(value, (list, tuple)) else value
        _joined(str(d), [str(x) for x in items] if all(isinstance(x, str) for x in items) else items)
        return join_ctx(eval_ctx, items, d, attribute)
    bounded_join.jinja_pass_arg = join.jinja_pass_arg
    f["join"] = bounded_join


# Babel writes a Russian date as "30 ноября 2026\u202fг.": a sentence ending on one gets one period
_ONE_PERIOD = re.compile(r"(?<=\s)г\.\.")


def make_env(lang: str, templates_dir: Path | None = None, words: dict | None = None) -> ImmutableSandboxedEnvironment:
    """`words`: `relative_days` of vocabulary.yaml (the names of today, tomorrow, yesterday)."""
    named = named_days(words, lang)
    env = Sandbox(
        loader=FileSystemLoader(str(templates_dir)) if templates_dir else None,
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False,
        trim_blocks=True, lstrip_blocks=True, bytecode_cache=template_cache() if templates_dir else None,
    )
    env.filters.update({
        "date": lambda v: fmt_date(v, lang),
        "days": lambda v: fmt_days(v, lang),
        "money": lambda v: fmt_money(v, lang),
        "country": lambda v: fmt_country(v, lang),
        "add_days": lambda d, n: d + dt.timedelta(days=int(n)) if d else None,
        # a count of days from today, as words: `{{ protection_left|from_now }}`, `{{ n|ago }}`;
        # `{{ d|when(today) }}` for a date
        "from_now": lambda n: fmt_relative(n, lang, named),
        "ago": lambda n: fmt_relative(-int(_given(n, "day count")), lang, named),
        "when": lambda d, today: fmt_relative((_given(d, "date") - today).days, lang, named),
        "plural": lambda n, *forms: fmt_plural(n, lang, *forms),
    })
    env.globals["lang"] = lang
    env.globals["range"] = _range
    env.globals["_budget_loop"] = _loop
    env.globals["_budget_concat"] = _concat
    _bounded_filters(env)
    del env.globals["lipsum"]     # random filler text: no use in advice, and slow to make large
    return env


class Renderer:
    """Compiles each template once per language and renders it with a context."""

    def __init__(self, templates_dir: Path, words: dict | None = None):
        self.templates_dir = templates_dir
        self.envs = {lang: make_env(lang, templates_dir, words) for lang in LANGS}
        self._inline: dict[tuple[str, str], object] = {}
        self._texts = Memo(50_000)      # rendered rule texts (a few MB at most)

    def inline(self, text: str, lang: str, context: dict, where: str = "rule text", extra: dict | None = None) -> str:
        """Render a rule's text. `extra` (e.g. `due`) is looked up before `context`. Only the
        names the text uses are handed to Jinja: copying the whole context per text was most of
        the cost of rendering."""
        key = (lang, text)
        compiled = self._inline.get(key)
        if compiled is None:
            try:
                env = self.envs[lang]
                tpl = env.from_string(text)
                names = _names_used(env, text)
            except TemplateError as e:
                raise RulesError(f"the text cannot be read as a template: {e}", where=where) from None
            compiled = self._inline[key] = (tpl, names)
        tpl, names = compiled
        if names is None:
            return _render(tpl, dict(context, **(extra or {})), where)
        extra = extra or {}
        glob = tpl.globals
        ctx = {}
        for n in names:
            if n in extra:
                ctx[n] = extra[n]
            elif n in context:
                ctx[n] = context[n]
            elif n in glob:
                ctx[n] = glob[n]
        # The text depends only on these values (filters are pure), and parcels share them:
        # "wait until 5 December" is the same string for thousands of parcels. (A mapping or list
        # among the values makes the key unhashable: such a text is rendered every time.)
        return self._texts.get((key, tuple(ctx.items())), lambda: _render(tpl, ctx, where, shared=True))

    def file(self, name: str, lang: str, context: dict) -> str:
        try:
            tpl = self.envs[lang].get_template(f"{lang}/{name}")
        except TemplateError as e:
            raise RulesError(f"cannot load the template: {e}", where=f"templates/{lang}/{name}") from None
        return _render(tpl, context, f"templates/{lang}/{name}")

    def blocks(self, name: str, lang: str, context: dict, names: tuple[str, ...]) -> dict[str, str]:
        """The named blocks of a template, each rendered alone with the same limits (a dispute's
        `form`, `text` and `attach`); a block the template lacks is left out."""
        try:
            tpl = self.envs[lang].get_template(f"{lang}/{name}")
        except TemplateError as e:
            raise RulesError(f"cannot load the template: {e}", where=f"templates/{lang}/{name}") from None
        out = {}
        for block in names:
            render = tpl.blocks.get(block)
            if render is not None:
                out[block] = _render(tpl, context, f"templates/{lang}/{name}", block=render)
        return out

    def message_names(self) -> set[str]:
        return message_names(self.templates_dir)


def _names_used(env, text: str) -> frozenset[str] | None:
    """The variables a template reads, or None when it includes or imports other templates
    (whose variables cannot be seen from here: they get the whole context)."""
    ast = env.parse(text)
    if any(True for _ in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends))):
        return None
    # find_undeclared_variables leaves out the environment's globals (`range`, `lang`): add those read
    used_globals = {n.name for n in ast.find_all(nodes.Name) if n.ctx == "load" and n.name in env.globals}
    return frozenset(meta.find_undeclared_variables(ast)) | used_globals


def _render(tpl, context: dict, where: str, shared: bool = False, block=None) -> str:
    """Render with limits: at most MAX_LOOP_STEPS items from `range` and MAX_OUTPUT_CHARS of
    text per render, so a rule or template that loops without end fails instead of hanging.
    `shared`: `context` already holds every global the template reads, so Jinja need not merge
    its globals into a copy (what `Template.render` does, at a cost per call)."""
    _budget.steps = MAX_LOOP_STEPS
    _budget.deadline = time.monotonic() + MAX_RENDER_SECONDS
    try:
        env = tpl.environment
        if block is not None:
            chunks = block(tpl.new_context(context))
        elif shared:
            # the Context `Template.new_context` would build, minus copying the globals' names
            # (only imports read them; texts given a shared context import nothing)
            chunks = tpl.root_render_func(env.context_class(env, context, tpl.name, tpl.blocks))
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
        line = _template_line(e)
        raise BudgetError(f"the template failed{f' at its line {line}' if line else ''}: {e}", where=where) from None
    except TemplateError as e:
        raise RulesError(f"the template failed: {e}", where=where) from None
    except RecursionError:
        raise BudgetError("the template recursed too deeply", where=where) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError, MemoryError) as e:
        # A template doing arithmetic on a missing value is a template bug; report it by file.
        raise RulesError(f"the template failed: {e}", where=where) from None


def _template_line(e: BaseException) -> int | None:
    """The line of the template an error was raised at (Jinja maps its frames to template lines)."""
    line, tb = None, e.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name == "<template>" or name.endswith(".j2"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def message_langs(templates_dir: Path) -> dict[str, set[str]]:
    """Every message template found, as `kind/purpose` -> the languages it exists in."""
    names: dict[str, set[str]] = {}
    for lang in LANGS:
        base = templates_dir / lang
        for kind in ("seller", "dispute"):
            for p in sorted((base / kind).glob("*.j2")) if (base / kind).is_dir() else []:
                names.setdefault(f"{kind}/{p.stem}", set()).add(lang)
    return names


def message_names(templates_dir: Path) -> set[str]:
    """Message templates present in *both* languages: the only ones a rule may name."""
    return {n for n, langs in message_langs(templates_dir).items() if langs == set(LANGS)}


