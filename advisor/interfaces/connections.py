"""`advise serve`'s connections: an idle or slow client cannot hold the server for others.

uvicorn keeps a connection that never sends a request open for ever, and its connection limit
answered 503 to everyone once idle connections filled it. Here each connection has until
`header_timeout` to send a whole request head (the first one and every keep-alive one after);
at the limit the oldest connection with no request in progress is closed to make room; and one
client (one address) holds at most `per_client` connections, its own oldest idle one going first.
A connection is refused (503) only when every one is busy with a request.

The class wraps uvicorn's h11 protocol through the few names uvicorn's own shutdown uses
(`transport`, `cycle`, `cycle.response_complete`).
"""
from __future__ import annotations

import asyncio
import json
import os
from collections import Counter

from uvicorn.protocols.http.h11_impl import H11Protocol
from typing import Any

from advisor.base.errors import RequestError

LIMITS_ENV = "PARCEL_ADVISOR_SERVE_LIMITS"
DEFAULTS = {"max_connections": 1000, "per_client": 250, "header_timeout": 10.0}

_open: dict[GuardedProtocol, None] = {}      # open connections, oldest first (dicts keep order)
_by_client: Counter[str] = Counter()
_limits: dict[str, Any] = {}


def configure(**limits: float | None) -> None:
    """This process's limits (and, through the environment, those of `--workers` processes)."""
    _limits.clear()
    _limits.update(DEFAULTS, **{k: v for k, v in limits.items() if v is not None})
    os.environ[LIMITS_ENV] = json.dumps(_limits)


def limits() -> dict[str, Any]:
    if not _limits:
        _limits.update(DEFAULTS, **json.loads(os.environ.get(LIMITS_ENV) or "{}"))
    return _limits


def refusal(message: str) -> bytes:
    """A whole 503 answer in our error shape, for a connection closed before any request of it."""
    body = json.dumps({"error": RequestError(message, help="try again in a moment").to_dict()}).encode()
    return (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


class GuardedProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for request heads and room made at the limit."""

    _refused = False
    _head_timer = None
    _peer = ""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        peer = transport.get_extra_info("peername")
        self._peer = peer[0] if isinstance(peer, tuple) else str(peer)
        bound = limits()
        if _by_client[self._peer] >= bound["per_client"]:
            room = _make_room(self._peer)
        elif len(_open) >= bound["max_connections"]:
            room = _make_room(None)
        else:
            room = True
        if not room:
            self._refused = True
            transport.write(refusal("every connection is busy with a request"))
            transport.close()
            return
        _open[self] = None
        _by_client[self._peer] += 1
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._refused:
            return
        self._stop_head_timer()
        if _open.pop(self, False) is None:
            _by_client[self._peer] -= 1
            if not _by_client[self._peer]:
                del _by_client[self._peer]
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.idle():
            self._start_head_timer()        # a head begun: it must end in time (uvicorn's keep-alive
        else:                               # timer stops at the first byte)
            self._stop_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.idle() and not self.transport.is_closing():
            self._start_head_timer()

    def idle(self) -> bool:
        """No request in progress: none yet, or between keep-alive requests, or a head still coming."""
        return self.cycle is None or self.cycle.response_complete

    def evict(self, message: str) -> None:
        if not self.transport.is_closing():
            self.transport.write(refusal(message))
            self.transport.close()

    def _start_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(limits()["header_timeout"], self._head_late)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if self.idle():
            self.evict(f"no request arrived within {limits()['header_timeout']:g} s")


def _make_room(client: str | None) -> bool:
    """Close the oldest connection with no request in progress (of `client`, when given)."""
    for conn in _open:
        if (client is None or conn._peer == client) and conn.idle() and not conn.transport.is_closing():
            conn.evict("closed to make room for a new connection")
            _open.pop(conn)
            _by_client[conn._peer] -= 1
            return True
    return False
