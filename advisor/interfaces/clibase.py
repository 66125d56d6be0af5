"""The `advise` group and how its commands fail: the default command (`advise CODE`), the help
for `advise help`, a mistyped command said as one, and every error a user can cause as one clear
line and an exit status, never a traceback."""
from __future__ import annotations

import os
import sys
from typing import Callable, NoReturn, ParamSpec, TypeVar

import click

from advisor.interfaces.options import LANG, _
from advisor.base.errors import AdvisorError, FactsError, OutputError, label

EXIT_INTERNAL = 3       # a bug; bad input exits 2 and an output that cannot be written 4 (errors.py)


P = ParamSpec("P")
R = TypeVar("R")


def fail(err: AdvisorError, at_once: bool = False) -> NoReturn:
    """Say the error and exit with its status. `at_once`: end the process without tidying up
    (a batch's workers are killed, and waiting for the pool to tidy up can hang: batch._stop)."""
    click.echo(f"{label('error', LANG)}: {err.render(LANG)}", err=True)
    if at_once:
        sys.stderr.flush()
        os._exit(err.exit_code)
    sys.exit(err.exit_code)


def _output_closed() -> NoReturn:
    """The reader of stdout stopped (`| head -c 200`): status 4, not Ctrl-C's 130; stdout to /dev/null
    so Python's last flush cannot fail."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    fail(OutputError.of("output_closed", where="stdout"),
         at_once=True)


class _DefaultContext(click.Context):
    """The hidden default command's context: its usage and errors say `advise`, never `advise advice`."""

    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent else "advise"


class DefaultGroup(click.Group):
    """`advise CODE ...` runs the default command; `advise rules check` runs a subcommand;
    `advise help [COMMAND]` shows the help; a near miss of a command is said, never advised on."""

    default = "advice"
    # command -> the module that adds it, imported when that command (or the list) is asked for:
    # `advise CODE` loads none of them (a tenth of its start)
    lazy: dict[str, str] = {}

    def _need(self, name: str) -> None:
        module = self.lazy.get(name)
        if module is not None and name not in self.commands:
            import importlib
            importlib.import_module(module)

    def _load_all(self) -> None:
        for name in list(self.lazy):
            self._need(name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._need(cmd_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_all()
        return super().list_commands(ctx)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            # `advise` alone: on a terminal, ask the questions; elsewhere there is no one to ask
            if sys.stdin.isatty() and sys.stdout.isatty():
                return super().parse_args(ctx, ["questions"])
            raise click.UsageError(_("give a track code, or run `advise` alone in a terminal to answer a few questions"), ctx)
        if args[0] == "help":                 # a command word, not the code "HELP"
            self._load_all()
            if len(args) > 1 and args[1] in self.commands:
                return super().parse_args(ctx, args[1:] + ["--help"])
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(0)
        self._need(args[0])
        if args[0] not in self.commands and args[0] not in ("--help", "-h", "--version", "-V"):
            if not args[0].startswith("-") and args[0].isalpha():      # a code has digits: never a command
                self._load_all()
                _not_a_command(args[0], self._command_words())
            args.insert(0, self.default)
        return super().parse_args(ctx, args)

    def _command_words(self) -> dict[str, str]:
        """Each word a command is called by -> the command line it starts (`check` -> `rules check`)."""
        words = {"help": "help"}
        for name, command in self.commands.items():
            if command.hidden:
                continue
            for sub in getattr(command, "commands", {}):
                words.setdefault(sub, f"{name} {sub}")
            words[name] = name
        return words

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("advise", _("[CODE] [OPTIONS]  |  advise COMMAND [ARGS]..."))


def _not_a_command(word: str, commands: dict[str, str]) -> None:
    """A word of letters only that is close to a command's word is a mistyped or misplaced command
    (`advise serv`, `advise check`): a track code has digits. Said with the command meant, exit 2."""
    import difflib
    near = difflib.get_close_matches(word.lower(), list(commands), n=1, cutoff=0.6)
    if near and word.isalpha():
        fail(FactsError(_("`{word}` is not a command, and a track code has digits").format(word=word),
                        help=_("did you mean `advise {command}`? (`advise help` lists the commands)").format(
                            command=commands[near[0]])))


def run_safely(fn: Callable[P, R]) -> Callable[P, R]:
    """Every error a user can cause becomes one clear line and an exit status, never a traceback."""
    def wrapper(*a: P.args, **kw: P.kwargs) -> R:
        try:
            return fn(*a, **kw)
        except AdvisorError as e:
            fail(e)
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:
            _output_closed()
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except SystemExit:
            raise
        except Exception as e:  # noqa: BLE001 - last line of defence for the user
            if os.environ.get("PARCEL_ADVISOR_DEBUG"):
                raise
            click.echo(f"error: internal error ({type(e).__name__}: {e})\n"
                       "help: this is a bug in parcel-advisor; set PARCEL_ADVISOR_DEBUG=1 for details", err=True)
            sys.exit(EXIT_INTERNAL)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper
