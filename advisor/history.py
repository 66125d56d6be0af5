"""Reading a tracking history: classify status texts into stage ids, and parse a history pasted
from a tracker page. The phrases live in `rules/stages.yaml`; this module only matches them.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import HistoryError, RulesError
from .memo import Memo
from .yamlfile import load

_WORDS = re.compile(r"[^\w]+", re.UNICODE)


_CJK = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


def _norm(text: str) -> str:
    """Case-folded words joined by single spaces, so punctuation never decides a match; each
    Chinese character is a word of its own (Chinese has no spaces: 已揽收成功 holds 揽收成功)."""
    t = _CJK.sub(r" \1 ", unicodedata.normalize("NFKC", text).casefold().replace("ё", "е"))
    return " " + " ".join(w for w in _WORDS.split(t) if w) + " "


@dataclass
class StageBook:
    phrases: list[tuple[str, str, str]]           # (normalised phrase, stage, original)
    positional: list[tuple[str, str, str, str]]   # (normalised phrase, before, after, original)
    seller_typed: list[tuple[str, str]]
    order: list[str]
    _memo: Memo = field(default_factory=lambda: Memo(20_000), repr=False, compare=False)
    _whole: set[str] | None = field(default=None, repr=False, compare=False)

    def classify(self, status: str, exported: bool, side: str | None = None) -> tuple[str | None, bool, str | None]:
        """(stage or None, typed by the seller?, phrase that matched) for one status text.
        `side` (`origin` or `destination`, from the event's country) decides a phrase both ends
        print; without it, whether the parcel was exported before. Carriers repeat a small set
        of texts, so answers are remembered (bounded)."""
        return self._memo.get((status, exported, side), lambda: self._classify(status, exported, side))

    def is_phrase(self, status: str) -> bool:
        """Whether the whole status is one of the phrases (not merely holds one)."""
        if self._whole is None:
            self._whole = {n for n, _, _ in self.phrases} | {n for n, _, _, _ in self.positional} | \
                          {n for n, _ in self.seller_typed}
        return _norm(status) in self._whole

    def _classify(self, status: str, exported: bool, side: str | None = None) -> tuple[str | None, bool, str | None]:
        text = _norm(status)
        for norm, original in self.seller_typed:
            if norm in text:
                return None, True, original
        best: tuple[int, str, str] | None = None
        for norm, stage, original in self.phrases:
            if norm in text and (best is None or len(norm) > best[0]):
                best = (len(norm), stage, original)
        after_side = side == "destination" or (side is None and exported)
        for norm, before, after, original in self.positional:
            if norm in text and (best is None or len(norm) > best[0]):
                best = (len(norm), after if after_side else before, original)
        return (best[1], False, best[2]) if best else (None, False, None)


def load_stages(rules_dir: Path, known_stages: set[str]) -> StageBook:
    path = rules_dir / "stages.yaml"
    doc = load(path, "rules/stages.yaml")
    if not isinstance(doc, dict) or not isinstance(doc.get("stages"), dict):
        raise RulesError("expected a mapping with a `stages` mapping", where="rules/stages.yaml")
    phrases = []
    for stage, items in doc["stages"].items():
        if stage not in known_stages:
            raise RulesError(f"unknown stage id `{stage}`", where=doc["stages"].where(stage),
                             help="stage ids are listed in rules/vocabulary.yaml")
        for p in items or []:
            phrases.append((_norm(str(p)), stage, str(p)))
    positional = []
    for item in doc.get("position_dependent") or []:
        for key in ("before_export", "after_export"):
            if item.get(key) not in known_stages:
                raise RulesError(f"unknown stage id `{item.get(key)}`", where=item.where(key))
        positional.append((_norm(str(item["phrase"])), item["before_export"], item["after_export"], str(item["phrase"])))
    fixed: dict[str, str] = {}
    for norm, stage, original in phrases:
        if fixed.get(norm, stage) != stage:
            raise RulesError(f"the phrase `{original}` is under both `{fixed[norm]}` and `{stage}`",
                             where=doc["stages"].where(stage), help="a phrase names one stage; keep it under one")
        fixed[norm] = stage
    for item, (norm, _b, _a, original) in zip(doc.get("position_dependent") or [], positional):
        if norm in fixed:
            raise RulesError(f"the phrase `{original}` is both under `{fixed[norm]}` and in `position_dependent`",
                             where=item.where("phrase") if hasattr(item, "where") else "rules/stages.yaml",
                             help="a phrase both ends of the route print belongs in `position_dependent` only")
    seller = [(_norm(str(p)), str(p)) for p in doc.get("seller_typed") or []]
    return StageBook(phrases, positional, seller, list(known_stages))


# ---- pasted histories ------------------------------------------------------------------------

_DATE_SHAPES = [
    (re.compile(r"^(?P<y>\d{4})[.\-/](?P<m>\d{1,2})[.\-/](?P<d>\d{1,2})"), "ymd"),
    (re.compile(r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})"), "dmy"),
    (re.compile(r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{2})(?!\d)"), "dmy2"),
]
# Month names as trackers print them: `22 ноября 2026 г., 14:05`, `22 Nov 2026`, `November 22, 2026`.
_NAMED_SHAPES = [
    (re.compile(r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon>[^\W\d_]{3,9})\.?,?\s+(?P<y>\d{4})(?:\s*г\.)?"), "d mon y"),
    (re.compile(r"^(?P<mon>[^\W\d_]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})"), "mon d y"),
]
_TIME = re.compile(r"^[\sT,]*(\d{1,2}:\d{2}(?::\d{2})?)?\s*(\((?:GMT|UTC)[^)]*\))?\s*[:\-–—|]?\s*")
MAX_LINE = 2000


_TAGS = re.compile(r"<[^>]{0,2000}>")
_ROW_BREAK = re.compile(r"(?i)<\s*(?:/tr|/li|/p|/div|br\s*/?|/h\d)\s*>")
_HTML = re.compile(r"(?i)<\s*(?:tr|td|li|p|div|br|table|html|body|span)\b")
_SCRIPT = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_LATIN1_RUN = re.compile(r"[\u00c0-\u00ff]{3,}")
_CP1251_RUN = re.compile(r"(?:[РС][\u0400-\u045f\u0080-\u00bf\u2018-\u203a]){2,}")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass
class PastedHistory:
    events: list[dict]      # {"date", "status", "line"}
    unread: list[dict]      # {"line", "reason", "text"?}: lines not used, by number
    repaired: list[dict]    # {"line", "reason"}: lines read after undoing an encoding or markup


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
            out.unread.append({"line": n, "reason": f"more than {max_lines} lines; the rest was not read"})
            break
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE * 4 and b"<" not in raw:
            out.unread.append({"line": n, "reason": f"longer than {MAX_LINE} characters"})
            continue
        line, fix = _decode_line(raw)
        if line is None:
            out.unread.append({"line": n, "reason": fix})
            continue
        if fix:
            out.repaired.append({"line": n, "reason": fix})
        lines.append((n, line))
    if any(_HTML.search(text) for _, text in lines):
        rows = _html_rows(lines)
        if rows:
            out.repaired.append({"line": rows[0][0], "reason": "HTML: read row by row, tags and entities removed"})
    else:
        rows = lines
    for n, text in rows:
        _read_line(" ".join(text.split()), n, out)
    if not out.events and out.unread:
        raise HistoryError("no line of the history starts with a date",
                           where=f"line {out.unread[0]['line']}",
                           help="paste the tracker's lines as they are, e.g. `22.11.2026 14:05 Экспорт`")
    return out


def _html_rows(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Table rows, list items, paragraphs and line breaks of HTML as text, each with the line
    it starts on; scripts and styles are dropped."""
    rows, current, start = [], [], None
    for n, text in lines:
        text = _SCRIPT.sub(" ", text)
        parts = _ROW_BREAK.split(text)
        for i, part in enumerate(parts):
            if i > 0:   # a row ended before this part
                if current:
                    rows.append((start, " ".join(current)))
                current, start = [], None
            clean = " ".join(html.unescape(_TAGS.sub(" ", part)).split())
            if clean:
                current.append(clean)
                start = start or n
    if current:
        rows.append((start, " ".join(current)))
    return rows


def parse_history(text: str, *, max_lines: int = 200_000) -> tuple[list[dict], list[dict]]:
    """(events, unread lines) of a pasted history; see `read_history`."""
    h = read_history(text, max_lines=max_lines)
    return h.events, h.unread


def _decode_line(raw: bytes) -> tuple[str | None, str | None]:
    """(text, what was done to read it), or (None, why it cannot be read)."""
    fix = None
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            line, fix = raw.decode("cp1251"), "not UTF-8: read as Windows-1251"
        except UnicodeDecodeError:
            return None, "not text (bytes that are neither UTF-8 nor Windows-1251)"
    if _CONTROL.search(line):
        return None, "not text (control characters)"
    if _LATIN1_RUN.search(line):
        try:
            fixed = line.encode("cp1252").decode("cp1251")
            if _CYRILLIC.search(fixed):
                return fixed, "Windows-1251 text shown as Latin-1: read as Cyrillic"
        except UnicodeError:
            pass
    if _CP1251_RUN.search(line):
        try:
            fixed = line.encode("cp1251").decode("utf-8")
            if fixed != line:
                return fixed, "UTF-8 text shown as Windows-1251: read as UTF-8"
        except UnicodeError:
            pass
    return line, fix


def _read_line(line: str, n: int, out: PastedHistory) -> None:
    if not line:
        return
    if len(line) > MAX_LINE:
        out.unread.append({"line": n, "reason": f"longer than {MAX_LINE} characters"})
        return
    date, rest = _leading_date(line)
    if date is None:
        out.unread.append({"line": n, "reason": "no date at the start of the line", "text": line[:80]})
        return
    status = _TIME.sub("", rest, count=1).strip()
    if not status:
        out.unread.append({"line": n, "reason": "a date but no status", "text": line[:80]})
        return
    out.events.append({"date": date.isoformat(), "status": status[:500], "line": n})


def _leading_date(line: str) -> tuple[dt.date | None, str]:
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
    if line[:1].isdigit() or line[:1].isalpha():
        for rx, _shape in _NAMED_SHAPES:
            m = rx.match(line)
            month = _months().get(m["mon"].lower()) if m else None
            if month:
                try:
                    return dt.date(int(m["y"]), month, int(m["d"])), line[m.end():]
                except ValueError:
                    return None, line
    return None, line


@lru_cache(maxsize=1)
def _months() -> dict[str, int]:
    """Month names and abbreviations in English and Russian (from Babel's locale data: `ноября`,
    `нояб`, `ноябрь`, `November`, `Nov`) and their three-letter stems (`ноя`, `сен`) where those
    name one month only."""
    from babel import Locale
    names: dict[str, int] = {}
    stems: dict[str, set[int]] = {}
    for lang in ("en", "ru"):
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
