"""Every input a user or a tracker can send, tried: a clear answer or a clear error, never a
traceback, never an input silently dropped or changed."""
import datetime as dt
import io
import json
import os
import socket
import time
import tracemalloc
import urllib.request

import pytest

from advisor.interfaces.batch import MAX_LINE_BYTES, Settings, run
from advisor.base.errors import FactsError, HistoryError, RulesError, TrackCodeError
from advisor.reading.history import read_history
from advisor.text.render import Renderer
from advisor.base.yamlfile import loads as yaml_loads
from conftest import ROOT, TODAY, run_cli, serving

CODE = "RK190321410CN"
BASE = {"track": CODE, "order": {"paid": "2026-10-01", "track_issued": "2026-10-03"}}


def with_field(path: str, value) -> dict:
    doc = json.loads(json.dumps(BASE))
    node = doc
    *parents, last = path.split(".")
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value
    return doc


# ---- track codes -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, kinds", [
    ("RK190321410CN\x00", ["invisible"]),
    ("RK19\x070321410CN", ["invisible"]),
    ("\u200fRK190321410CN\u200e", ["invisible"]),
    ("ＲＫ１９０３２１４１０ＣＮ", ["unicode"]),
    ("𝐑𝐊190321410CN", ["unicode"]),
    ("RK190321410CΝ", ["script"]),                 # Greek capital nu
    ("RK१९०३२१४१०CN", ["digit"] * 9),               # Devanagari digits
    ("RK١٩٠٣٢١٤١٠CN", ["digit"] * 9),               # Arabic-Indic digits
    ("RK190321410СN", ["cyrillic"]),
    ("\u202eNC014123091KR", ["invisible", "reversed"]),
])
def test_confusable_and_invisible_characters_are_read_and_reported(advisor, text, kinds):
    t = advisor.track(text)
    assert (t["code"], t["format"], t["valid"]) == (CODE, "s10", True)
    assert [c["kind"] for c in t["changes"]] == kinds


@pytest.mark.parametrize("text", [
    "my track is RK190321410CN thanks",
    "трек: RK190321410CN, спасибо",
    "Трек-номер RK 190321410 CN",
    "https://track.aliexpress.com/logisticsdetail.htm?tradeId=1&code=RK190321410CN",
    "RK190321410CN😀",
    "RK190321410CN\nRK190321410CN",
])
def test_a_code_inside_a_sentence_or_link_is_found(advisor, text):
    t = advisor.track(text)
    assert (t["code"], t["valid"]) == (CODE, True)
    assert t["changes"][0]["kind"] == "extracted"


@pytest.mark.parametrize("text, message", [
    ("", "empty"), ("   ", "empty"), ("\u200b\u200e", "empty"), ("\u202e", "empty"),
    ("R" * 10_000, "10000 characters"), ("x" * 10_001, "10001 characters"),
    ("RK190321410CN RA123456785CN", "2 different track codes"),
])
def test_unusable_codes_are_clear_errors(advisor, text, message):
    with pytest.raises(TrackCodeError) as e:
        advisor.track(text)
    assert message in str(e.value) and e.value.where == "track"


@pytest.mark.parametrize("text", ["😀😀", "ثبت", "트랙", "RK190321411CN", "hello world 123"])
def test_odd_codes_get_an_analysis_not_a_crash(advisor, text):
    t = advisor.track(text)
    assert t["format"] == "unknown" or t["valid"] is False or t["check_digit_ok"] is False


def test_an_empty_code_on_the_command_line_is_an_error_not_silence():
    code, out, err = run_cli("", "--today", TODAY.isoformat())
    assert code == 2 and "empty" in err and "Traceback" not in err


# ---- facts -----------------------------------------------------------------------------------

FIELDS = ["track", "platform", "today", "order", "order.paid", "order.track_issued", "order.protection_ends",
          "order.promised_days", "order.price", "order.price.amount", "order.price.currency",
          "order.destination", "order.destination.country", "order.shipping.method", "order.shipping.free",
          "order.frozen", "order.problem", "events", "seller", "seller.messaged", "seller.replied",
          "seller.extended_days", "dispute", "dispute.opened", "dispute.seller_response",
          "dispute.offered_refund.amount", "received", "tracked_destination"]
ODD_VALUES = [None, 1, -1, 10 ** 30, 1.5, "x", "", [], {}, True, "2026-02-29", "0001-01-01", "9999-12-31"]


@pytest.mark.parametrize("field", FIELDS)
def test_every_field_with_every_odd_value_is_advice_or_an_error_naming_it(advisor, field):
    for value in ODD_VALUES:
        try:
            advisor.advise(with_field(field, value), today=TODAY, messages=True)
        except FactsError as e:
            top = field.split(".")[0]
            assert e.where and (e.where.startswith(top) or e.where == "(top level)"), (field, value, e.where)
        except TrackCodeError:
            assert field == "track"


@pytest.mark.parametrize("field, value, where, words", [
    ("today", "0001-01-01", "today", "outside the years"),
    ("today", "9999-12-31", "today", "outside the years"),
    ("order.paid", "2026-02-29", "order.paid", "not a valid date"),
    ("order.protection_ends", "9999-12-31", "order.protection_ends", "outside the years"),
    ("events", [{"date": "2026-12-20", "status": "Экспорт"}], "events[0].date", "after today"),
    ("dispute", {"opened": "2026-10-02"}, "dispute.opened", "before the code was issued"),
    ("dispute", {"opened": "2026-11-02", "refund_received": "2026-11-01"}, "dispute.refund_received", "before the dispute"),
    ("order.problem", "wrong_item", "order.problem", "`received` is not true"),
    ("order.price.amount", float("nan"), "order.price.amount", ""),
])
def test_impossible_or_contradictory_facts_name_the_field(advisor, field, value, where, words):
    with pytest.raises(FactsError) as e:
        advisor.advise(with_field(field, value), today=TODAY)
    assert e.value.where == where and words in e.value.message


def test_nan_and_infinity_in_json_are_refused():
    for raw in ('{"track": "RK190321410CN", "order": {"price": {"amount": NaN}}}',
                '{"track": "RK190321410CN", "order": {"price": {"amount": Infinity}}}'):
        code, _, err = run_cli("--facts", "-", "--today", TODAY.isoformat(), input=raw)
        assert code == 2 and "invalid JSON" in err and "Traceback" not in err


def test_edge_dates_that_are_fine_give_advice(advisor):
    leap = advisor.advise({"track": CODE, "order": {"paid": "2024-02-29"}}, today=dt.date(2024, 3, 1))
    assert leap.data["days"]["since_paid"] == 1
    ends_today = advisor.advise(with_field("order.protection_ends", TODAY.isoformat()), today=TODAY)
    # the last day: act today, never "by" a day that has passed
    assert ends_today.data["days"]["protection_left"] == 0
    assert ends_today.data["next_step"] == {**ends_today.data["next_step"], "action": "open_dispute", "due": TODAY.isoformat()}
    assert all(a["due"] is None or a["due"] >= TODAY.isoformat() for a in ends_today.data["actions"])
    same_day = advisor.advise(with_field("events", [{"date": "2026-10-05", "status": "Приём"},
                                                    {"date": "2026-10-05", "status": "Экспорт"}]), today=TODAY)
    assert same_day.data["stage"] == "export"


def test_events_out_of_order_are_sorted_and_the_advice_says_so(advisor):
    a = advisor.advise(with_field("events", [{"date": "2026-10-20", "status": "Экспорт"},
                                             {"date": "2026-10-05", "status": "Приём"},
                                             {"date": "2026-10-12", "status": "Сортировка"}]), today=TODAY)
    assert a.data["stage"] == "export"
    assert [e["date"] for e in a.data["events"]] == ["2026-10-05", "2026-10-12", "2026-10-20"]
    assert "events_reordered" in [n["kind"] for n in a.data["notes"]]


# ---- pasted histories ------------------------------------------------------------------------

GOOD_HISTORY = "22.10.2026 14:05 Приём\n23.10.2026 10:00 Экспорт\n"


@pytest.mark.parametrize("data, reason", [
    (GOOD_HISTORY.encode("cp1251"), "read as Windows-1251"),
    (GOOD_HISTORY.encode("cp1251").decode("cp1252").encode("utf-8"), "shown as Latin-1"),
    (GOOD_HISTORY.encode("utf-8").decode("cp1251").encode("utf-8"), "UTF-8 text shown as Windows-1251"),
])
def test_encoding_mix_ups_are_undone_and_reported(data, reason):
    h = read_history(data)
    assert [e["status"] for e in h.events] == ["Приём", "Экспорт"]
    assert h.unread == [] and h.repaired and all(reason in r["reason"] for r in h.repaired)


def test_mixed_lines_binary_junk_is_reported_by_line_number():
    data = (GOOD_HISTORY.encode() + "24.10.2026 Импорт\n".encode("cp1251") + b"\x00\x01\x02junk\n"
            + bytes(range(128, 256)) + b"\n")
    h = read_history(data)
    assert [e["line"] for e in h.events] == [1, 2, 3]
    assert [u["line"] for u in h.unread] == [4, 5] and h.repaired == [{"line": 3, "reason": "not UTF-8: read as Windows-1251"}]


def test_html_copied_from_a_page_is_read_row_by_row():
    page = ("<html><body><script>var x = '01.01.2020 fake';</script><table>\n<tr>\n<td>22.10.2026 14:05</td>\n"
            "<td>Приём&nbsp;&amp; обработка</td>\n</tr>\n<tr><td>23.10.2026</td><td>Экспорт</td></tr></table></body></html>")
    h = read_history(page)
    assert [(e["date"], e["status"]) for e in h.events] == [("2026-10-22", "Приём & обработка"), ("2026-10-23", "Экспорт")]
    assert h.events[0]["line"] == 3 and "HTML" in h.repaired[0]["reason"]


def test_random_bytes_are_an_error_naming_a_line():
    import random
    with pytest.raises(HistoryError) as e:
        read_history(bytes(random.Random(1).randrange(256) for _ in range(100_000)))
    assert e.value.where.startswith("line ")


@pytest.mark.slow
def test_a_100000_line_history_is_refused_in_bounded_time(tmp_path):
    path = tmp_path / "h.txt"
    path.write_text("".join(f"{1 + i % 28:02d}.10.2026 14:05 Экспорт\n" for i in range(100_000)), encoding="utf-8")
    start = time.monotonic()
    code, _, err = run_cli(CODE, "--today", TODAY.isoformat(), "--history", str(path))
    assert code == 2 and "--history" in err and "100000 events" in err
    assert time.monotonic() - start < 60


def test_a_huge_input_file_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "big.json"
    with path.open("wb") as f:
        f.truncate(17 * 1024 * 1024)
    code, _, err = run_cli("--facts", str(path), "--today", TODAY.isoformat())
    assert code == 2 and "larger than 16 MiB" in err


# ---- rules and templates ---------------------------------------------------------------------

def test_yaml_billion_laughs_is_refused():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join(["*" + chr(96 + i)] * 9) + "]")
    with pytest.raises(RulesError) as e:
        yaml_loads("\n".join(lines), "bomb.yaml")
    assert "expands to more than" in e.value.message and e.value.where.startswith("bomb.yaml:")


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "{a: " * 50_000 + "1" + "}" * 50_000,
                                  "".join(" " * i + "- \n" for i in range(0, 400, 2))])
def test_deep_yaml_is_an_error_not_a_crash(text):
    # the C parser overflowed its stack on the first of these (a segfault, before the event check)
    with pytest.raises(RulesError) as e:
        yaml_loads(text, "deep.yaml")
    assert "nests deeper" in e.value.message


def test_rules_directory_attacks_are_clear_errors(tmp_path, rules_copy):
    (rules_copy / "advice" / "99_huge.yaml").write_text("# x\n" * 3_000_000)
    code, _, err = run_cli(CODE, "--rules", str(rules_copy))
    assert code == 2 and "larger than" in err and "99_huge.yaml" in err
    (rules_copy / "advice" / "99_huge.yaml").unlink()
    os.symlink(rules_copy / "advice", rules_copy / "advice" / "loop.yaml")
    code, _, err = run_cli(CODE, "--rules", str(rules_copy))
    assert code == 2 and "loop.yaml" in err and "Traceback" not in err
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    code, _, err = run_cli(CODE, "--rules", str(loop))
    assert code == 2 and "--rules" in err


@pytest.mark.parametrize("text, words", [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
    ("{{ cycler.__init__.__globals__.os }}", "unsafe"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "loop steps"),
    # loops that multiply, calls that fan out, growth by arithmetic, widths that allocate gigabytes
    ("{% for a in 'x'*99999 %}{% for b in 'x'*99999 %}{% endfor %}{% endfor %}", "loop steps"),
    ("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}", "loop steps"),
    ("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", "recursed"),
    ("{% set ns = namespace(x=10) %}{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}{% endfor %}", "too large"),
    ("{{ '%500000000s'|format('a') }}", "larger than 100,000"),
    ("{{ '%.500000000f' % 1 }}", "larger than 100,000"),
    ("{{ '{:>500000000}'.format('a') }}", "larger than 100,000"),
    ("{{ 'a'|center(500000000) }}", "larger than 100,000"),
    ("{{ 'a'.ljust(500000000) }}", "larger than 100,000"),
    ("{{ 'a'.zfill(500000000) }}", "larger than 100,000"),
    ("{{ ('a\n' * 50000)|indent(50000) }}", "larger than 100,000"),
    ("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "longer than"),
    ("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", "longer than"),
    ("{{ ('x' * 90000)|replace('', 'y' * 90000) }}", "larger than 100,000"),
    ("{{ ['x' * 90000, 'x' * 90000]|join('') }}", "larger than 100,000"),
    ("{{ 'a' * 10**9 }}", "longer than"),
    ("{{ ['a'] * 10**9 }}", "longer than"),
    ("{{ 10 ** 10 ** 8 }}", "power is too large"),
    ("{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}", "recursed"),
    ("{% for i in range(90000) %}{{ 'x' * 90000 }}{% endfor %}", "longer than 2,000,000"),
])
def test_templates_cannot_escape_the_sandbox_or_run_away(text, words, monkeypatch):
    # each case names the bound that must stop it; the render's time limit (a second line of
    # defence, tested on its own) is lifted here so a loaded machine cannot trip it first
    monkeypatch.setattr("advisor.text.sandbox.MAX_RENDER_SECONDS", 60.0)
    start = time.monotonic()
    with pytest.raises(RulesError) as e:
        Renderer(ROOT / "templates").inline(text, "en", {}, where="rules/advice/x.yaml:3")
    assert words in e.value.message and e.value.where == "rules/advice/x.yaml:3"
    assert time.monotonic() - start < 10


def test_rule_texts_may_use_the_template_globals():
    r = Renderer(ROOT / "templates")
    assert r.inline("{% for i in range(3) %}{{ i }}{% endfor %} {{ lang }}", "ru", {}) == "012 ru"


# ---- batch -----------------------------------------------------------------------------------

class _Endless(io.RawIOBase):
    """`n` bytes of `x`, a newline, then `tail`: a 100 MB line without holding it in memory."""

    def __init__(self, n: int, tail: bytes):
        self.left, self.tail = n, tail

    def readable(self):
        return True

    def readinto(self, b):
        if self.left > 0:
            k = min(len(b), self.left)
            b[:k] = b"x" * k
            self.left -= k
            if self.left == 0 and k < len(b):
                b[k] = 10
                self.left = -1
                return k + 1
            return k
        if self.left == 0:
            b[0] = 10
            self.left = -1
            return 1
        k = min(len(b), len(self.tail))
        b[:k], self.tail = self.tail[:k], self.tail[k:]
        return k


def test_a_100_mb_line_is_skipped_in_bounded_memory():
    good = json.dumps({"track": CODE, "today": TODAY.isoformat()}).encode() + b"\n"
    stream = io.BufferedReader(_Endless(100 * 1024 * 1024, good), buffer_size=1 << 16)
    run(io.BytesIO(good), io.BytesIO(), Settings(messages=False))  # load and compile the rules first
    out = io.BytesIO()
    tracemalloc.start()
    totals = run(stream, out, Settings(messages=False))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert totals.lines == 2 and totals.failed == 1
    assert "longer than" in rows[0]["error"]["message"] and rows[1]["track"]["code"] == CODE
    assert peak < 8 * MAX_LINE_BYTES


def test_truncated_and_odd_lines_each_get_an_error_in_place():
    good = json.dumps({"track": CODE, "today": TODAY.isoformat()})
    lines = [good, good[:25], "[1, 2]", '"text"', "null", '{"track": 5}', "\ufeff" + good, good]
    data = ("\n".join(lines)).encode()          # the last line has no newline
    out = io.BytesIO()
    totals = run(io.BytesIO(data), out, Settings(messages=False))
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert totals.lines == len(lines)
    assert [("error" in r) for r in rows] == [False, True, True, True, True, True, True, False]
    assert [r["line"] for r in rows if "error" in r] == [2, 3, 4, 5, 6, 7]


# ---- HTTP ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server():
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    yield from serving()


def _healthy(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
        return r.status == 200


def _raw(port: int, payload: bytes, read: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as s:
        s.sendall(payload)
        return s.recv(65536) if read else b""


def test_clients_that_disconnect_or_send_garbage_do_not_hurt_the_server(server):
    body = json.dumps({"track": CODE}).encode()
    head = f"POST /v1/advice HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    _raw(server, head + body[:5], read=False)                      # disconnects mid-body
    _raw(server, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64), read=False)   # TLS hello
    assert _raw(server, b"GARBAGE / HTTP/9.9\r\n\r\n").split(b" ")[1] in (b"400", b"404", b"405", b"505")
    bad = head.replace(str(len(body)).encode(), b"9") + b'{"x": "\xff"}'
    assert b" 422 " in _raw(server, bad)
    assert _healthy(server)


def test_a_slow_client_does_not_block_others(server):
    body = json.dumps({"track": CODE, "today": TODAY.isoformat()}).encode()
    head = f"POST /v1/advice HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", int(server)), timeout=30) as slow:
        slow.sendall(head + body[:3])
        start = time.monotonic()
        for _ in range(5):
            assert _healthy(server)
            req = urllib.request.Request(f"http://127.0.0.1:{server}/v1/advice", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as r:
                assert json.loads(r.read())["track"]["code"] == CODE
        assert time.monotonic() - start < 10
        slow.sendall(body[3:])
        assert b" 200 " in slow.recv(65536)


def _peak_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def _post_chunked(port: int, path: str, chunks) -> tuple[int, dict]:
    """POST without a declared length, as a proxy streaming a client's upload would."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    try:
        for chunk in chunks:
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered before reading everything and hung up
    r = conn.getresponse()
    try:
        return r.status, json.loads(r.read())
    finally:
        conn.close()


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the server's peak RSS from /proc")
def test_a_100_mb_batch_line_is_refused_while_streaming_in_bounded_memory(server):
    """One 100 MB JSON line sent to the batch endpoint: 413 once the 16 MiB limit is passed, the
    server's peak memory grows by no more than the limit allows, and it goes on serving."""
    before = _peak_rss_kib(server.pid)
    mib = b"A" * (1024 * 1024)
    line = [b'[{"track": "'] + [mib] * 100 + [b'"}]\n']
    start = time.monotonic()
    status, answer = _post_chunked(server, "/v1/advice/batch", line)
    assert status == 413 and "larger than" in answer["error"]["message"]
    assert time.monotonic() - start < 30
    grown_mib = (_peak_rss_kib(server.pid) - before) / 1024
    assert grown_mib < 64, f"the server's peak RSS grew by {grown_mib:.0f} MiB"
    assert _healthy(server)


def test_a_batch_body_under_the_limit_with_a_huge_code_or_bad_bytes_gets_answers_not_a_500(server):
    long_code = b"R" * (8 * 1024 * 1024)
    status, answer = _post_chunked(server, "/v1/advice/batch?messages=false",
                                   [b'[{"track": "RK190321410CN"}, {"track": "', long_code, b'"}]'])
    assert status == 200
    assert "error" not in answer[0] and answer[1]["index"] == 1 and answer[1]["error"]["where"] == "track"
    status, answer = _post_chunked(server, "/v1/advice/batch", [b'[{"track": "RK190321410CN\xff"}]'])
    assert status == 422 and "UTF-8" in answer["error"]["message"]
    assert _healthy(server)


def test_a_render_past_its_time_limit_is_stopped(monkeypatch):
    """The time limit behind the bounds: a render still running at it fails, naming it."""
    monkeypatch.setattr("advisor.text.sandbox.MAX_RENDER_SECONDS", 0.0)
    with pytest.raises(RulesError) as e:
        Renderer(ROOT / "templates").inline("{% for i in range(5000) %}{{ i }}{% endfor %}", "en", {},
                                            where="rules/advice/x.yaml:3")
    assert "runs longer than 0 s" in e.value.message and e.value.where == "rules/advice/x.yaml:3"


def test_yes_no_on_off_in_rules_are_words_not_booleans():
    """A term list in YAML 1.1 reads `no`, `on`, `yes` and `off` as booleans, so a rule editor's
    negation `no` or preposition `on` matched nothing without a word said; here they stay words."""
    from advisor.base.yamlfile import loads
    doc = loads("not: [not, no, 'on', on, yes, off]\nflag: true\nother: False\n", "reading.yaml")
    assert list(doc["not"]) == ["not", "no", "on", "on", "yes", "off"]
    assert doc["flag"] is True and doc["other"] is False
