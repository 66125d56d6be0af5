"""Typed errors: every problem a user can cause is one of these, never a traceback.

Each error renders in one style: a lower-case sentence naming the field or `file:line`,
the offending value in backticks, then an optional `help:` line. An error a user can meet is
made by its key (`FactsError.of("bad_date", value=...)`) from the catalog `templates/errors.yaml`,
which holds its sentence and help in every language: the CLI says it in the user's language, the
JSON API keeps the English `message` and adds the `key`.
"""
from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any, Callable, Iterable, TypeVar

from advisor.base.sentences import fill
from advisor.base.location import Location


E = TypeVar("E", bound="AdvisorError")


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    """templates/errors.yaml: `labels` (error, help) and `errors` (key -> en, ru, help)."""
    import yaml
    from advisor.base.resources import templates_dir
    with (templates_dir() / "errors.yaml").open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
        return loaded


def _default() -> str:
    """The default language (the table's; i18n reads it with this module's errors, so asked late)."""
    from advisor.base.i18n import DEFAULT
    return DEFAULT


class Phrase:
    """A keyed part of an error (a date's shape, a reason) said in the language of the error."""

    def __init__(self, key: str, **values: Any):
        self.key, self.values = key, values

    def text(self, lang: str | None = None, part: str = "message") -> str:
        lang = lang or _default()
        entry = catalog()["errors"][self.key]
        said = {k: v.text(lang) if isinstance(v, Phrase) else v for k, v in self.values.items()}
        template = entry[lang] if part == "message" else (entry.get("help") or {}).get(lang)
        return fill(str(template), said) if template is not None else ""

    def __str__(self) -> str:
        return self.text()


def label(name: str, lang: str | None = None) -> str:
    """`error` or `help`, the labels of an error's two lines, in `lang`."""
    return str(catalog()["labels"][name].get(lang or _default(), name))


class AdvisorError(Exception):
    """Base class; `exit_code` is what the CLI exits with."""

    exit_code = 2
    kind = "error"

    def __init__(self, message: str, *, where: str | Location | None = None, help: str | None = None,
                 key: str | None = None, values: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        # printed as given; a typed Location is kept too, for code that needs its parts
        self.location = where if isinstance(where, Location) else None
        self.where = str(where) if where is not None else None
        self.help = help
        # which kind of problem this is (`bad_date`, `after_today`): its texts in every language
        # are in templates/errors.yaml (the page words its fields' errors from templates/page/texts.yaml)
        self.key = key
        self.values = values or {}

    @classmethod
    def of(cls: type[E], key: str, *, where: str | Location | None = None, help: str | Phrase | None = None,
           **values: Any) -> E:
        """The error `key` of the catalog with its values; `help` only to replace the catalog's."""
        phrase = Phrase(key, **values)
        if isinstance(help, Phrase):
            values["_help"] = help
        err = cls(phrase.text(), where=where, key=key, values=values,
                  help=str(help) if help is not None else (phrase.text(None, "help") or None))
        return err

    def said(self, lang: str | None = None) -> tuple[str, str | None]:
        """(the sentence, the help) in `lang`: from the catalog when the error has a key there."""
        entry = catalog()["errors"].get(self.key or "")
        if lang is None or lang == _default() or not entry or lang not in entry:
            return self.message, self.help
        values = {k: v for k, v in self.values.items() if k != "_help"}
        phrase = Phrase(self.key or "", **values)
        own = self.values.get("_help")
        help = own.text(lang) if isinstance(own, Phrase) else phrase.text(lang, "help") or self.help
        return phrase.text(lang), help if self.help else None

    def at(self, where: str) -> "AdvisorError":
        """The same error said of another field (an event's `date` as `events[2].date`)."""
        return type(self)(self.message, where=where, help=self.help, key=self.key, values=self.values)

    def __reduce__(self) -> tuple[Callable[..., AdvisorError], tuple[Any, ...]]:
        """Pickled whole (a Dask worker's error reaches the client with its field and help)."""
        return _rebuild, (type(self), self.message, self.where, self.help, self.key, self.values)

    def render(self, lang: str | None = None) -> str:
        """The error's lines without the `error:` label; `lang` chooses the catalog's language."""
        message, help = self.said(lang)
        head = f"{self.where}: {message}" if self.where else message
        return f"{head}\n{label('help', lang)}: {help}" if help else head

    def to_dict(self) -> dict[str, Any]:
        out = {"kind": self.kind, "message": self.message}
        if self.where:
            out["where"] = self.where
        if self.help:
            out["help"] = self.help
        if self.key and self.key in catalog()["errors"]:
            out["key"] = self.key
        return out

    def __str__(self) -> str:
        return self.render()


class FactsError(AdvisorError):
    """The parcel facts (file, stdin or CLI options) are wrong."""

    kind = "facts"


class TrackCodeError(AdvisorError):
    """The track code cannot be analysed at all (empty, or not a code)."""

    kind = "track"


class RulesError(AdvisorError):
    """A rules, format, profile or template file is wrong."""

    kind = "rules"


class HistoryError(AdvisorError):
    """A pasted tracking history cannot be read at all."""

    kind = "history"
    # a refusal's sentence as a template and its values, and the lines it names (layouts.refusal),
    # so an interface can say it in its own language; declared only, set by `refusal`
    template: str
    values: dict[str, Any]
    lines: str


class RequestError(AdvisorError):
    """An HTTP request that cannot be answered as sent: too large, cut off, too many waiting."""

    kind = "request"


class InternalError(AdvisorError):
    """A bug: said in the same shape as every other error, without its traceback."""

    kind = "internal"
    exit_code = 3


class OutputError(AdvisorError):
    """The advice could not be written: a full disk, a closed pipe, an output path that cannot be."""

    kind = "output"
    exit_code = 4


def _rebuild(cls: type[AdvisorError], message: str, where: str | None, help: str | None,
             key: str | None, values: dict[str, Any] | None = None) -> AdvisorError:
    return cls(message, where=where, help=help, key=key, values=values)


def did_you_mean(value: str, choices: Iterable[str]) -> str | None:
    """A `help:` text with the closest valid spelling, if one is close enough."""
    close = difflib.get_close_matches(str(value), sorted(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def one_of(choices: Iterable[str]) -> str:
    return "expected one of " + ", ".join(f"`{c}`" for c in sorted(choices))


def suggest(value: str, choices: Iterable[str]) -> Phrase:
    """`did_you_mean`, else `one_of`, as a phrase said in the error's language."""
    choices = sorted(choices)
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    if close:
        return Phrase("did_you_mean", value=close[0])
    return Phrase("one_of", choices=", ".join(f"`{c}`" for c in choices))
