# The part of durable.engine that advisor.engine uses: the Host that compiles rulesets and the
# C module it wraps, which advisor.engine calls directly for speed.
from typing import Any

import durable_rules_engine as durable_rules_engine

class Ruleset:
    _handle: int

class Host:
    def __init__(self, ruleset_definitions: dict[str, Any] | None = None) -> None: ...
    def _run(self) -> None: ...
    def register_rulesets(self, ruleset_definitions: dict[str, Any]) -> None: ...
    def get_ruleset(self, ruleset_name: str) -> Ruleset: ...
