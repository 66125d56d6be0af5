"""The English `detail` sentence of a note or a change (`templates/details.yaml`): Python says
which note and with which values, the sentence is data. Read once from the package's copy (the
sentences are part of the output contract, not of a templates directory)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from advisor.base.sentences import fill
from advisor.base.resources import templates_dir
from advisor.base.yamlfile import load


@lru_cache(maxsize=1)
def _sentences() -> dict[str, dict[str, str]]:
    data = load(templates_dir() / "details.yaml", "templates/details.yaml")
    return {section: {str(k): str(v) for k, v in items.items()} for section, items in data.items()}


def detail(section: str, kind: str, values: dict[str, Any]) -> str:
    """The sentence `kind` of `section` (notes, changes, repairs) filled with `values`."""
    return fill(_sentences()[section][kind], values)


def note(kind: str, values: dict[str, Any] | None = None, sentence: str | None = None, **for_text: Any) -> dict[str, Any]:
    """A note: its kind, its values, then its English detail (the sentence `sentence`, else the
    one named like the note). `for_text` are values the sentence uses that the note itself does
    not carry (a status cut shorter, a list joined)."""
    values = values or {}
    return {"kind": kind, **values, "detail": detail("notes", sentence or kind, {**values, **for_text})}


def change(kind: str, values: dict[str, Any] | None = None, **for_text: Any) -> dict[str, Any]:
    """A change made to a pasted code, as `note` makes a note."""
    values = values or {}
    return {"kind": kind, **values, "detail": detail("changes", kind, {**values, **for_text})}


def line(n: int, kind: str, values: dict[str, Any] | None = None, **for_text: Any) -> dict[str, Any]:
    """A line of a pasted history that was not read, or was read after a repair: its number, the
    reason (`lines:`), then its values."""
    values = values or {}
    return {"line": n, "reason": detail("lines", kind, {"line": n, **values, **for_text}), **values}
