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
# The first process makes it and removes it at exit; xdist's workers find it in their environment
# (each used to make its own, and workers end without running atexit: the folders stayed behind).
CACHE = os.environ.get("PARCEL_ADVISOR_TEST_CACHE", "")
if not CACHE:
    CACHE = os.environ["PARCEL_ADVISOR_TEST_CACHE"] = tempfile.mkdtemp(prefix="parcel-advisor-test-cache-")
    atexit.register(shutil.rmtree, CACHE, True)
os.environ["PARCEL_ADVISOR_CACHE"] = CACHE


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


def run_cli(*args, input=None, process=False):
    """`advise ARGS` with `input` on stdin, as a user runs it from a script or a pipe (no
    terminal, the C.UTF-8 locale, no NO_COLOR): (exit status, stdout, stderr).

    It runs in this process through click's test runner (the same parsing, command, error
    handling and exit statuses; a Python start-up saved per call), except where the process
    itself is the point: `process=True`, `batch` and `serve` (worker processes, exits at once on
    an interrupt), and a CLI language other than English (chosen once, when the CLI is imported)."""
    if process or _needs_process(args):
        p = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True,
                           input=input, cwd=ROOT, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": CACHE})
        return p.returncode, p.stdout, p.stderr
    from click.testing import CliRunner
    from advisor.interfaces.cli import main
    try:
        runner = CliRunner(mix_stderr=False)        # click 8.1
    except TypeError:
        runner = CliRunner()                        # click 8.2 keeps stderr apart and has no such argument
    env = {"LANG": "C.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "NO_COLOR": None, "COLUMNS": "80",
           "PARCEL_ADVISOR_DEBUG": None, "PARCEL_ADVISOR_CACHE": CACHE}
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        r = runner.invoke(main, list(args), input=input, env=env, prog_name="advise")
    finally:
        os.chdir(here)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception       # a traceback the user would have seen: the test fails with it
    return r.exit_code, r.stdout, r.stderr


def _needs_process(args) -> bool:
    from advisor.interfaces import cli
    if cli.LANG != "en" or (args and args[0] in ("batch", "serve")):
        return True
    return any(a == "--lang" and i + 1 < len(args) and args[i + 1] != "en" or a.startswith("--lang=") and a != "--lang=en"
               for i, a in enumerate(args))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served(int):
    """A loopback port that also knows the server's process id (to read its memory)."""
    pid: int


def answers_health(proc, port, limit=90.0):
    """Whether `advise serve` answers /healthz before `limit` seconds or its exit: a loaded
    machine starts its workers slowly, so the wait ends on an answer, not on a count of tries."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return True
        except OSError:
            time.sleep(0.1)
    return False


def serving(*args):
    """`advise serve` on a free loopback port; yields the port (a `Served`) once /healthz answers."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "advisor", "serve", "--port", str(port), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    if not answers_health(proc, port):
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


# Debian's Chromium for the page's tests (tests/test_browser.py, tests/test_watch_page.py); as the
# machine's probe found, without these flags it keeps trying the closed network
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """Chromium through Playwright, one per test module."""
    sync = pytest.importorskip("playwright.sync_api", reason="the test extras install playwright")
    with sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


# Checks over this package's data: the rules, texts, word tables, error catalog, corpus, snapshots,
# docs and thousands of generated parcels, and the page as Chromium shows it. Their result depends on
# our files, the libraries' versions and the browser, not on the interpreter, so CI runs them once
# per library set (on the newest supported Python, and in the lowest-versions run) and the other
# Pythons skip them (`-m "not once"`; see docs/ci.md).
ONCE = {"test_docs", "test_openapi_client", "test_textlint", "test_workbench", "test_status_corpus",
        "test_safety", "test_plan_trust", "test_rules_cli", "test_outputs", "test_snapshots",
        "test_wordforms", "test_true_texts", "test_error_language",
        "test_browser", "test_page_phone", "test_watch_page"}


# Of those, the checks of our own data that go through no library a lower bound could change (the
# rules' cases and edits, the word tables, the corpus, the docs' examples, the plan's guarantees):
# the lowest-versions run leaves them out too (`owndata`); the texts, snapshots, error catalog,
# OpenAPI client and the page, which Babel, Jinja2, FastAPI or Playwright shape, still run there.
OWNDATA = {"test_docs", "test_workbench", "test_rules_cli", "test_wordforms", "test_status_corpus",
           "test_safety", "test_plan_trust"}
assert OWNDATA <= ONCE


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.module.__name__ if item.module is not None else None
        if name in ONCE:
            item.add_marker(pytest.mark.once)
        if name in OWNDATA:
            item.add_marker(pytest.mark.owndata)


def terminal(command, args, *, env, cwd, encoding="utf-8", timeout=30, dimensions=(24, 80)):
    """A program on a real pseudo-terminal, driven as pexpect drives one (expect, sendline, before,
    close, exitstatus). The child is started by subprocess, whose fork and exec happen in C:
    pexpect.spawn forks in Python, which in a test worker that runs threads can leave the child stuck
    before its exec, and the test waiting for a screen that never comes."""
    import fcntl
    import struct
    import termios

    from pexpect.fdpexpect import fdspawn

    class Terminal(fdspawn):
        exitstatus = None

        def close(self):
            try:
                self.exitstatus = proc.wait(timeout=30)
            finally:
                proc.kill()
                proc.wait()
                if not self.closed:
                    super().close()

    master, slave = os.openpty()
    rows, columns = dimensions
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    proc = subprocess.Popen([command, *args], cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    return Terminal(master, timeout=timeout, encoding=encoding)
