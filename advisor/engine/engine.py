"""The durable_rules engine, used the way that gives right answers on 2.0.28 (see the notes
on durable_rules in the project docs):

- the parcel is asserted as a *fact* (an event would be consumed by one rule);
- every rule is one `$and` with the tag `kind: parcel`, so the engine's own state fact never
  matches;
- a fresh session id per evaluation, deleted in `finally` (1024 live sessions is a hard limit);
- a Host whose background timer threads are disabled, and one process-wide lock around every
  engine call (the threads race with the caller);
- rules split into rulesets of at most `CHUNK` (64 simultaneous matches per fact is a limit),
  each sent only the facts its rules read (the engine parses and indexes every field);
- fired rules are read from the engine's action queue, not by running Python actions (see
  `evaluate`);
- every ruleset has a catch-all rule, so no assert ends in `MessageNotHandledException`:
  deleting the state of such an assert aborts the process (free(): invalid size), reproduced
  on 2.0.28 with three Hosts in one process.
"""
from __future__ import annotations

import itertools
import re
import threading
import weakref
from types import ModuleType
from typing import TYPE_CHECKING, Any

from advisor.base.errors import AdvisorError, RulesError
from advisor.base.jsonio import compact
from advisor.engine.compiler import TAG, compile_when
from advisor.knowledge.rulebook import RuleBook

if TYPE_CHECKING:
    from durable.engine import Host

CHUNK = 50
CATCH_ALL = "_parcel_seen"


_LOCK = threading.RLock()
_NAMES = itertools.count(1)


def _noop(c: object) -> None:
    """The action every rule registers: fired rules are read from the queue, not by running it."""
    return None


class EngineError(AdvisorError):
    kind = "engine"
    exit_code = 3


class EngineMissing(AdvisorError):
    """durable_rules is not importable: on Python 3.13+ it was built without the define it needs
    (its C code calls `PyEval_CallObject`, which 3.13 removed), or not built at all."""
    kind = "engine"
    exit_code = 2


# What rebuilds the engine; `--no-cache-dir` and `--force-reinstall` because pip keeps a wheel
# built without the define and would install it again.
REBUILD = ("CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject "
           "pip install --no-cache-dir --force-reinstall {requirement}")


def durable_engine() -> ModuleType:
    """The `durable.engine` module, or one clear error saying how to get it (callers then import
    the names they use from it, typed by typings/durable)."""
    try:
        from durable import engine as dr
    except ImportError as e:
        detail = re.sub(r"^\S+\.so: ", "", str(e))     # the library's path says nothing to the user
        raise EngineMissing(f"the rules engine durable_rules cannot be imported (`{detail}`)",
                            help="rebuild it: " + REBUILD.format(requirement=_durable_requirement())) from None
    return dr


def _durable_requirement() -> str:
    """The durable-rules version this package asks for (pyproject.toml is the one place it is written)."""
    from importlib import metadata
    try:
        for req in metadata.requires("parcel-advisor") or ():
            name = req.split(";")[0].strip()
            if name.lower().replace("_", "-").startswith("durable-rules"):
                return name
    except metadata.PackageNotFoundError:
        pass
    return "durable-rules"


def _host_class() -> type[Host]:
    durable_engine()
    from durable.engine import Host

    class QuietHost(Host):
        """A Host without the background dispatch threads: evaluation is synchronous."""

        def _run(self) -> None:
            return None

    return QuietHost


_COMPILED: "weakref.WeakValueDictionary[str, CompiledRules]" = weakref.WeakValueDictionary()


def compiled_rules(book: RuleBook) -> "CompiledRules":
    """The rule book compiled, shared by every Advisor of the same rules (its digest) while one
    lives: a process that builds Advisor after Advisor (a server reloading its rules) compiles
    each rule book once, and the engine's rulesets are freed when the last Advisor using them
    is gone (durable_rules itself never frees them: 4.8 MB an Advisor leaked before)."""
    key = f"{book.digest}:{_profiles_digest(book.profiles)}"      # conditions inline the profiles' numbers
    with _LOCK:
        found = _COMPILED.get(key)
    if found is not None:
        return found
    compiled = CompiledRules(book)
    with _LOCK:
        _COMPILED[key] = compiled
    return compiled


def _profiles_digest(profiles: dict[str, Any]) -> str:
    import hashlib
    return hashlib.sha256(repr(sorted((k, repr(v)) for k, v in profiles.items())).encode()).hexdigest()[:12]


def _free(handles: list[int]) -> None:
    """Delete compiled rulesets from the engine (their CompiledRules is gone)."""
    try:
        durable_engine()
        from durable.engine import durable_rules_engine as dre
    except Exception:  # noqa: BLE001 - at interpreter exit the module may be gone already
        return
    with _LOCK:
        for handle in handles:
            try:
                dre.delete_ruleset(handle)
            except Exception:  # noqa: BLE001 - nothing more to free
                pass


class CompiledRules:
    """One rule book compiled for every platform profile, with its own Host and ruleset names.
    A platform's rulesets are compiled when its first parcel comes (`advise CODE` advises one
    platform: compiling the others was a sixth of its start); `compile_all()` compiles the rest,
    for `rules check` and for anything that wants the engine's refusals up front."""

    def __init__(self, book: RuleBook):
        durable_engine()
        from durable.engine import durable_rules_engine
        self.book = book
        self._order = {rule.id: rule.order for rule in book.rules}
        self._engine = durable_rules_engine
        self._rulesets: dict[str, list[str]] = {}
        self._handles: dict[str, tuple[int, ...]] = {}
        # per ruleset, the facts its rules test: the engine parses and indexes every field it is
        # given, so each ruleset gets only its own (a third less engine time)
        self._reads: dict[str, tuple[tuple[str, ...], ...]] = {}
        self._all_handles: list[int] = []
        with _LOCK:
            self.host = _host_class()()
        weakref.finalize(self, _free, self._all_handles)

    def compile_all(self) -> "CompiledRules":
        for platform in self.book.profiles:
            self._platform(platform)
        return self

    @property
    def rulesets(self) -> dict[str, list[str]]:
        return self.compile_all()._rulesets

    @property
    def handles(self) -> dict[str, tuple[int, ...]]:
        return self.compile_all()._handles

    @property
    def reads(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        return self.compile_all()._reads

    @reads.setter
    def reads(self, value: dict[str, tuple[tuple[str, ...], ...]]) -> None:
        self._reads = value

    def _platform(self, platform: str) -> tuple[tuple[int, ...], tuple[tuple[str, ...], ...]]:
        """The platform's compiled rulesets and the facts each reads, compiled on first use."""
        handles = self._handles.get(platform)
        if handles is None:
            profile = self.book.profiles.get(platform)
            if profile is None:
                return (), ()
            with _LOCK:
                if platform not in self._handles:
                    self._compile(platform, profile)
            handles = self._handles[platform]
        return handles, self._reads.get(platform, ())

    def _compile(self, platform: str, profile: dict[str, Any]) -> None:
        book, names, reads = self.book, [], []
        rules = [r for r in book.rules if not r.platforms or platform in r.platforms]
        for start in range(0, len(rules), CHUNK):
            spec, used = {}, set()
            for rule in rules[start:start + CHUNK]:
                expr = compile_when(rule, profile)
                if expr is None:
                    continue
                spec[rule.id] = {"all": [{"m": expr}], "run": _noop}
                used |= _fact_names(expr)
            if not spec:
                continue
            spec[CATCH_ALL] = {"all": [{"m": dict(TAG)}], "run": _noop}
            name = f"pa{next(_NAMES)}_{book.digest}_{platform}_{start // CHUNK}"
            try:
                self.host.register_rulesets({name: spec})
            except Exception as e:  # noqa: BLE001 - the engine's own refusal, said at the rules
                first = rules[start]
                raise RulesError(f"the rules engine cannot compile these rules ({e})",
                                 where=f"{first.file}:{first.line}",
                                 help="rules " + ", ".join(f"`{r.id}`" for r in rules[start:start + CHUNK][:5])
                                 + ": look for a condition far larger or deeper than the others") from None
            names.append(name)
            reads.append(tuple(sorted(used - set(TAG))))
        handles = tuple(self.host.get_ruleset(n)._handle for n in names)
        self._all_handles.extend(handles)
        self._rulesets[platform] = names
        self._reads[platform] = tuple(reads)
        self._handles[platform] = handles

    def evaluate(self, platform: str, fact: dict[str, Any]) -> list[str]:
        """Ids of the rules that fired for this fact, in rule-book order.

        Talks to the compiled rulesets through the engine's C interface: assert the fact, then
        walk the queue of fired actions and note each rule's name. Going through `Host` would run
        a Python closure with a JSON round trip of the session state per fired rule (most of the
        engine's cost); our actions only record a name, so nothing is lost by not running them.
        """
        fired: list[str] = []
        dre = self._engine
        handles, per_ruleset = self._platform(platform)
        with _LOCK:
            sid = f"s{next(_NAMES)}"
            for handle, reads in zip(handles, per_ruleset):
                message = {name: fact[name] for name in reads if name in fact}
                message.update(TAG, sid=sid)
                try:
                    result = dre.assert_fact(handle, compact(message))
                    if result[0] != 0:       # 1 nothing matched, 2 already seen: neither can happen
                        raise EngineError(f"the engine refused the parcel (code {result[0]})")
                    state = result[1]
                    started = dre.start_action_for_state(handle, state)
                    action = started[1] if started else None
                    while action:
                        # `{"rule_id": {...}}`: ids are `[a-z0-9_.-]` (the rules schema), so the
                        # name needs no JSON unescaping and the rest need not be parsed
                        fired.append(action[2:action.index('"', 2)])
                        action = dre.complete_and_start_action(handle, state)
                finally:
                    dre.delete_state(handle, sid)
        names = set(fired)
        names.discard(CATCH_ALL)
        return sorted(names, key=self._order.__getitem__)


def _fact_names(expr: Any) -> set[str]:
    """Fact names a compiled durable expression reads: every key that is not an operator
    (`{name: value}`, `{"$lt": {name: operand}}`) and every `{"$m": name}` in an operand."""
    names: set[str] = set()
    if isinstance(expr, list):
        for item in expr:
            names |= _fact_names(item)
    elif isinstance(expr, dict):
        for key, value in expr.items():
            if key == "$m":
                names.add(value)
                continue
            if not key.startswith("$"):
                names.add(key)
            names |= _fact_names(value)
    return names
