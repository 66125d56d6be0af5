"""The dictionaries' word forms ship as small files (advisor/wordforms/): an install without
pymorphy3 reads status lines and inflects place names as before, and the shipped files are what
scripts/make_wordforms.py makes from the dictionaries."""
import gzip
import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

# a process where importing pymorphy3 fails, as in an install without the dictionaries
WITHOUT = textwrap.dedent("""
    import json, sys
    sys.modules["pymorphy3"] = None
    sys.path.insert(0, "tests")
    import outputs
    from advisor import Advisor
    from advisor.knowledge.lemmas import lemmas
    from advisor.text.inflect import inflect
    advisor = Advisor()
    header, recorded = outputs.read()
    found = outputs.digests(advisor)
    print(json.dumps({
        "same_header": header == outputs.made_with(),
        "changed": sorted(name for name, digest in found.items() if recorded.get(name) != digest),
        "parcels": len(found),
        "lemmas": [lemmas(t) for t in ("вручен", "вручено", "вручить", "Вручення адресату", "вручення")],
        "stage": advisor.stages.reader.read("Вручено отправителю").stage,
        "cities": [inflect(n, "loct") for n in ("Новосибирск", "НОВОСИБИРСК", "Ростов-на-Дону", "Алма-Ата", "Чухлома")],
        "words": [inflect(w, "gent") for w in ("спор", "жалоба", "кейс")],
    }, ensure_ascii=False))
""")


def test_the_advice_and_the_reading_need_no_dictionaries():
    out = subprocess.run([sys.executable, "-c", WITHOUT], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout)
    assert got["parcels"] > 500
    if got["same_header"]:          # the digests were made with this Python and these libraries
        assert got["changed"] == [], f"the advice changed without the dictionaries: {got['changed'][:5]}"
    first, second, third, ukrainian, ukrainian_noun = got["lemmas"]
    assert first == second == third and len(first) == 1
    assert ukrainian[0] == ukrainian_noun[0]
    assert got["stage"] == "returned"
    # the gazetteer's names in their case, whatever their capitals; a name it lacks is kept as written
    assert got["cities"] == ["Новосибирске", "Новосибирске", "Ростове-на-Дону", "Алма-Ате", "Чухлома"]
    assert got["words"] == ["спора", "жалобы", "кейса"]


def test_a_name_outside_the_shipped_forms_is_inflected_where_the_dictionary_is_installed():
    pytest.importorskip("pymorphy3", reason="the `inflect` extra is not installed")
    from advisor.base.wordforms import case_forms
    from advisor.text.inflect import inflect
    assert case_forms("чухлома") is None          # a town of 9,000: not in the gazetteer
    assert inflect("Чухлома", "loct") == "Чухломе"


@pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("pymorphy3", "pymorphy3_dicts_ru", "pymorphy3_dicts_uk")),
                    reason="pymorphy3 and its dictionaries are not installed (the `wordforms` extra)")
def test_the_shipped_files_are_what_the_script_makes():
    """A new term, platform word, region or dictionary release changes the files only through the
    script (run it, commit them)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_wordforms
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    from advisor.base.wordforms import CASES, LEMMAS, PLACES
    made_with = gzip.decompress(CASES.read_bytes()).decode("utf-8").split(":", 1)[0][2:]
    if made_with != make_wordforms.source():     # the lowest-versions run: other dictionaries or Babel
        pytest.skip(f"the shipped files were made with {made_with}; this is {make_wordforms.source()}")
    lemmas, cases, places = make_wordforms.made()
    assert gzip.decompress(lemmas) == gzip.decompress(LEMMAS.read_bytes()), "run scripts/make_wordforms.py"
    assert gzip.decompress(cases) == gzip.decompress(CASES.read_bytes()), "run scripts/make_wordforms.py"
    assert gzip.decompress(places) == gzip.decompress(PLACES.read_bytes()), "run scripts/make_wordforms.py"


def test_every_form_of_a_term_reads_as_the_term():
    """Forms the terms never write are read by the table as the dictionary would read them."""
    from advisor.knowledge.lemmas import lemma
    assert lemma("вручены", "ru") == lemma("вручить", "ru") == lemma("вручено", "ru") == "вручить"
    assert lemma("вручення", "uk") == lemma("врученням", "uk")
    assert lemma("зюзюкино", "ru") == "зюзюкино"      # no term's: its own, matching nothing
