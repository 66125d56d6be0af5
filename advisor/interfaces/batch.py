"""`advise batch`: one facts object a line in, one advice a line out, same order, streaming.

Memory stays flat however long the input is: input is read in pieces of whole lines (about 200
parcels), at most a few pieces per worker are in flight, and each result is written as soon as
its turn comes. A bad line becomes `{"line": N, "error": {...}}` in its place and the run goes on.
"""
from __future__ import annotations

import os
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal, Protocol

from advisor.base.errors import AdvisorError, FactsError, InternalError
from advisor.base.i18n import DEFAULT
from advisor.base.dates import read_day
from advisor.base.jsonio import check_json, read_json
from advisor.base.jsonio import line as json_line

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult, Pool

    from advisor.api import Advisor


class Readable(Protocol):
    """What a batch reads: a binary file, stdin, or one whose start was read already (batchcmd)."""

    def read(self, size: int = -1, /) -> bytes: ...
    def tell(self) -> int: ...
    def close(self) -> None: ...


# a piece of input: its first line's number, its bytes, or the error of a line too long to read
Chunk = tuple[int, "bytes | None", "dict[str, Any] | None"]
# writes advised lines: the lines (or one piece's bytes), how many, how many failed
Emit = Callable[["list[bytes] | bytes", int, int], None]

MAX_LINE_BYTES = 1024 * 1024     # a facts document is a few kB; anything this long is refused
CHUNK_BYTES = 128 * 1024         # input a worker takes at a time: about 200 parcels


@dataclass
class Settings:
    rules: str | None = None
    templates: str | None = None
    overlay: str | None = None
    today: str | None = None
    lang: str = DEFAULT
    messages: bool = True
    payload_from: str | None = None      # `--from PROVIDER`: each line is a tracker's payload


def read_chunks(stream: Readable, size: int = CHUNK_BYTES) -> Iterator[Chunk]:
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


def _too_long(n: int) -> dict[str, Any]:
    return FactsError(f"the line is longer than {MAX_LINE_BYTES // 1024} KiB", where=f"line {n}").to_dict()


_ADVISOR: Advisor | None = None
_SETTINGS: Settings | None = None


def _init(settings: Settings) -> None:
    """Build this process's Advisor once (compiling the rules is the expensive part)."""
    global _ADVISOR, _SETTINGS
    from advisor.api import advisor_for
    _SETTINGS = settings
    _ADVISOR = advisor_for(settings.rules, settings.templates, settings.overlay)


def advise_line(n: int, raw: bytes | None, error: dict[str, Any] | None) -> bytes:
    """One output line (UTF-8, newline included) for one input line; never raises."""
    if error is not None or raw is None:       # an over-long line comes with its error
        return json_line({"line": n, "error": error})
    try:
        doc = read_json(raw, f"line {n}", check=False, one_line=True)     # bytes straight to the parser: no decoded copy
        if not isinstance(doc, dict):
            raise _LineError(f"expected a facts object, got `{type(doc).__name__}`")
        check_json(raw, doc, f"line {n}")
        s, adv = _SETTINGS, _ADVISOR
        assert s is not None and adv is not None, "_init runs first"
        today = read_day(s.today, "--today")
        if s.payload_from:      # a payload as the tracker sends it, or {"payload": ..., "order": ...}
            beside = "payload" in doc and set(doc) <= {"payload", "order", "today", "platform", "seller", "dispute", "received"}
            advice = adv.advise_payload(doc["payload"] if beside else doc, provider=s.payload_from,
                                             order=doc.get("order") if beside else None,
                                             facts={k: v for k, v in doc.items() if k not in ("payload", "order")} if beside else None,
                                             today=today, lang=s.lang, messages=s.messages)
        else:
            advice = adv.advise(doc, today=today, lang=s.lang, messages=s.messages)
        return json_line(advice.to_dict())
    except _LineError as e:
        return json_line({"line": n, "error": FactsError(str(e), where=f"line {n}").to_dict()})
    except AdvisorError as e:
        return json_line({"line": n, "error": e.to_dict()})
    except Exception as e:  # noqa: BLE001 - one bad parcel must not stop a million others
        return json_line({"line": n, "error": InternalError(f"{type(e).__name__}: {e}").to_dict()})


class _LineError(Exception):
    pass


class _Stop:
    """Ctrl-C asks the run to stop between lines instead of raising wherever it lands: a line is
    written whole or not at all, and the count said is the count written. (Only in the main
    thread: elsewhere signals cannot be caught, and the run is the caller's to stop.)"""

    def __init__(self) -> None:
        self.asked = False
        self._before: Any = None      # the SIGINT handler before ours

    def __enter__(self) -> _Stop:
        import signal
        import threading
        if threading.current_thread() is threading.main_thread():
            self._before = signal.signal(signal.SIGINT, self._ask)
        return self

    def _ask(self, *_: object) -> None:
        self.asked = True

    def __exit__(self, *exc: object) -> Literal[False]:
        import signal
        if self._before is not None:
            signal.signal(signal.SIGINT, self._before)
        return False


def _advised_lines(n: int, data: bytes | None, error: dict[str, Any] | None) -> Iterator[bytes]:
    """The output lines for one piece of input, one at a time."""
    if data is None:
        yield advise_line(n, None, error)
        return
    for i, raw in enumerate(data.split(b"\n"), n):
        if raw.strip():
            yield advise_line(i, None, _too_long(i)) if len(raw) > MAX_LINE_BYTES else advise_line(i, raw, None)


def advise_chunk(n: int, data: bytes | None, error: dict[str, Any] | None) -> tuple[bytes, int, int]:
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


class Interrupted(Exception):
    """Ctrl-C during a run: how far it got (whole lines written) travels with it."""

    def __init__(self, totals: Totals):
        super().__init__("interrupted")
        self.totals = totals


def skip_lines(chunks: Iterator[Chunk], done: int) -> Iterator[Chunk]:
    """The pieces of `chunks` after the first `done` advised lines (blank lines are not advised,
    so they are not counted), line numbers kept: what `--resume` goes on from."""
    for n, data, error in chunks:
        if done <= 0:
            yield n, data, error
            continue
        if data is None:                      # an over-long line: it had its error line
            done -= 1
            continue
        lines = data.split(b"\n")
        for i, raw in enumerate(lines):
            if raw.strip():
                done -= 1
                if done == 0:
                    rest = b"\n".join(lines[i + 1:])
                    if rest.strip():
                        yield n + i + 1, rest, None
                    break


def run(stream: Readable, out: IO[bytes], settings: Settings, workers: int = 1,
        progress: Callable[[int, float], None] | None = None,
        skip: int = 0) -> Totals:
    """Advise every line of `stream` into `out` (both binary: lines are UTF-8 JSON); returns how
    many lines and how many failed. `skip`: lines already advised by an interrupted run. Ctrl-C
    raises `Interrupted` with the lines written so far; output is only ever whole lines."""
    totals = Totals()
    start = time.perf_counter()
    chunks = skip_lines(read_chunks(stream), skip) if skip else read_chunks(stream)

    def emit(lines: list[bytes] | bytes, count: int, failed: int) -> None:
        if isinstance(lines, bytes):
            out.write(lines)
        else:
            out.writelines(lines)
        totals.lines += count
        totals.failed += failed
        if progress:
            progress(totals.lines, time.perf_counter() - start)

    stop = _Stop()
    with stop:
        if workers <= 1:
            _run_here(chunks, settings, emit, stop, totals)
        else:
            _run_in_pool(chunks, settings, workers, emit, stop, totals)
    out.flush()
    totals.seconds = time.perf_counter() - start
    return totals


def _run_here(chunks: Iterable[Chunk], settings: Settings, emit: Emit, stop: "_Stop", totals: Totals) -> None:
    """One process: each line advised in turn; Ctrl-C stops after the line being advised."""
    _init(settings)
    for n, data, error in chunks:
        done, count, failed = [], 0, 0
        for line in _advised_lines(n, data, error):
            done.append(line)
            count += 1
            failed += line.startswith(b'{"line":')
            if stop.asked:
                break
        emit(done, count, failed)
        if stop.asked:
            raise Interrupted(totals)


def _run_in_pool(chunks: Iterable[Chunk], settings: Settings, workers: int, emit: Emit, stop: "_Stop", totals: Totals) -> None:
    """Several processes: chunks advised in parallel, written back in input order, at most two a
    worker in flight (memory stays bounded whatever the input's length)."""
    import multiprocessing as mp
    # spawn, not fork: durable_rules keeps C state and a lock that must not be copied mid-use
    ctx = mp.get_context("spawn")
    # an interrupted run ends its process at once (see `_stop`); the helper process that
    # tracks the pool's semaphores would then warn about them on stderr
    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    if quiet not in sys.warnoptions:
        sys.warnoptions.append(quiet)
    pool = ctx.Pool(workers, initializer=_init_worker, initargs=(settings,))
    try:
        _widen_pipes(pool)
        pending: deque[AsyncResult[tuple[bytes, int, int]]] = deque()

        def take() -> tuple[bytes, int, int]:
            while True:           # wait in short steps, so Ctrl-C is seen within one
                try:
                    return pending[0].get(0.1)
                except mp.TimeoutError:
                    if stop.asked:
                        raise Interrupted(totals) from None

        for chunk in chunks:
            pending.append(pool.apply_async(advise_chunk, chunk))
            while len(pending) >= 2 * workers:
                emit(*take())
                pending.popleft()
            if stop.asked:
                raise Interrupted(totals)
        while pending:
            emit(*take())
            pending.popleft()
        pool.close()
        pool.join()
    except BaseException:       # Interrupted included: the workers are stopped, never left behind
        _stop(pool)
        raise


def _init_worker(settings: Settings) -> None:
    """A worker leaves Ctrl-C to the parent, which stops the workers itself: a worker dying of it
    mid-write could leave the pool's pipes half-written and the parent waiting forever."""
    import signal
    import threading
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _init(settings)


def _exit_with_parent(parent: int) -> None:
    """A worker ends within a second of its parent: one left behind would hold the parent's
    stderr open, and whoever reads it (a shell's `2>&1 | …`, a test) would wait forever."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _stop(pool: Pool) -> None:
    """Stop the workers now: kill them (they hold nothing that must be saved). The pool itself
    is left for the process's exit: `Pool.terminate` can wait forever on its task thread, blocked
    writing to a pipe no worker reads any more (3 runs in 34 hung that way). Its worker handler is
    told to stop first: left running, it replaces the killed workers with new ones."""
    from multiprocessing.pool import TERMINATE
    handler = getattr(pool, "_worker_handler", None)
    if handler is not None:
        handler._state = TERMINATE
        pool._change_notifier.put(None)  # type: ignore[attr-defined]  # wakes the handler to see it
        handler.join(timeout=2)
    for proc in list(getattr(pool, "_pool", [])):
        try:
            proc.kill()
        except Exception:  # noqa: BLE001 - already gone
            pass


PIPE_BYTES = 1 << 20


def _widen_pipes(pool: Pool) -> None:
    """Give the pool's two pipes 1 MiB instead of Linux's 64 KiB: a piece's advice is ~800 KB,
    and through 64 KiB the parent wakes a dozen times per piece (measured with two workers:
    6,000 -> 1,300 context switches per 40,000 parcels, 5% more parcels/s). It reaches into the
    pool's own queues, so anything missing (another OS, another Python) just skips it."""
    try:
        import fcntl
        pipes = (pool._inqueue._writer, pool._outqueue._reader)  # type: ignore[attr-defined]  # the pool's own queues
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
