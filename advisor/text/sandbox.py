"""The Jinja2 sandbox every text is rendered in, and its budget: `*`, `+`, `~`, widths and counts
bounded, every loop step and call charged, each render timed, and what every operator, call and
filter builds measured (MAX_VALUE), intermediate values included (`|sum` of lists is charged for
each partial sum). A rule text or template that would loop for hours or build gigabytes fails
with its `file:line` instead."""
from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from advisor.base.errors import RulesError

if TYPE_CHECKING:
    from jinja2 import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

T = TypeVar("T")

MAX_LOOP_STEPS = 100_000       # loop items and calls one render may take, nested loops included
MAX_OUTPUT_CHARS = 2_000_000   # a message is a few kB; a report of 5,000 events about 500 kB
MAX_SEQUENCE = 100_000         # longest string or list one operation may build
MAX_INT_BITS = 256             # the largest whole number arithmetic may build (about 77 digits)
MAX_RENDER_SECONDS = 2.0       # one render's time; a message takes milliseconds
MAX_VALUE = 1_000_000          # characters and items one value may hold, each reference to a shared part counted
_budget = threading.local()
_SIZED = (str, bytes, bytearray, list, tuple, dict, set, frozenset)
_SEQUENCES = (str, bytes, bytearray, list, tuple)


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


def _size(value: Any) -> int:
    """How much `value` holds: characters of text, items of containers, and what every item holds,
    an item referred to many times counted each time (`[[1] * 99999] * 99999` holds 10^10, though
    its memory is small: printing or summing it would build them all). Stops past MAX_VALUE."""
    if isinstance(value, (str, bytes, bytearray)):
        return len(value)
    memo: dict[int, int] = {}

    def size(x: Any, depth: int) -> int:
        got = memo.get(id(x))
        if got is not None:
            return got
        if depth > 64:
            raise SecurityError("the value nests deeper than 64 levels")
        memo[id(x)] = 0                 # a structure that holds itself counts itself once
        n = len(x)
        for item in ([*x.keys(), *x.values()] if isinstance(x, dict) else x):
            if isinstance(item, (str, bytes, bytearray)):
                n += len(item)
            elif isinstance(item, _SIZED):
                n += size(item, depth + 1)
        if n > MAX_VALUE:
            raise SecurityError(f"the value would hold more than {MAX_VALUE:,} characters and items")
        memo[id(x)] = n
        return n
    return size(value, 0)


def _bounded(value: T) -> T:
    """`value`, once it is known to hold at most MAX_VALUE characters and items."""
    if isinstance(value, str):          # the common case, measured without a call
        if len(value) > MAX_VALUE:
            raise SecurityError(f"the value would hold more than {MAX_VALUE:,} characters and items")
        return value
    if isinstance(value, _SIZED) and _size(value) > MAX_VALUE:
        raise SecurityError(f"the value would hold more than {MAX_VALUE:,} characters and items")
    return value


def _range(*args: int) -> range:
    """`range` that charges every item to this render's budget (the sandbox's own only caps one call)."""
    r = range(*args)
    _charge(len(r))
    return r


def _loop(items: Iterable[T]) -> Iterator[T]:
    """Every `{% for %}` runs over this: each item taken is a step of the budget, so loops nested
    over strings or lists of fair size cannot multiply into hours."""
    for item in items:
        _charge()
        yield item


def _concat(*parts: Any) -> str:
    """`a ~ b`: bounded like `*`, so doubling a string in a loop stops at MAX_SEQUENCE (measured
    before the parts are joined: a thousand references to a long text are not built first)."""
    texts = [str(_bounded(x)) for x in parts]
    if sum(len(t) for t in texts) > MAX_SEQUENCE:
        raise SecurityError(f"the text would be longer than {MAX_SEQUENCE:,}")
    return "".join(texts)


def _sized(n: T, what: str = "the width") -> T:
    if isinstance(n, int) and abs(n) > MAX_SEQUENCE:
        raise SecurityError(f"{what} `{n}` is larger than {MAX_SEQUENCE:,}")
    return n


# widths in a printf-style (`%500000000s`) or format-style (`{:>500000000}`) format
_PRINTF_WIDTHS = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_WIDTHS = re.compile(r"\{[^{}]*?:[^{}]*?(\d+)")


def _check_format(fmt: object) -> None:
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
    whatever the facts, it would fail again. `line`: the template's line it failed at."""

    line: int | None = None


class Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, plus a budget for every render: `*`, `+` and `~` cannot build strings or
    lists past MAX_SEQUENCE nor numbers past MAX_INT_BITS, widths and counts given to string
    methods and filters are bounded, every loop step and call is charged (MAX_LOOP_STEPS) and
    the render has a time limit (MAX_RENDER_SECONDS). A text that breaks a bound fails with its
    `file:line` instead of running until killed or taking gigabytes."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "<<"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 64 or isinstance(left, int) and abs(left) > 10 ** 9:
                raise SecurityError("the power is too large")
        elif operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, bytearray, list, tuple)) and isinstance(n, int) \
                        and len(seq) * n > MAX_SEQUENCE:
                    raise SecurityError(f"the result would be longer than {MAX_SEQUENCE:,}")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise SecurityError("the number would be too large")
        elif operator == "+":
            if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES) and len(left) + len(right) > MAX_SEQUENCE:
                raise SecurityError(f"the result would be longer than {MAX_SEQUENCE:,}")
        elif operator == "%" and isinstance(left, (str, bytes)):
            _check_format(left)
            _bounded(right)         # `'%s' * n % (text,) * n`: every reference is printed
        elif operator == "<<" and isinstance(right, int) and right > MAX_INT_BITS:
            raise SecurityError("the number would be too large")
        result = super().call_binop(context, operator, left, right)
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            raise SecurityError("the number would be too large")
        return _bounded(result)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's own signature
        _charge()
        name = getattr(__obj, "__name__", None)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, (str, bytes, bytearray)) and name is not None:
            if name in ("format", "format_map"):     # older Jinja calls str.format through here
                _check_format(owner)
                _bounded(args)
                _bounded(kwargs)
            elif name == "translate" and args:
                _translated(owner, args[0])
            elif name in _GROWING and args:
                _sized(args[_GROWING[name]])
            elif name == "expandtabs":
                _sized(len(owner) * (args[0] if args and isinstance(args[0], int) else 8), "the result")
            elif name == "replace" and len(args) >= 2 and isinstance(args[0], type(owner)) \
                    and isinstance(args[1], type(owner)):
                _replaced(owner, args[0], args[1], args[2] if len(args) > 2 and isinstance(args[2], int) else None)
            elif name == "join" and args:
                _joined(owner, args[0])
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`'{:>500000000}'.format(x)`: the widths are checked before anything is built."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format(value.__self__)

            def checked(*args: Any, **kwargs: Any) -> str:
                _bounded(args)
                _bounded(kwargs)
                return wrapped(*args, **kwargs)
            return checked
        return wrapped

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.globals["range"] = _range
        self.globals["_budget_loop"] = _loop
        self.globals["_budget_concat"] = _concat
        _bounded_filters(self)
        del self.globals["lipsum"]     # random filler text: no use in advice, and slow to make large

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """The template's tree with every `for` loop taken through `_loop` and every `~` through
        `_concat`: the budget sees each step, whatever the loop runs over."""
        tree: nodes.Template = _Budgeted().visit(super()._parse(source, name, filename))
        return tree


class _Budgeted(NodeTransformer):
    """Rewrites a template's tree: `for x in ITEMS` becomes `for x in _budget_loop(ITEMS)` and
    `a ~ b` becomes `_budget_concat(a, b)` (see Sandbox._parse)."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)  # type: ignore[assignment]  # Jinja's generic_visit gives the node back
        node.iter = nodes.Call(nodes.Name("_budget_loop", "load"), [node.iter], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)  # type: ignore[assignment]  # Jinja's generic_visit gives the node back
        return nodes.Call(nodes.Name("_budget_concat", "load"), list(node.nodes), [], None, None, lineno=node.lineno)


def _joined(sep: str | bytes | bytearray, items: object) -> None:
    if isinstance(items, (list, tuple)):
        total = len(sep) * max(0, len(items) - 1) + sum(len(x) for x in items if isinstance(x, (str, bytes)))
        _sized(total, "the result")


def _replaced(text: Any, old: Any, new: Any, count: int | None) -> None:
    """What `replace` builds, counted before: each occurrence (every gap, for an empty `old`)."""
    found = len(text) + 1 if not old else text.count(old)
    if count is not None and count >= 0:
        found = min(found, count)
    _sized(len(text) + found * (len(new) - len(old)), "the result")


def _pass_environment_arg() -> object:
    from jinja2.utils import pass_environment
    return getattr(pass_environment(lambda: None), "jinja_pass_arg")


def _translated(text: str | bytes | bytearray, table: object) -> None:
    """`str.translate` with a table of long replacements builds len(text) times the longest."""
    values = table.values() if isinstance(table, dict) else table if isinstance(table, (list, tuple)) else ()
    longest = max((len(v) for v in values if isinstance(v, (str, bytes))), default=1)
    _sized(len(text) * longest, "the result")


def _bounded_filters(env: Environment) -> None:
    """Filters that take a width or a count, with the same bounds as the methods; `|sum` charged
    for each partial sum; then every filter charged a step, an iterator it is given charged per
    item, and its result measured (MAX_VALUE)."""
    from jinja2.utils import pass_eval_context
    f = env.filters
    center, indent, fmt, replace, join, slice_ = f["center"], f["indent"], f["format"], f["replace"], f["join"], f["slice"]
    f["center"] = lambda value, width=80: center(value, _sized(width))
    f["indent"] = lambda value, width=4, *a, **k: (_sized(len(str(value)) * (width if isinstance(width, int) else len(str(width))),
                                                          "the result"), indent(value, width, *a, **k))[1]

    def format_(value: Any, *a: Any, **k: Any) -> Any:
        _check_format(value)
        _bounded(a)
        _bounded(k)
        return fmt(value, *a, **k)
    f["format"] = format_
    f["slice"] = lambda value, slices, *a: slice_(value, _sized(slices, "the number of slices"), *a)

    @pass_eval_context
    def bounded_replace(eval_ctx: EvalContext, s: Any, old: Any, new: Any, count: int | None = None) -> Any:
        _replaced(str(s), str(old), str(new), count)
        return replace(eval_ctx, s, old, new, count)
    f["replace"] = bounded_replace

    @pass_eval_context
    def bounded_join(eval_ctx: EvalContext, value: Iterable[Any], d: str = "", attribute: str | int | None = None) -> Any:
        items = list(value) if not isinstance(value, (list, tuple)) else value
        _joined(str(d), [str(x) for x in items] if all(isinstance(x, str) for x in items) else items)
        return join(eval_ctx, items, d, attribute)
    f["join"] = bounded_join
    f["sum"] = _bounded_sum
    for name, func in list(f.items()):
        f[name] = _budgeted(func)


def _budgeted(func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter charged one step, any iterator it is given charged per item it takes (`|list` of
    a generator of a billion items stops at the budget), and its result measured."""
    first = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def filtered(*args: Any, **kwargs: Any) -> Any:
        _charge()
        if len(args) > first and isinstance(args[first], Iterator):
            args = (*args[:first], _loop(args[first]), *args[first + 1:])
        return _bounded(func(*args, **kwargs))
    return filtered


def _bounded_sum(environment: Sandbox, iterable: Iterable[Any], attribute: str | int | None = None,
                 start: Any = 0) -> Any:
    """`|sum`, each addition through the sandbox's bounded `+` and charged for what it builds:
    `([[1]] * 99999)|sum(start=[])` built 5 * 10^9 list items (39 s) in one filter."""
    from jinja2.filters import make_attrgetter
    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    total = start
    for item in iterable:
        _charge(1 + (len(total) if isinstance(total, _SIZED) else 0))
        total = environment.call_binop(None, "+", total, item)  # type: ignore[arg-type]  # no context here; Jinja's binop does not read it
    return total


setattr(_bounded_sum, "jinja_pass_arg", _pass_environment_arg())   # as @pass_environment marks it


def start_budget() -> None:
    """A fresh budget for the render about to start on this thread."""
    _budget.steps = MAX_LOOP_STEPS
    _budget.deadline = time.monotonic() + MAX_RENDER_SECONDS


def template_line(e: BaseException) -> int | None:
    """The line of the template an error was raised at (Jinja maps its frames to template lines)."""
    line, tb = None, e.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name == "<template>" or name.endswith(".j2"):
            # a frame of compiled template code maps its line back to the template's; a frame
            # Jinja already rewrote (through `generate`) has the template's line as its own
            tpl = tb.tb_frame.f_globals.get("__jinja_template__")
            line = tpl.get_corresponding_lineno(tb.tb_lineno) if tpl is not None else tb.tb_lineno
        tb = tb.tb_next
    return line
