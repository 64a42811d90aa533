"""The widgets' pure side: each update is a plain function of the controls, returning a :class:`View`.

No ipywidgets here: tests and the benchmark call these directly; :mod:`.builders` wires them to controls.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .. import models, plots, widget_canvas
from ..data import CATEGORIES, DRIVERS, INITIATIVE_CATEGORIES, CourseData, Event, filter_events, load
from ..i18n import N_, _, ngettext

FIRST_YEAR, LAST_YEAR = 1850, 2025


ACCOUNTABILITY_CATEGORIES = ("justice-impunity", "sanctions")


MODEL_LABEL = N_("Illustrative model, not data")


#: The council model's starting seats: only the 10 + 10 movement seats come from a source.
STARTING_SEATS = {"government": 30, "security_forces": 3, "cma": 10, "platform": 10, "civil_society": 2,
                  "parliament": 2}


@dataclass
class View:
    """What a widget shows for one set of control values."""

    message: str = ""
    html: str = ""
    figure: object | None = None  # matplotlib.figure.Figure
    items: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.figure is not None or bool(self.html)


def _unknown_choice(value: object) -> str:
    return _("Unknown choice {value!r}. Pick one from the list.").format(value=value)


def _no_events() -> str:
    return _("No event matches this selection. Widen the period or tick more boxes.")


def _sources(data: CourseData, source_ids: Iterable[str]) -> str:
    """'Sources: Bagayoko (2017); ...', escaped for HTML."""
    return _("Sources: {citations}").format(citations=html.escape(data.cite(*source_ids)))


def _figure(width: float, height: float, left: float = 0.12, right: float = 0.97, bottom: float = 0.14,
            top: float = 0.9, key=None):
    """A figure with fixed margins: a widget redraws on every move, and automatic layout doubles the cost.

    With ``key``, the widget's one kept figure (see :mod:`.widget_canvas`), its axes emptied.
    """
    if key is not None:
        return widget_canvas.widget_figure(key, width, height, left, right, bottom, top)
    from matplotlib.figure import Figure  # no pyplot: no global state, nothing to close

    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top)
    return fig, fig.add_subplot()


def _rich(message: str) -> str:
    """Escape a message for HTML and show `backticked` words as code."""
    parts = html.escape(message).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _warning(message: str) -> str:
    return f'<p style="color:#a04000"><b>⚠ {html.escape(message)}</b></p>'


def _model_banner(assumptions: Iterable[str]) -> str:
    items = "".join(f"<li>{html.escape(_(a))}</li>" for a in assumptions)
    summary = _("<b>{label}</b>: assumptions").format(label=html.escape(_(MODEL_LABEL)))
    return f"<details><summary>{summary}</summary><ul>{items}</ul></details>"


def _check_period(period: Sequence[int]) -> str | None:
    if len(period) != 2:
        return _unknown_choice(period)
    start, end = period
    if start > end:
        return _("The period is empty: the first year ({start}) comes after the last ({end}).").format(start=start, end=end)
    if start < FIRST_YEAR or end > LAST_YEAR:
        return _("The period must be between {low} and {high}; got {value}.").format(
            low=FIRST_YEAR, high=LAST_YEAR, value=f"{start}-{end}")
    return None


def widget_check_view(value: int) -> View:
    """Confirm that a slider change reached the kernel."""
    if not isinstance(value, int) or not 0 <= value <= 10:
        return View(message=_("The slider must be between {low} and {high}; got {value}.").format(low=0, high=10, value=value))
    sentence = _("Widgets work in this notebook: you moved the slider to {value}.").format(value=value)
    return View(html=f"<p>✓ {html.escape(sentence)}</p>")


def glossary_view(term_id: str, data: CourseData | None = None) -> View:
    data = data or load()
    term = data.glossary.get(term_id)
    if term is None:
        return View(message=_unknown_choice(term_id))
    french = " <i>({})</i>".format(_("fr. {term}").format(term=html.escape(term.term_fr))) if term.term_fr else ""
    see = ", ".join(html.escape(data.glossary[s].term) for s in term.see_also)
    body = (f"<h4>{html.escape(term.term)}{french}</h4><p>{html.escape(term.definition)}</p>"
            f"<p><small>{_sources(data, term.sources)}</small></p>")
    if see:
        body += "<p><small>{}</small></p>".format(_("See also: {terms}").format(terms=see))
    return View(html=body)


def timeline_view(categories: Iterable[str], drivers: Iterable[str], period: Sequence[int],
                  data: CourseData | None = None, title: str | None = None) -> View:
    """Events of the chosen categories and drivers within the period, as a chart and a list."""
    data = data or load()
    categories, drivers = list(categories), list(drivers)
    for value in categories:
        if value not in CATEGORIES:
            return View(message=_unknown_choice(value))
    for value in drivers:
        if value not in DRIVERS:
            return View(message=_unknown_choice(value))
    problem = _check_period(period)
    if problem:
        return View(message=problem)
    events = filter_events(data.timeline, categories, drivers, period[0], period[1])
    if not events:
        return View(message=_no_events())
    fig, ax = _figure(10, 4.5, left=0.21, right=0.8, bottom=0.11, key=("timeline", title))
    plots.timeline_chart(events, ax=ax, title=title, drivers=drivers)
    fig.canvas.keep_surroundings(ax, late=ax.texts)  # the key events' labels may reach out of the axes
    table = event_list(_event_item(e, data) for e in events)
    message = ngettext("{n} event shown, {start} to {end}.", "{n} events shown, {start} to {end}.",
                       len(events)).format(n=len(events), start=period[0], end=period[1])
    return View(message=message, html=table, figure=fig, items=events)


#: JupyterLab right-aligns table cells in outputs; an event list is a left-aligned list instead
EVENT_LIST_STYLE = "text-align:left;margin:0;padding-left:1.4em;line-height:1.45"
EVENT_ITEM_STYLE = "text-align:left;margin-bottom:0.5em"


def event_list(items: Iterable[str], max_height: str = "32em") -> str:
    """Events as a left-aligned HTML list (one ``<li>`` each) in a box that scrolls when long."""
    body = "".join(f'<li style="{EVENT_ITEM_STYLE}">{item}</li>' for item in items)
    return (f'<div style="max-height:{max_height};overflow-y:auto;text-align:left">'
            f'<ul class="mali-ssr-events" style="{EVENT_LIST_STYLE}">{body}</ul></div>')


def event_heading(date: str, title: str) -> str:
    """The start of an event's item: its date and title in bold, escaped."""
    return (f'<b style="white-space:nowrap">{html.escape(date)}</b> — <b>{html.escape(title)}</b>')


def _event_item(event: Event, data: CourseData) -> str:
    """One list item's content: date, title, description, sources, and any note or disputed versions."""
    flag = {"disputed": " <i>({})</i>".format(_("disputed")),
            "unverified": " <i>({})</i>".format(_("unverified"))}.get(event.certainty, "")
    extra = ""
    if event.note:
        extra += "<br><small><i>{}</i></small>".format(_("Note: {note}").format(note=html.escape(event.note)))
    for v in event.variants:
        when = f"{html.escape(v.date.label())}: " if v.date else ""
        version = _("Version: {claim}").format(claim=f"{when}{html.escape(v.claim)}")
        extra += f"<br><small>{version} [{html.escape(data.cite(*v.sources))}]</small>"
    return (f"{event_heading(event.date.label(), event.title)}{flag}: {html.escape(event.description)} "
            f"<small>[{html.escape(data.cite(*event.sources))}]</small>{extra}")


def initiatives_view(period: Sequence[int], bin_years: int, data: CourseData | None = None) -> View:
    """Count events driven from inside and outside Mali per period."""
    data = data or load()
    problem = _check_period(period)
    if problem:
        return View(message=problem)
    if not isinstance(bin_years, int) or not 1 <= bin_years <= 25:
        return View(message=_("The bar width must be between {low} and {high}; got {value}.").format(
            low=1, high=25, value=bin_years))
    events = filter_events(data.timeline, INITIATIVE_CATEGORIES, None, period[0], period[1])
    if not events:
        return View(message=_no_events())
    fig, ax = _figure(10, 4, left=0.07, bottom=0.2, key="initiatives")
    plots.initiatives_chart(events, period[0], period[1], bin_years, ax=ax)
    fig.canvas.keep_surroundings(ax)
    return View(message=plots.initiatives_description(events, period[0], period[1], bin_years),
                figure=fig, items=events)


def institution_view(institution_id: str, data: CourseData | None = None) -> View:
    """A card for one institution: mandate, attachment, members, dates, changes."""
    data = data or load()
    inst = data.institutions.get(institution_id)
    if inst is None:
        return View(message=_unknown_choice(institution_id))
    attachment = _(plots.ATTACHMENT_STYLE[inst.attachment][1])
    members = "".join(f"<li>{html.escape(m.group)}: {m.count}</li>" for m in inst.members)
    changes = "".join(
        f"<li>{html.escape(c.date.label())}: {html.escape(c.description)} "
        f"<small>[{html.escape(data.cite(*c.sources))}]</small></li>" for c in inst.changes
    )
    variants = "".join(
        f"<li>{html.escape(v.claim)} <small>[{html.escape(data.cite(*v.sources))}]</small></li>"
        for v in inst.variants
    )
    card = (
        f"<h4>{html.escape(inst.acronym)}: {html.escape(inst.name_en)}</h4>"
        f"<p><i>{html.escape(inst.name_fr)}</i></p>"
        "<p>" + _("<b>Created:</b> {date} ({legal_text})").format(
            date=html.escape(inst.created.label()), legal_text=html.escape(inst.legal_text)) + "<br>"
        + _("<b>First attached to:</b> {attachment}").format(attachment=html.escape(attachment)) + "</p>"
        + "<p>" + _("<b>Mandate:</b> {mandate}").format(mandate=html.escape(inst.mandate)) + "</p>"
        + "<p>" + _("<b>Composition:</b> {composition}").format(composition=html.escape(inst.composition)) + "</p>"
    )
    if members:
        card += "<p><b>{}</b></p><ul>{}</ul>".format(_("Seats with a known count:"), members)
    if changes:
        card += "<p><b>{}</b></p><ul>{}</ul>".format(_("Later changes:"), changes)
    if variants:
        card += "<p><b>{}</b></p><ul>{}</ul>".format(_("Sources disagree:"), variants)
    if inst.note:
        card += "<p><small>{}</small></p>".format(_("Note: {note}").format(note=html.escape(inst.note)))
    card += f"<p><small>{_sources(data, inst.sources)}</small></p>"
    fig, ax = widget_canvas.kept_chart(
        ("institutions", id(data)), data, lambda ax: plots.institutions_chart(list(data.institutions.values()), ax=ax),
        9, 0.45 * len(data.institutions) + 1.5, left=0.21, right=0.66, bottom=0.1, top=0.88)
    plots.highlight_institution(ax, inst.id)
    fig.canvas.keep_surroundings(ax)  # only the outlines change: the labels and the legend are reused
    fig.canvas.shows(inst.id)
    return View(html=card, figure=fig, items=[inst])


def council_view(government: int, security_forces: int, cma: int, platform: int, civil_society: int,
                 parliament: int, cma_delay: float = 0, platform_delay: float = 0,
                 expertise: dict[str, float] | None = None) -> View:
    """Run the illustrative council-design model for the chosen seats, delays and expertise shares."""
    seats = {"government": government, "security_forces": security_forces, "cma": cma,
             "platform": platform, "civil_society": civil_society, "parliament": parliament}
    for name, value in seats.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
            return View(message=_("Seats for {group} must be between {low} and {high}; got {value}.").format(
                group=_(models.COUNCIL_GROUP_LABELS[name]), low=0, high=60, value=value))
    for name, value in (("CMA", cma_delay), ("Platform", platform_delay)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 36:
            return View(message=_("The {group} delay must be between {low} and {high}; got {value}.").format(
                group=name, low=0, high=36, value=value))
    if sum(seats.values()) == 0:
        return View(message=_("The council size must be between {low} and {high}; got {value}.").format(
            low=1, high=360, value=0))
    for name, share in (expertise or {}).items():
        if name not in models.COUNCIL_GROUPS or isinstance(share, bool) or not 0 <= share <= 1:
            return View(message=_("The expertise share of {group} must be between {low} and {high}; got {value}.").format(
                group=name, low=0, high=1, value=share))
    result = models.council_design(seats, {"cma": cma_delay, "platform": platform_delay}, expertise)
    fig, ax = widget_canvas.kept_chart("council", None, lambda ax: plots.council_chart(result, ax=ax),
                                       7, 3, left=0.3, bottom=0.2, top=0.88)
    plots.update_council_chart(ax, result)
    fig.canvas.keep_surroundings(ax, late=ax.texts)  # the numbers beside the bars may reach out of the axes
    fig.canvas.shows((tuple(seats.values()), cma_delay, platform_delay, tuple(sorted((expertise or {}).items()))))
    slowest = _(models.COUNCIL_GROUP_LABELS[result.slowest_group]) if result.slowest_group else _("nobody")
    delay = ngettext("{months:g} month", "{months:g} months", math.ceil(result.start_delay_months)).format(
        months=result.start_delay_months)
    summary = "<p>{}</p>".format(_(
        "Council of <b>{size}</b> members; {represented} of {groups} constituencies represented; expertise share "
        "{expertise:.2f}; decision cost {cost:.2f} × a council of ten; start-up delay <b>{delay}</b> "
        "(waiting for: {slowest}).").format(
        size=result.size, represented=result.constituencies_represented, groups=len(models.COUNCIL_GROUPS),
        expertise=result.expertise, cost=result.decision_cost, delay=delay, slowest=html.escape(slowest)))
    return View(html=summary + _model_banner(result.assumptions), figure=fig, items=[result])


def peace_justice_view(amnesty: float, prosecution: float, sanctions: float, council_unity: float) -> View:
    """Run the illustrative peace-versus-justice model."""
    try:
        result = models.peace_justice(amnesty, prosecution, sanctions, council_unity)
    except ValueError as exc:
        return View(message=str(exc))
    fig, ax = widget_canvas.kept_chart("peace-justice", None, lambda ax: plots.peace_justice_chart(result, ax=ax),
                                       7, 2.8, left=0.22, bottom=0.18, top=0.88)
    plots.update_peace_justice_chart(ax, result)
    fig.canvas.keep_surroundings(ax, late=ax.texts)  # the numbers beside the bars may reach out of the axes
    fig.canvas.shows((amnesty, prosecution, sanctions, council_unity))
    return View(message=plots.peace_justice_description(result), html=_model_banner(result.assumptions),
                figure=fig, items=[result])


def disagreement_keys(data: CourseData | None = None) -> list[tuple[str, str]]:
    """(label, key) pairs for every record where the sources disagree; key is 'file:id'."""
    data = data or load()
    kinds = {"timeline": _("event"), "institutions": _("institution"), "actors": _("actor")}
    out = []
    for file, rid, record in data.disputed():
        label = getattr(record, "title", None) or getattr(record, "acronym", rid)
        out.append((f"{label} ({kinds[file]})", f"{file}:{rid}"))
    return out


def disagreement_view(key: str, data: CourseData | None = None) -> View:
    """Each source's version of a disputed fact, side by side."""
    data = data or load()
    file, _colon, rid = key.partition(":")
    table = {"timeline": data.events, "institutions": data.institutions, "actors": data.actors}.get(file, {})
    record = table.get(rid)
    if record is None or not record.variants:
        return View(message=_unknown_choice(key))
    name = getattr(record, "title", None) or f"{record.acronym}: {record.name_en}"
    cell = 'style="text-align:left;vertical-align:top;padding-right:1em"'  # JupyterLab right-aligns cells
    rows = "".join(
        f"<tr><td {cell}>{html.escape(v.date.label()) if v.date else ''}</td><td {cell}>{html.escape(v.claim)}</td>"
        f"<td {cell}><small>{html.escape(data.cite(*v.sources))}</small></td></tr>" for v in record.variants
    )
    header = "".join(f"<th {cell}>{html.escape(h)}</th>" for h in (_("Date"), _("Version"), _("Source")))
    body = f"<h4>{html.escape(name)}</h4><table><tr>{header}</tr>{rows}</table>"
    if record.note:
        body += f"<p><small>{html.escape(record.note)}</small></p>"
    return View(html=body, items=list(record.variants))


def check_answer(check_id: str, choice: int | None, data: CourseData | None = None) -> tuple[bool, str]:
    """Mark one self-check answer: (right?, feedback). ``choice`` is the option's index."""
    data = data or load()
    check = data.self_checks.get(check_id)
    if check is None:
        return False, _unknown_choice(check_id)
    if choice is None:
        return False, _("Pick an answer first.")
    if isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice < len(check.options):
        return False, _unknown_choice(choice)
    if choice == check.answer:
        return True, _("Correct. {explanation}").format(explanation=check.explanation)
    return False, _("Not quite. {hint}").format(hint=check.hint)
