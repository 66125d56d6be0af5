"""The attacks of issue 37 measured against `advise serve` and the CLI: what a normal client and
`/healthz` see while idle connections, slow bodies and page posts are held, and how long the
hostile rule texts and patterns take to be refused. Not run by CI (about a minute).

    python bench/attacks.py                      # this checkout
    python bench/attacks.py --root OTHER_CHECKOUT --server-only   # another checkout (before/after)

Attackers connect from 127.0.0.2, the normal client from 127.0.0.1 (both this machine).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

PARCEL = json.dumps({"track": "RK190321410CN", "order": {"track_issued": "2026-11-10"}}).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(root: Path, *args) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.Popen([sys.executable, "-m", "advisor", "serve", "--port", str(port), *args], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("the server did not start")


def timed(base: str, path: str, data: bytes | None = None) -> tuple[int, float]:
    t = time.monotonic()
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    except OSError:
        status = 0
    return status, time.monotonic() - t


def healthz(base: str, n: int = 15) -> str:
    got = [timed(base, "/healthz") for _ in range(n)]
    times = [t for _, t in got]
    return (f"/healthz median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, "
            f"statuses {sorted(set(s for s, _ in got))}")


def idle_and_slow(root: Path) -> None:
    proc, base = serve(root)
    port = int(base.rsplit(":", 1)[1])
    held = []
    try:
        for _ in range(1000):
            held.append(socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0)))
        for _ in range(10):
            s = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
            s.sendall(b"POST /v1/advice/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100000\r\n\r\n[")
            held.append(s)
        time.sleep(1)
        print("1,000 idle + 10 slow batch bodies:", healthz(base))
        status, t = timed(base, "/v1/advice", PARCEL)
        print(f"  a normal /v1/advice: {status} in {t * 1000:.0f} ms")
        status, t = timed(base, "/v1/advice/batch", b"[" + b",".join([PARCEL] * 3) + b"]")
        print(f"  a normal batch of 3: {status} in {t * 1000:.0f} ms")
    finally:
        for s in held:
            s.close()
        proc.terminate()
        proc.wait()


def page_posts(root: Path) -> None:
    proc, base = serve(root)
    history = "\n".join(f"{1 + i % 28:02d}.11.2026 10:{i % 60:02d} Arrived at the sorting centre, city {i}"
                        for i in range(1200))[:64 * 1024]
    form = urlencode({"track": "RK190321410CN", "track_issued": "2026-11-10", "history": history}).encode()
    stop, pages = threading.Event(), []

    def client():
        while not stop.is_set():
            pages.append(timed(base, "/", form)[1])
    threads = [threading.Thread(target=client, daemon=True) for _ in range(32)]
    try:
        for t in threads:
            t.start()
        while len(pages) < 16:
            time.sleep(0.1)
        print("32 clients posting 64 KB histories to the page:", healthz(base),
              f"; a page median {statistics.median(pages[-16:]):.2f} s")
    finally:
        stop.set()
        proc.terminate()
        proc.wait()


def hostile_rules(root: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(root), PARCEL_ADVISOR_CACHE="off")
    attacks = ["{{ ([[1]]*99999)|sum(start=[]) }}", "{{ ('%s' * 50000) % (('x' * 50000,) * 50000) }}",
               "{{ ('x' * 99999).translate({120: 'y' * 99999}) }}"]
    with tempfile.TemporaryDirectory() as tmp:
        for attack in attacks:
            Path(tmp, "local.yaml").write_text(f"""rules:
  - id: partner-tracker
    source: [T15]
    when: {{stage: none, received: false}}
    then:
      action: {{id: check_other_trackers, due: today, text: {{en: "{attack}", ru: "Смотрите."}}}}
""", encoding="utf-8")
            t = time.monotonic()
            try:
                p = subprocess.run([sys.executable, "-m", "advisor", "RK190321410CN", "--issued", "2026-11-10",
                                    "--rules-overlay", tmp], cwd=root, env=env, capture_output=True, text=True, timeout=60)
                said = f"exit {p.returncode}: {p.stderr.strip().splitlines()[0][:90] if p.stderr.strip() else ''}"
            except subprocess.TimeoutExpired:
                said = "still running after 60 s"
            print(f"rule text {attack[:40]}…: {time.monotonic() - t:.1f} s, {said}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    ap.add_argument("--server-only", action="store_true",
                    help="leave out the hostile rule texts (before the budget counted what filters build, one takes GBs)")
    args = ap.parse_args()
    root = args.root.resolve()
    idle_and_slow(root)
    page_posts(root)
    if not args.server_only:
        hostile_rules(root)


if __name__ == "__main__":
    main()
