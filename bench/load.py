"""Load test of `advise serve` with a real load tool (wrk): req/s and latency percentiles for
POST /v1/advice at 64 and 256 connections, alone and while batch requests run, the page (the
empty form and an answered page) beside the API, and the server's memory. Not run by CI (it takes about a minute and wants the machine to itself).

    python bench/load.py                 # needs wrk (Debian: apt-get install wrk; tried if missing)
    python bench/load.py --workers 2     # the server with two processes

The server runs on loopback in its own process; wrk runs 2 threads. While batches run, two
clients post batches of 1,000 parcels back to back.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARCEL = {"track": "RK190321410CN", "order": {"track_issued": "2026-11-10", "destination": {"country": "RU"}},
          "events": [{"date": "2026-11-12", "status": "Приём"}]}
LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[%s]]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench/load.py needs wrk: apt-get install wrk")
    return found


def rss_mib(pid: int, key: str = "VmRSS") -> float:
    total = 0
    for child in [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                              text=True).stdout.split()]:
        try:
            for line in open(f"/proc/{child}/status"):
                if line.startswith(key + ":"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def parse(out: str) -> dict:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {}
    for p, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        pct[p] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return {"rate": rate, "p50_ms": pct.get("50"), "p99_ms": pct.get("99"),
            "non2xx": int(errors.group(1)) if errors else 0, "socket_errors": sock.group(1) if sock else ""}


def batches(base: str, stop: threading.Event, counts: list) -> None:
    body = json.dumps([dict(PARCEL, order={"track_issued": f"2026-11-{1 + i % 20:02d}"}) for i in range(1000)]).encode()
    while not stop.is_set():
        req = urllib.request.Request(base + "/v1/advice/batch?messages=false", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                r.read()
                counts.append(r.status)
        except Exception:  # noqa: BLE001 - counted as not answered
            counts.append(0)


PAGE_ANSWER = "/?code=RK190321410CN&issued=2026-11-10&dest=RU&history=2026-11-12+%D0%9F%D1%80%D0%B8%D1%91%D0%BC"


def page_rates(wrk: str, base: str, script: str, seconds: int) -> None:
    """The buyers' page beside the API, at 64 connections, interleaved (API, empty form, answered
    page, twice; the best of each): the page's rate as a share of the API's."""
    runs = {"POST /v1/advice": ["-s", script, base + "/v1/advice"], "GET / (the empty form)": [base + "/"],
            "GET /?... (an answered page)": [base + PAGE_ANSWER]}
    best = {name: 0.0 for name in runs}
    for _ in range(2):
        for name, target in runs.items():
            out = subprocess.run([wrk, "-t2", "-c64", f"-d{seconds}s", *target], capture_output=True, text=True).stdout
            r = parse(out)
            assert r["non2xx"] == 0, (name, out)
            best[name] = max(best[name], r["rate"])
    api = best["POST /v1/advice"]
    print(f"\n# the page beside the API, 64 connections, best of 2 interleaved runs")
    for name, rate in best.items():
        print(f"{name:32s} {rate:8.0f} req/s   {rate / api:5.2f}x the API")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    wrk = ensure_wrk()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "advisor", "serve", "--port", str(port), "--workers", str(args.workers)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(LUA % json.dumps(PARCEL, ensure_ascii=False))
            script = f.name
        subprocess.run([wrk, "-t2", "-c8", "-d2s", "-s", script, base + "/v1/advice"], capture_output=True)  # warm up
        print(f"# load: POST /v1/advice with wrk, {args.seconds} s a run, server --workers {args.workers}, "
              f"{os.cpu_count()} cores")
        print(f"{'connections':>11} {'batches':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
              f"{'batches done':>12}  socket errors")
        for with_batches in (False, True):
            for conns in (64, 256):
                stop, counts = threading.Event(), []
                clients = [threading.Thread(target=batches, args=(base, stop, counts)) for _ in range(2 if with_batches else 0)]
                for c in clients:
                    c.start()
                out = subprocess.run([wrk, "-t2", f"-c{conns}", f"-d{args.seconds}s", "--latency", "-s", script,
                                      base + "/v1/advice"], capture_output=True, text=True).stdout
                stop.set()
                for c in clients:
                    c.join()
                r = parse(out)
                print(f"{conns:>11} {'yes' if with_batches else 'no':>8} {r['rate']:8.0f} {r['p50_ms']:8.1f} "
                      f"{r['p99_ms']:8.1f} {r['non2xx']:>8} {counts.count(200):>12}  {r['socket_errors'] or '-'}")
        page_rates(wrk, base, script, args.seconds)
        print(f"server RSS after the runs: {rss_mib(server.pid):.0f} MiB (peak {rss_mib(server.pid, 'VmHWM'):.0f} MiB)")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
