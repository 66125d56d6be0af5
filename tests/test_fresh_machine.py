"""What a new user meets on a fresh machine: the same advice whatever the locale, a clear word
when the engine is missing, the CLI's dates and defaults, and the terminal conventions."""
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisor.knowledge.seasons import chinese_new_year
from conftest import CACHE, ROOT, run_cli

CNY = ("RK190321410CN", "--issued", "2027-01-25", "--event", "2027-01-27=Приём", "--today", "2027-02-10",
       "--format", "json", "--lang", "en")


def _advise(*args, env_extra=None, pythonpath=None):
    env = {"PATH": "/usr/bin:/bin", "PARCEL_ADVISOR_CACHE": CACHE, **(env_extra or {})}
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    p = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, cwd=ROOT, env=env)
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize("locale", ["ru_RU.UTF-8", "zh_CN.UTF-8", "C.UTF-8"])
def test_chinese_new_year_advice_does_not_depend_on_the_locale(locale):
    # the festival's name came back in Chinese under some locales and the season vanished:
    # "write to the seller" instead of "wait"
    code, out, err = _advise(*CNY, env_extra={"LANG": locale, "LC_ALL": locale, "LANGUAGE": locale.split(".")[0]})
    assert code == 0, err
    a = json.loads(out)
    assert a["season"] == "chinese_new_year"
    assert a["next_step"]["action"] == "wait"
    assert "seasonal_delay" in [f["id"] for f in a["flags"]]
    code, base, err = _advise(*CNY, env_extra={"LANG": "en_US.UTF-8"})
    assert code == 0, err
    assert a == json.loads(base)


def test_the_festival_is_found_for_every_year_the_calendar_covers():
    known = {2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17),
             2027: dt.date(2027, 2, 6)}
    for year, day in known.items():
        assert chinese_new_year(year) == day
    for year in range(1950, 2100):
        d = chinese_new_year(year)
        assert d is not None and dt.date(year, 1, 21) <= d <= dt.date(year, 2, 20), year


def test_an_engine_that_cannot_be_imported_is_one_line_with_the_fix(tmp_path):
    # what a durable_rules built on 3.13 without the define looks like: the module is there, its
    # C extension does not load
    fake = tmp_path / "durable"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "engine.py").write_text(
        "raise ImportError('/venv/lib/durable_rules_engine.cpython-313-x86_64-linux-gnu.so: "
        "undefined symbol: PyEval_CallObject')\n")
    code, out, err = _advise("RK190321410CN", "--issued", "3d", env_extra={"LANG": "C.UTF-8"}, pythonpath=tmp_path)
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err
    lines = err.strip().splitlines()
    assert lines[0] == ("error: the rules engine durable_rules cannot be imported "
                        "(`undefined symbol: PyEval_CallObject`)")
    assert lines[1] == ("help: rebuild it: CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject pip install "
                        "--no-cache-dir --force-reinstall durable-rules==2.0.28")


@pytest.mark.parametrize("today, message, hint", [
    ("12.11.2026", "today: `12.11.2026` is not a valid date: expected YYYY-MM-DD",
     "help: facts write dates as YYYY-MM-DD: `2026-11-12`"),
    ("2026-13-01", "today: `2026-13-01` is not a valid date", None),
])
def test_a_bad_today_in_a_facts_file_is_an_error_naming_today(today, message, hint):
    code, out, err = run_cli("--facts", "-", input=f'track: RK190321410CN\ntoday: "{today}"\n')
    assert code == 2, (out, err)
    assert err.startswith("error: " + message) and "Traceback" not in err and out == ""
    if hint:
        assert hint in err


def test_today_in_a_facts_file_is_the_day_advised_for():
    code, out, err = run_cli("--facts", "-", "--format", "json",
                             input="track: RK190321410CN\ntoday: 2026-11-22\norder: {track_issued: 2026-11-19}\n")
    assert code == 0, err
    a = json.loads(out)
    assert a["today"] == "2026-11-22" and a["days"]["since_track_issued"] == 3
    # relative dates in options count from the file's today
    code, out, err = run_cli("--facts", "-", "--format", "json", "--issued", "5d",
                             input="track: RK190321410CN\ntoday: 2026-11-22\n")
    assert code == 0, err
    assert json.loads(out)["days"]["since_track_issued"] == 5


def test_the_default_platform_comes_from_platforms_yaml(rules_copy):
    path = rules_copy / "platforms.yaml"
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^default: aliexpress$", text, re.M)
    path.write_text(re.sub(r"^default: aliexpress$", "default: joom", text, flags=re.M), encoding="utf-8")
    from advisor import Advisor
    a = Advisor(rules=rules_copy).advise({"track": "RK190321410CN"}, today=dt.date(2026, 11, 22))
    assert a.data["platform"] == "joom"
    code, out, err = run_cli("RK190321410CN", "--rules", str(rules_copy), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["platform"] == "joom"


def test_a_default_platform_that_does_not_exist_is_a_located_error(rules_copy):
    path = rules_copy / "platforms.yaml"
    path.write_text(re.sub(r"^default: aliexpress$", "default: aliexpres", path.read_text(encoding="utf-8"),
                           flags=re.M), encoding="utf-8")
    code, out, err = run_cli("rules", "check", str(rules_copy))
    assert code == 1
    assert re.search(r"rules/platforms\.yaml:\d+:\d+: the default platform `aliexpres` is not one of the platforms",
                     out), out
    assert "did you mean `aliexpress`?" in out
    code, out, err = run_cli("RK190321410CN", "--rules", str(rules_copy))
    assert code == 2 and "the default platform `aliexpres`" in err and "Traceback" not in err


ADVICE = ("RK190321410CN", "--issued", "12d", "--protection-ends", "2026-11-25", "--today", "2026-11-22")
ESC = "\x1b["


def test_color_can_be_forced_into_a_pipe_and_is_off_by_default():
    code, out, err = run_cli(*ADVICE)
    assert code == 0, err
    assert ESC not in out
    code, out, err = run_cli(*ADVICE, "--color")
    assert code == 0, err
    assert ESC in out
    code, forced, err = _advise(*ADVICE, "--color", env_extra={"LANG": "C.UTF-8", "NO_COLOR": "1"})
    assert ESC in forced        # the flag overrides the variable


def test_no_color_is_honoured_on_a_terminal():
    """Through a pseudo-terminal, as a person runs it: colour by default, none with NO_COLOR."""
    import select

    def on_terminal(env_extra):
        # the child is started by subprocess (fork and exec in C) on the terminal's far end, and the
        # screen is read until the child ends or a minute passes: a fork in Python from a test
        # worker's threads, read without a bound, once held a CI run until its time ran out
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": CACHE, **env_extra}
        master, slave = os.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "advisor", *ADVICE], cwd=ROOT, env=env,
                                stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        chunks, deadline = [], time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                if not select.select([master], [], [], 1)[0]:
                    if proc.poll() is not None:
                        break
                    continue
                try:
                    data = os.read(master, 65536)
                except OSError:                 # EIO: every holder of the terminal's far end has closed it
                    break
                if not data:
                    break
                chunks.append(data)
            assert proc.wait(timeout=10) == 0
        finally:
            proc.kill()
            os.close(master)
        return b"".join(chunks).decode("utf-8", "replace")

    assert ESC in on_terminal({})
    shown = on_terminal({"NO_COLOR": "1"})
    assert ESC not in shown and "Open a dispute" in shown


def test_short_version_flag():
    for flag in ("-V", "--version"):
        code, out, err = run_cli(flag)
        assert code == 0, err
        assert re.fullmatch(r"advise, version \d+\.\d+\.\d+\S*\n", out), out


def test_shell_completion_as_the_readme_documents():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "_ADVISE_COMPLETE=bash_source advise" in readme
    code, out, err = _advise(env_extra={"_ADVISE_COMPLETE": "bash_source"})
    assert code == 0 and "_advise_completion()" in out, err
    code, out, err = _advise(env_extra={"_ADVISE_COMPLETE": "bash_complete", "COMP_WORDS": "advise rules ch",
                                        "COMP_CWORD": "2"})
    assert code == 0 and "plain,check" in out.split(), out
    code, out, err = _advise(env_extra={"_ADVISE_COMPLETE": "bash_complete", "COMP_WORDS": "advise RK190321410CN --prot",
                                        "COMP_CWORD": "2"})
    assert code == 0 and "plain,--protection-ends" in out.split(), out


def test_the_quick_start_is_two_one_line_commands_that_build_the_engine_everywhere():
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = [b.strip() for b in re.findall(r"^```sh\n(.*?)^```", section, re.M | re.S)]
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    install, test = blocks
    for cmd in blocks:
        assert "CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject pip install" in cmd
    assert install.endswith(" ".join(ADVICE[:1]) + " --issued 12d --protection-ends 2026-11-25 --today 2026-11-22")
    assert "'.[test]'" in test and test.endswith("python -m pytest -q -n auto")   # the suite on every core
    # CI runs these very commands
    assert "## Quick start" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_requires_python_admits_every_version_ci_runs():
    import tomllib
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["requires-python"] == ">=3.11"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'SUPPORTED="3.11 3.12 3.13"' in ci
