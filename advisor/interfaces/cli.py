"""The `advise` command line: `advise CODE [facts options]`, plus `rules` and `explain`.

Exit status: 0 advice given; 1 `rules check`/`rules test` found problems; 2 bad input (facts,
options, history, rules files); 3 an internal error (a bug: please report it).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple

import click

from advisor.interfaces import fields
from advisor.base import i18n
from advisor.interfaces.options import DAY, EVENT, LANG, Command, Option, _, as_options, field_options, translated
from advisor.base.dates import real_today
from advisor.base.errors import FactsError, HistoryError, OutputError, Phrase

if TYPE_CHECKING:
    from advisor.api import Advisor

from advisor.interfaces.clibase import DefaultGroup, _DefaultContext, run_safely

i18n.use_for_click(i18n.translations(LANG))


def _default_lang() -> str:
    return i18n.language([], os.environ)


N_ = str          # a text for the catalog (pybabel extracts `N_`), translated where it is used
ENCODING_NOTE = N_("the locale's encoding cannot show some characters of the advice; they are written as `?` "
                   "(set a UTF-8 locale, e.g. LANG=C.UTF-8)")


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]}, help=_(
    "Advice for a parcel whose track code \"is not tracked\".\n\n"
    "\b\n"
    "advise RK190321410CN --issued 12d --protection-ends 2026-11-25\n"
    "advise RK190321410CN --facts parcel.yaml --format json\n"
    "advise CODE --help        every facts option (dates, platform, events, dispute)"))
@click.version_option(None, "-V", "--version", package_name="parcel-advisor", prog_name="advise",
                      help=_("Show the version and exit."))
def main() -> None:
    """The `advise` group; its help text is the translated one above."""
    i18n.fit_streams(_(ENCODING_NOTE), ENCODING_NOTE)


# ---- facts options shared by `advice` and `explain` --------------------------------------------

def rules_options() -> list[Option]:
    return [
        click.option("--rules", "rules_dir", metavar="DIR", help=_("use another rules directory")),
        click.option("--rules-overlay", "overlay_dir", metavar="DIR", help=_("rules that replace shipped ones by id, or add to them")),
        click.option("--templates", "templates_dir", metavar="DIR", help=_("use another templates directory")),
    ]


def rules_options_decorator() -> Option:
    def deco(f: Command) -> Command:
        for o in reversed(rules_options()):
            f = o(f)
        return f
    return deco


@dataclass
class Request:
    """What `advise CODE …` was asked for one parcel: where the facts come from (a file, a pasted
    history, the answers typed as options), the day and language, the rules directories."""

    answers: fields.Answers = field(default_factory=fields.Answers)
    facts_file: str | None = None
    history_file: str | None = None
    payload_from: str | None = None      # `--from PROVIDER`: the argument is a tracker's payload file
    today: dt.date | None = None
    lang: str | None = None
    rules_dir: str | None = None
    overlay_dir: str | None = None
    templates_dir: str | None = None

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> "Request":
        """From the command's options (click hands them over by name)."""
        return cls(fields.Answers.of(options), **{k: options.get(k) for k in (
            "facts_file", "history_file", "payload_from", "today", "lang", "rules_dir", "overlay_dir", "templates_dir")})


@dataclass
class Output:
    """How the advice is given: text or JSON, one message alone, a calendar file, the rules' view."""

    fmt: str = "text"
    copy: str | None = None
    translation: bool = False
    no_messages: bool = False
    explain: bool = False
    color: bool | None = None
    why_not: str | None = None
    ics: str | None = None

    @classmethod
    def of(cls, options: Mapping[str, Any], **given: Any) -> "Output":
        return cls(**{k: options[k] for k in ("fmt", "copy", "translation", "no_messages", "explain", "color",
                                              "why_not", "ics") if k in options}, **given)


def make_advisor(rules_dir: str | None = None, templates_dir: str | None = None,
                 overlay_dir: str | None = None) -> Advisor:
    from advisor.api import advisor_for
    return advisor_for(rules_dir, templates_dir, overlay_dir)


def facts_options(f: Command) -> Command:
    """The facts of one parcel: a file, a tracker's payload, the day, and every field of the table
    (`templates/fields.yaml`, made into options by `options.field_options`)."""
    code, *answers = field_options()
    opts = [
        code,
        click.option("--facts", "facts_file", metavar="FILE", help=_("facts document (YAML or JSON, parcel-facts/1); - for stdin")),
        click.option("--from", "payload_from", metavar="PROVIDER", help=_("the argument is a tracker's payload file (JSON or XML; - for stdin) from PROVIDER (aftership, 17track, ...; auto recognises it)")),
        click.option("--today", type=DAY, metavar="DATE", help=_("advise as of this date (default: the real date)")),
        *answers,
        click.option("--event", "events", type=EVENT, metavar="DATE=STATUS", multiple=True, help=_("a tracking event (status text or stage id); repeatable")),
        click.option("--lang", type=click.Choice(list(i18n.LANGS)), default=None, help=_("language of the advice (default: from the locale)")),
    ] + rules_options()
    for o in reversed(opts):
        f = o(f)
    return f


MAX_INPUT_BYTES = 16 * 1024 * 1024   # a parcel's facts or history is kilobytes; more is a wrong file


def _read_bytes(path: str, what: str) -> bytes:
    if path == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        p = Path(path)
        if not p.is_file():
            raise FactsError.of("no_file", where=what, value=path)
        with p.open("rb") as f:
            data = f.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise FactsError.of("input_too_large", where=what, mib=MAX_INPUT_BYTES // (1024 * 1024))
    return data


def _read(path: str, what: str) -> str:
    data = _read_bytes(path, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FactsError.of("not_utf8", where=path, at=e.start) from None


def _option_name(name: str) -> str:
    f = fields.table().by_name.get(name)
    return f.option_name if f else "--" + name.replace("_", "-")


class Gathered(NamedTuple):
    """What `advise CODE …` advises on: the advisor, the facts, the day and language, and what the
    advice says of its input (a pasted history's reading, a payload's provider)."""

    advisor: Advisor
    doc: dict[str, Any]
    today: dt.date
    lang: str
    extra: dict[str, Any]


def gather(request: Request) -> Gathered:
    """Build (advisor, facts document, today, lang, extra output) from what was asked."""
    from advisor.reading.facts import fact_date, merge, parse_document
    advisor = make_advisor(request.rules_dir, request.templates_dir, request.overlay_dir)
    doc: dict[str, Any] = {}
    if request.facts_file:
        doc = parse_document(_read(request.facts_file, "--facts"),
                             "facts" if request.facts_file == "-" else request.facts_file)
    if request.facts_file == "-" and request.history_file == "-":
        raise FactsError.of("stdin_twice", where="--history")
    # the file's own date, read by the facts contract's rules: a bad one is an error naming
    # `today`, as from the API, never replaced by the real date
    today = request.today or fact_date(doc.get("today"), "today") or real_today()
    try:
        over = fields.to_facts(request.answers, today, set(advisor.vocab["stages"]), _option_name)
        events = over.pop("events", [])
        extra: dict[str, Any] = {}
        if request.history_file:
            pasted, extra["history"] = fields.read_pasted(_read_bytes(request.history_file, "--history"), "--history")
            events += pasted
        elif request.answers.get("history"):           # pasted in question mode
            pasted, extra["history"] = fields.read_pasted(str(request.answers.get("history")).encode("utf-8"), "history")
            events += pasted
    except (FactsError, HistoryError) as e:
        raise translated(e) from None        # the CLI's catalog holds these help lines
    if events:
        over["events"] = events
    if request.payload_from:
        doc, extra["payload"] = _payload(advisor, request, doc, over)
    doc = merge(doc, over)
    return Gathered(advisor, doc, today, request.lang or _default_lang(), extra)


def _payload(advisor: Advisor, request: Request, doc: dict[str, Any],
             over: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`advise --from PROVIDER FILE`: the facts the payload holds, with the file's and the options'
    order facts beside it; `auto` says on stderr which provider it recognised."""
    from advisor.reading.adapters import payload_facts
    if not request.answers.code:
        raise FactsError.of("from_needs_file", where="--from")
    if "events" in over:
        raise FactsError.of("events_from_payload", where="--event")
    path = over.pop("track")
    reading = advisor.adapters.read(_read_bytes(path, "--from"), request.payload_from or "auto")
    if reading.recognised:
        click.echo(f"read as {advisor.adapters.by_id[reading.provider].title} ({reading.form})", err=True)
    out = payload_facts(reading, None, doc)
    return out, {"provider": reading.provider, "form": reading.form, "recognised": reading.recognised,
                 "events": len(out.get("events") or [])}


def advice_options(f: Command) -> Command:
    for o in reversed([
        click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help=_("text for people, json for programs (parcel-advice/1)")),
        click.option("--copy", "copy", metavar="KIND/PURPOSE", help=_("print only the English text to send of this message (e.g. seller/not_tracked; for a dispute, its description), for the clipboard")),
        click.option("--translation", is_flag=True, help=_("with --copy: the Russian translation instead, to read (not to send)")),
        click.option("--ics", "ics", metavar="FILE", help=_("also write the dates of the advice as a calendar file (.ics) to import; - for stdout, alone")),
        click.option("--no-messages", is_flag=True, help=_("leave the ready-to-send messages out")),
        click.option("--why-not", "why_not", metavar="RULE_ID", help=_("show which condition of this rule did not hold")),
        click.option("--color/--no-color", default=None, help=_("colour the text output (default: on a terminal, unless NO_COLOR is set)")),
    ]):
        f = o(f)
    return f


@main.command("advice", cls=type("AdviceCommand", (click.Command,), {"context_class": _DefaultContext}), hidden=True, options_metavar=_("[OPTIONS]"), context_settings={"help_option_names": ["-h", "--help"]}, help=_('Advise on one parcel: what is going on, what to do next and by when.'))
@facts_options
@advice_options
@click.option("--explain", is_flag=True, help=_("show which rule gave each piece of advice and why"))
@run_safely
def advice_cmd(**options: Any) -> None:
    _advise(Request.of(options), Output.of(options))


@main.command("explain", options_metavar=_("[OPTIONS]"), context_settings={"help_option_names": ["-h", "--help"]}, help=_('The advice with, for each piece, the rule that gave it and the facts it read.'))
@facts_options
@advice_options
@run_safely
def explain_cmd(**options: Any) -> None:
    _advise(Request.of(options), Output.of(options, explain=True))


@main.command("questions", hidden=True, context_settings={"help_option_names": ["-h", "--help"]},
              help=_("Answer a few questions about the parcel, then get the advice."))
@run_safely
def questions_cmd() -> None:
    from advisor.interfaces.questions import ask
    _advise(Request(ask(make_advisor(), real_today())), Output())


def _advise(request: Request, output: Output) -> None:
    from advisor.views.report import render_text, render_explain
    advisor, doc, today, lang, extra = gather(request)
    copy = output.copy
    why = None
    if output.why_not:
        from advisor.views.explain import why_not as explain_why_not
        why = extra["why_not"] = explain_why_not(advisor, doc, output.why_not, today=today, lang=lang)
    try:
        advice = advisor.advise(doc, today=today, lang=lang, messages=not output.no_messages or bool(copy), extra=extra)
    except FactsError as e:
        raise as_options(e, request.answers.get) from None
    if output.translation and not copy:
        raise FactsError.of("translation_needs_copy", where="--translation")
    if copy:
        click.echo(_message_to_copy(advice.data["messages"], copy, output.translation))
        return
    if output.ics == "-":                 # the calendar alone, for a pipe
        sys.stdout.buffer.write(advice.to_ics())
        return
    if output.ics:
        _write_calendar(Path(output.ics), advice.to_ics())
    if output.fmt == "json":
        click.echo(advice.to_json())
        return
    use_color = wants_color(output.color)
    text = render_text(advisor, advice, lang, color=use_color)
    if output.explain or why is not None:
        text += "\n\n" + render_explain(advisor, advice, lang, why)
    if sys.stdout.isatty():               # a terminal folds mid-word; a pipe gets the lines whole
        from advisor.interfaces.termwrap import wrap
        text = wrap(text, shutil.get_terminal_size().columns)
    click.echo(text, color=use_color)     # click strips colour from a pipe unless told otherwise


def _message_to_copy(messages: list[dict[str, Any]], copy: str, translation: bool) -> str:
    """What `--copy` prints: the text to send (a dispute's description) in the language it is sent
    in (`send`: the platform's seller's, Russian for a request to the post), or with
    `--translation` the other one, to read."""
    for m in messages:
        if f"{m['kind']}/{m['purpose']}" == copy or m["purpose"] == copy:
            texts, send = m.get("text") or m, m.get("send") or (i18n.POST if m["kind"] == "post" else i18n.DEFAULT)
            text: str = texts[i18n.other(send) if translation else send]
            return text
    have = ", ".join(f"`{m['kind']}/{m['purpose']}`" for m in messages) or Phrase("none")
    raise FactsError.of("no_message", where="--copy", value=copy, have=have)


def _write_calendar(path: Path, data: bytes) -> None:
    if path.is_dir():
        raise OutputError.of("path_is_dir", where="--ics", value=path, help=Phrase("ics_file_help"))
    try:
        path.write_bytes(data)
    except OSError as e:
        raise OutputError.of("cannot_write", where="--ics", value=path, reason=e.strerror or e) from None
    click.echo(_("The dates are in {path}: import it into your calendar.").format(path=path), err=True)


def wants_color(option: bool | None) -> bool:
    """`--color`/`--no-color` decide; without either, colour on a terminal unless `NO_COLOR` is set
    to anything non-empty (no-color.org: a command-line flag overrides the variable)."""
    if option is not None:
        return option
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


# ---- rules: check and test --------------------------------------------------------------------

# the commands of their own modules add themselves to `main` when imported, which is when a
# command line names them (or the help lists them): `advise CODE` imports none
main.lazy = {"batch": "advisor.interfaces.batchcmd", "rules": "advisor.interfaces.rulescmd",
             "serve": "advisor.interfaces.servecmd", "watch": "advisor.interfaces.watchcmd",
             "due": "advisor.interfaces.watchcmd"}
