"""Widget view functions: normal, empty and out-of-range input, without a browser."""

import pytest

from mali_ssr import widgets
from mali_ssr.data import CATEGORIES, DRIVERS, load
from mali_ssr.maps import map_view


@pytest.fixture(scope="module")
def data():
    return load()


def test_widget_check():
    assert "moved the slider to 4" in widgets.widget_check_view(4).html
    assert "must be between" in widgets.widget_check_view(11).message


def test_timeline_view_all(data):
    view = widgets.timeline_view(CATEGORIES, DRIVERS, (1850, 2025), data)
    assert view.figure is not None and len(view.items) == len(data.timeline)
    assert f"{len(data.timeline)} events shown" in view.message


def test_timeline_view_filters(data):
    view = widgets.timeline_view(["coup"], DRIVERS, (1960, 2025), data)
    assert view.items and all(e.category == "coup" for e in view.items)
    years = {e.date.year for e in view.items}
    assert {1968, 1991, 2012, 2020, 2021} <= years


@pytest.mark.parametrize(
    ("categories", "drivers", "period", "fragment"),
    [([], DRIVERS, (1850, 2025), "No event matches"),
     (CATEGORIES, [], (1850, 2025), "No event matches"),
     (CATEGORIES, DRIVERS, (2020, 2010), "first year (2020) comes after the last (2010)"),
     (CATEGORIES, DRIVERS, (1000, 2025), "must be between"),
     (["battle"], DRIVERS, (1850, 2025), "Unknown choice 'battle'")],
)
def test_timeline_view_empty_or_impossible(data, categories, drivers, period, fragment):
    view = widgets.timeline_view(categories, drivers, period, data)
    assert fragment in view.message
    assert view.figure is None and not view.ok


def test_initiatives_view(data):
    view = widgets.initiatives_view((1990, 2024), 5, data)
    assert view.figure is not None
    assert "periods" in view.message
    assert "must be between" in widgets.initiatives_view((1990, 2024), 0, data).message
    assert "No event matches" in widgets.initiatives_view((1850, 1851), 1, data).message


def test_institution_view(data):
    view = widgets.institution_view("cnrss", data)
    assert "CNRSS" in view.html and "Prime Minister" in view.html or "prime" in view.html.lower()
    assert view.figure is not None
    assert "Unknown choice" in widgets.institution_view("nope", data).message


def test_council_view_normal_and_bad():
    view = widgets.council_view(30, 3, 10, 10, 2, 2, cma_delay=6, platform_delay=9)
    assert "Council of <b>57</b>" in view.html and "9 months" in view.html
    assert "Illustrative model" in view.html
    assert "must be between" in widgets.council_view(30, 3, 10, 10, 2, 99).message
    assert "must be between" in widgets.council_view(0, 0, 0, 0, 0, 0).message
    assert "must be between" in widgets.council_view(1, 0, 0, 0, 0, 0, cma_delay=-1).message


def test_peace_justice_view():
    view = widgets.peace_justice_view(0.5, 0.2, 0.3, 0.5)
    assert view.figure is not None and "Illustrative model" in view.html
    assert "between 0 and 1" in widgets.peace_justice_view(2, 0, 0, 0).message


def test_disagreement_view(data):
    keys = widgets.disagreement_keys(data)
    assert keys
    view = widgets.disagreement_view(keys[0][1], data)
    assert "<table>" in view.html and len(view.items) >= 1
    assert "Unknown choice" in widgets.disagreement_view("timeline:nope", data).message


def test_glossary_view(data):
    assert "Security sector reform" in widgets.glossary_view("ssr", data).html
    assert "Unknown choice" in widgets.glossary_view("nope", data).message


def test_check_answer(data):
    assert data.self_checks, "every lecture module has self-check questions"
    check = next(iter(data.self_checks.values()))
    right, message = widgets.check_answer(check.id, check.answer, data)
    assert right and message.startswith("Correct")
    wrong = (check.answer + 1) % len(check.options)
    right, message = widgets.check_answer(check.id, wrong, data)
    assert not right and message.startswith("Not quite")
    assert widgets.check_answer(check.id, None, data) == (False, "Pick an answer first.")
    assert not widgets.check_answer(check.id, 99, data)[0]


def test_builders_return_widgets(data):
    import ipywidgets

    for builder in (widgets.widget_check, widgets.timeline_explorer, widgets.accountability_timeline,
                    widgets.initiatives_explorer, widgets.institution_map, widgets.council_model,
                    widgets.peace_justice_model, widgets.source_disagreements, widgets.glossary_browser):
        assert isinstance(builder(), ipywidgets.Widget), builder.__name__


def test_source_disagreements_can_open_on_a_fact(data):
    key = widgets.disagreement_keys(data)[-1][1]
    record_id = key.split(":", 1)[1]
    box = widgets.source_disagreements(data, selected=record_id)
    assert box.children[0].value == key
    assert all("(" in label and ":" not in label.split("(")[-1] for label, _ in widgets.disagreement_keys(data))


def test_council_view_takes_expertise_assumptions():
    low = widgets.council_view(10, 0, 0, 0, 0, 0, expertise={"government": 0.0})
    high = widgets.council_view(10, 0, 0, 0, 0, 0, expertise={"government": 1.0})
    assert low.items[0].expertise == 0.0 and high.items[0].expertise == 1.0
    assert "must be between" in widgets.council_view(10, 0, 0, 0, 0, 0, expertise={"government": 2}).message


def test_institution_map_opens_on_the_chosen_body(data):
    assert widgets.institution_map(data, selected="cnddr").children[0].value == "cnddr"
    assert widgets.institution_map(data, selected="nope").children[0].value in data.institutions


def test_quiz_options_wrap_instead_of_being_cut(data):
    """ipywidgets' radio options never wrap: the quiz gets a class and CSS that let long options wrap."""
    check = max(data.self_checks.values(), key=lambda c: max(len(o) for o in c.options))
    box = widgets.self_check(check.id, data)
    style, choices = box.children[0], box.children[1]
    assert choices.layout.width == "auto" and choices.layout.max_width == "100%"
    assert widgets.QUIZ_CLASS in choices._dom_classes
    assert f".{widgets.QUIZ_CLASS} label" in style.value and "white-space: normal" in style.value
    assert "height: auto" in style.value  # the fixed one-line height is what cut the options
    assert [label for label in choices._options_labels] == list(check.options)  # nothing shortened


@pytest.mark.parametrize(("view", "first", "other"), [
    (widgets.timeline_view, (["coup", "agreement"], DRIVERS, (1950, 2025)), (["sanctions"], ["international"], (2010, 2025))),
    (widgets.initiatives_view, ((1952, 1998), 10), ((1960, 2020), 3)),
    (widgets.institution_view, ("cnrss",), ("cnddr",)),
    (widgets.council_view, (30, 3, 10, 10, 2, 2), (5, 0, 40, 1, 0, 7)),
    (widgets.peace_justice_view, (0.5, 0.2, 0.3, 0.5), (1.0, 0.9, 0.0, 0.1)),
    (map_view, (["coup", "armed-conflict"], (1950, 2025)), (["agreement"], (2010, 2025))),
    (widgets.initiatives_view, ((1960, 2020), 1), ((1960, 2020), 2)),  # many bars, thinned labels
])
def test_a_widget_shows_the_same_picture_for_the_same_controls(data, view, first, other):
    """Widgets keep one figure and redraw only what changed: what came before must not show through."""
    from mali_ssr.figure_display import png_bytes

    extra = (data,) if view not in (widgets.council_view, widgets.peace_justice_view) else ()
    before = png_bytes(view(*first, *extra).figure)
    between = png_bytes(view(*other, *extra).figure)
    assert png_bytes(view(*first, *extra).figure) == before
    assert between != before  # the check can fail: other controls, another picture


def test_a_kept_figure_is_emptied_of_the_previous_chart(data):
    """The legend of the initiatives chart once listed the bars of every earlier move (they stayed in the axes)."""
    widgets.initiatives_view((1960, 2020), 3, data)
    ax = widgets.initiatives_view((1952, 1998), 10, data).figure.axes[0]
    assert len(ax.get_legend().get_texts()) == 2 and len(ax.collections) == 2


def test_the_views_are_pure_and_load_no_widget_library():
    """The views are plain functions: importing them loads no ipywidgets (the builders import it when called)."""
    import subprocess
    import sys

    probe = "import sys, mali_ssr.widgets.views, mali_ssr.widgets; print('ipywidgets' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.parametrize(("view", "controls"), [
    (widgets.timeline_view, [(CATEGORIES, DRIVERS, (1950, 2025)), (["coup", "agreement"], ["malian-state"], (1990, 2020)),
                             (["coup", "agreement"], DRIVERS, (1960, 2020))]),
    (widgets.initiatives_view, [((1990, 2024), 5), ((1985, 2024), 5), ((1990, 2024), 2)]),
    (map_view, [(CATEGORIES, (1950, 2025)), (["agreement"], (1950, 2025)), (["agreement", "coup"], (2000, 2025))]),
], ids=["timeline", "initiatives", "map"])
def test_reused_pixels_give_the_picture_a_fresh_drawing_gives(data, view, controls):
    """The canvas puts back the bands around the axes (and a map's inside) from earlier moves: each picture
    must equal the one drawn from nothing, whatever came before."""
    from mali_ssr.figure_display import png_bytes

    warm = [png_bytes(view(*c, data).figure) for c in controls]  # later moves reuse bands of earlier ones
    canvas = view(*controls[0], data).figure.canvas
    reused = len(canvas._bands)
    cold = []
    for c in controls:
        canvas._bands.clear()
        canvas._pictures.clear()
        cold.append(png_bytes(view(*c, data).figure))
    assert warm == cold
    assert reused > 4 and len(set(warm)) == len(warm)  # bands were kept; the check can fail: pictures differ


def test_a_band_kept_from_another_drawing_would_show(data):
    """The gate above can fail: a band put back under another key shows the old pixels."""
    from mali_ssr.figure_display import png_bytes

    fig = widgets.initiatives_view((1990, 2024), 5, data).figure
    png_bytes(fig)
    canvas = fig.canvas
    old = {key[0]: region for key, region in canvas._bands.items()}
    fresh = png_bytes(widgets.initiatives_view((1960, 2024), 5, data).figure)
    for key in list(canvas._bands):  # pretend the new x axis band is the old one
        canvas._bands[key] = old[key[0]]
    canvas._pictures.clear()
    assert png_bytes(widgets.initiatives_view((1960, 2024), 5, data).figure) != fresh


def test_unfiltered_png_decodes_to_the_drawn_pixels(data):
    import io

    import numpy as np
    from PIL import Image

    from mali_ssr.figure_display import png_bytes

    fig = widgets.council_view(30, 3, 10, 10, 2, 2).figure
    fig.canvas._pictures.clear()  # draw now, not a picture kept from an earlier move
    picture = Image.open(io.BytesIO(png_bytes(fig)))
    assert picture.mode == "RGB" and round(picture.info["dpi"][0]) == fig.dpi
    assert np.array_equal(np.asarray(picture), np.asarray(fig.canvas.buffer_rgba())[..., :3])


def test_kept_font_metrics_and_layouts_are_matplotlibs_own(data):
    """The widget canvas measures each label once; the measures must be those of stock Agg."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.figure import Figure

    from mali_ssr import widget_canvas

    fig = Figure(dpi=90)
    ax = fig.add_subplot()
    texts = [ax.set_title("Who drove security-governance initiatives?"), ax.text(0, 0, "Two\nlines", rotation=30),
             ax.set_xlabel("Année (échelle étirée)", fontsize=7)]
    stock, kept = RendererAgg(400, 300, 90), widget_canvas.GlyphCachingRenderer(400, 300, 90)
    for text in texts:
        expected = text._get_layout(stock)
        with widget_canvas._text_layouts_kept():
            first, again = text._get_layout(kept), text._get_layout(kept)
        assert again is first  # measured once
        assert (first[0].bounds, first[1], first[2]) == (expected[0].bounds, expected[1], expected[2])


def _cut_or_wrapped(slider, style: str) -> str:
    """'wraps' when the slider's description can wrap to its full length, else what is wrong."""
    if widgets.SLIDER_CLASS not in slider._dom_classes:
        return "no wrapping class"
    if f".{widgets.SLIDER_CLASS} .widget-label" not in style or "white-space: normal" not in style:
        return "no wrapping style"
    return "wraps"


def test_long_slider_labels_wrap_in_full(data):
    """Issue #16: two council sliders' descriptions were cut off; every model slider's description wraps."""
    import ipywidgets

    for box in (widgets.council_model(), widgets.peace_justice_model()):
        style = box.children[0].value
        sliders = [c for c in _descendants(box) if isinstance(c, (ipywidgets.IntSlider, ipywidgets.FloatSlider))]
        assert len(sliders) >= 4
        for slider in sliders:
            assert _cut_or_wrapped(slider, style) == "wraps", slider.description
            assert slider.tooltip == slider.description  # the whole label on hover too
    labels = [getattr(s, "description", "") for s in _descendants(widgets.council_model())]
    assert "Platform nomination delay (months)" in labels and "CMA nomination delay (months)" in labels  # in full
    assert _cut_or_wrapped(ipywidgets.IntSlider(description="Platform nomination delay (months)"), "") != "wraps"


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


class _ListItems(__import__("html.parser").parser.HTMLParser):
    """Collects the event list items (their style and text) and any table cell of an HTML fragment."""

    def __init__(self):
        super().__init__()
        self.lists, self.items, self.cells, self._open = [], [], 0, None

    def handle_starttag(self, tag, attrs):
        style = dict(attrs).get("style") or ""
        if tag == "ul":
            self.lists.append(style)
        elif tag == "li":
            self._open = [style, ""]
            self.items.append(self._open)
        elif tag in ("td", "th"):
            self.cells += 1

    def handle_data(self, text):
        if self._open is not None:
            self._open[1] += text


def _left_aligned_items(fragment: str) -> list[str]:
    """The text of each item of a left-aligned event list; raises AssertionError if it is not one."""
    found = _ListItems()
    found.feed(fragment)
    assert found.cells == 0, "a table: JupyterLab right-aligns its cells"
    assert found.lists and all("text-align:left" in style for style in found.lists)
    assert all("text-align:left" in style for style, _text in found.items)
    return [text for _style, text in found.items]


@pytest.mark.parametrize("view", [
    lambda data: widgets.timeline_view(["coup", "agreement"], DRIVERS, (1960, 2025), data),
    lambda data: map_view(["coup", "armed-conflict"], (1960, 2025), data),
], ids=["timeline", "map"])
def test_event_lists_are_left_aligned_with_one_item_per_event(data, view):
    shown = view(data)
    items = _left_aligned_items(shown.html)
    assert len(items) == len(shown.items) > 3
    for event, text in zip(shown.items, items, strict=True):
        assert text.startswith(f"{event.date.label()} — {event.title}")  # date and title first, readable


def test_event_list_gate_catches_a_right_aligned_table():
    with pytest.raises(AssertionError, match="table"):
        _left_aligned_items("<table><tr><td>1968</td><td>Coup</td></tr></table>")
    with pytest.raises(AssertionError):
        _left_aligned_items('<ul style="text-align:right"><li>1968 — Coup</li></ul>')
