"""`advise batch`: one facts object a line in, one advice a line out, same order, streaming.

Memory stays flat however long the input is: lines are read in small blocks, at most a few
blocks per worker are in flight, and each result is written as soon as its turn comes. A bad line
becomes `{"line": N, "error": {...}}` in its place and the run goes on.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import deque
from dataclasses import dataclass
from typing import IO, Iterator

from .errors import AdvisorError
from .jsonio import line as json_line, loads

MAX_LINE_BYTES = 1024 * 1024     # a facts document is a few kB; anything this long is refused
BLOCK = 200                      # lines a worker takes at a time


@dataclass
class Settings:
    rules: str | None = None
    templates: str | None = None
    overlay: str | None = None
    today: str | None = None
    lang: str = "en"
    messages: bool = True


def read_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | None, dict | None]]:
    """(line number, raw bytes, error) for every non-empty line; an over-long line is skipped
    to its end without holding it in memory."""
    n = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        n += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield n, None, {"kind": "facts", "message": f"the line is longer than {MAX_LINE_BYTES // 1024} KiB",
                            "where": f"line {n}"}
            continue
        if raw.strip():
            yield n, raw, None


_ADVISOR = None
_SETTINGS: Settings | None = None


def _init(settings: Settings) -> None:
    """Build this process's Advisor once (compiling the rules is the expensive part)."""
    global _ADVISOR, _SETTINGS
    from .api import Advisor, default_advisor
    _SETTINGS = settings
    if settings.rules or settings.templates or settings.overlay:
        _ADVISOR = Advisor(rules=settings.rules, templates=settings.templates, overlay=settings.overlay)
    else:
        _ADVISOR = default_advisor()


def advise_line(n: int, raw: bytes | None, error: dict | None) -> bytes:
    """One output line (UTF-8, newline included) for one input line; never raises."""
    if error is not None:
        return json_line({"line": n, "error": error})
    try:
        try:
            doc = loads(raw)                 # bytes straight to the parser: no decoded copy
        except json.JSONDecodeError as e:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise _LineError(f"the line is not UTF-8 (byte {bad.start})") from None
            raise _LineError(f"invalid JSON: {e.msg.lower()} at column {e.colno}") from None
        if not isinstance(doc, dict):
            raise _LineError(f"expected a facts object, got `{type(doc).__name__}`")
        s = _SETTINGS
        today = dt.date.fromisoformat(s.today) if s.today else None
        advice = _ADVISOR.advise(doc, today=today, lang=s.lang, messages=s.messages)
        return json_line(advice.to_dict())
    except _LineError as e:
        return json_line({"line": n, "error": {"kind": "facts", "message": str(e), "where": f"line {n}"}})
    except AdvisorError as e:
        return json_line({"line": n, "error": e.to_dict()})
    except Exception as e:  # noqa: BLE001 - one bad parcel must not stop a million others
        return json_line({"line": n, "error": {"kind": "internal", "message": f"{type(e).__name__}: {e}"}})


class _LineError(Exception):
    pass


def _advise_block(block: list) -> tuple[list[bytes], int]:
    """A block's output lines and how many of them are errors."""
    lines = [advise_line(*item) for item in block]
    return lines, sum(1 for line in lines if line.startswith(b'{"line":'))


def _advise_block_joined(block: list) -> tuple[bytes, int, int]:
    """In a worker: the block's output in one piece (bytes, lines, failed), so the parent, which
    shares the cores, unpickles and writes one object per block rather than two hundred."""
    lines, failed = _advise_block(block)
    return b"".join(lines), len(lines), failed


def _blocks(lines: Iterator, size: int = BLOCK) -> Iterator[list]:
    block = []
    for item in lines:
        block.append(item)
        if len(block) >= size:
            yield block
            block = []
    if block:
        yield block


@dataclass
class Totals:
    lines: int = 0
    failed: int = 0
    seconds: float = 0.0


def run(stream: IO[bytes], out: IO[bytes], settings: Settings, workers: int = 1, progress=None) -> Totals:
    """Advise every line of `stream` into `out` (both binary: lines are UTF-8 JSON); returns how
    many lines and how many failed."""
    totals = Totals()
    start = time.perf_counter()

    def emit(lines: list[bytes] | bytes, count: int, failed: int) -> None:
        if isinstance(lines, bytes):
            out.write(lines)
        else:
            out.writelines(lines)
        totals.lines += count
        totals.failed += failed
        if progress:
            progress(totals.lines, time.perf_counter() - start)

    if workers <= 1:
        _init(settings)
        for block in _blocks(read_lines(stream)):
            lines, failed = _advise_block(block)
            emit(lines, len(lines), failed)
    else:
        import multiprocessing as mp
        # spawn, not fork: durable_rules keeps C state and a lock that must not be copied mid-use
        ctx = mp.get_context("spawn")
        with ctx.Pool(workers, initializer=_init, initargs=(settings,)) as pool:
            pending: deque = deque()
            for block in _blocks(read_lines(stream)):
                pending.append(pool.apply_async(_advise_block_joined, (block,)))
                while len(pending) >= 2 * workers:
                    emit(*pending.popleft().get())
            while pending:
                emit(*pending.popleft().get())
    out.flush()
    totals.seconds = time.perf_counter() - start
    return totals


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
