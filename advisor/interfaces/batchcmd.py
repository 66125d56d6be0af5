"""`advise batch`: JSON Lines of facts in, JSON Lines of advice out, in several processes."""
from __future__ import annotations

import datetime as dt
import errno
import json
import os
import sys
from pathlib import Path

from typing import IO, TYPE_CHECKING, Any, Callable

import click

from advisor.base import i18n
from advisor.interfaces.cli import main, rules_options_decorator
from advisor.interfaces.clibase import fail, run_safely
from advisor.interfaces.options import DAY, _
from advisor.base.errors import FactsError, OutputError, Phrase

if TYPE_CHECKING:
    from advisor.interfaces.batch import Readable, Settings


@main.command("batch", context_settings={"help_option_names": ["-h", "--help"]}, help=_(
    "One facts object per line in, one advice per line out, in the same order (JSON Lines).\n\n"
    "A line that cannot be advised becomes {\"line\": N, \"error\": {...}} and the run goes on; the "
    "exit status is 1 when any line failed."))
@click.argument("source", required=False, default="-", metavar="[IN.jsonl|-]")
@click.option("-o", "--output", metavar="OUT.jsonl", help=_("write here instead of stdout"))
@click.option("--workers", type=click.IntRange(1, 256), default=None, help=_("processes to use (default: the number of cores)"))
@click.option("--today", type=DAY, metavar="DATE", help=_("advise as of this date (default: each line's `today`, else the real date)"))
@click.option("--lang", type=click.Choice(list(i18n.LANGS)), default=i18n.DEFAULT, help=_("language of the advice texts"))
@click.option("--no-messages", is_flag=True, help=_("leave the ready-to-send messages out (faster)"))
@click.option("--progress/--no-progress", default=None, help=_("progress on stderr (default: when stderr is a terminal)"))
@click.option("--from", "payload_from", metavar="PROVIDER", help=_("each line is a tracker's payload from PROVIDER (or auto), alone or as {\"payload\": ..., \"order\": ...}"))
@click.option("--resume", is_flag=True, help=_("go on from an interrupted run with the same -o (its .partial file)"))
@rules_options_decorator()
@run_safely
def batch_cmd(source: str, output: str | None, workers: int | None, today: dt.date | None, lang: str, no_messages: bool,
              progress: bool | None, payload_from: str | None, resume: bool, rules_dir: str | None, overlay_dir: str | None, templates_dir: str | None) -> None:
    from advisor.interfaces.batch import Interrupted, Settings, default_workers, run
    if rules_dir or templates_dir or overlay_dir:
        from advisor.api import Advisor
        Advisor(rules=rules_dir, templates=templates_dir, overlay=overlay_dir)  # fail fast, before any output
    settings = Settings(rules=rules_dir, templates=templates_dir, overlay=overlay_dir,
                        today=today.isoformat() if today else None, lang=lang, messages=not no_messages,
                        payload_from=payload_from)
    stream, total_bytes = _open_source(source)
    show = sys.stderr.isatty() if progress is None else progress
    if resume and not output:
        raise FactsError.of("resume_needs_output", where="--resume")
    partial = Path(f"{output}.partial") if output else None
    done = 0
    if output and partial is not None:
        _check_output(Path(output))
        record = _run_record(stream, source, settings)
        stream = record.pop("stream")
        resuming = resume and partial.exists()
        if resuming:
            _same_run(_record_path(partial), record, source)
            done = _whole_lines(partial)
        else:
            _write_record(_record_path(partial), record)
        out = _open_output(partial, "ab" if resume else "wb")
    else:
        sys.stdout.flush()
        out = sys.stdout.buffer         # lines are written as UTF-8 bytes, whatever the locale
    try:
        totals = run(stream, out, settings, workers or default_workers(),
                     _reporter(stream, total_bytes) if show else None, skip=done)
        out.flush()
    except Interrupted as e:
        _close_quietly(out)
        where = f" to `{partial}`; run again with `--resume` to go on" if output else ""
        click.echo(f"{chr(10) if show else ''}interrupted: {done + e.totals.lines:,} line(s) advised{where}", err=True)
        sys.stderr.flush()
        os._exit(130)       # at once: the workers are killed and whole lines are on disk
    except OSError as e:
        _close_quietly(out)
        fail(_write_error(e, partial), at_once=True)
    finally:
        if source != "-":
            stream.close()
    if output and partial is not None:
        out.close()
        os.replace(partial, output)     # complete: the name the user asked for appears only now
        _record_path(partial).unlink(missing_ok=True)
    if show:
        click.echo("", err=True)
    if totals.failed:
        click.echo(f"error: {totals.failed} of {totals.lines} line(s) could not be advised; see their "
                   "`error` objects in the output", err=True)
        sys.exit(1)


def _open_source(source: str) -> tuple[IO[bytes], int | None]:
    """(the input as bytes, its size when it is a file, for the ETA)."""
    if source == "-":
        return sys.stdin.buffer, None
    if not Path(source).is_file():
        raise FactsError.of("no_file", where="batch", value=source)
    return open(source, "rb"), Path(source).stat().st_size


def _reporter(stream: Readable, total_bytes: int | None) -> Callable[[int, float], None]:
    """Progress on stderr: parcels, rate, and the time left when the input's size is known."""
    def report(count: int, seconds: float) -> None:
        rate = count / seconds if seconds > 0 else 0.0
        eta = ""
        if total_bytes and rate and hasattr(stream, "tell"):
            try:
                done = stream.tell() / total_bytes
                eta = f", ETA {max(0.0, seconds / done - seconds):.0f} s" if done > 0 else ""
            except (OSError, ValueError):
                pass
        click.echo(f"\r{count:,} parcels, {rate:,.0f}/s{eta}   ", err=True, nl=False)
    return report


def _write_error(e: OSError, partial: Path | None) -> OutputError:
    """What failed while writing: a pipe whose reader stopped, a full disk, another error."""
    if isinstance(e, BrokenPipeError):
        return OutputError.of("output_closed", where="stdout" if partial is None else str(partial))
    return OutputError(f"cannot write the output: {e.strerror or e}", where=str(partial or "stdout"),
                       help="free some space or choose another place with -o" if e.errno == errno.ENOSPC else None)


def _check_output(path: Path) -> None:
    if path.is_dir():
        raise OutputError.of("path_is_dir", where="-o", value=path, help=Phrase("output_file_help"))
    if not path.parent.is_dir():
        raise OutputError.of("folder_missing", where="-o", value=path.parent)


def _open_output(path: Path, mode: str) -> IO[bytes]:
    try:
        return open(path, mode)
    except OSError as e:
        raise OutputError.of("cannot_open", where="-o", value=path, reason=e.strerror or e) from None


def _whole_lines(path: Path, block: int = 1 << 20) -> int:
    """How many whole lines an interrupted run left in `path`; a torn last line (no newline,
    the process was killed mid-write) is cut off so the resumed run writes it again. Read from
    the end for the last newline, then counted a block at a time: a 1 GB `.partial` used to be
    read whole into memory."""
    with open(path, "rb+") as f:
        end = pos = f.seek(0, os.SEEK_END)
        keep = 0
        while pos > 0:
            step = min(block, pos)
            pos -= step
            f.seek(pos)
            cut = f.read(step).rfind(b"\n")
            if cut >= 0:
                keep = pos + cut + 1
                break
        if keep < end:
            f.truncate(keep)
        f.seek(0)
        count, left = 0, keep
        while left > 0:
            data = f.read(min(block, left))
            if not data:
                break
            count += data.count(b"\n")
            left -= len(data)
    return count


def _close_quietly(out: IO[bytes]) -> None:
    try:
        out.close()
    except OSError:
        pass


# ---- what `--resume` checks: the same input, options and day as the interrupted run --------------

HEAD_BYTES = 64 * 1024       # the input's start whose digest a `.partial` is tied to


def _record_path(partial: Path) -> Path:
    """Beside the `.partial`, not in it: the output stays the advice lines alone, as a run
    that was never interrupted writes them."""
    return partial.with_name(partial.name + ".run")


def _run_record(stream: Readable, source: str, settings: Settings) -> dict[str, Any]:
    """The input's first HEAD_BYTES digested (the stream handed back, nothing lost), the options
    that change the advice, and the day the lines without their own `today` are advised as of."""
    import hashlib
    from advisor.base.dates import real_today
    head = stream.read(HEAD_BYTES)
    if hasattr(stream, "seek") and source != "-":
        stream.seek(0)
    else:
        stream = _Prefixed(head, stream)
    options = {k: getattr(settings, k, None) for k in ("rules", "templates", "overlay", "lang", "messages", "payload_from")}
    return {"input": hashlib.sha256(head).hexdigest(), "options": options,
            "day": settings.today or real_today().isoformat(), "stream": stream}


def _write_record(path: Path, record: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(record, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as e:
        raise OutputError(f"cannot write `{path}`: {e.strerror or e}", where="-o") from None


def _same_run(path: Path, record: dict[str, Any], source: str) -> None:
    """Refuse to go on from a `.partial` another input, other options or another day began."""
    try:
        was = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        click.echo(f"note: `{path}` is missing: the interrupted run's input, options and day cannot be "
                   "compared; going on as asked", err=True)
        return
    if was.get("input") != record["input"]:
        raise FactsError.of("resume_other_input", where="--resume", value=source, kib=HEAD_BYTES // 1024)
    for key, value in record["options"].items():
        if (was.get("options") or {}).get(key) != value:
            raise FactsError.of("resume_other_option", where="--resume", option=key,
                                was=(was.get("options") or {}).get(key), value=value)
    if was.get("day") != record["day"]:
        raise FactsError.of("resume_other_day", where="--resume", was=was.get("day"), value=record["day"])


class _Prefixed:
    """A stream whose first bytes were already read (to digest them), read again from the start."""

    def __init__(self, head: bytes, rest: Readable):
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            out, self.head = (self.head, b"") if size < 0 or size >= len(self.head) else (self.head[:size], self.head[size:])
            return out
        return self.rest.read(size)

    def tell(self) -> int:
        raise OSError("not seekable")

    def close(self) -> None:
        self.rest.close()
