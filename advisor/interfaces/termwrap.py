"""The text report wrapped to the terminal's width, at spaces only.

A terminal folds a long line wherever its width ends, so words broke in two mid-word. Lines are
folded here instead, between words, with the line's indent (and a list item's marker width) on
the lines that continue it; colour codes take no width. A message to send is folded too: the
report says to copy it with `--copy`, which prints it as written, unfolded.
"""
from __future__ import annotations

import re

_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_LEAD = re.compile(r"^(\s*)((?:\d+\.|[-*•])\s+)?")


def width_of(text: str) -> int:
    return len(_COLOUR.sub("", text))


def fold(line: str, width: int) -> list[str]:
    """One line as lines of at most `width` visible characters, broken between words (a word
    longer than the width stands alone on its line, whole)."""
    if width_of(line) <= width:
        return [line]
    lead = _LEAD.match(line)
    indent = " " * width_of(lead.group(0)) if lead else ""
    words = line[len(lead.group(0)) if lead else 0:].split(" ")
    out, current = [], lead.group(0) if lead else ""
    start = current
    for word in words:
        if current != start and width_of(current) + 1 + width_of(word) > width:
            out.append(current.rstrip())
            current = start = indent
        current += ("" if current == start else " ") + word
    out.append(current.rstrip())
    return out


def wrap(text: str, width: int) -> str:
    """Every line of the report folded to `width`."""
    return "\n".join(part for line in text.split("\n") for part in fold(line, width))
