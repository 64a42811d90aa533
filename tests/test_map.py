"""The course map: sourced places inside the map, one marker per located event in the filter."""

import shutil
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from data_files import read_yaml, write_yaml
from mali_ssr import plots
from mali_ssr.data import DataError, load
from mali_ssr.figure_display import description
from mali_ssr.maps import map_view
from mali_ssr.places import load_geography

DATA_DIR = Path(__file__).resolve().parents[1] / "src" / "mali_ssr" / "course_data"


@pytest.fixture(scope="module")
def geo():
    return load_geography()


def test_every_located_event_has_sourced_coordinates_inside_the_map(geo):
    data = load()
    assert len(geo.event_places) >= 20
    for event_id, place_id in geo.event_places.items():
        assert event_id in data.events
        place = geo.places[place_id]
        assert place.sources and all(s in data.bibliography for s in place.sources)
        assert place.gazetteer.startswith("GeoNames "), place.id
        assert geo.inside_bounds(place), place.id


def test_the_outline_is_small_public_domain_and_cited(geo):
    data = load()
    assert (DATA_DIR / "map_outline.geojson").stat().st_size <= 200_000
    assert "public domain" in data.bibliography["naturalearth"].outlet
    assert [c.iso_a3 for c in geo.countries if c.role == "mali"] == ["MLI"]
    assert {c.iso_a3 for c in geo.countries if c.role == "neighbour"} == {"DZA", "NER", "BFA", "CIV", "GIN", "SEN",
                                                                          "MRT"}


def test_a_located_event_names_its_place_in_its_own_record(geo):
    data = load()
    for event_id, place_id in geo.event_places.items():
        event, place = data.events[event_id], geo.places[place_id]
        names = {place.name, place.name.split(" (")[0], *(place.name.split("(")[-1].rstrip(")").split())}
        assert any(n in event.title + " " + event.description for n in names), (event_id, place_id)


def _marker_count(ax):
    return sum(len(c.get_offsets()) for c in ax.collections)


@pytest.mark.parametrize("categories, period", [(None, (1850, 2025)), (["agreement"], (1850, 2025)),
                                                (["armed-conflict", "coup"], (2000, 2025)), (["sanctions"], (2012, 2025))])
def test_the_map_draws_one_marker_per_located_event_in_the_filter(geo, categories, period):
    data = load()
    chosen = categories or list(plots.CATEGORY_MARKERS)
    view = map_view(chosen, period, data)
    expected = [e for e in data.timeline if e.category in chosen and period[0] <= e.date.year <= period[1]
                and e.id in geo.event_places]
    assert [e.id for e in view.items] == [e.id for e in expected]
    ax = view.figure.axes[0]
    assert _marker_count(ax) == len(expected)
    assert description(view.figure)  # alt text for the widget's picture


def test_markers_sit_near_their_place(geo):
    data = load()
    located = geo.located([data.events["aguelhok-2012"]])
    ax = plots.map_chart(geo, located, ax=Figure().add_subplot())
    (x, y), = [tuple(p) for c in ax.collections for p in c.get_offsets()]
    place = geo.places["aguelhok"]
    assert (x, y) == pytest.approx((place.longitude, place.latitude))


def test_map_view_refuses_a_bad_choice_with_a_message():
    view = map_view(["nonsense"], (1990, 2000))
    assert not view.ok and "nonsense" in view.message
    assert not map_view(["coup"], (2000, 1990)).ok


def _copy(tmp_path):
    target = tmp_path / "course_data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_a_place_without_source_or_with_bad_coordinates_is_refused(tmp_path):
    folder = _copy(tmp_path)
    places = read_yaml(folder / "places.yaml")
    places[0]["latitude"] = 123.0
    write_yaml(folder / "places.yaml", places)
    with pytest.raises(DataError) as err:
        load_geography(data_dir=folder)
    assert (err.value.file, err.value.record, err.value.field) == ("places.yaml", places[0]["id"], "latitude")
    del places[0]["sources"]
    places[0]["latitude"] = 12.0
    write_yaml(folder / "places.yaml", places)
    with pytest.raises(DataError, match="sources"):
        load_geography(data_dir=folder)


def test_an_event_place_must_exist(tmp_path):
    folder = _copy(tmp_path)
    (folder / "event_places.yaml").write_text("coup-2012: atlantis\n")
    with pytest.raises(DataError) as err:
        load_geography(data_dir=folder)
    assert (err.value.file, err.value.record, err.value.field) == ("event_places.yaml", "coup-2012", "place")
