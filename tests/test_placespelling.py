"""How a city's name is written in texts is data (rules/places.yaml): the words before a name,
the letters that mark a name as not Russian, and how a Cyrillic name is put in Latin letters.
A rules editor changes the file and the advice changes; a wrong entry is an error at its line."""
import pytest

from advisor.engine.placenames import names
from advisor.knowledge.places import Places
from conftest import ROOT, TODAY, run_cli

HISTORY = "18.11.2026 14:05 Прибыло в место вручения 443001\n"


def _advise(tmp_path, dest, *rules):
    history = tmp_path / "history.txt"
    history.write_text(HISTORY, encoding="utf-8")
    code, out, err = run_cli("RK190321410CN", "--issued", "2026-10-01", "--dest", dest, "--history", str(history),
                             *rules, "--today", TODAY.isoformat())
    assert code == 0, err
    return out


@pytest.mark.parametrize("written, en, ru", [
    ("Новосибирск", "Novosibirsk", "Новосибирск"), ("Мінск", "Minsk", "Минск"), ("г. Москва", "Moscow", "Москва"),
    ("г.Екатеринбург", "Yekaterinburg", "Екатеринбург"), ("пгт Усть-Пупкинск", "Ust-Pupkinsk", "Усть-Пупкинск"),
    ("Пупкінск", "Pupkinsk", "Пупкінск"), ("Щёлково-Пупкино", "Shchyolkovo-Pupkino", "Щёлково-Пупкино"),
])
def test_a_city_in_each_language(written, en, ru):
    country = "BY" if written == "Мінск" else "RU"
    assert names(Places(ROOT / "rules"), written, country) == {"en": en, "ru": ru}


def test_a_name_that_is_only_a_leading_word_is_kept():
    assert names(Places(ROOT / "rules"), "г.", "RU")["ru"] == "г."


def test_the_seller_reads_an_unknown_cyrillic_town_in_latin_letters_as_the_rules_spell_it(tmp_path, rules_copy):
    shipped = _advise(tmp_path, "RU,пгт Усть-Пупкінск")
    assert "your order is to Ust-Pupkinsk" in shipped and "пгт" not in shipped
    p = rules_copy / "places.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("latin_scheme: wikipedia", "latin_scheme: ungegn_1987")
                 .replace("{і: i,", "{і: y,").replace("пгт, ", ""), encoding="utf-8")
    changed = _advise(tmp_path, "RU,пгт Усть-Пупкінск", "--rules", str(rules_copy))
    assert "your order is to pgt Ustʹ-Pupkynsk" in changed


@pytest.mark.parametrize("old, new, error, hint", [
    ("latin_scheme: wikipedia", "latin_scheme: wikipdia", "unknown transliteration scheme `wikipdia`", "did you mean `wikipedia`?"),
    ("not_russian_letters: іїє", "not_russian_letters: іїеє", "`е` in `not_russian_letters` is a letter of Russian", "remove it"),
    ("{і: i,", "{і: I,", "the Latin spelling of `і` must be lower-case Latin letters, not `I`", "write e.g. `і: i`"),
    ("{і: i,", "{i: i,", "`i` in `latin_letters` is not one Cyrillic letter", None),
    ("  latin_scheme:", "  latin_schema:", "unknown key `latin_schema`", "did you mean `latin_scheme`?"),
])
def test_a_wrong_spelling_entry_is_an_error_at_its_line(rules_copy, old, new, error, hint):
    p = rules_copy / "places.yaml"
    text = p.read_text(encoding="utf-8")
    assert old in text
    line = next(i for i, row in enumerate(text.splitlines(), 1) if old in row)
    p.write_text(text.replace(old, new), encoding="utf-8")
    code, out, _ = run_cli("rules", "check", str(rules_copy))
    assert code == 1 and f"rules/places.yaml:{line}:" in out and error in out
    assert hint is None or hint in out
    code, _, err = run_cli("RK190321410CN", "--rules", str(rules_copy))
    assert code != 0 and error in err and "Traceback" not in err
