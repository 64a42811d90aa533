"""Each plot helper draws the expected data (artists, not pixels) on the given axes and describes it."""

import itertools

import matplotlib
import pytest
from matplotlib.figure import Figure

from mali_ssr import plots
from mali_ssr.contrast import relative_luminance
from mali_ssr.data import DRIVERS, filter_events, load
from mali_ssr.figure_display import description
from mali_ssr.models import council_design, peace_justice


@pytest.fixture(scope="module")
def data():
    return load()


@pytest.fixture
def ax():
    return Figure().add_subplot()


def _markers(ax):
    """(label, [(x, y)]) of every scatter layer."""
    return [(c.get_label(), [tuple(p) for p in c.get_offsets()]) for c in ax.collections if len(c.get_offsets())]


def test_importing_plots_changes_no_global_style():
    before = dict(matplotlib.rcParams)
    import importlib

    importlib.reload(plots)
    assert dict(matplotlib.rcParams) == before


def test_timeline_draws_one_marker_per_event_and_driver(data, ax):
    assert plots.timeline_chart(data.timeline, ax=ax) is ax
    drawn = sum(len(points) for _label, points in _markers(ax))
    assert drawn == sum(len(e.drivers) for e in data.timeline)
    xs = sorted(x for _label, points in _markers(ax) for x, _y in points)
    assert xs[0] == pytest.approx(data.timeline[0].date.decimal_year)


def test_multi_driver_event_appears_under_each_driver(data, ax):
    event = data.events["res-2374-2017"]
    assert set(event.drivers) == {"international", "malian-state"}
    plots.timeline_chart([event], ax=ax)
    labels = {label for label, _points in _markers(ax)}
    assert labels == {plots.DRIVER_STYLE["international"][2], plots.DRIVER_STYLE["malian-state"][2]}
    (_a, [(x1, y1)]), (_b, [(x2, y2)]) = _markers(ax)
    assert x1 == x2 and y1 != y2  # side by side in the row, both visible


def test_driver_filter_shows_no_marker_of_other_drivers(data, ax):
    events = filter_events(data.timeline, drivers=["malian-state"])
    plots.timeline_chart(events, ax=ax, drivers=["malian-state"])
    assert {label for label, _points in _markers(ax)} == {plots.DRIVER_STYLE["malian-state"][2]}
    assert sum(len(p) for _l, p in _markers(ax)) == len(events)
    assert "Only these drivers are marked: Malian state" in description(ax.figure)


def test_timeline_gives_recent_decades_more_room(data, ax):
    plots.timeline_chart(data.timeline, ax=ax)
    assert ax.get_xscale() == "function"
    forward = ax.xaxis.get_transform().transform
    share_recent = (forward(2025) - forward(1990)) / (forward(2025) - forward(1855))
    assert share_recent > 0.5
    short = Figure().add_subplot()
    plots.timeline_chart([e for e in data.timeline if e.date.year >= 2018], ax=short)
    assert short.get_xscale() == "linear"


def test_timeline_labels_key_events(data, ax):
    plots.timeline_chart(data.timeline, ax=ax)
    labels = {t.get_text() for t in ax.texts}
    assert {"Independence", "2012 coup", "Peace agreement"} <= labels


def test_timeline_description_mentions_count_and_years(data):
    sentence = plots.timeline_description(data.timeline)
    assert str(len(data.timeline)) in sentence and str(data.timeline[0].date.year) in sentence
    assert plots.timeline_description([]).startswith("An empty timeline")


def test_initiatives_chart_bars_match_counts_with_integer_ticks(data, ax):
    labels, national, international = plots.initiative_counts(data.timeline, 1990, 2024, 5)
    plots.initiatives_chart(data.timeline, 1990, 2024, 5, ax=ax)
    heights = [plots.bar_heights(series) for series in ax.collections]
    assert heights == [national, international]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [s.get_label() for s in ax.collections]
    assert len(labels) == 7
    assert all(float(t).is_integer() for t in ax.get_yticks())


def test_institutions_chart_has_a_row_per_institution(data, ax):
    institutions = list(data.institutions.values())
    assert plots.institutions_chart(institutions, ax=ax) is ax
    assert {t.get_text() for t in ax.get_yticklabels()} == {i.acronym for i in institutions}
    assert "CNRSS" in description(ax.figure)


def test_actors_chart_labels_coalitions_members_and_stance(data, ax):
    plots.actors_chart(data.actors, ax=ax)
    labels = {t.get_text() for t in ax.texts}
    assert "CMA\n(ex-rebel)" in labels and {"MNLA", "HCUA"} <= labels
    assert "CMA" in plots.actors_description(data.actors)


def test_model_charts(ax):
    result = council_design({"government": 30, "cma": 10, "platform": 10})
    plots.council_chart(result, ax=ax)
    assert [p.get_width() for p in ax.patches] == pytest.approx([result.representation, result.expertise])
    assert f"{result.decision_cost:.1f} × a council of ten" in ax.get_xlabel()
    ax2 = Figure().add_subplot()
    r = peace_justice(0.5, 0.2, 0.3, 0.5)
    plots.peace_justice_chart(r, ax=ax2)
    assert [p.get_width() for p in ax2.patches] == pytest.approx([r.signature, r.spoiler_risk, r.victims_trust])


def test_composition_chart_has_integer_ticks_and_description(data, ax):
    members = data.institutions["cnrss"].members
    plots.composition_chart(members, ax=ax)
    assert [p.get_width() for p in ax.patches] == [m.count for m in members]
    assert all(float(t).is_integer() for t in ax.get_xticks())
    assert str(members[0].count) in description(ax.figure)


def test_helpers_create_axes_when_none_given(data):
    import matplotlib.pyplot as plt

    ax = plots.timeline_chart(data.timeline[:3])
    assert ax is not None
    plt.close(ax.figure)


# ------------------------------------------------------------------ colour and greyscale


def test_palette_is_okabe_ito_and_each_colour_has_one_meaning():
    assert plots.OKABE_ITO["vermillion"] == "#D55E00"
    meanings = {}
    for meaning, colour in plots.COLOURS.items():
        assert colour in set(plots.OKABE_ITO.values()) | {plots.GREY}
        assert colour not in meanings, f"{colour} means both {meanings.get(colour)} and {meaning}"
        meanings[colour] = meaning
    # every style table of the course takes its colours from that one table, with the same meaning
    for driver in DRIVERS:
        assert plots.DRIVER_STYLE[driver][0] == plots.COLOURS[driver]
    state = {"president", "prime-minister", "ministry"}
    for attachment, (colour, _label) in plots.ATTACHMENT_STYLE.items():
        expected = "malian-state" if attachment in state else {"government-and-movements": "joint",
                                                               "international": "international",
                                                               "unknown": "neutral"}[attachment]
        assert colour == plots.COLOURS[expected], attachment
    assert plots.STANCE_COLOURS["international"] == plots.COLOURS["international"]
    assert plots.STANCE_COLOURS["state"] == plots.COLOURS["malian-state"]


def test_palette_gate_catches_a_colour_with_two_meanings(monkeypatch):
    monkeypatch.setitem(plots.COLOURS, "model", plots.COLOURS["international"])
    with pytest.raises(AssertionError, match="means both"):
        test_palette_is_okabe_ito_and_each_colour_has_one_meaning()


def _greyscale_distinct(styles):
    """Every pair differs by shape or hatch, or by a clear step in lightness."""
    for (a, sa), (b, sb) in itertools.combinations(styles.items(), 2):
        if sa[1] != sb[1]:
            continue
        assert abs(relative_luminance(sa[0]) - relative_luminance(sb[0])) > 0.15, f"{a} and {b} alike in grey"


def test_legends_read_in_greyscale():
    _greyscale_distinct({d: (c, m) for d, (c, m, _l) in plots.DRIVER_STYLE.items()})
    _greyscale_distinct({a: (c, plots.ATTACHMENT_HATCH[a]) for a, (c, _l) in plots.ATTACHMENT_STYLE.items()})
    assert len(set(plots.CATEGORY_MARKERS.values())) == len(plots.CATEGORY_MARKERS)


def test_greyscale_gate_catches_same_marker_and_lightness():
    with pytest.raises(AssertionError, match="alike in grey"):
        _greyscale_distinct({"a": ("#0072B2", "o"), "b": ("#0072B2", "o")})


def test_text_on_coloured_boxes_is_readable():
    from mali_ssr.contrast import contrast_ratio

    for colour in plots.COLOURS.values():
        assert contrast_ratio(plots.readable_text_colour(colour), colour) >= 4.5, colour


def test_labels_follow_the_language(monkeypatch, data, ax):
    monkeypatch.setenv("MALI_SSR_LANG", "qps")
    plots.timeline_chart(data.timeline[:5], ax=ax)
    assert ax.get_title().startswith("⟦")
    assert plots.CATEGORY_LABELS["coup"].startswith("⟦")
    assert plots.DRIVER_STYLE["malian-state"][2].startswith("⟦")
    assert description(ax.figure).startswith("⟦")
