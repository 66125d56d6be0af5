"""A new language is a row of templates/languages.yaml plus its texts: no Python names a language.

The third language here is made the way a translator would make one, in a copy of the project:
the table gets a row, every text of rules/ and templates/ gets its entry (a copy of the English,
as a first draft), templates/xx/ is a copy of templates/en/; the Python files are copied as they
are. The advice, its text report and the CLI then speak it, with the row's locale (German dates).
"""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from advisor.base import i18n

ROOT = Path(__file__).resolve().parent.parent

# Modules that may write a language code, and why: none of them decides how the advice speaks.
NAMES_A_SCRIPT = {
    # the languages trackers write status lines in (read, never spoken): their dictionaries
    "knowledge/lemmas.py", "knowledge/statuswords.py", "reading/history.py",
    # English country names as trackers print them (Babel's `en` territories), read into ISO codes
    # (gazetteer.py keeps them for countries.py and for a country named in a status line)
    "knowledge/gazetteer.py", "knowledge/trackformats.py",
    # the gazetteer's names, which it has in English and Russian (a third language falls back to English)
    "knowledge/places.py", "engine/destination.py", "knowledge/providers.py",
}


def _codes_in(path: Path) -> list[tuple[int, str]]:
    """(line, what) of each place a module compares with a language code, or names one outside a
    per-language table's keys."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    keys = {id(k) for n in ast.walk(tree) if isinstance(n, ast.Dict) for k in n.keys if k is not None}
    found = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and n.value in i18n.LANGS and id(n) not in keys:
            found.append((n.lineno, repr(n.value)))
    return found


def test_no_module_but_i18n_names_a_language():
    offenders = []
    for path in sorted((ROOT / "advisor").rglob("*.py")):
        rel = path.relative_to(ROOT / "advisor").as_posix()
        if rel == "base/i18n.py" or rel in NAMES_A_SCRIPT:
            continue
        offenders += [f"advisor/{rel}:{line}: {what}" for line, what in _codes_in(path)]
    assert offenders == [], "decide by the row of templates/languages.yaml (advisor/base/i18n.py):\n" + "\n".join(offenders)


def test_the_check_finds_a_language_named_in_code(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('def f(lang):\n    return "x" if lang == "ru" else "y"\nTABLE = {"ru": f}\n')
    assert _codes_in(bad) == [(2, "'ru'")]


def _with_language(node: object, new: str) -> object:
    """Every text in every language gets `new` beside it (a copy of the default language's), every
    list of the languages `new` too."""
    if isinstance(node, dict):
        out = {k: _with_language(v, new) for k, v in node.items()}
        if all(lang in node for lang in i18n.LANGS):
            out[new] = out[i18n.DEFAULT]
        return out
    if isinstance(node, list):       # a schema's `enum` or `required` of the languages
        return [_with_language(v, new) for v in node] + ([new] if all(lang in node for lang in i18n.LANGS) else [])
    return node


@pytest.fixture(scope="module")
def third(tmp_path_factory):
    """A copy of the project speaking `xx` (German conventions), its Python untouched."""
    top = tmp_path_factory.mktemp("xx")
    shutil.copytree(ROOT / "advisor", top / "advisor", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("rules", "templates", "schemas"):
        shutil.copytree(ROOT / name, top / name)
    shutil.copytree(ROOT / "templates" / i18n.DEFAULT, top / "templates" / "xx")
    for path in [*(top / "rules").rglob("*.yaml"), *(top / "templates").rglob("*.yaml")]:
        if path.name in ("languages.yaml", "postcodes.yaml"):     # regions' names: the gazetteer's two
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump(_with_language(data, "xx"), allow_unicode=True, sort_keys=False), encoding="utf-8")
    for path in (top / "schemas").glob("*.json"):
        path.write_text(json.dumps(_with_language(json.loads(path.read_text(encoding="utf-8")), "xx")), encoding="utf-8")
    table = yaml.safe_load((ROOT / "templates" / "languages.yaml").read_text(encoding="utf-8"))
    table["languages"]["xx"] = dict(table["languages"][i18n.DEFAULT], name="Testish", locale="de", system=["xx"])
    (top / "templates" / "languages.yaml").write_text(yaml.safe_dump(table, allow_unicode=True), encoding="utf-8")
    python = [p.relative_to(ROOT).as_posix() for p in (ROOT / "advisor").rglob("*.py")]
    assert all((top / p).read_bytes() == (ROOT / p).read_bytes() for p in python)
    return top


def _run(top: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "advisor", *args]
    return subprocess.run(cmd, cwd=top, env={"PYTHONPATH": str(top), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                          capture_output=True, text=True, timeout=240)


def test_a_third_language_is_a_table_row_and_its_texts(third):
    code = ("import datetime as dt, json\nfrom advisor import Advisor\nfrom advisor.views.report import render_text\n"
            "a = Advisor()\nfacts = {'track': 'RK190321410CN', 'order': {'track_issued': '2026-10-10', 'paid': '2026-10-08'}}\n"
            "adv = a.advise(facts, today=dt.date(2026, 11, 22), lang='xx')\n"
            "print(json.dumps({'lang': adv.to_dict()['lang'], 'report': render_text(a, adv, 'xx'), "
            "'en': render_text(a, a.advise(facts, today=dt.date(2026, 11, 22)), 'en')}))")
    done = _run(third, code=code)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["lang"] == "xx"
    # the English texts as a first draft, with the row's locale: German day counts
    assert "code issued vor 43 Tagen" in out["report"] and "43 Tage and still no scan" in out["report"]
    assert "code issued 43 days ago" in out["en"] and "Tage" not in out["en"]


def test_the_cli_offers_and_speaks_the_third_language(third):
    args = ("RK190321410CN", "--today", "2026-11-22", "--issued", "2026-10-10")
    done = _run(third, *args, "--lang", "xx")
    assert done.returncode == 0, done.stderr
    assert "Stage: no tracking information yet; code issued vor 43 Tagen." in done.stdout
    english = _run(third, *args, "--lang", "en")
    assert english.returncode == 0 and "code issued 43 days ago." in english.stdout
