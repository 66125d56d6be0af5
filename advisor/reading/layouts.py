"""How a pasted tracker page lays its events out, so each date goes with its own status and the
place printed with it. Pages come as one line an event (`22.11.2026 14:05 Экспорт`), as table
rows whose cells a browser copies with tabs (date, status, place: Track24, Kazpost, Belpochta),
with the place in brackets before the status (17TRACK's copy, China Post's 【】), or as blocks
of lines: Russian Post prints a status, then its date, then its place; 17TRACK, Cainiao,
AliExpress and Nova Poshta print the date first; some print a day once above its events, each
starting with its time. Which way a page of blocks goes is read from
the page itself (nothing before the first date or after the last, postcodes where a status
would be, every other event having its place); when nothing tells, the page is refused with
the lines that can be read both ways, never guessed. Reading the dates themselves is
`history.py`'s business: `split` is its reader."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from advisor.text.details import line
from advisor.base.errors import HistoryError
from advisor.base.sentences import fill

_SPACES = re.compile(r"\s{2,}")     # where an editor made spaces of a copied table's tabs, or a status has a double space
_IN_BRACKETS = re.compile(r"^(?:\[(?P<a>[^\]]{1,80})\]|【(?P<b>[^】]{1,80})】)$")
_TIME_ONLY = re.compile(r"(?i)^\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s*\(?(?:gmt|utc)[^)]*\)?)?$")
_TIMED = re.compile(r"(?i)^\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?\s+\S")      # `14:05 Delivered`
_BRACKETED = re.compile(r"^(?:\[(?P<a>[^\]]{1,80})\]|【(?P<b>[^】]{1,80})】)\s*(?P<rest>.+)$")
# a place as trackers print it: a postcode (4-6 digits: Kazakhstan, Belarus and Ukraine print
# 6 and 5, China 6, the EU 4-5) beside at most four words, or `City, CC`
_PLACE = re.compile(r"^(?=.{2,80}$)(?:(?:[^\W\d_][\w.\-]*[ ,]+){0,4}\d{4,6}(?:[ ,]+[^\W\d_][\w.\-]*){0,4}"
                    r"|[^\W\d_][\w .\-]{1,40},\s*[A-Z]{2})$")

# a track code (S10, or a waybill of 10-20 digits): the page's title, never a status
_CODE = re.compile(r"\b(?:[A-Z]{2}\d{9}[A-Z]{2}|\d{10,20})\b")
Split = Callable[[str], tuple[object, str]]     # a line -> (its date or None, the text after date and time)


@dataclass
class Piece:
    """One event's line as `history.py` reads it (`DATE STATUS`), the place printed with it,
    and the line it is reported under."""
    n: int
    text: str
    place: str | None = None
    status: str = ""


def arrange(rows: list[tuple[int, str]], split: Split) -> tuple[list[Piece], list[dict[str, Any]]]:
    """The pieces of a page, one an event (lines without a date stay pieces: `history.py`
    reports them), and the lines a block page holds around its events (its title, a footer)."""
    split = _remembered(split)
    rows = _spaced_columns([(n, "\t".join(c.strip() for c in text.split("\t") if c.strip())) for n, text in rows], split)
    kinds = [_kind(text, split) for _, text in rows]
    if "date" not in kinds:
        return [_one_line(n, text, split) for n, text in rows], []
    rows3 = _under_days(_with_times(rows, kinds))
    if not any(kind == "date" for _, _, kind in rows3):
        return [_one_line(n, text, split) for n, text, _ in rows3], []
    return _blocks(rows3, split)


def _remembered(split: Split) -> Split:
    """`split` once per distinct text: a line is looked at for its columns, its kind and its cells."""
    seen: dict[str, tuple[object, str]] = {}

    def once(text: str) -> tuple[object, str]:
        if text not in seen:
            seen[text] = split(text)
        return seen[text]
    return once


def _spaced_columns(rows: list[tuple[int, str]], split: Split) -> list[tuple[int, str]]:
    """A table whose tabs an editor made into runs of spaces: when every dated line has the same
    number of such columns and one ends in a place-shaped column, the runs are its columns."""
    if any("\t" in text for _, text in rows):
        return rows
    dated = [_SPACES.split(text) for _, text in rows if split(text)[0] is not None]
    if len({len(c) for c in dated}) != 1 or len(dated[0]) < 3 or not any(is_place(c[-1]) for c in dated):
        return rows
    return [(n, _SPACES.sub("\t", text)) for n, text in rows]


def _kind(text: str, split: Split) -> str:
    date, rest = split(text)
    if date is None:
        return "time" if _TIME_ONLY.match(text.strip()) else "timed" if _TIMED.match(text.strip()) else "text"
    return "event" if rest.strip() else "date"


def _with_times(rows: list[tuple[int, str]], kinds: list[str]) -> list[tuple[int, str, str]]:
    """Rows with their kinds; a line holding only a time, right after a date line, joins it."""
    out: list[tuple[int, str, str]] = []
    for (n, text), kind in zip(rows, kinds):
        if kind == "time" and out and out[-1][2] == "date":
            out[-1] = (out[-1][0], f"{out[-1][1]} {text.strip()}", "date")
        else:
            out.append((n, text, "text" if kind == "time" else kind))
    return out


def _under_days(rows: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """A day printed once above its events, each starting with its time (`22 November 2026`, then
    `14:05 Delivered`, `09:12 Out for delivery`): each such line is an event of that day, and
    the day's own line is used up. A timed line under no day stays a line without a date."""
    out: list[tuple[int, str, str]] = []
    day = None
    for i, (n, text, kind) in enumerate(rows):
        if kind == "date" and i + 1 < len(rows) and rows[i + 1][2] == "timed":
            day = text
            continue
        if kind == "timed" and day is not None:
            out.append((n, f"{day} {text}", "event"))
            continue
        day = None
        out.append((n, text, "text" if kind == "timed" else kind))
    return out


def _one_line(n: int, text: str, split: Split) -> Piece:
    """An event on one line: its cells (tab-separated, as a browser copies a table row) are the
    date with its time, then the status and the place; a place in brackets before the status
    is the place. A line the page gives without any of these stays as it is."""
    date, rest = split(text)            # the date and its time, in one cell or two
    if date is None:
        return Piece(n, " ".join(text.split()))
    head, texts = text[:len(text) - len(rest)], [c.strip() for c in rest.split("\t") if c.strip()] or [""]
    status, places = _status_first(texts)
    apart = _SPACES.split(status.strip())
    if not places and len(apart) > 1 and all(is_place(c) for c in apart[1:]):
        status, places = apart[0], apart[1:]          # `Прибыло в место вручения  Москва 101000`
    bracket = _BRACKETED.match(status)
    if bracket and not places:
        status, places = bracket["rest"], [bracket["a"] or bracket["b"]]
    place = ", ".join(" ".join(p.split()) for p in places) or None
    return Piece(n, " ".join(f"{head} {status}".split()), place, status)


def _status_first(cells: list[str]) -> tuple[str, list[str]]:
    """(status, places) of a row's text cells: the first cell is the status, unless it is
    shaped as a place and exactly one other cell is not (a place column before the status)."""
    if len(cells) > 1 and is_place(cells[0]):
        others = [c for c in cells[1:] if not is_place(c)]
        if len(others) == 1:
            return others[0], [c for c in cells if c is not others[0]]
    return cells[0], cells[1:]


def is_place(text: str) -> bool:
    """A line shaped as a place trackers print: a postcode with a few words, or `City, CC`."""
    return bool(_PLACE.match(" ".join(text.split())))


def _blocks(rows: list[tuple[int, str, str]], split: Split) -> tuple[list[Piece], list[dict[str, Any]]]:
    """A page of blocks: the text lines between date lines are read both ways round (status
    after its date, or before it) and the one way the page allows is taken."""
    pieces = [_one_line(n, text, split) for n, text, kind in rows if kind == "event"]
    seq = [(n, text, kind) for n, text, kind in rows if kind != "event"]
    dates = [i for i, r in enumerate(seq) if r[2] == "date"]
    bounds = [-1, *dates, len(seq)]
    gaps = [[(n, t) for n, t, _ in seq[a + 1:b]] for a, b in zip(bounds, bounds[1:])]
    heads = [(seq[i][0], seq[i][1]) for i in dates]
    sizes = {len(g) for g in gaps[1:-1]}
    size = sizes.pop() if len(sizes) == 1 else None       # lines of every event but the date, when the page is even
    readings = {name: read(heads, gaps, size) for name, read in (("date_first", _date_first), ("status_first", _status_before))}
    possible = {name: r for name, r in readings.items() if r is not None}
    if not possible:
        bare = next(h for h, g in zip(heads, gaps[1:]) if not g)
        raise refusal("no_status", {"line": bare[0], "date": bare[1]}, f"line {bare[0]}")
    if len(possible) > 1:
        possible = _told_apart(possible)
    if len(possible) > 1:
        raise refusal("both_ways", _both_ways(heads, gaps), f"line {heads[0][0]}")
    events, outside, _even = next(iter(possible.values()))
    for p in events:
        bracket = _IN_BRACKETS.match(p.place or "")
        p.place = bracket["a"] or bracket["b"] if bracket else p.place and " ".join(p.place.split())
    return sorted(pieces + events, key=lambda p: p.n), [line(n, "outside", {"text": t[:80]}) for n, t in outside]


Reading = tuple[list[Piece], list[tuple[int, str]], bool]   # events, lines outside them, every event alike


def _date_first(heads: list[tuple[int, str]], gaps: list[list[tuple[int, str]]], size: int | None) -> Reading | None:
    """Each date, then its status, then its place; the lines before the first date are not
    events, nor those after the last event's own lines."""
    if any(not g for g in gaps[1:]):
        return None
    events: list[Piece] = []
    outside = list(gaps[0])
    for k, ((n, date), gap) in enumerate(zip(heads, gaps[1:])):
        own = gap[:size] if size and k == len(heads) - 1 else gap
        events.append(Piece(n, f"{date} {own[0][1]}", own[1][1] if len(own) > 1 else None, own[0][1]))
        outside += own[2:] + gap[len(own):]
    return events, outside, size is None or len(gaps[-1]) >= size


def _status_before(heads: list[tuple[int, str]], gaps: list[list[tuple[int, str]]], size: int | None) -> Reading | None:
    """Each status, then its date, then its place (Russian Post); a line between a date and the
    next status is the first one's place."""
    if any(not g for g in gaps[:-1]):
        return None
    events: list[Piece] = []
    outside = list(gaps[0][:-1])
    for k, ((n, date), gap) in enumerate(zip(heads, gaps[1:])):
        status = gaps[k][-1][1]
        last = k == len(heads) - 1
        after = (gap[:size - 1] if size else gap[:1]) if last else gap[:-1]
        events.append(Piece(n, f"{date} {status}", after[0][1] if after else None, status))
        outside += after[1:] + (gap[len(after):] if last else [])
    return events, outside, size is None or len(gaps[-1]) >= size - 1


def _told_apart(possible: dict[str, Reading]) -> dict[str, Reading]:
    """The readings the page contradicts least: a status that is shaped as a place (a postcode)
    or holds a track code (the page's title) is not a status; then the reading whose places
    are shaped as places; then the one giving every event the same lines."""
    tests: tuple[Callable[[Reading], int], ...] = (lambda r: -sum(is_place(p.status) or bool(_CODE.search(p.status)) for p in r[0]),
             lambda r: sum(bool(p.place and is_place(p.place)) for p in r[0]),
             lambda r: int(r[2]))
    for test in tests:
        scores = {name: test(r) for name, r in possible.items()}
        possible = {name: r for name, r in possible.items() if scores[name] == max(scores.values())}
    return possible


def _both_ways(heads: list[tuple[int, str]], gaps: list[list[tuple[int, str]]]) -> dict[str, Any]:
    """The first date whose status can be the line above it or the line below it."""
    (n, date), above, below = heads[0], gaps[0][-1], gaps[1][0]
    return {"line": n, "date": date, "above": above[0], "above_text": above[1][:60],
            "below": below[0], "below_text": below[1][:60]}


# what a refused page is told, in English here and in Russian in the CLI's catalog and the page's
# texts (`history_KIND`): what was not understood, by line, and how to paste it instead
REFUSALS = {
    "no_date": ("no line of the history has a date with its year, the first one (`{text}`) included",
                "copy the tracker's events together with their dates; where a page prints a date without its year, "
                "add the year: `22.11.2026 14:05 Экспорт`"),
    "no_status": ("the dates and the statuses do not pair up: the date `{date}` has no status line of its own, "
                  "above or below it",
                  "copy each event whole: its status together with its date, as the tracker shows them side by side"),
    "both_ways": ("each date can go with the line above it or the line below it: `{date}` with line {above} "
                  "`{above_text}` or with line {below} `{below_text}`, and no line of the page shows which",
                  "copy from the first event's first line to the last event's last line, without the title above them "
                  "or the lines below them"),
}


def refusal(kind: str, values: dict[str, Any], where: str) -> HistoryError:
    """A page that cannot be read, said with the lines that show why; `template` and `values`
    let an interface say it in its own language (the CLI's catalog, the page's texts, whose
    `{value}` is the lines concerned)."""
    message, help = REFUSALS[kind]
    err = HistoryError(fill(message, values), where=where, help=help, key=f"history_{kind}")
    err.template, err.values = message, values
    err.lines = f"{values['above']}–{values['below']}" if "above" in values else str(values["line"])
    return err
