"""`advise serve`: the advisor over HTTP (server.py), its connection bounds as options."""
from __future__ import annotations

import click

from advisor.interfaces.cli import main, make_advisor, rules_options_decorator
from advisor.interfaces.clibase import run_safely
from advisor.interfaces.options import _
from advisor.base.errors import AdvisorError


@main.command("serve", context_settings={"help_option_names": ["-h", "--help"]}, help=_(
    "Serve the advisor over HTTP: the page for buyers at /, POST /v1/advice, POST /v1/advice/batch, "
    "POST /v1/advice.ics, GET /v1/track/{code}, GET /healthz; the OpenAPI document at /openapi.json "
    "and /docs. Needs the `server` extra."))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("address to listen on"))
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help=_("processes serving the port, each with its own copy of the rules"))
@click.option("--max-connections", type=click.IntRange(1, 100_000), default=1000, show_default=True,
              help=_("open connections one process serves; beyond them the oldest idle one is closed, or the answer is 503"))
@click.option("--max-client-connections", type=click.IntRange(1, 100_000), default=None,
              help=_("open connections of one client address; default a quarter of --max-connections"))
@click.option("--header-timeout", type=click.FloatRange(0.1, 3600), default=10.0, show_default=True,
              help=_("seconds a connection has to send a request head; then it is closed"))
@click.option("--body-timeout", type=click.FloatRange(0.1, 3600), default=30.0, show_default=True,
              help=_("seconds a request has to send its whole body; then the answer is 408"))
@rules_options_decorator()
@run_safely
def serve_cmd(host: str, port: int, workers: int, max_connections: int, max_client_connections: int | None,
              header_timeout: float, body_timeout: float, rules_dir: str | None, overlay_dir: str | None,
              templates_dir: str | None) -> None:
    from advisor.interfaces.server import serve
    options = {"rules": rules_dir, "overlay": overlay_dir, "templates": templates_dir}
    advisor = make_advisor(rules_dir, templates_dir, overlay_dir)
    _can_listen(host, port)
    click.echo(started(host, port, workers, rules_dir, overlay_dir), err=True)
    serve(host, port, advisor, workers=workers, options=options, max_connections=max_connections,
          per_client=max_client_connections, header_timeout=header_timeout, body_timeout=body_timeout)


def started(host: str, port: int, workers: int, rules_dir: str | None, overlay_dir: str | None) -> str:
    """The start-up line: where the page is, how many processes serve it, which rules they use."""
    shown = f"[{host}]" if ":" in host else host
    rules = rules_dir or _("the shipped rules")
    if overlay_dir:
        rules += " + " + overlay_dir
    return _("Serving the page at http://{address}:{port}/ (workers: {workers}; rules: {rules}). "
             "Ctrl-C stops it.").format(address=shown, port=port, workers=workers, rules=rules)


def _can_listen(host: str, port: int) -> None:
    """The address taken or not ours is said as our error before anything starts, not after a line
    that says the page is served."""
    import socket
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(info[0], socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(info[4])
    except OSError as e:
        raise AdvisorError(f"cannot listen on {host}:{port}: {e.strerror or e}", where="--port",
                           help=_("choose another port with `--port`, or stop what is listening there")) from None
