"""`advise batch`: one facts object a line in, one advice a line out, same order, streaming.

Memory stays flat however long the input is: input is read in pieces of whole lines (about 200
parcels), at most a few pieces per worker are in flight, and each result is written as soon as
its turn comes. A bad line becomes `{"line": N, "error": {...}}` in its place and the run goes on.
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
CHUNK_BYTES = 128 * 1024         # input a worker takes at a time: about 200 parcels


@dataclass
class Settings:
    rules: str | None = None
    templates: str | None = None
    overlay: str | None = None
    today: str | None = None
    lang: str = "en"
    messages: bool = True


def read_chunks(stream: IO[bytes], size: int = CHUNK_BYTES) -> Iterator[tuple[int, bytes | None, dict | None]]:
    """(number of the first line, whole lines) pieces of about `size` bytes; a line still open
    past MAX_LINE_BYTES becomes (its number, None, error) and is skipped to its end without being
    held. Splitting into lines is left to whoever advises the piece: the reading process (the
    parent of the workers) only counts newlines, which `bytes.count` does in C."""
    n, buf = 1, b""
    while True:
        piece = stream.read(size)
        if not piece:
            if buf:
                yield n, buf, None
            return
        buf += piece
        cut = buf.rfind(b"\n")
        if cut >= 0:
            whole, buf = buf[:cut + 1], buf[cut + 1:]
            yield n, whole, None
            n += whole.count(b"\n")
        if len(buf) > MAX_LINE_BYTES:          # one open line, already too long
            yield n, None, _too_long(n)
            while True:                        # skip to its end
                piece = stream.read(size)
                if not piece:
                    return
                cut = piece.find(b"\n")
                if cut >= 0:
                    buf = piece[cut + 1:]
                    break
            n += 1


def _too_long(n: int) -> dict:
    return {"kind": "facts", "message": f"the line is longer than {MAX_LINE_BYTES // 1024} KiB", "where": f"line {n}"}


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


def advise_chunk(n: int, data: bytes | None, error: dict | None) -> tuple[bytes, int, int]:
    """A piece of input (see `read_chunks`) advised: (output lines in one piece, how many, how
    many failed). Blank lines are skipped but counted. In a worker, one result per piece is what
    the parent, which shares the cores, has to unpickle and write."""
    if data is None:
        return advise_line(n, None, error), 1, 1
    out = []
    for i, raw in enumerate(data.split(b"\n"), n):
        if not raw.strip():
            continue
        out.append(advise_line(i, None, _too_long(i)) if len(raw) > MAX_LINE_BYTES else advise_line(i, raw, None))
    return b"".join(out), len(out), sum(1 for line in out if line.startswith(b'{"line":'))


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
        for chunk in read_chunks(stream):
            emit(*advise_chunk(*chunk))
    else:
        import multiprocessing as mp
        # spawn, not fork: durable_rules keeps C state and a lock that must not be copied mid-use
        ctx = mp.get_context("spawn")
        with ctx.Pool(workers, initializer=_init, initargs=(settings,)) as pool:
            _widen_pipes(pool)
            pending: deque = deque()
            for chunk in read_chunks(stream):
                pending.append(pool.apply_async(advise_chunk, chunk))
                while len(pending) >= 2 * workers:
                    emit(*pending.popleft().get())
            while pending:
                emit(*pending.popleft().get())
    out.flush()
    totals.seconds = time.perf_counter() - start
    return totals


PIPE_BYTES = 1 << 20


def _widen_pipes(pool) -> None:
    """Give the pool's two pipes 1 MiB instead of Linux's 64 KiB: a piece's advice is ~800 KB,
    and through 64 KiB the parent wakes a dozen times per piece (measured with two workers:
    6,000 -> 1,300 context switches per 40,000 parcels, 5% more parcels/s). It reaches into the
    pool's own queues, so anything missing (another OS, another Python) just skips it."""
    try:
        import fcntl
        pipes = (pool._inqueue._writer, pool._outqueue._reader)
        set_size = fcntl.F_SETPIPE_SZ
    except (ImportError, AttributeError):
        return
    for conn in pipes:
        try:
            fcntl.fcntl(conn.fileno(), set_size, PIPE_BYTES)
        except OSError:          # above the system's pipe-max-size: keep the default
            pass


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
