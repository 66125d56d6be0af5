"""`advise serve`: the real server on a loopback port, talked to over HTTP."""
import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from jsonschema import Draft202012Validator

from conftest import ROOT, serving
from conftest import http_call as call

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

GOOD = {"track": "RK190321410CN", "order": {"track_issued": "2026-11-10"}}
ADVICE_SCHEMA = json.loads((ROOT / "schemas" / "parcel-advice-1.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def server():
    for port in serving():
        yield f"http://127.0.0.1:{port}"


def test_healthz_and_openapi(server):
    status, body = call(server, "GET", "/healthz")
    assert status == 200 and body["status"] == "ok" and body["rule_count"] > 50
    status, doc = call(server, "GET", "/openapi.json")
    assert status == 200 and {"/v1/advice", "/v1/advice/batch", "/v1/track/{code}", "/healthz"} <= set(doc["paths"])


def test_advice(server):
    status, advice = call(server, "POST", "/v1/advice?today=2026-11-22&lang=ru", GOOD)
    assert status == 200
    assert list(Draft202012Validator(ADVICE_SCHEMA).iter_errors(advice)) == []
    assert advice["lang"] == "ru" and advice["next_step"]["action"] == "message_seller"


@pytest.mark.parametrize("body,raw,where", [
    ({"track": "RK190321410CN", "order": {"paid": "soon"}}, None, "order.paid"),
    ({"track": "RK190321410CN", "colour": "red"}, None, "colour"),
    (None, b"{not json", "body:1:2"),
    (None, b"[1, 2]", "body"),
    (None, b"\xff\xfe", "body"),
])
def test_bad_facts_are_422_with_the_field(server, body, raw, where):
    status, answer = call(server, "POST", "/v1/advice", body, raw)
    assert status == 422 and answer["error"]["where"] == where, answer


def test_bad_query_is_422_not_500(server):
    assert call(server, "POST", "/v1/advice?lang=fr", GOOD)[0] == 422
    assert call(server, "POST", "/v1/advice?today=tomorrow", GOOD)[0] == 422
    assert call(server, "GET", "/v1/track/RK190321410CN?platform=amazon")[0] == 422


def test_oversized_body_is_413(server):
    """The declared length is enough to refuse: the client need not send the body at all."""
    import http.client
    host, port = server.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.putrequest("POST", "/v1/advice")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(5 * 1024 * 1024))
    conn.endheaders()
    r = conn.getresponse()
    assert r.status == 413 and "larger than" in json.loads(r.read())["error"]["message"]
    conn.close()


def test_oversized_chunked_body_is_413(server):
    """Without a declared length the server counts while it reads and stops at the limit."""
    import http.client
    host, port = server.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    chunk = b"x" * 65536
    conn.putrequest("POST", "/v1/advice")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    try:
        for _ in range(20):  # 1.25 MiB
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed before reading everything: that is the point
    r = conn.getresponse()
    assert r.status == 413
    conn.close()


def test_batch_keeps_order_and_errors_in_place(server):
    status, rows = call(server, "POST", "/v1/advice/batch?today=2026-11-22&messages=false",
                        [GOOD, {"track": 5}, dict(GOOD, track="LA123456785CN")])
    assert status == 200 and len(rows) == 3
    assert rows[0]["track"]["code"] == "RK190321410CN" and rows[2]["track"]["code"] == "LA123456785CN"
    assert rows[1]["index"] == 1 and rows[1]["error"]["where"] == "track"
    assert call(server, "POST", "/v1/advice/batch", {"track": "x"})[0] == 422


def test_track(server):
    status, t = call(server, "GET", "/v1/track/rk%20190321410%20cn")
    assert status == 200 and t["code"] == "RK190321410CN" and t["valid"] is True
    assert call(server, "GET", "/v1/track/996578788855")[1]["format"] == "fake_17_post"
    status, t = call(server, "GET", "/v1/track/996578788855?platform=ebay&shipping=FedEx%20Economy")
    assert status == 200 and t["format"] == "fedex"
    assert call(server, "GET", "/v1/track/996578788855?shipping=" + "x" * 201)[0] == 422


@pytest.mark.slow
def test_32_concurrent_clients_for_2_seconds(server):
    errors, done = [], [0]
    stop = time.monotonic() + 2
    lock = threading.Lock()

    def client(i):
        facts = {"track": "RK190321410CN", "order": {"track_issued": f"2026-11-{1 + i % 20:02d}"}}
        while time.monotonic() < stop:
            try:
                status, advice = call(server, "POST", "/v1/advice?today=2026-11-22&messages=false", facts)
                if status != 200 or advice["days"]["since_track_issued"] != 21 - i % 20:
                    errors.append((status, advice))
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and done[0] > 100
