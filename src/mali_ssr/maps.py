"""The course map as a widget: located timeline events, filtered by category and period.

:func:`map_view` is a plain function of the control values (tests call it without a
browser); :func:`event_map` builds the controls. Places and their sources are in
:mod:`mali_ssr.places`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from . import plots, widget_canvas
from .data import CATEGORIES, CourseData, filter_events, load
from .i18n import _, ngettext
from .places import load_geography
from .widgets.builders import _show
from .widgets.views import FIRST_YEAR, LAST_YEAR, View, _check_period, event_heading, event_list


def map_view(categories: Iterable[str] = CATEGORIES, period: Sequence[int] = (FIRST_YEAR, LAST_YEAR),
             data: CourseData | None = None) -> View:
    """The events of the chosen categories and period that have a place, on the map and in a list."""
    data = data or load()
    categories = list(categories)
    for value in categories:
        if value not in CATEGORIES:
            return View(message=_("Unknown choice {value!r}. Pick one from the list.").format(value=value))
    problem = _check_period(period)
    if problem:
        return View(message=problem)
    geography = load_geography(data) if data is not load() else load_geography()
    events = filter_events(data.timeline, categories, None, period[0], period[1])
    located = geography.located(events)
    fig, ax = widget_canvas.kept_chart(("map", id(data)), data, lambda ax: _base_map(ax, geography),
                                       9, 7.2, left=0.08, right=0.72, bottom=0.08, top=0.93)
    for layer in list(ax.collections):  # the previous selection's markers
        layer.remove()
    markers = plots.map_markers(ax, located)
    fig.canvas.keep_surroundings(ax, late=markers, inside="base map")  # only the markers are drawn afresh
    fig.canvas.shows(tuple(event.id for event, _place in located))
    listing = event_list(
        f"{event_heading(event.date.label(), event.title)} ({html.escape(place.name)}) "
        f"<small>[{html.escape(data.cite(*event.sources))}]</small>" for event, place in located) if located else ""
    message = ngettext("{n} of the {total} selected events has a place on the map, {start} to {end}.",
                       "{n} of the {total} selected events have a place on the map, {start} to {end}.",
                       len(located)).format(n=len(located), total=len(events), start=period[0], end=period[1])
    return View(message=message, html=listing, figure=fig, items=[e for e, _p in located])


def _base_map(ax, geography) -> None:
    """The map without markers, drawn once per widget; its labels are clipped to the map so that the
    picture of the inside can be reused under each selection's markers."""
    plots.map_chart(geography, [], ax=ax)
    for label in ax.texts:
        label.set_clip_on(True)


def event_map(categories: Sequence[str] = CATEGORIES, period: tuple[int, int] = (FIRST_YEAR, LAST_YEAR),
              data: CourseData | None = None):
    """A map of the located events; choose categories (Ctrl/Cmd for several) and the period."""
    import ipywidgets as w

    data = data or load()
    cats = w.SelectMultiple(options=[(plots.CATEGORY_LABELS[c], c) for c in CATEGORIES], value=tuple(categories),
                            rows=len(CATEGORIES), description=_("Category"))
    years = w.IntRangeSlider(value=period, min=FIRST_YEAR, max=LAST_YEAR, description=_("Period"),
                             layout=w.Layout(width="70%"))
    out = w.interactive_output(lambda categories, period: _show(map_view(categories, period, data)),
                               {"categories": cats, "period": years})
    return w.VBox([cats, years, out])
