"""The widgets' interactive side: controls (ipywidgets) wired to the pure views of :mod:`.views`."""

from __future__ import annotations

import html
from collections.abc import Sequence

from .. import models, plots
from ..data import CATEGORIES, DRIVERS, CourseData, load
from ..i18n import _
from .views import (
    ACCOUNTABILITY_CATEGORIES,
    FIRST_YEAR,
    LAST_YEAR,
    MODEL_LABEL,
    STARTING_SEATS,
    View,
    _rich,
    _warning,
    check_answer,
    council_view,
    disagreement_keys,
    disagreement_view,
    glossary_view,
    initiatives_view,
    institution_view,
    peace_justice_view,
    timeline_view,
    widget_check_view,
)


def _show(view: View) -> None:
    """Display a view inside an Output widget (used by the builders)."""
    from IPython.display import HTML, display

    from ..figure_display import show

    if view.message:
        display(HTML(_warning(view.message) if not view.ok else f"<p>{html.escape(view.message)}</p>"))
    if view.figure is not None:
        show(view.figure, caption=False)  # alt text from the chart's own description
    if view.html:
        display(HTML(view.html))


def widget_check():
    """A slider that prints a sentence when moved: do widgets work here?"""
    import ipywidgets as w

    slider = w.IntSlider(value=0, min=0, max=10, description=_("Move me"))
    out = w.interactive_output(lambda value: _show(widget_check_view(value)), {"value": slider})
    prompt = _("Move the slider. If a sentence appears below it, widgets work.")
    help_text = _("If nothing changes when you move the slider, widgets are not working: open the course with "
                  "`mali-ssr start`, or install ipywidgets 8 in the environment that runs JupyterLab.")
    return w.VBox([w.HTML(f"<p>{html.escape(prompt)}</p>"), slider, out,
                   w.HTML(f"<p><small>{_rich(help_text)}</small></p>")])


def glossary_browser(data: CourseData | None = None):
    """Pick a term, read its definition and sources."""
    import ipywidgets as w

    data = data or load()
    options = sorted(((t.term, t.id) for t in data.glossary.values()), key=lambda p: p[0].lower())
    pick = w.Dropdown(options=options, description=_("Term"), layout=w.Layout(width="60%"))
    out = w.interactive_output(lambda term_id: _show(glossary_view(term_id, data)), {"term_id": pick})
    return w.VBox([pick, out])


def _multi(options: Sequence[str], labels: dict[str, str], chosen: Sequence[str], description: str):
    import ipywidgets as w

    return w.SelectMultiple(options=[(_(labels[o]), o) for o in options], value=tuple(chosen),
                            rows=min(len(options), 10), description=description)


def timeline_explorer(categories: Sequence[str] = CATEGORIES, period: tuple[int, int] = (1850, 2025),
                      data: CourseData | None = None, title: str | None = None):
    """Filter the timeline by category, by who drove each event, and by period."""
    import ipywidgets as w

    data = data or load()
    driver_labels = {d: plots.DRIVER_STYLE[d][2] for d in DRIVERS}
    cats = _multi(categories, plots.CATEGORY_LABELS, categories, _("Category"))
    drvs = _multi(DRIVERS, driver_labels, DRIVERS, _("Driven by"))
    years = w.IntRangeSlider(value=period, min=FIRST_YEAR, max=LAST_YEAR, description=_("Period"),
                             layout=w.Layout(width="70%"))

    def show(categories, drivers, period):
        _show(timeline_view(categories, drivers, period, data, title))

    out = w.interactive_output(show, {"categories": cats, "drivers": drvs, "period": years})
    hint = w.HTML("<small>{}</small>".format(html.escape(
        _("Hold Ctrl (Cmd on a Mac) to pick several categories or drivers."))))
    return w.VBox([w.HBox([cats, drvs]), years, hint, out])


def accountability_timeline(data: CourseData | None = None):
    """The timeline restricted to allegations, sanctions and amnesties."""
    return timeline_explorer(ACCOUNTABILITY_CATEGORIES, (2012, 2025), data,
                             _("Accountability: justice, impunity and sanctions"))


def initiatives_explorer(data: CourseData | None = None):
    """Bars of national versus international initiatives; choose the period and bar width."""
    import ipywidgets as w

    data = data or load()
    years = w.IntRangeSlider(value=(1990, 2024), min=FIRST_YEAR, max=LAST_YEAR, description=_("Period"),
                             layout=w.Layout(width="70%"))
    width = w.IntSlider(value=5, min=1, max=25, description=_("Years per bar"), style={"description_width": "initial"})
    out = w.interactive_output(lambda period, bin_years: _show(initiatives_view(period, bin_years, data)),
                               {"period": years, "bin_years": width})
    return w.VBox([years, width, out])


def institution_map(data: CourseData | None = None, selected: str = "cnrss"):
    """Pick an institution to see its card, highlighted on the chart of all institutions."""
    import ipywidgets as w

    data = data or load()
    options = [(f"{i.acronym}: {i.name_en}", i.id) for i in sorted(data.institutions.values(),
                                                                     key=lambda i: i.created.start)]
    value = selected if selected in data.institutions else options[0][1]
    pick = w.Dropdown(options=options, value=value, description=_("Institution"), layout=w.Layout(width="80%"))
    out = w.interactive_output(lambda institution_id: _show(institution_view(institution_id, data)),
                               {"institution_id": pick})
    return w.VBox([pick, out])


SLIDER_CLASS = "mali-ssr-slider"


#: ipywidgets shows a slider's description on one fixed-height line and cuts it with an ellipsis;
#: this lets a long description wrap (its label keeps labelling the slider for screen readers).
SLIDER_STYLE = (f"<style>.{SLIDER_CLASS} {{height: auto !important; min-height: var(--jp-widgets-inline-height);}} "
                f".{SLIDER_CLASS} .widget-label {{white-space: normal !important; overflow: visible !important; "
                f"text-overflow: clip !important; height: auto !important; line-height: 1.3 !important; "
                f"align-self: center;}}</style>")


def _slider(kind, label: str, **options):
    """A slider whose long description wraps instead of being cut (see :data:`SLIDER_STYLE`)."""
    import ipywidgets as w

    slider = kind(description=label, tooltip=label, style={"description_width": "16em"},
                  layout=w.Layout(width="60%", min_width="30em"), **options)
    slider.add_class(SLIDER_CLASS)
    return slider


def council_model():
    """Sliders for a council's seats, the movements' nomination delays and the expertise assumptions."""
    import ipywidgets as w

    def seats(label, value):
        return _slider(w.IntSlider, label, value=value, min=0, max=60)

    controls = {
        **{g: seats(_(models.COUNCIL_GROUP_LABELS[g]), v) for g, v in STARTING_SEATS.items()},
        "cma_delay": _slider(w.IntSlider, _("CMA nomination delay (months)"), value=0, min=0, max=36),
        "platform_delay": _slider(w.IntSlider, _("Platform nomination delay (months)"), value=0, min=0, max=36),
    }
    shares = {g: _slider(w.FloatSlider, _(models.COUNCIL_GROUP_LABELS[g]), value=models.DEFAULT_EXPERTISE[g],
                         min=0, max=1, step=0.1) for g in models.COUNCIL_GROUPS}

    def show(**values):
        expertise = {g: values.pop(f"share_{g}") for g in models.COUNCIL_GROUPS}
        _show(council_view(**values, expertise=expertise))

    out = w.interactive_output(show, {**controls, **{f"share_{g}": s for g, s in shares.items()}})
    assumptions = w.Accordion(children=[w.VBox(list(shares.values()))])
    assumptions.set_title(0, _("Assumed share of technical experts in each group (change them)"))
    note = w.HTML(SLIDER_STYLE + "<p>{}</p>".format(_(
        "<b>{label}.</b> The starting values are not the real CNRSS: only the 10 + 10 movement seats come from "
        "a source; the rest are placeholders.").format(label=html.escape(_(MODEL_LABEL)))))
    return w.VBox([note, *controls.values(), assumptions, out])


def peace_justice_model():
    """Sliders for amnesty, prosecution, targeted sanctions and Security Council unity."""
    import ipywidgets as w

    def lever(label, value):
        return _slider(w.FloatSlider, label, value=value, min=0, max=1, step=0.1)

    controls = {
        "amnesty": lever(_("Breadth of amnesty"), 0.5),
        "prosecution": lever(_("Prosecution of leaders"), 0.0),
        "sanctions": lever(_("Targeted sanctions"), 0.3),
        "council_unity": lever(_("Security Council unity"), 0.5),
    }
    out = w.interactive_output(lambda **kw: _show(peace_justice_view(**kw)), controls)
    note = w.HTML(SLIDER_STYLE + "<p>{}</p>".format(_(
        "<b>{label}.</b> The weights are invented to make an argument explorable; open the assumptions under the "
        "chart to read and criticise every rule.").format(label=html.escape(_(MODEL_LABEL)))))
    return w.VBox([note, *controls.values(), out])


def source_disagreements(data: CourseData | None = None, selected: str | None = None):
    """Pick a disputed fact and compare what each source says.

    ``selected`` opens on one fact, named by its record id (e.g. ``"cnrss"``) or ``"file:id"``.
    """
    import ipywidgets as w

    data = data or load()
    options = disagreement_keys(data)
    keys = [key for _label, key in options]
    value = next((k for k in keys if selected and (k == selected or k.endswith(f":{selected}"))), keys[0])
    pick = w.Dropdown(options=options, value=value, description=_("Disputed"), layout=w.Layout(width="80%"))
    out = w.interactive_output(lambda key: _show(disagreement_view(key, data)), {"key": pick})
    return w.VBox([pick, out])


QUIZ_CLASS = "mali-ssr-quiz"


#: ipywidgets gives each radio option one fixed-height line that never wraps, so a long
#: option is cut mid-sentence; this lets every option wrap to the width of the notebook.
QUIZ_STYLE = (f"<style>.{QUIZ_CLASS} {{width: auto; max-width: 100%;}} "
              f".{QUIZ_CLASS} label {{white-space: normal !important; height: auto !important; "
              f"line-height: 1.4 !important; align-items: flex-start; margin-bottom: 0.3em;}} "
              f".{QUIZ_CLASS} label input {{margin-top: 0.25em;}}</style>")


def self_check(check_id: str, data: CourseData | None = None):
    """A multiple-choice question with a button that gives immediate feedback."""
    import ipywidgets as w

    data = data or load()
    check = data.self_checks[check_id]
    choices = w.RadioButtons(options=[(o, i) for i, o in enumerate(check.options)], value=None,
                             layout=w.Layout(width="auto", max_width="100%"))
    choices.add_class(QUIZ_CLASS)  # QUIZ_STYLE lets long options wrap instead of being cut
    button = w.Button(description=_("Check my answer"), button_style="info")
    feedback = w.HTML()

    def on_click(_button):
        right, message = check_answer(check_id, choices.value, data)
        colour = "#006b3c" if right else "#a04000"
        feedback.value = f'<p style="color:{colour}">{html.escape(message)}</p>'

    button.on_click(on_click)
    return w.VBox([w.HTML(QUIZ_STYLE + f"<p><b>{html.escape(check.question)}</b></p>"), choices, button, feedback])


def self_checks(module: int, data: CourseData | None = None):
    """All self-check questions of one lecture module, one after the other."""
    import ipywidgets as w

    data = data or load()
    return w.VBox([self_check(c.id, data) for c in data.self_checks.values() if c.module == module])
