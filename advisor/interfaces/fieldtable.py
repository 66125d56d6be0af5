"""The one table of the answers a buyer can give (`templates/fields.yaml`), read and checked.

The CLI's facts options (`options.field_options`), the page's form (`templates/page/fields.html.j2`)
and question mode (`questions.py`) are all made from it, so every interface asks for the same
facts with the same words: a new answer is a row of the table, not an edit of three interfaces.
A row that lacks a text in a language, or names a kind, group or answer that does not exist, is
an error at `file:line:col` when the table is read, never a missing option at run time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable

from advisor.base.errors import RulesError
from advisor.base.i18n import LANGS
from advisor.base.resources import templates_dir
from advisor.base.yamlfile import Located, load

KINDS = ("text", "choice", "bool", "date", "date_left", "place", "amount", "number", "history")
TEXTS = ("label", "help", "question")          # every row has these, in every language
DISPLAY = "templates/fields.yaml"


@dataclass(frozen=True)
class Field:
    """One answer: its name (the option `--NAME`, the form's `NAME`), kind, facts path and texts."""

    name: str
    kind: str
    path: str
    group: str
    texts: dict[str, dict[str, str]]                      # label/help/question/hint -> lang -> text
    choices: dict[str, dict[str, str]] | str | None = None  # id -> lang -> words, or `platforms`
    flags: tuple[str, str] | None = None
    ask_if: dict[str, object] = field(default_factory=dict)
    more: bool = False
    option: str | None = None

    def text(self, which: str, lang: str) -> str | None:
        return (self.texts.get(which) or {}).get(lang)

    @property
    def counts(self) -> str:
        """What a bare number of days means for a date: days `ago`, or (protection) days `left`."""
        return "left" if self.kind == "date_left" else "ago"

    @property
    def option_name(self) -> str:
        return self.option or "--" + self.name.replace("_", "-")

    def choice_ids(self) -> tuple[str, ...]:
        return tuple(self.choices) if isinstance(self.choices, dict) else ()


@dataclass(frozen=True)
class Table:
    fields: tuple[Field, ...]
    groups: dict[str, dict[str, str]]
    kinds: dict[str, dict[str, dict[str, str]]]          # kind -> hint/error -> lang -> text
    asking: dict[str, dict[str, str]]                    # question mode's own words -> lang -> text

    def __getitem__(self, name: str) -> Field:
        return self.by_name[name]

    @property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def kind_text(self, kind: str, which: str, lang: str) -> str | None:
        return ((self.kinds.get(kind) or {}).get(which) or {}).get(lang)


def _langs(node: object, where: str) -> dict[str, str]:
    if not isinstance(node, dict) or any(not isinstance(node.get(lang), str) or not node[lang].strip()
                                         for lang in LANGS):
        raise RulesError(f"a text needs every language ({', '.join(LANGS)})", where=where,
                         help="write it as `{en: \"...\", ru: \"...\"}`")
    return {lang: node[lang] for lang in LANGS}


def _row(name: str, row: object, groups: dict[str, dict[str, str]], names: set[str],
         where: Callable[[], str]) -> Field:
    if not isinstance(row, Located):        # every mapping of a table read by `load` is Located
        raise RulesError(f"field `{name}` is not a mapping", where=where())
    if row.get("kind") not in KINDS:
        raise RulesError(f"field `{name}` has kind `{row.get('kind')}`", where=row.where("kind"),
                         help="kinds: " + ", ".join(KINDS))
    if not isinstance(row.get("path"), str) or row.get("group") not in groups:
        raise RulesError(f"field `{name}` needs a facts `path` and one of the `groups`", where=row.where())
    texts = {which: _langs(row.get(which), row.where(which)) for which in TEXTS + ("hint",)
             if which in TEXTS or which in row}
    choices = row.get("choices")
    if row["kind"] == "choice":
        if isinstance(choices, Located):
            choices = {k: _langs(v, choices.where(k)) for k, v in choices.items()}
        elif choices != "platforms":
            raise RulesError(f"choice field `{name}` needs `choices`", where=row.where())
    for other in row.get("ask_if") or {}:
        if other not in names:
            raise RulesError(f"field `{name}` is asked after `{other}`, which is no field", where=row.where("ask_if"))
    flags = row.get("flags")
    return Field(name=name, kind=row["kind"], path=row["path"], group=row["group"], texts=texts,
                 choices=choices, flags=tuple(flags) if flags else None, ask_if=dict(row.get("ask_if") or {}),
                 more=bool(row.get("more")), option=row.get("option"))


def read(path: Path, display: str = DISPLAY) -> Table:
    """The table at `path`; every problem raised at its `file:line:col`."""
    doc = load(path, display)
    groups = {k: _langs(v, doc["groups"].where(k)) for k, v in (doc.get("groups") or {}).items()}
    kinds = {k: {which: _langs(t, v.where(which)) for which, t in v.items()} for k, v in (doc.get("kinds") or {}).items()}
    rows: Located = doc.get("fields") or Located()
    names = set(rows)
    fields_ = tuple(_row(name, row, groups, names, partial(rows.where, name)) for name, row in rows.items())
    asking = {k: _langs(v, doc["asking"].where(k)) for k, v in (doc.get("asking") or {}).items()}
    return Table(fields=fields_, groups=groups, kinds=kinds, asking=asking)


@lru_cache(maxsize=1)
def table() -> Table:
    """The shipped table (the CLI's options are made from it when the CLI is imported)."""
    return read(templates_dir() / "fields.yaml")
