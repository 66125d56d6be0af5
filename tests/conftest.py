import atexit
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)

# The tests never read or fill the user's disk cache: one fresh cache folder for the whole run,
# inherited by every `advise` the tests start.
CACHE = tempfile.mkdtemp(prefix="parcel-advisor-test-cache-")
os.environ["PARCEL_ADVISOR_CACHE"] = CACHE
atexit.register(shutil.rmtree, CACHE, True)


@pytest.fixture(scope="session")
def advisor():
    from advisor import Advisor
    return Advisor()


@pytest.fixture
def rules_copy(tmp_path):
    """A private copy of rules/ a test may edit."""
    dst = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", dst)
    return dst


def run_cli(*args, input=None):
    """Run `python -m advisor` as a user would; returns (exit code, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True,
                       input=input, cwd=ROOT, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": CACHE})
    return p.returncode, p.stdout, p.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served(int):
    """A loopback port that also knows the server's process id (to read its memory)."""
    pid: int


def serving(*args):
    """`advise serve` on a free loopback port; yields the port (a `Served`) once /healthz answers."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "advisor", "serve", "--port", str(port), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the server did not start: " + proc.stderr.read().decode())
    served = Served(port)
    served.pid = proc.pid
    try:
        yield served
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def http_call(base, method, path, body=None, raw=None, headers=None, timeout=30):
    """One HTTP request to a test server: (status, parsed JSON body), error statuses included."""
    import urllib.error
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def advise_json(*args):
    code, out, err = run_cli(*args, "--format", "json", "--today", TODAY.isoformat())
    assert code == 0, err
    return json.loads(out)


# Property tests: a bounded run in CI; `HYPOTHESIS_PROFILE=fuzz` for a long one (see tests/test_fuzz.py).
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True)
_hypothesis_settings.register_profile("fuzz", max_examples=50_000, deadline=None)
_hypothesis_settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))


# Shares measured by tests (the status corpus): printed at the end of the run, so a change that
# reads fewer real statuses right is seen even while the bound still holds. A test records one
# with `record_property("measured: NAME", text)`; the summary reads them from the test reports,
# so they print with `-n` (pytest-xdist) too, where tests run in other processes.
MEASURED_PREFIX = "measured: "


def pytest_terminal_summary(terminalreporter):
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            for key, value in getattr(report, "user_properties", []):
                if str(key).startswith(MEASURED_PREFIX):
                    terminalreporter.write_line(f"{key[len(MEASURED_PREFIX):]}: {value}")
