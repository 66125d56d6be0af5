"""The durable_rules engine, used the way that gives right answers on 2.0.28 (see the notes
on durable_rules in the project docs):

- the parcel is asserted as a *fact* (an event would be consumed by one rule);
- every rule is one `$and` with the tag `kind: parcel`, so the engine's own state fact never
  matches;
- a fresh session id per evaluation, deleted in `finally` (1024 live sessions is a hard limit);
- a Host whose background timer threads are disabled, and one process-wide lock around every
  engine call (the threads race with the caller);
- rules split into rulesets of at most `CHUNK` (64 simultaneous matches per fact is a limit);
- swallowed action exceptions are read back from the returned state;
- every ruleset has a catch-all rule, so no assert ends in `MessageNotHandledException`:
  deleting the state of such an assert aborts the process (free(): invalid size), reproduced
  on 2.0.28 with three Hosts in one process.
"""
from __future__ import annotations

import itertools
import threading

from .errors import AdvisorError
from .rulebook import TAG, RuleBook, compile_when

CHUNK = 50
CATCH_ALL = "_parcel_seen"


def _noop(c):
    return None
_LOCK = threading.RLock()
_NAMES = itertools.count(1)


class EngineError(AdvisorError):
    kind = "engine"
    exit_code = 3


def _host_class():
    from durable import engine as dr

    class QuietHost(dr.Host):
        """A Host without the background dispatch threads: evaluation is synchronous."""

        def _run(self):
            return None

    return QuietHost


class CompiledRules:
    """One rule book compiled for every platform profile, with its own Host and ruleset names."""

    def __init__(self, book: RuleBook):
        from durable import engine as dr
        self._dr = dr
        self.book = book
        self._fired: list[str] | None = None
        self.rulesets: dict[str, list[str]] = {}
        with _LOCK:
            self.host = _host_class()()
            for platform, profile in book.profiles.items():
                names = []
                rules = [r for r in book.rules if not r.platforms or platform in r.platforms]
                for start in range(0, len(rules), CHUNK):
                    spec = {}
                    for rule in rules[start:start + CHUNK]:
                        expr = compile_when(rule, profile)
                        if expr is None:
                            continue
                        spec[rule.id] = {"all": [{"m": expr}], "run": self._recorder(rule.id)}
                    if not spec:
                        continue
                    spec[CATCH_ALL] = {"all": [{"m": dict(TAG)}], "run": _noop}
                    name = f"pa{next(_NAMES)}_{book.digest}_{platform}_{start // CHUNK}"
                    self.host.register_rulesets({name: spec})
                    names.append(name)
                self.rulesets[platform] = names

    def _recorder(self, rule_id: str):
        def run(c):
            if self._fired is not None and rule_id != CATCH_ALL:
                self._fired.append(rule_id)
        return run

    def evaluate(self, platform: str, fact: dict) -> list[str]:
        """Ids of the rules that fired for this fact, in rule-book order."""
        fired: list[str] = []
        with _LOCK:
            self._fired = fired
            try:
                for name in self.rulesets.get(platform, []):
                    sid = f"s{next(_NAMES)}"
                    message = dict(fact, sid=sid, **{"kind": "parcel"})
                    try:
                        state = self.host.assert_fact(name, message)
                        if isinstance(state, dict) and state.get("exception"):
                            raise EngineError(f"a rule action failed: {state['exception']}")
                    finally:
                        self.host.delete_state(name, sid)
            finally:
                self._fired = None
        order = self.book.by_id
        return sorted(set(fired), key=lambda rid: order[rid].order)
