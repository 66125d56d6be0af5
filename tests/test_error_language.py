"""Every error a user can meet is said in the user's language (templates/errors.yaml): the CLI's
errors under a Russian locale are Russian from the label to the help, the English ones English,
and the JSON API keeps its English `message` with the error's `key`."""
import re
import string
import subprocess
import sys

import pytest
import yaml

from conftest import CACHE, ROOT

CATALOG = yaml.safe_load((ROOT / "templates" / "errors.yaml").read_text(encoding="utf-8"))
USED = re.compile(r"""(?:\.of|Phrase|_said)\(\s*["']([a-z0-9_]+)["']""")


def _keys_in_code() -> set[str]:
    return {k for f in (ROOT / "advisor").rglob("*.py") for k in USED.findall(f.read_text(encoding="utf-8"))}


def test_every_key_the_code_uses_is_in_the_catalog_in_both_languages():
    used = _keys_in_code()
    assert len(used) > 50
    assert sorted(used - set(CATALOG["errors"])) == []
    unused = sorted(set(CATALOG["errors"]) - used)
    assert unused == [], "a catalog entry no code says"


@pytest.mark.parametrize("key", sorted(CATALOG["errors"]))
def test_each_entry_has_both_languages_with_the_same_values(key):
    entry = CATALOG["errors"][key]
    names = [{f for _, f, _, _ in string.Formatter().parse(entry[lang]) if f} for lang in ("en", "ru")]
    assert names[1] <= names[0], "the Russian names a value the English does not have"
    assert set(entry.get("help", {"en": "", "ru": ""})) == {"en", "ru"}
    for text in (entry["en"], entry["ru"]):
        assert text[:1] == text[:1].lower() or text.startswith("`"), "an error is one lower-case sentence"
        assert not text.endswith(".")


def _run(*args, lang):
    env = {"PATH": "/usr/bin:/bin", "LANG": lang, "PARCEL_ADVISOR_CACHE": CACHE}
    p = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, cwd=ROOT, env=env)
    return p.returncode, p.stderr


BAD = [  # what a person may type wrong, each to a different error of the catalog
    ("RK190321410CN", "--dest", "Россия"), ("RK190321410CN", "--paid", "2026-13-01"),
    ("RK190321410CN", "--paid", "вчера"), ("RK190321410CN", "--price", "abc"),
    ("RK190321410CN", "--event", "xx"), ("RK190321410CN", "--facts", "no-such-file.yaml"),
    ("RK190321410CN", "--translation"), ("",), ("RK190321410CN", "--paid", "2026-11-30", "--today", "2026-11-22"),
    ("RK190321410CN", "--copy", "seller/nothing"), ("RK190321410CN", "--dispute-opened", "2026-11-01",
                                                    "--issued", "2026-11-10", "--today", "2026-11-22"),
]


def _prose(stderr: str) -> str:
    """The error's words a person reads: without the values in backticks and the field it names."""
    text = re.sub(r"`[^`]*`", "", stderr)
    return re.sub(r"^(\S+): (--[a-z-]+|[a-z_.\[\]0-9]+|track):", r"\1:", text, flags=re.M)


@pytest.mark.parametrize("args", BAD, ids=lambda a: " ".join(a)[:40])
def test_an_error_under_a_russian_locale_is_russian_throughout(args):
    code, err = _run(*args, lang="ru_RU.UTF-8")
    assert code == 2 and err.startswith("ошибка: "), err
    latin = re.findall(r"[A-Za-z]{2,}", _prose(err))
    assert latin == [], err
    code, err = _run(*args, lang="C.UTF-8")
    assert code == 2 and err.startswith("error: ") and not re.search("[А-Яа-яЁё]", _prose(err)), err


def test_the_json_api_keeps_the_english_message_and_adds_the_key():
    from advisor import Advisor
    from advisor.base.errors import FactsError
    with pytest.raises(FactsError) as e:
        Advisor().advise({"track": "RK190321410CN", "order": {"paid": "2026-11-30"}}, today=__import__("datetime").date(2026, 11, 22), lang="ru")
    out = e.value.to_dict()
    assert out["key"] == "after_today" and out["message"] == "`2026-11-30` is after today (`2026-11-22`)"
    assert e.value.render("ru").startswith("order.paid: `2026-11-30` позже сегодняшнего дня")
