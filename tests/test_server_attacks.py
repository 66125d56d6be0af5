"""`advise serve` under the attacks of issue 37: idle connections, slow heads and bodies, slow
batch bodies, CPU-heavy requests. Each holds an attack open while a normal client (another
address: the whole of 127.0.0.0/8 is this machine) is answered as usual and `/healthz` at once.

Time bounds here are the issue's own (`/healthz` within 100 ms, as a median of several calls)
or generous multiples; the load tests are `slow`."""
import json
import socket
import statistics
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import http_call
from test_server_fair import PARCEL, start

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

ATTACKER = "127.0.0.2"


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def connect(base: str, source: str = ATTACKER) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port_of(base)), timeout=10, source_address=(source, 0))


def healthz_times(base: str, n: int = 9) -> list[float]:
    times = []
    for _ in range(n):
        t = time.monotonic()
        with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
            assert r.status == 200
        times.append(time.monotonic() - t)
    return times


def closed_within(s: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing `s`, or None when it is still open after `seconds`."""
    s.settimeout(seconds)
    got = b""
    try:
        while chunk := s.recv(4096):
            got += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return got


def fds(proc) -> int:
    import os
    return len(os.listdir(f"/proc/{proc.pid}/fd"))


@pytest.mark.slow
def test_1000_idle_connections_and_10_slow_bodies_do_not_deny_a_normal_client():
    """1,000 connections opened and silent used to make every answer 503 for as long as they were
    held. The oldest idle one is closed for each new client now; 10 slow batch bodies from the
    same address hold at most two batch turns' worth of nothing."""
    proc, base = start("--max-connections", "1000", "--max-client-connections", "1000",
                       "--header-timeout", "120", "--body-timeout", "120")
    held = []
    try:
        usual = min(healthz_times(base, 3))
        status, _ = http_call(base, "POST", "/v1/advice", body=PARCEL, timeout=60)
        assert status == 200
        for _ in range(1000):
            held.append(connect(base))
        slow = []
        for _ in range(10):
            s = connect(base)
            s.sendall(b"POST /v1/advice/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100000\r\n\r\n[")
            slow.append(s)
        time.sleep(0.5)
        times = healthz_times(base)
        assert statistics.median(times) < max(0.1, 20 * usual), times
        status, body = http_call(base, "POST", "/v1/advice", body=PARCEL, timeout=60)
        assert status == 200 and body["schema"] == "parcel-advice/1"
        status, body = http_call(base, "POST", "/v1/advice/batch", body=[PARCEL] * 3, timeout=60)
        assert status == 200 and len(body) == 3
        # of the ten slow batches, two are in progress; the eight beyond were answered 503 at once
        refused = [closed_within(s, 5) or b"" for s in slow[2:]]
        assert sum(r.startswith(b"HTTP/1.1 503") for r in refused) == 8, refused[:2]
        assert fds(proc) <= 1000 + 40        # the idle ones made room: never more than the bound
        held += slow
    finally:
        for s in held:
            s.close()
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.slow
def test_one_address_holds_a_quarter_of_the_connections_and_its_own_idle_ones_go_first():
    proc, base = start("--max-connections", "200", "--header-timeout", "120")
    held = []
    try:
        before = fds(proc)
        for _ in range(400):
            held.append(connect(base))
        deadline = time.monotonic() + 15          # a loaded machine takes longer to close the extra ones
        while fds(proc) > before + 50 + 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert fds(proc) <= before + 50 + 5       # 200 // 4 of this address's connections are kept
        status, _ = http_call(base, "POST", "/v1/advice", body=PARCEL, timeout=60)
        assert status == 200
        answer = closed_within(held[0], 5)        # the oldest was closed, told why
        assert answer is not None and b"make room" in answer
    finally:
        for s in held:
            s.close()
        proc.terminate()
        proc.wait(timeout=20)


def test_a_silent_connection_and_a_slow_request_head_are_closed_at_the_header_timeout():
    proc, base = start("--header-timeout", "0.5")
    silent, dribble = connect(base), connect(base)
    try:
        dribble.sendall(b"GET /healthz HTTP/1.1\r\n")
        for _ in range(10):                       # a byte every 0.2 s: never a whole head
            time.sleep(0.2)
            try:
                dribble.sendall(b"X")
            except OSError:
                break
        said = closed_within(silent, 10)
        assert said is not None and b"no request arrived within 0.5 s" in said
        said = closed_within(dribble, 10)
        assert said is not None and b"503" in said
        with urllib.request.urlopen(base + "/healthz", timeout=10) as r:      # a prompt client is served
            assert r.status == 200
    finally:
        silent.close()
        dribble.close()
        proc.terminate()
        proc.wait(timeout=20)


def test_a_body_slower_than_the_body_timeout_is_408_in_our_error_shape():
    proc, base = start("--body-timeout", "1")
    s = connect(base)
    try:
        s.sendall(b"POST /v1/advice HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{")
        said = closed_within(s, 15)
        assert said is not None and said.startswith(b"HTTP/1.1 408")
        error = json.loads(said.split(b"\r\n\r\n", 1)[1])["error"]
        assert "did not arrive within 1 s" in error["message"] and error["help"]
    finally:
        s.close()
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.slow
def test_healthz_answers_while_32_clients_post_64_kb_histories_to_the_page():
    """Building the page's HTML on the event loop held `/healthz` for 2.1-2.6 s under this load:
    as long as a page took. Measured as a ratio, which holds on a loaded machine: `/healthz`
    answers in a small part of the time a page takes under the same load (on an idle 2-core
    machine 0.03 s against 1 s and more; see docs/operations.md)."""
    proc, base = start()
    history = "\n".join(f"{1 + i % 28:02d}.11.2026 10:{i % 60:02d} Arrived at the sorting centre, city {i}"
                        for i in range(1200))[:64 * 1024]
    from urllib.parse import urlencode
    form = urlencode({"track": "RK190321410CN", "track_issued": "2026-11-10", "history": history}).encode()
    stop = threading.Event()
    answers, pages, failures = [], [], []

    def client():
        while not stop.is_set():
            req = urllib.request.Request(base + "/", data=form, method="POST")
            t = time.monotonic()
            try:
                with urllib.request.urlopen(req, timeout=120) as r:
                    r.read()
                    answers.append(r.status)
            except urllib.error.HTTPError as e:
                answers.append(e.code)
            except OSError as e:            # a refused or timed-out client is a finding, not a silent thread end
                failures.append(repr(e))
                return
            pages.append(time.monotonic() - t)

    threads = [threading.Thread(target=client) for _ in range(32)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 300
        while len(answers) < 16 and not failures and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(answers) >= 16 and not failures, (len(answers), failures[:3])
        times = healthz_times(base)
        page = statistics.median(pages[-16:])
        assert statistics.median(times) < page / 4, (times, page)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
        proc.terminate()
        proc.wait(timeout=20)
    assert answers and set(answers) <= {200, 303, 422}, set(answers)


def test_pages_that_carry_a_buyers_facts_are_not_stored_by_caches():
    proc, base = start()
    try:
        with urllib.request.urlopen(base + "/?track=RK190321410CN&track_issued=2026-11-10", timeout=30) as r:
            assert r.headers["Cache-Control"] == "no-store"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_key_given_twice_in_one_parcel_of_a_batch_fails_that_parcel_alone_naming_it():
    proc, base = start()
    try:
        body = ('[{"track": "RK190321410CN"}, {"track": "RK190321410CN", "order": '
                '{"track_issued": "2026-11-10", "track_issued": "2026-11-11"}}, {"track": "RK190321410CN"}]')
        status, answer = http_call(base, "POST", "/v1/advice/batch", raw=body.encode(), timeout=60)
        assert status == 200 and len(answer) == 3
        assert answer[1]["index"] == 1 and answer[1]["error"]["where"] == "body[1].order"
        assert "`track_issued` is given twice" in answer[1]["error"]["message"]
        assert answer[0]["schema"] == answer[2]["schema"] == "parcel-advice/1"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_pasted_pages_that_were_a_500_on_the_page_are_answered():
    """Issue 37: both histories were an HTTP 500 on the page (the reader crashed)."""
    from urllib.parse import urlencode
    proc, base = start()
    try:
        for history in ("<![octed4/span>\n<li>20.11.2026 Delivered</li>",
                        "Nov 16t222222222222222222222222222222h 2026 Delivered"):
            form = urlencode({"track": "RK190321410CN", "track_issued": "2026-11-10", "history": history}).encode()
            req = urllib.request.Request(base + "/", data=form, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
            assert status == 200, history
    finally:
        proc.terminate()
        proc.wait(timeout=20)
