"""A tracking history pasted or saved from a tracker page -> dated events, line by line: dates in
the shapes trackers print them, encodings undone, HTML read row by row; every line not read is
said with its reason (`templates/details.yaml` `lines:`). Which stage a status means is
`stages.py`'s business."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Iterable

from advisor.text.details import line
from advisor.base.errors import HistoryError
from advisor.reading.htmlrows import html_rows
from advisor.reading.layouts import arrange, refusal
from advisor.knowledge.stages import CJK

# the date a line starts with: one, none, or two when a slashed date reads both ways
LeadingDate = dt.date | tuple[dt.date, dt.date] | None

_DATE_SHAPES = [
    (re.compile(r"^(?P<y>\d{4})[.\-/](?P<m>\d{1,2})[.\-/](?P<d>\d{1,2})"), "ymd"),
    (re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"), "ymd"),     # 2026年11月20日
    (re.compile(r"^(?P<d>\d{1,2})[.\-](?P<m>\d{1,2})[.\-](?P<y>\d{4})"), "dmy"),
    (re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2})(?!\d)"), "dmy2"),
]
# `11/20/2026` (the US order) and `20/11/2026` (the European one): the page's other lines decide
# (a first number over 12 is a day, a second one over 12 a day too); when none does and both
# readings are dates, the line is reported as ambiguous, never silently read one way.
_SLASHED = re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4}|\d{2}(?!\d))")
# Month names as trackers print them: `22 ноября 2026 г., 14:05`, `22 Nov 2026`, `20-Nov-2026`,
# `November 22, 2026`; a weekday before the date (`Fri, 20 Nov 2026`, `пт, 20 ноября`) is skipped.
_NAMED_SHAPES = [
    (re.compile(r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:\s+|-)(?P<mon>[^\W\d_]{3,9})\.?,?(?:\s+|-)(?P<y>\d{4})(?:\s*г\.)?"), "d mon y"),
    (re.compile(r"^(?P<mon>[^\W\d_]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})"), "mon d y"),
]
_TIME = re.compile(r"^[\sT,]*(?:at\s+|в\s+)?(\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)?\s*"
                   r"(\((?:GMT|UTC)[^)]*\)|[+-]\d{4}(?!\d)|GMT|UTC)?\s*[:\-–—|]?\s*")
MAX_LINE = 2000
# the languages whose month and weekday names (Babel's) pasted pages are read in
PAGE_LANGS = ("en", "ru")


_HTML = re.compile(r"(?i)<\s*(?:tr|td|li|p|div|br|table|html|body|span)\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_LATIN1_RUN = re.compile(r"[\u00c0-\u00ff]{3,}")
_CP1251_RUN = re.compile(r"(?:[РС][\u0400-\u045f\u0080-\u00bf\u2018-\u203a]){2,}")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# UTF-8 lead bytes of Cyrillic and CJK as Windows-1252 shows them (Ð, Ñ, ä-é) before a character of 0x80-0xBF
_CP1252_MARK = re.compile(r"[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                          r"\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")


@dataclass
class PastedHistory:
    events: list[dict[str, Any]]      # {"date", "status", "line", "place"?}
    unread: list[dict[str, Any]]      # {"line", "reason", "text"?}: lines not used, by number
    repaired: list[dict[str, Any]]    # {"line", "reason"}: lines read after undoing an encoding or markup


def read_history(data: bytes | str, *, max_lines: int = 200_000) -> PastedHistory:
    """Events from a history pasted or saved from a tracker page. Each line is decoded on its own
    (a file may mix UTF-8 and Windows-1251), Cyrillic shown as Latin-1 or as UTF-8 bytes read
    in Windows-1251 is undone, and HTML is read row by row without its tags; every line that was
    changed to be read, or could not be read, is reported by number."""
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogatepass")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out = PastedHistory([], [], [])
    lines: list[tuple[int, str]] = []
    for n, raw in enumerate(data.splitlines(), 1):
        if n > max_lines:
            out.unread.append(line(n, "too_many", max=max_lines))
            break
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE * 4 and b"<" not in raw:
            out.unread.append(line(n, "too_long", max=MAX_LINE))
            continue
        text, fix = _decode_line(raw)
        if text is None:
            assert fix is not None, "an undecodable line has its reason"
            out.unread.append(line(n, fix))
            continue
        if fix:
            out.repaired.append(line(n, fix))
        lines.append((n, text))
    if any(_HTML.search(text) for _, text in lines):
        rows = html_rows(lines)
        if rows:
            out.repaired.append(line(rows[0][0], "html"))
    else:
        rows = lines
    order, at = slash_order(rows)
    if order and at is not None:
        out.repaired.append(line(at, "slashes_" + order))
    _read_pieces(rows, out, order)
    if not out.events and any("readings" in u for u in out.unread):
        first = next(u for u in out.unread if "readings" in u)
        raise HistoryError(f"the dates read two ways: `{first['text'].split()[0]}` can be {first['readings'][0]} or "
                           f"{first['readings'][1]}, and no line shows whether the day or the month comes first",
                           where=f"line {first['line']}", help="write the dates as DD.MM.YYYY or YYYY-MM-DD",
                           key="history_two_readings")
    if not out.events and out.unread:
        first = next((u for u in out.unread if "text" in u), out.unread[0])
        raise refusal("no_date", {"line": first["line"], "text": (first.get("text") or first["reason"])[:60]},
                      f"line {first['line']}")
    return out


def _read_pieces(rows: list[tuple[int, str]], out: PastedHistory, order: str | None) -> None:
    """The page's events in its layout (`layouts.py`: one line an event, cells, blocks), each
    with the place printed beside it; the lines around a page of blocks are reported."""
    def split(text: str) -> tuple[object, str]:
        date, rest = _leading_date(text, order)
        return date, (_TIME.sub("", rest, count=1) if date is not None else rest)
    pieces, outside = arrange(rows, split)
    for p in pieces:
        before = len(out.events)
        _read_line(" ".join(p.text.split()), p.n, out, order)
        if p.place and len(out.events) > before:
            out.events[-1]["place"] = p.place[:200]
    if outside:
        out.unread = sorted(out.unread + outside, key=lambda u: u["line"])


def parse_history(text: str, *, max_lines: int = 200_000) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(events, unread lines) of a pasted history; see `read_history`."""
    h = read_history(text, max_lines=max_lines)
    return h.events, h.unread


def _decode_line(raw: bytes) -> tuple[str | None, str | None]:
    """(text, what was done to read it), or (None, why it cannot be read): reasons named in
    templates/details.yaml `lines:`."""
    fix = None
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            line, fix = raw.decode("cp1251"), "cp1251"
        except UnicodeDecodeError:
            return None, "not_text_bytes"
    if _CONTROL.search(line):
        return None, "not_text_control"
    if _LATIN1_RUN.search(line) or _CP1252_MARK.search(line):
        fixed = _utf8_shown_as_cp1252(line)
        if fixed is not None and fixed != line:
            return fixed, "utf8_as_cp1252"
    if _LATIN1_RUN.search(line):
        try:
            fixed = line.encode("cp1252").decode("cp1251")
            if _CYRILLIC.search(fixed):
                return fixed, "cp1251_as_latin1"
        except UnicodeError:
            pass
    if _CP1251_RUN.search(line):
        try:
            fixed = line.encode("cp1251").decode("utf-8")
            if fixed != line:
                return fixed, "utf8_as_cp1251"
        except UnicodeError:
            pass
    return line, fix


def _utf8_shown_as_cp1252(line: str) -> str | None:
    """`ÐŸÑ€Ð¸Ð±Ñ‹Ð»Ð¾` -> `Прибыло`: the bytes Windows-1252 shows back, read as UTF-8 (the five
    bytes it has no character for come through as U+0080-U+009F, as browsers pass them)."""
    out = bytearray()
    for ch in line:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) < 0x100:
                out.append(ord(ch))
            else:
                return None
    try:
        fixed = out.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return fixed if _CYRILLIC.search(fixed) or CJK.search(fixed) else None


def _read_line(text: str, n: int, out: PastedHistory, order: str | None = None) -> None:
    if not text:
        return
    if len(text) > MAX_LINE:
        out.unread.append(line(n, "too_long", max=MAX_LINE))
        return
    date, rest = _leading_date(text, order)
    if isinstance(date, tuple):         # a slashed date both ways round, and nothing tells which
        first, second = date
        out.unread.append(line(n, "two_readings", {"text": text[:80], "readings": [first.isoformat(), second.isoformat()]},
                               first=first.isoformat(), second=second.isoformat()))
        return
    if date is None:
        out.unread.append(line(n, "no_date", {"text": text[:80]}))
        return
    clock = _TIME.match(rest)
    status = rest[clock.end():].strip() if clock else rest.strip()
    if not status:
        out.unread.append(line(n, "no_status", {"text": text[:80]}))
        return
    out.events.append({"date": date.isoformat(), "status": status[:500], "line": n, **_time_of(clock)})


def _time_of(clock: re.Match[str] | None) -> dict[str, Any]:
    """The time a line prints after its date (`14:05`, `2:05 PM`) and its offset (`(GMT-7)`,
    `+0300`), for ordering one day's events; the day stays the one printed."""
    if not clock or not clock[1]:
        return {}
    m = re.match(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])?", clock[1])
    assert m is not None, "the clock pattern matched these digits"
    hour = int(m[1]) % 12 + (12 if m[4] and m[4] in "Pp" else 0) if m[4] else int(m[1])
    if hour > 23 or int(m[2]) > 59:
        return {}
    out = {"time": f"{hour:02d}:{m[2]}" + (f":{m[3]}" if m[3] and int(m[3]) < 60 else "")}
    zone = re.search(r"([+-])(\d{1,2}):?(\d{2})?", clock[2] or "")
    if zone and int(zone[2]) <= 14:
        out["offset"] = f"{zone[1]}{int(zone[2]):02d}:{zone[3] or '00'}"
    elif clock[2] and re.fullmatch(r"\(?(?:GMT|UTC)\)?", clock[2]):
        out["offset"] = "Z"
    return out


def _leading_date(line: str, order: str | None = None) -> tuple[LeadingDate, str]:
    """(the date a line starts with, the rest); the date is None when there is none, or a pair
    of dates when a slashed date reads both ways and `order` (the page's) does not decide."""
    line = _WEEKDAY.sub("", line, count=1) if line[:1].isalpha() else line
    for rx, shape in _DATE_SHAPES:
        m = rx.match(line)
        if not m:
            continue
        y = int(m["y"])
        if shape == "dmy2":
            y += 2000
        try:
            return dt.date(y, int(m["m"]), int(m["d"])), line[m.end():]
        except ValueError:
            return None, line
    m = _SLASHED.match(line)
    if m:
        return _slashed(int(m["a"]), int(m["b"]), int(m["y"]), order), line[m.end():]
    if line[:1].isdigit() or line[:1].isalpha():
        for rx, _shape in _NAMED_SHAPES:
            m = rx.match(line)
            month = _months().get(m["mon"].lower()) if m else None
            if month and m:
                try:
                    return dt.date(int(m["y"]), month, int(m["d"])), line[m.end():]
                except ValueError:
                    return None, line
        return _dateutil_date(line)
    return None, line


def _slashed(a: int, b: int, y: int, order: str | None) -> LeadingDate:
    y += 2000 if y < 100 else 0
    readings: list[dt.date | None] = []
    for d, m in ((a, b), (b, a)):
        try:
            readings.append(dt.date(y, m, d))
        except ValueError:
            readings.append(None)
    day_first, month_first = readings
    if day_first and month_first and day_first != month_first:
        return day_first if order == "dmy" else month_first if order == "mdy" else (day_first, month_first)
    return day_first or month_first


def slash_order(lines: Iterable[tuple[int, str]]) -> tuple[str | None, int | None]:
    """(`dmy` or `mdy`, the first line showing it) when the page's slashed dates show the order
    (a number over 12 first or second) and none contradicts it; (None, None) when nothing shows
    it, or the lines disagree."""
    seen: dict[str, int] = {}
    for n, text in lines:
        m = _SLASHED.match(_WEEKDAY.sub("", text.strip(), count=1))
        if m:
            a, b = int(m["a"]), int(m["b"])
            if a > 12 >= b:
                seen.setdefault("dmy", n)
            elif b > 12 >= a:
                seen.setdefault("mdy", n)
    return next(iter(seen.items())) if len(seen) == 1 else (None, None)


def _dateutil_date(line: str) -> tuple[dt.date | None, str]:
    """A date with a month name in a shape our patterns do not know (`Fri, 20 Nov 2026 10:15:00
    +0000`, `Nov. 20th 2026`, `November 20th, 2026 at 10:15 AM`), read by python-dateutil: the
    longest start of the line it reads as a whole date (day, month and year all written)."""
    from dateutil import parser
    tokens = line.split(" ")
    if not any(t.rstrip(".,").lower() in _english_months() for t in tokens[:4]):
        return None, line
    for k in range(min(len(tokens), 8), 1, -1):
        head = " ".join(tokens[:k])
        try:
            one = parser.parse(head, default=dt.datetime(1904, 1, 1))
            two = parser.parse(head, default=dt.datetime(1908, 2, 2))
        except (ValueError, ArithmeticError, TypeError):     # `16t2222…h`: decimal's DivisionImpossible
            continue
        if one.date() == two.date():        # the day, the month and the year were all in the text
            return one.date(), line[len(head):]
    return None, line



class _Weekday:
    """A weekday before a date (`Fri, `, `пятница, `), from Babel's names in English and Russian;
    compiled on first use (loading the locales costs 20 ms that a start without histories saves)."""

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        from babel import Locale
        names = set()
        for lang in PAGE_LANGS:
            days = Locale(lang).days
            for context in ("format", "stand-alone"):
                for width in ("wide", "abbreviated", "short"):
                    names |= {n.lower().rstrip(".") for n in days[context][width].values()}
        alternatives = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
        return re.compile(rf"(?i)^(?:{alternatives})\.?,?\s+(?=\d|[^\W\d_]{{3}})")

    def sub(self, replacement: str, text: str, count: int = 0) -> str:
        return self.pattern.sub(replacement, text, count=count)


_WEEKDAY = _Weekday()


@lru_cache(maxsize=1)
def _english_months() -> frozenset[str]:
    """The month names python-dateutil reads (English), from the same Babel data as `_months`."""
    return frozenset(name for name in _months() if name.isascii())


@lru_cache(maxsize=1)
def _months() -> dict[str, int]:
    """Month names and abbreviations in English and Russian (from Babel's locale data: `ноября`,
    `нояб`, `ноябрь`, `November`, `Nov`) and their three-letter stems (`ноя`, `сен`) where those
    name one month only."""
    from babel import Locale
    names: dict[str, int] = {}
    stems: dict[str, set[int]] = {}
    for lang in PAGE_LANGS:
        months = Locale(lang).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    name = name.lower().rstrip(".")
                    names[name] = number
                    stems.setdefault(name[:3], set()).add(number)
    names.update({stem: next(iter(n)) for stem, n in stems.items() if len(n) == 1 and stem not in names})
    names.setdefault("sept", 9)
    return names
