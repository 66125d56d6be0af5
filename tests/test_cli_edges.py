"""The CLI's rough edges a new user meets: `advise help`, a mistyped command, usage errors naming
`advise`, a terminal's width, readable Russian in `--why-not`, the server's start-up line."""
import re
import subprocess
import sys

import pexpect

from conftest import CACHE, ROOT, TODAY, free_port, run_cli, terminal

DAY = TODAY.isoformat()


def test_advise_help_is_the_help_not_advice_on_a_code_help():
    code, out, _ = run_cli("help")
    assert code == 0 and out.startswith("Usage: advise [CODE] [OPTIONS]") and "HELP" not in out
    code, out, _ = run_cli("help", "watch")
    assert code == 0 and out.startswith("Usage: advise watch")


def test_a_mistyped_command_is_said_with_the_one_meant():
    code, out, err = run_cli("serv")
    assert code == 2 and out == ""
    assert err == ("error: `serv` is not a command, and a track code has digits\n"
                   "help: did you mean `advise serve`? (`advise help` lists the commands)\n")
    code, _, err = run_cli("check")                              # a subcommand's word without its group
    assert code == 2 and "help: did you mean `advise rules check`?" in err
    code, out, _ = run_cli("RK190321410CN", "--today", DAY)      # a code is still a code
    assert code == 0 and "RK190321410CN" in out


def test_usage_errors_name_advise_never_the_hidden_default_command():
    code, _, err = run_cli("RK190321410CN", "--refund-receivd", "3d")
    assert code == 2 and "advise advice" not in err
    # the option meant is offered (click 8.1 lists it bare, later versions quote it)
    assert err.startswith("Usage: advise [OPTIONS] [CODE]") and re.search(r"'?--refund-received'?\b", err)
    code, out, _ = run_cli("RK190321410CN", "--help")
    assert out.startswith("Usage: advise [OPTIONS] [CODE]")


def test_the_report_is_folded_between_words_at_the_terminals_width():
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": CACHE, "NO_COLOR": "1"}
    c = terminal(sys.executable, ["-m", "advisor", "RK190321410CN", "--today", DAY, "--issued", "40d",
                                       "--seller-messaged", "10d", "--seller-silent"],
                      env=env, cwd=str(ROOT), encoding="utf-8", timeout=30, dimensions=(40, 50))
    c.expect(pexpect.EOF)
    c.close()
    lines = c.before.replace("\r\n", "\n").split("\n")
    assert max(len(line) for line in lines) <= 50
    code, out, _ = run_cli("RK190321410CN", "--today", DAY, "--issued", "40d", "--seller-messaged", "10d",
                           "--seller-silent")
    assert max(len(line) for line in out.split("\n")) > 50         # a pipe gets the lines whole
    assert " ".join(c.before.split()) == " ".join(out.split())     # the same words, none broken in two


def test_why_not_in_russian_is_readable():
    code, out, _ = run_cli("RK190321410CN", "--today", DAY, "--issued", "20d", "--why-not", "all", "--lang", "ru")
    assert code == 0 and "Что делать" in out
    assert not re.search(r"\\u04[0-9a-f]{2}", out)
    assert "известно (от `protection_ends` считается срок)" in out


def test_serve_says_where_it_listens_with_its_workers_and_rules():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "advisor", "serve", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": CACHE})
    try:
        line = proc.stderr.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert line == (f"Serving the page at http://127.0.0.1:{port}/ (workers: 1; rules: the shipped rules). "
                    "Ctrl-C stops it.\n")
