"""`advise watch` (the buyer's list of parcels, re-advised each time it is shown) and `advise due`
(what is due today and in the next days across the list). Storage: watchlist.py; re-advising,
changes, due steps and the calendar: watching.py; the list as a file: watchfile.py.

`advise due` exits 0 when a step is due today (or was due before), 1 when none is, 2 on an error:
`advise due -q && notify-send ...` in a shell's start-up file or a cron job.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from advisor.base import i18n
from advisor.interfaces.cli import Request, _default_lang, _read, _write_calendar, facts_options, gather, main, make_advisor, rules_options_decorator, wants_color
from advisor.interfaces.clibase import run_safely
from advisor.interfaces.options import DAY, LANG, _
from advisor.base.dates import advice_day, real_today
from advisor.base.errors import AdvisorError, FactsError, OutputError, label
from advisor.text.render import fmt_date, fmt_relative, named_days
from advisor.interfaces import watchfile
from advisor.interfaces import watching
from advisor.interfaces.watchlist import ENV_VAR, Parcel, WatchList, default_path

if TYPE_CHECKING:
    from advisor.api import Advisor

F = TypeVar("F", bound=Callable[..., Any])


def _db_option(f: F) -> F:
    return click.option("--db", "db", metavar="FILE", help=_("the list's file (default: parcels.sqlite3 in your data "
                                                             "directory, or $PARCEL_ADVISOR_WATCHLIST)"))(f)


def _view_options(f: F) -> F:
    for o in reversed([
        click.option("--today", type=DAY, metavar="DATE", help=_("advise as of this date (default: the real date)")),
        click.option("--lang", type=click.Choice(list(i18n.LANGS)), default=None, help=_("language of the advice (default: from the locale)")),
        click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help=_("text for people, json for programs")),
        _db_option,
    ]):
        f = o(f)
    return f


def _open(db: str | None, create: bool = True) -> WatchList:
    return WatchList(Path(db) if db else default_path(), create=create)


def _rows(db: str | None, advisor: Advisor, today: dt.date, lang: str, **how: Any) -> tuple[WatchList | None, list[watching.Row]]:
    """The list re-advised; no file yet is an empty list (a view creates no file)."""
    path = Path(db) if db else default_path()
    if not path.exists():
        return None, []
    watch = WatchList(path)
    return watch, watching.readvise(watch, advisor, today, lang, **how)


class _Words:
    """The list's words in one language: stages, steps and flags from the rules' vocabulary,
    dates and day counts from Babel."""

    def __init__(self, advisor: Advisor, lang: str, today: dt.date):
        self.v, self.lang, self.today = advisor.vocab, lang, today
        self.named = named_days(self.v.get("relative_days"), lang)

    def stage(self, sid: str) -> str:
        return str(self.v["stages"][sid][self.lang])

    def action(self, aid: str) -> str:
        return str(self.v["actions"][aid][self.lang])

    def flag(self, fid: str) -> str:
        label = (self.v.get("flags") or {}).get(fid)
        return label[self.lang] if isinstance(label, dict) and self.lang in label else fid

    def date(self, iso: str) -> str:
        return fmt_date(advice_day(iso), self.lang)

    def when(self, iso: str) -> str:
        day = advice_day(iso)
        rel = fmt_relative((day - self.today).days, self.lang, self.named)
        return f"{rel}, {fmt_date(day, self.lang)}"


# ---- the list ----------------------------------------------------------------------------------

@main.group("watch", invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}, help=_(
    "Your list of parcels, each advised again as of today: its stage, its next step and that step's "
    "date, the earliest first, and what changed since you last looked.\n\n"
    "\b\n"
    "advise watch add RK190321410CN --issued 12d --protection-ends 2026-12-20\n"
    "advise watch update RK190321410CN --event 2026-11-30=Import\n"
    "advise watch --ics parcels.ics     one calendar for the whole list\n"
    "advise due                         what is due today and in the next days"))
@_view_options
@click.option("--all", "show_all", is_flag=True, help=_("also the parcels marked done"))
@click.option("--ics", "ics", metavar="FILE", help=_("also write one calendar file (.ics) for the whole list; - for stdout, alone"))
@click.option("--color/--no-color", default=None, help=_("colour the text output (default: on a terminal, unless NO_COLOR is set)"))
@rules_options_decorator()
@click.pass_context
@run_safely
def watch_cmd(ctx: click.Context, today: dt.date | None, lang: str | None, fmt: str, db: str | None, show_all: bool, ics: str | None,
              color: bool | None, rules_dir: str | None, overlay_dir: str | None, templates_dir: str | None) -> None:
    if ctx.invoked_subcommand is not None:
        return
    advisor = make_advisor(rules_dir, templates_dir, overlay_dir)
    today, lang = today or real_today(), lang or _default_lang()
    path = Path(db) if db else default_path()
    watch = WatchList(path) if path.exists() or ics else None      # a view creates no file
    rows: list[watching.Row] = []
    if watch is not None:
        since = watch.meta(watching.LAST_VIEW)
        rows = watching.readvise(watch, advisor, today, lang, since=since, with_done=show_all or bool(ics))
        if not since or since < today.isoformat():
            watch.set_meta(watching.LAST_VIEW, today.isoformat())
    if ics and watch is not None:       # --ics makes the file
        data = watching.calendar(watch, rows, advisor, today, lang, _calendar_name(advisor, lang))
        if ics == "-":
            sys.stdout.buffer.write(data)
            return
        _write_calendar(Path(ics), data)
        rows = [r for r in rows if show_all or not r.parcel.done]
    words = _Words(advisor, lang, today)
    if fmt == "json":
        click.echo(json.dumps({"today": today.isoformat(), "parcels": [_row_json(r) for r in rows]}, ensure_ascii=False, indent=1))
    else:
        use_color = wants_color(color)
        click.echo(_list_text(rows, words, use_color), color=use_color)
    _fail_on_errors(rows)


def _calendar_name(advisor: Advisor, lang: str) -> str:
    text = (advisor.calendar.texts.get("list_name") or {}).get(lang)
    return text or _("My parcels: what to do and by when")


def _row_json(row: watching.Row) -> dict[str, Any]:
    a = row.advice or {}
    return {"code": row.parcel.code, "added": row.parcel.added, "done": row.parcel.done, "stage": a.get("stage"),
            "next_step": a.get("next_step"), "change": row.change,
            "error": row.error.to_dict() if row.error else None}


def _list_text(rows: list[watching.Row], w: _Words, color: bool) -> str:
    if not rows:
        return _("No parcels on your list yet: add one with `advise watch add CODE --issued 12d`.")
    lines = [_("Your parcels, as of {date}:").format(date=fmt_date(w.today, w.lang)), ""]
    for row in rows:
        lines += _row_text(row, w, color)
    return "\n".join(lines).rstrip()


def _row_text(row: watching.Row, w: _Words, color: bool) -> list[str]:
    def em(text: str, **style: Any) -> str:
        return click.style(text, **style) if color else text
    code = em(row.parcel.code, bold=True)
    if row.parcel.done:
        return [f"{code}  " + _("done on {date}").format(date=w.date(row.parcel.done)), ""]
    if row.error is not None:
        return [f"{code}  " + em(_("cannot be advised: {error}").format(error=row.error.said(LANG)[0]), fg="red"), ""]
    a = row.advice or {}
    step = a.get("next_step")
    if step and step.get("due"):
        due = w.when(step["due"])
        head = f"{code}  {em(due, fg='red', bold=True) if step['due'] <= w.today.isoformat() else due}: {w.action(step['action'])}"
    elif step:
        head = f"{code}  {w.action(step['action'])}"
    else:
        head = f"{code}  " + _("nothing to do now")
    lines = [head, "    " + _("stage: {stage}").format(stage=w.stage(a["stage"]))]
    if row.change:
        lines.append("    " + em(_change_text(row.change, w), fg="yellow"))
    return lines + [""]


def _change_text(change: dict[str, Any], w: _Words) -> str:
    parts = []
    if "stage" in change:
        parts.append(_("the stage was: {stage}").format(stage=w.stage(change["stage"][0])))
    if "next" in change:
        old = change["next"][0]
        if old is None:
            parts.append(_("there was no step to take"))
        else:
            when = f" ({w.date(old[1])})" if old[1] and old[1] != "now" else ""
            parts.append(_("the next step was: {step}").format(step=w.action(old[0]) + when))
    if "flags" in change:
        parts.append(_("new red flags: {flags}").format(flags="; ".join(w.flag(f) for f in change["flags"])))
    return _("changed on {date}:").format(date=w.date(change["day"])) + " " + "; ".join(parts or [_("the dates")])


def _fail_on_errors(rows: list[watching.Row]) -> None:
    failed = [r for r in rows if r.error is not None]
    for r in failed:
        click.echo(f"{label('error', LANG)}: {r.parcel.code}: {r.error.render(LANG) if r.error else ''}", err=True)
    if failed:
        sys.exit(2)


# ---- changing the list -------------------------------------------------------------------------

@watch_cmd.command("add", context_settings={"help_option_names": ["-h", "--help"]},
                   help=_("Put a parcel on your list, with what you know of it (the same options as `advise CODE`)."))
@facts_options
@_db_option
@run_safely
def add_cmd(db: str | None, **options: Any) -> None:
    request = Request.of(options)
    if not request.answers.code:
        raise FactsError("give the parcel's track code", where="CODE", help=_("e.g. `advise watch add RK190321410CN --issued 12d`"))
    advisor, doc, today, lang, extra = gather(request)
    advice = advisor.advise(doc, today=today, lang=lang, messages=False, extra=extra).to_dict()
    code = (advice.get("track") or {}).get("code") or request.answers.code.strip()
    watch = _open(db)
    facts = {k: v for k, v in doc.items() if k != "today"}     # the list advises each day as of that day
    parcel = watch.add(code, dict(facts, track=code) if facts.get("track") else facts, today.isoformat())
    _saved(watch, parcel, advisor, advice, today, lang, _("Added {code} to your list.").format(code=code))


def _saved(watch: WatchList, parcel: Parcel, advisor: Advisor, advice: dict[str, Any], today: dt.date, lang: str, said: str) -> None:
    """Keep the new advice and show the parcel's line, with what changed."""
    watch.keep_advice(parcel, today.isoformat(), watching.digest(advice), advice)
    row = watching.Row(parcel, advice, history=watch.advices(parcel, last=2))
    row.change = watching.change_of(row.history, today.isoformat())
    click.echo(said)
    click.echo("\n".join(_row_text(row, _Words(advisor, lang, today), False)).rstrip())


@watch_cmd.command("update", context_settings={"help_option_names": ["-h", "--help"]}, help=_(
    "Add what is new about a parcel on your list: new events (--event, a pasted --history), the seller's "
    "answer, a dispute; the other facts stay as they were."))
@facts_options
@_db_option
@run_safely
def update_cmd(db: str | None, **options: Any) -> None:
    request = Request.of(options)
    if not request.answers.code:
        raise FactsError("give the parcel's track code", where="CODE", help=_("see your list with `advise watch`"))
    advisor, doc, today, lang, extra = gather(request)
    watch = _open(db, create=False)
    parcel = watch.need(_code_of(advisor, request.answers.code))
    new = {k: v for k, v in doc.items() if k not in ("track", "today")}
    if not new:
        raise FactsError("nothing to add", where="update", help=_("give new facts, e.g. `--event 2026-11-30=Import` or `--history page.txt`"))
    facts, known = watching.merge_facts(parcel.facts, new)
    advice = advisor.advise(facts, today=today, lang=lang, messages=False, extra=extra).to_dict()
    parcel = watch.set_facts(parcel, facts, today.isoformat())
    said = _("Updated {code}.").format(code=parcel.code)
    if known:
        said += " " + _("Events already on the list, not added again: {n}.").format(n=known)
    _saved(watch, parcel, advisor, advice, today, lang, said)


def _code_of(advisor: Advisor, text: str) -> str:
    """The code as the list keeps it: cleaned as `advise CODE` cleans it."""
    try:
        return advisor.track(text).get("code") or text.strip()
    except AdvisorError:            # a text that is no code is looked up as typed
        return text.strip()


@watch_cmd.command("done", context_settings={"help_option_names": ["-h", "--help"]}, help=_(
    "Mark a parcel done (received, refunded, given up): it stays on the list, out of `advise watch` and `advise due`, "
    "and its calendar events are cancelled."))
@click.argument("code")
@click.option("--undo", is_flag=True, help=_("watch it again"))
@click.option("--today", type=DAY, metavar="DATE", help=_("the day it was done (default: the real date)"))
@_db_option
@run_safely
def done_cmd(code: str, undo: bool, today: dt.date | None, db: str | None) -> None:
    advisor = make_advisor()
    watch = _open(db, create=False)
    parcel = watch.need(_code_of(advisor, code))
    watch.set_done(parcel, None if undo else (today or real_today()).isoformat())
    click.echo((_("{code} is watched again.") if undo else _("{code} is done.")).format(code=parcel.code))


@watch_cmd.command("remove", context_settings={"help_option_names": ["-h", "--help"]}, help=_(
    "Delete a parcel from your list with everything kept about it; the next calendar file cancels its events."))
@click.argument("code")
@click.option("--today", type=DAY, metavar="DATE", help=_("today's date (default: the real date)"))
@_db_option
@run_safely
def remove_cmd(code: str, today: dt.date | None, db: str | None) -> None:
    advisor = make_advisor()
    watch = _open(db, create=False)
    parcel = watch.need(_code_of(advisor, code))
    watch.remove(parcel, watching.calendar_uids(watch, parcel, advisor.calendar), (today or real_today()).isoformat())
    click.echo(_("Removed {code} from your list.").format(code=parcel.code))


@watch_cmd.command("export", context_settings={"help_option_names": ["-h", "--help"]}, help=_(
    "Write the list as a file (JSON) that `advise watch import` and the page's \"My parcels\" read."))
@click.argument("target", required=False, default="-", metavar="[FILE|-]")
@click.option("--today", type=DAY, metavar="DATE", help=_("today's date (default: the real date)"))
@_db_option
@run_safely
def export_cmd(target: str, today: dt.date | None, db: str | None) -> None:
    text = watchfile.dumps(watchfile.export(_open(db, create=False), today or real_today()))
    if target == "-":
        click.echo(text, nl=False)
        return
    path = Path(target)
    if path.is_dir():
        raise OutputError(f"`{path}` is a directory", where="export", help=_("give a file name, e.g. `parcels.json`"))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)   # the buyer's orders: owner only
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise OutputError(f"cannot write `{path}`: {e.strerror or e}", where="export") from None
    click.echo(_("The list is in {path}.").format(path=path), err=True)


@watch_cmd.command("import", context_settings={"help_option_names": ["-h", "--help"]}, help=_(
    "Merge a list file (from `advise watch export` or the page) into your list: new parcels are added, "
    "a parcel updated later in the file takes the file's facts."))
@click.argument("source", metavar="FILE|-")
@click.option("--today", type=DAY, metavar="DATE", help=_("today's date (default: the real date)"))
@_db_option
@run_safely
def import_cmd(source: str, today: dt.date | None, db: str | None) -> None:
    advisor = make_advisor()
    watch = _open(db)               # a list that cannot be used is said before the file is read
    parcels = watchfile.read(_read(source, "import"), "list" if source == "-" else source, advisor, today or real_today())
    counts = watchfile.import_into(watch, parcels)
    click.echo(_("Imported: {added} added, {updated} updated, {same} already the same, {kept} kept as they were "
                 "(the list's facts are newer).").format(**counts))


# ---- due ---------------------------------------------------------------------------------------

@main.command("due", context_settings={"help_option_names": ["-h", "--help"]}, help=_(
    "What is due today and in the next days across your list. Exit status 0: something is due today; "
    "1: nothing is; 2: an error."))
@_view_options
@click.option("--days", type=click.IntRange(0, 366), default=7, show_default=True, help=_("how many days ahead to look"))
@click.option("-q", "--quiet", is_flag=True, help=_("print nothing: the exit status says it"))
@rules_options_decorator()
@run_safely
def due_cmd(today: dt.date | None, lang: str | None, fmt: str, db: str | None, days: int, quiet: bool, rules_dir: str | None,
            overlay_dir: str | None, templates_dir: str | None) -> None:
    advisor = make_advisor(rules_dir, templates_dir, overlay_dir)
    today, lang = today or real_today(), lang or _default_lang()
    _watch, rows = _rows(db, advisor, today, lang)
    steps = watching.due_steps(rows, today, days)
    until = today + dt.timedelta(days=days)
    w = _Words(advisor, lang, today)
    if fmt == "json" and not quiet:
        out = {"today": today.isoformat(), "until": until.isoformat(), "due_today": any(s["today"] for s in steps),
               "steps": [dict(s, label=w.action(s["action"])) for s in steps]}
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    elif not quiet:
        click.echo(_due_text(steps, w, until))
    _fail_on_errors(rows)
    sys.exit(0 if any(s["today"] for s in steps) else 1)


def _due_text(steps: list[dict[str, Any]], w: _Words, until: dt.date) -> str:
    if not steps:
        return _("Nothing is due by {date}.").format(date=fmt_date(until, w.lang))
    now = [s for s in steps if s["today"]]
    later = [s for s in steps if not s["today"]]
    lines = []
    if now:
        lines.append(_("Due today, {date}:").format(date=fmt_date(w.today, w.lang)))
        for s in now:
            late = "  (" + _("it was due {date}").format(date=w.date(s["due"])) + ")" if s["overdue"] else ""
            lines.append(f"  {s['code']}  {w.action(s['action'])}{late}")
    if later:
        lines += ([""] if now else []) + [_("Due by {date}:").format(date=fmt_date(until, w.lang))]
        lines += [f"  {w.when(s['due'])}  {s['code']}  {w.action(s['action'])}" for s in later]
    return "\n".join(lines)


__all__ = ["watch_cmd", "due_cmd", "ENV_VAR"]
