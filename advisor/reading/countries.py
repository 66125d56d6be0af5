"""A country as trackers write it -> its ISO 3166-1 alpha-2 code.

Trackers name countries four ways: two letters (`CN`), three letters (AfterShip's `CHN`), the
ISO numeric code (pochta.ru's `countryId` 643) or an English name (Cainiao's `China`, Russian
Post's `Russian Federation`, 17TRACK's `Germany`). The names come from maintained data, never a
hand list: ISO 3166's codes, names, official and common names (made from pycountry into
advisor/geodata/countries.tsv, gazetteer.py), Babel's English territory names (CLDR: `Russia`,
`Turkey`) and CLDR's numeric territory aliases (`643` -> `RU`).
"""
from __future__ import annotations

from functools import lru_cache

from advisor.base.errors import FactsError
from advisor.knowledge.gazetteer import country_names as _names, name_key as _key


@lru_cache(maxsize=2048)
def alpha2(text: str | None) -> str | None:
    """`CN`, `CHN`, `China` -> `CN`; None when the text names no country we know."""
    if not text or not isinstance(text, str):
        return None
    return _names().get(_key(text))


def event_country(value: str | None, where: str) -> str | None:
    """An event's country as trackers write it (`CN`, `CHN`, `China`) -> alpha-2; one we cannot
    name is an error, never dropped."""
    if not value:
        return None
    if len(value) == 2 and value.isascii() and value.isalpha():
        return value.upper()
    code = alpha2(value)
    if code is None:
        raise FactsError(f"`{value}` is not a country we know", where=where,
                         help="use an ISO 3166-1 code (`CN`, `CHN`) or the English name (`China`)", key="bad_country")
    return code
