"""A fixed sentence's `{name}` placeholders filled: the one way the tables' sentences without
grammar (errors.yaml, details.yaml, the page's words, the CLI's catalog) get their values.

Sentences that agree with a number, inflect a place or format a date are Jinja2 templates
(text/render.py); the rest name their values as `{name}`, filled here, so a table's editor writes
one syntax and a stray brace is kept as written instead of failing.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text: str, values: Mapping[str, Any] | None = None, /, **more: Any) -> str:
    """`text` with each `{name}` of `values` (and `more`) replaced by its value as text; a
    placeholder without a value is left as written."""
    given = {**(values or {}), **more}
    return _PLACEHOLDER.sub(lambda m: str(given[m[1]]) if m[1] in given else m[0], text)
