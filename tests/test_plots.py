"""Each plot helper draws the expected data on the given axes and returns it."""

import matplotlib
import pytest
from matplotlib.figure import Figure

from mali_ssr import plots
from mali_ssr.data import load
from mali_ssr.models import council_design, peace_justice


@pytest.fixture(scope="module")
def data():
    return load()


@pytest.fixture
def ax():
    return Figure().add_subplot()


def test_importing_plots_changes_no_global_style():
    before = dict(matplotlib.rcParams)
    import importlib

    importlib.reload(plots)
    assert dict(matplotlib.rcParams) == before


def test_timeline_chart_draws_every_event(data, ax):
    assert plots.timeline_chart(data.timeline, ax=ax) is ax
    drawn = sum(len(c.get_offsets()) for c in ax.collections)
    assert drawn == len(data.timeline)
    xs = sorted(x for c in ax.collections for x, _y in c.get_offsets())
    assert xs[0] == pytest.approx(data.timeline[0].date.decimal_year)


def test_timeline_description_mentions_count_and_years(data):
    sentence = plots.timeline_description(data.timeline)
    assert str(len(data.timeline)) in sentence and str(data.timeline[0].date.year) in sentence
    assert plots.timeline_description([]).startswith("An empty timeline")


def test_initiatives_chart_bars_match_counts(data, ax):
    labels, national, international = plots.initiative_counts(data.timeline, 1990, 2024, 5)
    plots.initiatives_chart(data.timeline, 1990, 2024, 5, ax=ax)
    heights = [p.get_height() for p in ax.patches]
    assert heights == national + international
    assert len(labels) == 7


def test_institutions_chart_has_a_row_per_institution(data, ax):
    institutions = list(data.institutions.values())
    assert plots.institutions_chart(institutions, ax=ax) is ax
    assert len(ax.get_yticklabels()) == len(institutions)
    assert {t.get_text() for t in ax.get_yticklabels()} == {i.acronym for i in institutions}


def test_actors_chart_labels_coalitions_and_members(data, ax):
    plots.actors_chart(data.actors, ax=ax)
    labels = {t.get_text() for t in ax.texts}
    assert {"CMA", "MNLA", "HCUA"} <= labels
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


def test_helpers_create_axes_when_none_given(data):
    import matplotlib.pyplot as plt

    ax = plots.timeline_chart(data.timeline[:3])
    assert ax is not None
    plt.close(ax.figure)


def test_palette_is_okabe_ito():
    assert plots.OKABE_ITO["vermillion"] == "#D55E00"
    colours = {style[0] for style in plots.DRIVER_STYLE.values()}
    assert colours <= set(plots.OKABE_ITO.values())
