"""The command line's own help and messages in the user's language (gettext, advisor/locale)."""
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from conftest import CACHE, ROOT


def _run(*args, lang="C.UTF-8"):
    env = {"PATH": "/usr/bin:/bin", "LANG": lang, "PARCEL_ADVISOR_CACHE": CACHE}
    p = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, cwd=ROOT, env=env)
    return p.returncode, p.stdout, p.stderr


def test_help_is_russian_under_a_russian_locale():
    code, out, err = _run("--help", lang="ru_RU.UTF-8")
    assert code == 0, err
    assert out.startswith("Использование: advise [НОМЕР] [ПАРАМЕТРЫ]")
    assert "Совет для посылки, трек-номер которой «не отслеживается»." in out
    assert "Параметры:" in out and "Команды:" in out and "Показать эту справку и выйти." in out
    code, out, err = _run("RK190321410CN", "--help", lang="ru_RU.UTF-8")
    assert code == 0 and "день, когда продавец выдал трек-номер" in out and "Options:" not in out


def test_lang_option_chooses_the_help_language_too():
    code, out, _ = _run("RK190321410CN", "--lang", "ru", "--help")
    assert code == 0 and "язык совета" in out
    code, out, _ = _run("--help")
    assert code == 0 and out.startswith("Usage: advise [CODE] [OPTIONS]") and "Использование" not in out


def test_usage_errors_are_russian_too():
    code, out, err = _run("RK190321410CN", "--format", "xml", lang="ru_RU.UTF-8")
    assert code == 2
    assert "Ошибка: Неверное значение '--format': 'xml' — не одно из: 'text', 'json'." in err
    code, out, err = _run("RK190321410CN", "--translation", lang="ru_RU.UTF-8")
    assert code == 2 and err.startswith("ошибка: --translation: `--translation` работает только вместе с `--copy`\n"
                                        "подсказка: добавьте `--copy ВИД/НАЗНАЧЕНИЕ`")


def test_every_help_text_of_the_cli_has_a_translation():
    """A help text or message added to cli.py without a Russian translation fails here."""
    marked = set()
    for module in ("interfaces/cli.py", "interfaces/clibase.py", "interfaces/servecmd.py", "interfaces/rulescmd.py",
                   "interfaces/batchcmd.py", "interfaces/watchcmd.py", "interfaces/questions.py"):
        tree = ast.parse((ROOT / "advisor" / module).read_text(encoding="utf-8"))
        marked |= {node.args[0].value for node in ast.walk(tree)
                   if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_"
                   and node.args and isinstance(node.args[0], ast.Constant)}
    assert len(marked) > 50
    with (ROOT / "advisor" / "locale" / "ru" / "LC_MESSAGES" / "advisor.po").open("rb") as f:
        catalog = read_po(f, locale="ru")
    missing = sorted(m for m in marked if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []


def test_a_koi8_r_or_latin_1_locale_gets_the_advice_not_a_traceback():
    """Issue 37: a KOI8-R or ISO-8859-1 locale exited 3 (UnicodeEncodeError on `—`). KOI8-R shows
    the Russian advice with `-` for the dash; Latin-1 cannot show Cyrillic, and says so once."""
    import subprocess
    import sys
    from conftest import CACHE, ROOT
    args = [sys.executable, "-m", "advisor", "RK190321410CN", "--issued", "2026-11-10", "--today", "2026-11-22", "--lang", "ru"]
    for encoding in ("koi8-r", "iso-8859-1"):
        env = {"PATH": "/usr/bin:/bin", "LANG": "C", "PYTHONIOENCODING": encoding, "PARCEL_ADVISOR_CACHE": CACHE}
        p = subprocess.run(args, capture_output=True, cwd=ROOT, env=env)
        assert p.returncode == 0, p.stderr
        out, err = p.stdout.decode(encoding), p.stderr.decode(encoding)
        if encoding == "koi8-r":
            assert "Написать продавцу - сегодня" in out and not err
        else:
            assert "RK190321410CN" in out and "?" in out and err.count("note:") == 1 and "LANG=C.UTF-8" in err, err
