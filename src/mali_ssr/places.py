"""Where things happened: the places of the course map, their sources, and the map outline.

Three files in ``course_data/``, each checked on load like the rest of the course data
(a bad record raises :class:`~mali_ssr.data.DataError` naming file, record and field):

* ``places.yaml``: each place's coordinates, with the gazetteer entry they come from;
* ``event_places.yaml``: timeline event id -> place id, for events whose record names the place;
* ``map_outline.geojson``: country outlines (Natural Earth, public domain), simplified.

The French edition takes the names from ``fr/places.yaml`` (places by id, with the
``en_sha`` of the English name as for the other overlays in :mod:`mali_ssr.data`;
countries by ISO code), so the map reads Tombouctou and Alger there.

>>> geo = load_geography()
>>> geo.places["kidal"].name
'Kidal'
>>> geo.inside_bounds(geo.places["algiers"])
True
>>> load_geography(lang="fr").places["timbuktu"].name
'Tombouctou'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .data import (
    CourseData,
    DataError,
    Event,
    _check_unique,
    _Checker,
    _data_language,
    _read_overlay,
    _read_yaml,
    load,
    translated_records,
)
from .i18n import _

PLACES_FILE = "places.yaml"
EVENT_PLACES_FILE = "event_places.yaml"
OUTLINE_FILE = "map_outline.geojson"
PLACE_FIELDS = {
    "id": (True, str), "name": (True, str), "country": (True, str), "latitude": (True, float),
    "longitude": (True, float), "gazetteer": (True, str), "sources": (True, list),
}


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    country: str
    latitude: float
    longitude: float
    gazetteer: str  # the entry the coordinates come from, e.g. "GeoNames 2455290"
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Country:
    name: str
    iso_a3: str
    role: str  # "mali", "neighbour" or "context"
    polygons: tuple[tuple[tuple[float, float], ...], ...]  # outer rings, (longitude, latitude)


@dataclass(frozen=True)
class Geography:
    places: dict[str, Place]
    event_places: dict[str, str]  # event id -> place id
    countries: tuple[Country, ...]
    bounds: tuple[float, float, float, float]  # west, south, east, north

    def place_of(self, event: Event) -> Place | None:
        place_id = self.event_places.get(event.id)
        return self.places[place_id] if place_id else None

    def located(self, events) -> list[tuple[Event, Place]]:
        """The events that have a place, with it, in the order given."""
        return [(e, self.places[self.event_places[e.id]]) for e in events if e.id in self.event_places]

    def inside_bounds(self, place: Place) -> bool:
        west, south, east, north = self.bounds
        return west <= place.longitude <= east and south <= place.latitude <= north


def _number(checker: _Checker, key: str, low: float, high: float) -> float:
    value = checker.raw.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise checker.fail(key, _("expected {expected}, found {found} ({value!r})")
            .format(expected=_("a number"), found=type(value).__name__, value=value))
    if not low <= value <= high:
        raise checker.fail(key, _("{what} must be between {low} and {high}; got {value}.")
            .format(what=key, low=low, high=high, value=value))
    return float(value)


def build_places(raw: Any, sources) -> dict[str, Place]:
    if not isinstance(raw, list):
        raise DataError(PLACES_FILE, "-", "-", _("the file must hold a list of records, found {found}")
            .format(found=type(raw).__name__))
    out: dict[str, Place] = {}
    ids = []
    for index, record in enumerate(raw):
        if not isinstance(record, dict):
            raise DataError(PLACES_FILE, f"#{index + 1}", "-", _("each record must be a mapping of field: value, found {found}")
                .format(found=type(record).__name__))
        checker = _Checker(PLACES_FILE, record, index, PLACE_FIELDS, sources)
        checker.check_keys()
        place_id = checker.get_id()
        ids.append((index, place_id))
        out[place_id] = Place(
            id=place_id, name=checker.get("name"), country=checker.get("country"),
            latitude=_number(checker, "latitude", -90, 90), longitude=_number(checker, "longitude", -180, 180),
            gazetteer=checker.get("gazetteer"), sources=checker.get_sources(),
        )
    _check_unique(PLACES_FILE, ids)
    return out


def build_event_places(raw: Any, places: dict[str, Place], events: dict[str, Event]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise DataError(EVENT_PLACES_FILE, "-", "-", _("each record must be a mapping of field: value, found {found}")
            .format(found=type(raw).__name__))
    for event_id, place_id in raw.items():
        if event_id not in events:
            raise DataError(EVENT_PLACES_FILE, str(event_id), "-", _("unknown {kind} id {value!r}")
                .format(kind="event", value=event_id))
        if place_id not in places:
            raise DataError(EVENT_PLACES_FILE, str(event_id), "place",
                            _("unknown {kind} id {value!r}").format(kind="place", value=place_id))
    return dict(raw)


def build_outline(raw: Any) -> tuple[tuple[Country, ...], tuple[float, float, float, float]]:
    try:
        countries = []
        for feature in raw["features"]:
            props = feature["properties"]
            geometry = feature["geometry"]
            polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            rings = tuple(tuple((float(x), float(y)) for x, y in polygon[0]) for polygon in polygons)
            countries.append(Country(props["name"], props["iso_a3"], props["role"], rings))
        west, south, east, north = (float(v) for v in raw["bbox"])
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise DataError(OUTLINE_FILE, "-", "-", _("the file is not valid YAML ({detail})")
            .format(detail=_("not the expected GeoJSON: {error}").format(error=exc))) from None
    return tuple(countries), (west, south, east, north)


def load_geography(data: CourseData | None = None, data_dir: str | Path | None = None,
                   lang: str | None = None) -> Geography:
    """Places, event locations and the outline, validated against the course data, named in ``lang``.

    ``lang`` defaults to the language in use, like :func:`mali_ssr.data.load`.
    """
    lang = _data_language(lang)
    if data is None and data_dir is None:
        return _shipped(lang)
    data = data or load(data_dir, lang=lang)
    return _build(data, data_dir, lang)


def _build(data: CourseData, data_dir, lang: str = "en") -> Geography:
    base: Any = resources.files("mali_ssr") / "course_data" if data_dir is None else Path(data_dir)
    places = build_places(_read_yaml(base / PLACES_FILE, PLACES_FILE), data.bibliography)
    event_places = build_event_places(_read_yaml(base / EVENT_PLACES_FILE, EVENT_PLACES_FILE), places, data.events)
    try:
        outline = json.loads((base / OUTLINE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(OUTLINE_FILE, "-", "-", _("the data file is missing from the package ({path})")
            .format(path=base / OUTLINE_FILE)) from None
    except ValueError as exc:
        raise DataError(OUTLINE_FILE, "-", "-", _("the file is not valid YAML ({detail})").format(detail=exc)) from None
    countries, bounds = build_outline(outline)
    if lang != "en":
        places, countries = _named_in(lang, base, places, countries)
    return Geography(places, event_places, countries, bounds)


def _named_in(lang: str, base: Any, places: dict[str, Place], countries: tuple[Country, ...]):
    """Place and country names from the ``lang`` overlay; English where it has none (or an outdated one)."""
    overlay = _read_overlay(base, lang, PLACES_FILE)
    if overlay is None:
        return places, countries
    places = {**places, **translated_records("places", PLACES_FILE, places, overlay, lang)}
    where = f"{lang}/{PLACES_FILE}"
    names = _read_yaml(base / lang / PLACES_FILE, where).get("countries") or {}
    if not isinstance(names, dict):
        raise DataError(where, "-", "countries", _("each record must be a mapping of field: value, found {found}").format(
            found=type(names).__name__))
    codes = {c.iso_a3 for c in countries}
    for code, name in names.items():
        if code not in codes:
            raise DataError(where, str(code), "countries", _("unknown {kind} id {value!r}").format(kind="country", value=code))
        if not isinstance(name, str) or not name.strip():
            raise DataError(where, code, "countries", _("expected non-empty French text"))
    if overlay[0]:  # complete: every country of the outline has its name
        for country in countries:
            if country.iso_a3 not in names:
                raise DataError(where, country.iso_a3, "countries",
                                _("no French translation for this record (the file is marked complete)"))
    return places, tuple(replace(c, name=names[c.iso_a3].strip()) if c.iso_a3 in names else c for c in countries)


@lru_cache(maxsize=4)  # one per edition
def _shipped(lang: str = "en") -> Geography:
    return _build(load(lang=lang), None, lang)
