"""Reading a tracking history: classify status texts into stage ids, and parse a history pasted
from a tracker page. The phrases live in `rules/stages.yaml`; this module only matches them.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import HistoryError, RulesError
from .yamlfile import load

_MEMO_MAX = 20_000        # remembered status texts; a pasted history of unique lines cannot grow it further
_WORDS = re.compile(r"[^\w]+", re.UNICODE)


def _norm(text: str) -> str:
    """Case-folded words joined by single spaces, so punctuation never decides a match."""
    t = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return " " + " ".join(w for w in _WORDS.split(t) if w) + " "


@dataclass
class StageBook:
    phrases: list[tuple[str, str, str]]           # (normalised phrase, stage, original)
    positional: list[tuple[str, str, str, str]]   # (normalised phrase, before, after, original)
    seller_typed: list[tuple[str, str]]
    order: list[str]
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def classify(self, status: str, exported: bool) -> tuple[str | None, bool, str | None]:
        """(stage or None, typed by the seller?, phrase that matched) for one status text.
        Carriers repeat a small set of texts, so answers are remembered (bounded)."""
        key = (status, exported)
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            hit = self._memo[key] = self._classify(status, exported)
        return hit

    def _classify(self, status: str, exported: bool) -> tuple[str | None, bool, str | None]:
        text = _norm(status)
        for norm, original in self.seller_typed:
            if norm in text:
                return None, True, original
        best: tuple[int, str, str] | None = None
        for norm, stage, original in self.phrases:
            if norm in text and (best is None or len(norm) > best[0]):
                best = (len(norm), stage, original)
        for norm, before, after, original in self.positional:
            if norm in text and (best is None or len(norm) > best[0]):
                best = (len(norm), after if exported else before, original)
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
    seller = [(_norm(str(p)), str(p)) for p in doc.get("seller_typed") or []]
    return StageBook(phrases, positional, seller, list(known_stages))


# ---- pasted histories ------------------------------------------------------------------------

_DATE_SHAPES = [
    (re.compile(r"^(?P<y>\d{4})[.\-/](?P<m>\d{1,2})[.\-/](?P<d>\d{1,2})"), "ymd"),
    (re.compile(r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})"), "dmy"),
    (re.compile(r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{2})(?!\d)"), "dmy2"),
]
_TIME = re.compile(r"^[\sT,]*(\d{1,2}:\d{2}(?::\d{2})?)?\s*(\((?:GMT|UTC)[^)]*\))?\s*[:\-–—|]?\s*")
MAX_LINE = 2000


def parse_history(text: str, *, max_lines: int = 200_000) -> tuple[list[dict], list[dict]]:
    """Events from pasted tracker lines, and the lines that could not be read (by number)."""
    events, problems = [], []
    for n, raw in enumerate(text.splitlines(), 1):
        if n > max_lines:
            problems.append({"line": n, "reason": f"more than {max_lines} lines; the rest was not read"})
            break
        line = raw.strip()
        if not line:
            continue
        if len(line) > MAX_LINE:
            problems.append({"line": n, "reason": f"longer than {MAX_LINE} characters"})
            continue
        date, rest = _leading_date(line)
        if date is None:
            problems.append({"line": n, "reason": "no date at the start of the line", "text": line[:80]})
            continue
        status = _TIME.sub("", rest, count=1).strip()
        if not status:
            problems.append({"line": n, "reason": "a date but no status", "text": line[:80]})
            continue
        events.append({"date": date.isoformat(), "status": status[:500], "line": n})
    if not events and problems and len(problems) == sum(1 for ln in text.splitlines() if ln.strip()):
        raise HistoryError("no line of the history starts with a date",
                           where=f"line {problems[0]['line']}",
                           help="paste the tracker's lines as they are, e.g. `22.11.2026 14:05 Экспорт`")
    return events, problems


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
    return None, line
