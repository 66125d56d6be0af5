"""Where something was written, typed: a position in a file (`file:line:col`), a field of the
facts (`order.paid`) or a command-line option (`--paid`). Errors print it with `str()`; code that
needs a part of it (a line further down, the field) reads the part, never the printed string.
"""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Location:
    file: str | None = None
    line: int | None = None
    col: int | None = None
    field: str | None = None      # a facts path: `order.paid`, `events[2].date`
    option: str | None = None     # a command-line option, with its dashes: `--paid`

    def __str__(self) -> str:
        if self.file is not None:
            return ":".join([self.file] + [str(n) for n in (self.line, self.col) if n is not None])
        return self.field or self.option or "?"

    def down(self, lines: int) -> "Location":
        """The same column `lines` lines further down the file (a block text's own line)."""
        return replace(self, line=(self.line or 0) + lines) if self.line is not None else self


def at_file(file: str, line: int | None = None, col: int | None = None) -> Location:
    return Location(file=file, line=line, col=col)
