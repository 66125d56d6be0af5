"""Typed errors: every problem a user can cause is one of these, never a traceback.

Each error renders in one style: a lower-case sentence naming the field or `file:line`,
the offending value in backticks, then an optional `help:` line.
"""
from __future__ import annotations

import difflib
from typing import Any, Callable, Iterable

from .location import Location


class AdvisorError(Exception):
    """Base class; `exit_code` is what the CLI exits with."""

    exit_code = 2
    kind = "error"

    def __init__(self, message: str, *, where: str | Location | None = None, help: str | None = None,
                 key: str | None = None):
        super().__init__(message)
        self.message = message
        # printed as given; a typed Location is kept too, for code that needs its parts
        self.location = where if isinstance(where, Location) else None
        self.where = str(where) if where is not None else None
        self.help = help
        # which kind of problem this is (`bad_date`, `after_today`): an interface that speaks the
        # user's language words it from its own texts (the page: templates/page/texts.yaml)
        self.key = key

    def __reduce__(self) -> tuple[Callable[..., AdvisorError], tuple[Any, ...]]:
        """Pickled whole (a Dask worker's error reaches the client with its field and help)."""
        return _rebuild, (type(self), self.message, self.where, self.help, self.key)

    def render(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        return f"{head}\nhelp: {self.help}" if self.help else head

    def to_dict(self) -> dict[str, Any]:
        out = {"kind": self.kind, "message": self.message}
        if self.where:
            out["where"] = self.where
        if self.help:
            out["help"] = self.help
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
             key: str | None) -> AdvisorError:
    return cls(message, where=where, help=help, key=key)


def did_you_mean(value: str, choices: Iterable[str]) -> str | None:
    """A `help:` text with the closest valid spelling, if one is close enough."""
    close = difflib.get_close_matches(str(value), sorted(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def one_of(choices: Iterable[str]) -> str:
    return "expected one of " + ", ".join(f"`{c}`" for c in sorted(choices))
