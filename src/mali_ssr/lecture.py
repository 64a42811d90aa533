"""One-line calls for the lecture notebooks: figures with captions, reading lists, the course home.

A lecture cell should read like a sentence, for example
``lecture.figure("timeline")``. The figure is drawn by :mod:`mali_ssr.plots`
and shown by :mod:`mali_ssr.figure_display` with its description as alt text
and as a caption, so that the meaning of every picture is also written down.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from . import figure_display, plots
from .data import INITIATIVE_CATEGORIES, CourseData, load
from .i18n import _


def _draw(name: str, data: CourseData):
    from matplotlib.figure import Figure

    institutions = sorted(data.institutions.values(), key=lambda i: i.created.start)
    accountability = [e for e in data.timeline if e.category in ("justice-impunity", "sanctions")]
    recent = [e for e in data.timeline if e.date.year >= 2018]
    initiatives = [e for e in data.timeline if e.category in INITIATIVE_CATEGORIES]
    cnrss = data.institutions.get("cnrss")
    figures: dict[str, tuple[tuple[float, float], Callable, Callable[[], str]]] = {
        "timeline": ((10, 4.5), lambda ax: plots.timeline_chart(data.timeline, ax=ax),
                     lambda: plots.timeline_description(data.timeline)),
        "initiatives": ((10, 4), lambda ax: plots.initiatives_chart(initiatives, 1990, 2024, 5, ax=ax),
                        lambda: plots.initiatives_description(initiatives, 1990, 2024, 5)),
        "institutions": ((10, 0.45 * len(institutions) + 1.5),
                         lambda ax: plots.institutions_chart(institutions, ax=ax),
                         lambda: plots.institutions_description(institutions)),
        "actors": ((10, 4.5), lambda ax: plots.actors_chart(data.actors, ax=ax),
                   lambda: plots.actors_description(data.actors)),
        "accountability": ((10, 3), lambda ax: plots.timeline_chart(accountability, ax=ax,
                                                                    title=_("Accountability events")),
                           lambda: plots.timeline_description(accountability)),
        "since-2018": ((10, 4), lambda ax: plots.timeline_chart(recent, ax=ax, title=_("Events since 2018")),
                       lambda: plots.timeline_description(recent)),
        "map": ((10, 7.5), lambda ax: _draw_map(data, ax), None),
    }
    if cnrss is not None and cnrss.members:
        figures["cnrss-seats"] = (
            (7, 2.5), lambda ax: plots.composition_chart(cnrss.members, ax=ax,
                                                         title=_("CNRSS: seats with a known count")),
            lambda: _("CNRSS: {description}").format(description=plots.composition_description(cnrss.members)),
        )
    if name not in figures:
        raise KeyError(_("unknown figure {name!r}; choose one of: {names}").format(
            name=name, names=", ".join(sorted(figures))))
    size, draw, describe = figures[name]
    fig = Figure(figsize=size, layout="constrained")
    ax = draw(fig.add_subplot())
    return fig, describe() if describe else figure_display.description(ax.figure)


def _draw_map(data: CourseData, ax):
    from .places import load_geography

    geography = load_geography(data) if data is not load() else load_geography()
    return plots.map_chart(geography, geography.located(data.timeline), ax=ax)


def figure(name: str, data: CourseData | None = None) -> None:
    """Show a named course figure with its one-sentence description as alt text and as a caption.

    Names: timeline, initiatives, institutions, actors, accountability, since-2018, map, cnrss-seats.
    """
    fig, description = _draw(name, data or load())
    figure_display.show(fig, alt=description)


def reading_list(*source_ids: str, data: CourseData | None = None) -> None:
    """Show full references (with links) for the given bibliography ids."""
    from IPython.display import HTML, display

    data = data or load()
    items = []
    for sid in source_ids:
        s = data.bibliography[sid]
        link = f' <a href="{html.escape(s.url)}">{html.escape(s.url)}</a>' if s.url else ""
        note = f" <small>({html.escape(s.note)})</small>" if s.note else ""
        items.append(f"<li>{html.escape(s.author)} ({s.date_label}). <i>{html.escape(s.title)}</i>. "
                     f"{html.escape(s.outlet)}.{link}{note}</li>")
    display(HTML(f"<ul>{''.join(items)}</ul>"))


def term(term_id: str, data: CourseData | None = None) -> None:
    """Show one glossary entry (definition, French term, sources) in a lecture."""
    from IPython.display import HTML, display

    from .widgets import glossary_view

    view = glossary_view(term_id, data or load())
    if not view.ok:
        raise KeyError(view.message)
    display(HTML(view.html))


def home() -> None:
    """Show the course contents: every module and assignment, with links, time needed and progress."""
    from IPython.display import HTML, display

    from .course_home import contents, home_html, progress
    from .data import _data_language

    entries = contents()
    here = "course/fr" if _data_language(None) == "fr" else "course"  # where the edition's home notebook is
    display(HTML(home_html(entries, progress(entries=entries), here=here)))


def progress() -> dict[str, str]:
    """Each course notebook's status in this workspace: not-started, opened, worked-on or missing."""
    from .course_home import progress as workspace_progress

    return workspace_progress()
