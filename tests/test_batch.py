"""`advise batch`: JSON Lines in and out, same order, errors in place, workers agree with one process."""
import io
import json

import pytest

from advisor.interfaces.batch import MAX_LINE_BYTES, Settings, run
from conftest import run_cli

GOOD = {"track": "RK190321410CN", "today": "2026-11-22", "order": {"track_issued": "2026-11-10"}}


def _lines(*docs):
    return "".join((d if isinstance(d, str) else json.dumps(d, ensure_ascii=False)) + "\n" for d in docs)


def test_order_errors_in_place_and_exit_status(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(_lines(GOOD, "{not json", {"track": "RK190321410CN", "order": {"paid": "soon"}}, [1, 2],
                          dict(GOOD, track="LA123456785CN")), encoding="utf-8")
    code, out, err = run_cli("batch", str(src), "--workers", "1", "--no-messages")
    assert code == 1 and "3 of 5 line(s) could not be advised" in err
    rows = [json.loads(x) for x in out.splitlines()]
    assert [r.get("line") for r in rows] == [None, 2, 3, 4, None]
    assert rows[0]["track"]["code"] == "RK190321410CN" and rows[4]["track"]["code"] == "LA123456785CN"
    assert rows[2]["error"] == {"kind": "facts", "message": "expected a date as YYYY-MM-DD, got `soon`", "where": "order.paid",
                                "key": "schema_date"}
    assert rows[3]["error"]["message"] == "expected a facts object, got `list`"


def test_all_good_exits_zero_and_writes_output_file(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(_lines(GOOD, GOOD), encoding="utf-8")
    code, out, err = run_cli("batch", str(src), "-o", str(dst), "--lang", "ru")
    assert code == 0 and out == "" and err == ""
    rows = [json.loads(x) for x in dst.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 and rows[0]["lang"] == "ru" and rows[0]["messages"][0]["ru"]


def test_stdin_and_workers_match_serial():
    docs = [dict(GOOD, order={"track_issued": f"2026-11-{d:02d}"}) for d in range(1, 23)] * 30
    text = _lines(*docs)
    code1, out1, _ = run_cli("batch", "-", "--workers", "1", input=text)
    code2, out2, _ = run_cli("batch", "--workers", "2", input=text)
    assert code1 == code2 == 0
    assert out1 == out2 and len(out1.splitlines()) == len(docs)


def test_invalid_utf8_and_overlong_lines_do_not_stop_the_run():
    data = json.dumps(GOOD).encode() + b"\n" + b'{"track": "\xff\xfe"}\n' + b"x" * (MAX_LINE_BYTES + 10) + b"\n" + json.dumps(GOOD).encode() + b"\n"
    out = io.BytesIO()
    totals = run(io.BytesIO(data), out, Settings(messages=False))
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert totals.lines == 4 and totals.failed == 2
    assert "not UTF-8" in rows[1]["error"]["message"] and "longer than" in rows[2]["error"]["message"]
    assert rows[3]["track"]["code"] == "RK190321410CN"


def test_usage_errors_exit_2(tmp_path):
    code, _, err = run_cli("batch", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "no such file" in err
    code, _, err = run_cli("batch", "--today", "someday", input="")
    assert code == 2 and "is not a date" in err


def _one_by_one(data: bytes, limit: int) -> list[dict]:
    """What each non-blank line should give, numbered by its place in the file."""
    from advisor.interfaces import batch
    out = []
    for n, raw in enumerate(data.split(b"\n"), 1):
        if raw.strip():
            error = {"kind": "facts", "message": f"the line is longer than {limit // 1024} KiB", "where": f"line {n}"}
            out.append(json.loads(batch.advise_line(n, None, error) if len(raw) > limit else batch.advise_line(n, raw, None)))
    return out


@pytest.mark.parametrize("size", [1, 5, 64, 333, 4096, 1 << 20])
def test_lines_keep_their_numbers_however_the_input_is_cut(monkeypatch, size):
    """The input is read in pieces of whole lines; blank lines, CRLF, a missing last newline and
    lines past the length limit (short or spanning many pieces) keep their numbers and order."""
    from advisor.interfaces import batch
    monkeypatch.setattr(batch, "MAX_LINE_BYTES", 2048)
    good = json.dumps(GOOD).encode()
    data = b"\n".join([good, b"", b"   ", b"{bad json", good + b"\r", b"x" * 2049, good, b"y" * 9000, b"",
                       b'{"track": "' + b"7" * 2030 + b'"}', b"[1]", good])      # no newline at the end
    out = io.BytesIO()
    totals = batch.run(io.BytesIO(data), out, Settings(messages=False), 1) if size == 1 << 20 else None
    if totals is None:
        batch._init(Settings(messages=False))
        out.write(b"".join(batch.advise_chunk(*c)[0] for c in batch.read_chunks(io.BytesIO(data), size)))
    got = [json.loads(x) for x in out.getvalue().splitlines()]
    assert got == _one_by_one(data, 2048)
    assert [r["line"] for r in got if "line" in r] == [4, 6, 8, 10, 11]


def test_worker_pipes_are_widened():
    """Each piece's advice (~800 KB) crosses the pool's pipe in one go rather than a dozen 64 KiB
    wake-ups; if a Python upgrade moved the pool's queues this says so, instead of going slow."""
    import fcntl
    import multiprocessing as mp
    from pathlib import Path
    from advisor.interfaces import batch
    if int(Path("/proc/sys/fs/pipe-max-size").read_text()) < batch.PIPE_BYTES:
        pytest.skip("this system caps pipes below 1 MiB")
    with mp.get_context("spawn").Pool(1) as pool:
        batch._widen_pipes(pool)
        sizes = [fcntl.fcntl(c.fileno(), fcntl.F_GETPIPE_SZ) for c in (pool._inqueue._writer, pool._outqueue._reader)]
    assert sizes == [batch.PIPE_BYTES] * 2
