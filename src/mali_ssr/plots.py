"""Charts for the course, drawn with matplotlib's object-oriented API.

Every helper takes an optional ``ax``, draws on it, and returns it; none changes
matplotlib's global style. Colours come from one table, :data:`COLOURS`, that
gives each colour of the Okabe-Ito palette (distinct for the common forms of
colour blindness) one meaning across the whole course. Markers, hatches and
labels differ too, so that no chart tells anything by colour alone and every
chart reads in greyscale. Each chart attaches a one-sentence description to its
axes (see :mod:`mali_ssr.figure_display`), which becomes the picture's alt text;
the ``*_description`` functions return the same sentence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from .data import CATEGORIES, DRIVERS, Actor, Event, Institution, Member
from .figure_display import describe
from .i18n import N_, _, ngettext
from .models import CouncilResult, PeaceJusticeResult

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
GREY = "#999999"

#: One meaning per colour, in every chart of the course (tests/test_plots.py checks it).
COLOURS = {
    "malian-state": OKABE_ITO["blue"],  # the Malian state and its authorities (President, Prime Minister, ministries)
    "malian-military": OKABE_ITO["vermillion"],
    "armed-movements": OKABE_ITO["orange"],
    "civil-society": OKABE_ITO["green"],
    "international": OKABE_ITO["sky_blue"],
    "colonial-power": OKABE_ITO["black"],
    "joint": OKABE_ITO["purple"],  # government and armed movements together
    "model": OKABE_ITO["yellow"],  # the output of an illustrative model, not data
    "neutral": GREY,  # counts with no actor meaning, or an attachment not known
}


class _Translated(Mapping):
    """A table whose labels (marked with ``N_``) are translated each time they are read."""

    def __init__(self, table: dict, label_index: int | None):
        self._table, self._index = table, label_index

    def __getitem__(self, key):
        value = self._table[key]
        if self._index is None:
            return _(value)
        return tuple(_(v) if i == self._index else v for i, v in enumerate(value))

    def __iter__(self):
        return iter(self._table)

    def __len__(self):
        return len(self._table)


#: driver -> (colour, marker, label)
DRIVER_STYLE = _Translated({
    "malian-state": (COLOURS["malian-state"], "o", N_("Malian state")),
    "malian-military": (COLOURS["malian-military"], "s", N_("Malian military")),
    "armed-movements": (COLOURS["armed-movements"], "^", N_("Armed movements")),
    "civil-society": (COLOURS["civil-society"], "D", N_("Civil society")),
    "international": (COLOURS["international"], "P", N_("International")),
    "colonial-power": (COLOURS["colonial-power"], "X", N_("Colonial power")),
}, 2)
#: attachment -> (colour, label); ATTACHMENT_HATCH tells the state's authorities apart without colour.
ATTACHMENT_STYLE = _Translated({
    "president": (COLOURS["malian-state"], N_("President")),
    "prime-minister": (COLOURS["malian-state"], N_("Prime Minister")),
    "ministry": (COLOURS["malian-state"], N_("Ministry")),
    "government-and-movements": (COLOURS["joint"], N_("Government and movements")),
    "international": (COLOURS["international"], N_("International")),
    "unknown": (COLOURS["neutral"], N_("Not known")),
}, 1)
ATTACHMENT_HATCH = {"president": "", "prime-minister": "///", "ministry": "...", "government-and-movements": "xx",
                    "international": "\\\\\\", "unknown": "--"}
#: coalition stance -> colour family (the stance itself is written in the chart)
STANCE_COLOURS = {"ex-rebel": COLOURS["armed-movements"], "pro-government": COLOURS["armed-movements"],
                  "dissident": COLOURS["armed-movements"], "jihadist": COLOURS["armed-movements"],
                  "international": COLOURS["international"], "state": COLOURS["malian-state"]}
STANCE_LABELS = _Translated({"ex-rebel": N_("ex-rebel"), "pro-government": N_("pro-government"),
                             "dissident": N_("dissident"), "jihadist": N_("jihadist"),
                             "international": N_("international"), "state": N_("state")}, None)
CATEGORY_LABELS = _Translated({
    "military": N_("Military"),
    "coup": N_("Coup"),
    "armed-conflict": N_("Armed conflict"),
    "agreement": N_("Agreement"),
    "institution": N_("Institution"),
    "national-initiative": N_("National initiative"),
    "international-intervention": N_("International intervention"),
    "justice-impunity": N_("Justice / impunity"),
    "sanctions": N_("Sanctions"),
    "political": N_("Political"),
}, None)
assert set(CATEGORY_LABELS) == set(CATEGORIES) and set(DRIVER_STYLE) == set(DRIVERS)

#: Events labelled on the full timeline (short names, so that the labels do not crowd).
KEY_EVENTS = {
    "independence-1960": N_("Independence"),
    "coup-1968": N_("1968 coup"),
    "coup-1991": N_("1991 coup"),
    "national-pact-1992": N_("National Pact"),
    "coup-2012": N_("2012 coup"),
    "agreement-signed-2015": N_("Peace agreement"),
    "coup-2020": N_("2020 coup"),
    "end-algiers-agreement-2024": N_("Agreement ended"),
}
#: The timeline gives the years after this one more room when it spans a long past.
RECENT_FROM = 1990
RECENT_SHARE = 0.6  # of the axis width


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt  # only when the caller gave no axes

        _fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _integer_ticks(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def readable_text_colour(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (WCAG relative luminance)."""
    from .contrast import contrast_ratio

    return "#000000" if contrast_ratio("#000000", background) >= contrast_ratio("#FFFFFF", background) else "#FFFFFF"


# ---------------------------------------------------------------------- timeline


def _split_scale(ax, start: float, end: float, split: float = RECENT_FROM, share: float = RECENT_SHARE) -> bool:
    """Give [split, end] ``share`` of the axis (a piecewise-linear scale); False when not worth it."""
    if not (start < split - 10 and end > split + 2):
        return False
    import numpy as np

    old, new = (1 - share) / (split - start), share / (end - split)

    def forward(x):
        x = np.asarray(x, dtype=float)
        return np.where(x < split, (x - split) * old, (x - split) * new)

    def inverse(y):
        y = np.asarray(y, dtype=float)
        return np.where(y < 0, y / old + split, y / new + split)

    ax.set_xscale("function", functions=(forward, inverse))
    first = int(start // 25 * 25)
    ticks = [y for y in range(first, int(split), 25) if start - 1 <= y <= split - 12]
    ticks += list(range(int(split), int(end) + 1, 5))
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.axvspan(start - 5, split, color="#000000", alpha=0.04, zorder=0, linewidth=0)
    ax.axvline(split, color="#555555", linestyle="--", linewidth=0.8, zorder=1)
    return True


def _driver_offsets(n: int) -> list[float]:
    """Vertical offsets inside a category row for an event's n drivers, so that each marker shows."""
    step = 0.2
    return [(i - (n - 1) / 2) * step for i in range(n)]


def timeline_points(events: Sequence[Event], drivers: Iterable[str] | None = None) -> dict[str, list[tuple[Event, int]]]:
    """driver -> [(event, position among its drawn drivers)]: one marker per event and chosen driver."""
    chosen = set(DRIVERS if drivers is None else drivers)
    points: dict[str, list[tuple[Event, int]]] = {d: [] for d in DRIVERS}
    for event in events:
        shown = [d for d in event.drivers if d in chosen]
        for position, driver in enumerate(shown):
            points[driver].append((event, position))
    return points


def timeline_chart(events: Sequence[Event], ax=None, title: str | None = None, drivers: Iterable[str] | None = None,
                   label_key_events: bool = True):
    """Plot events on a time axis, one row per category, with one marker for each driver of an event.

    ``drivers`` limits the markers to those drivers (an event driven by the Malian state and by
    international actors shows only its Malian-state marker when only that driver is chosen).
    Years since 1990 get more room when the events reach far back.
    """
    ax = _axes(ax, (10, 4.5))
    drivers = list(DRIVERS if drivers is None else drivers)
    rows = [c for c in CATEGORIES if any(e.category == c for e in events)]
    points = timeline_points(events, drivers)
    for driver in DRIVERS:
        if not points[driver]:
            continue
        colour, marker, label = DRIVER_STYLE[driver]
        xs, ys = [], []
        for event, position in points[driver]:
            n = sum(d in drivers for d in event.drivers)
            xs.append(event.date.decimal_year)
            ys.append(rows.index(event.category) + _driver_offsets(n)[position])
        ax.scatter(xs, ys, c=colour, marker=marker, s=48, label=label, edgecolors="white", linewidths=0.6,
                   zorder=3)
    ax.set_yticks(range(len(rows)), [CATEGORY_LABELS[r] for r in rows])
    ax.set_ylim(-0.7, max(len(rows), 1) - 0.3)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    split = False
    if events:
        first, last = events[0].date.decimal_year, events[-1].date.decimal_year
        ax.set_xlim(first - 2, last + 1)
        split = _split_scale(ax, first - 2, last + 1)
    ax.set_xlabel(_("Year (scale stretched from {year} on)").format(year=RECENT_FROM) if split else _("Year"))
    ax.set_title(title or _("Malian security governance: events by category and driver"))
    if events:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title=_("Driven by"))
    if label_key_events:
        seen_in_row: Counter = Counter()
        for event in events:
            if event.id in KEY_EVENTS:
                row = rows.index(event.category)
                above = seen_in_row[row] % 2 == 0  # alternate above and below within a row, so labels do not overlap
                seen_in_row[row] += 1
                ax.annotate(_(KEY_EVENTS[event.id]), (event.date.decimal_year, row),
                            xytext=(0, 8 if above else -8), textcoords="offset points", ha="center",
                            va="bottom" if above else "top", fontsize=7,
                            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                  "alpha": 0.85}, zorder=4)
    describe(ax, timeline_description(events, drivers, split))
    return ax


def timeline_description(events: Sequence[Event], drivers: Iterable[str] | None = None, split: bool = False) -> str:
    """One sentence of alt text for :func:`timeline_chart`."""
    if not events:
        return _("An empty timeline: no event matches the selection.")
    first, last = events[0].date.year, events[-1].date.year
    counts = Counter(e.category for e in events).most_common(2)
    top = _(" and ").join(f"{CATEGORY_LABELS[c].lower()} ({n})" for c, n in counts)
    text = ngettext("A timeline of {n} event from {first} to {last}, one row per category, the most frequent "
                    "being {top}, with a marker for each actor who drove an event.",
                    "A timeline of {n} events from {first} to {last}, one row per category, the most frequent "
                    "being {top}, with a marker for each actor who drove an event.", len(events))
    text = text.format(n=len(events), first=first, last=last, top=top)
    if drivers is not None and set(drivers) != set(DRIVERS):
        names = ", ".join(DRIVER_STYLE[d][2] for d in DRIVERS if d in set(drivers))
        text += " " + _("Only these drivers are marked: {names}.").format(names=names)
    if split:
        text += " " + _("The years from {year} on take more of the width.").format(year=RECENT_FROM)
    return text


def initiative_counts(events: Iterable[Event], start: int, end: int, bin_years: int = 5):
    """Count national and international events per period: ([labels], [national], [international])."""
    if bin_years < 1:
        raise ValueError(_("bin_years must be at least 1"))
    edges = list(range(start, end + 1, bin_years))
    labels, national, international = [], [], []
    events = list(events)
    for lo in edges:
        hi = min(lo + bin_years - 1, end)
        inside = [e for e in events if lo <= e.date.year <= hi]
        labels.append(str(lo) if lo == hi else f"{lo}–{str(hi)[-2:]}")
        national.append(sum(e.is_national for e in inside))
        international.append(sum(e.is_international for e in inside))
    return labels, national, international


#: labels under the initiatives bars: more would overlap (one bar a year over decades)
MAX_BAR_LABELS = 20


def _bar_series(ax, xs: Sequence[float], heights: Sequence[float], width: float, label: str, **style):
    """One series of vertical bars from 0 as a single collection, with a patch for the legend.

    ``ax.bar`` makes, bounds and draws one patch per bar; with a bar a year over decades that was
    most of a widget's update. The collection draws the same rectangles in one go.
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    verts = [[(x - width / 2, 0), (x - width / 2, h), (x + width / 2, h), (x + width / 2, 0)]
             for x, h in zip(xs, heights, strict=True)]
    bars = PolyCollection(verts, closed=True, label=label, **style)
    bars.sticky_edges.y.append(0)  # as ax.bar: no margin below the bars' base
    ax.add_collection(bars, autolim=False)
    if verts:
        ax.update_datalim([(xs[0] - width / 2, 0), (xs[-1] + width / 2, max(heights))])
    ax.autoscale_view()
    return bars, Patch(label=label, **style)


def bar_heights(bars) -> list[float]:
    """The heights of the bars of a series drawn by :func:`_bar_series` (for tests and checks)."""
    return [float(path.vertices[:, 1].max()) for path in bars.get_paths()]


def initiatives_chart(events: Sequence[Event], start: int, end: int, bin_years: int = 5, ax=None):
    """Side-by-side bars: events driven from inside Mali versus from outside, per period."""
    ax = _axes(ax, (10, 4))
    labels, national, international = initiative_counts(events, start, end, bin_years)
    xs = range(len(labels))
    _national, national_key = _bar_series(ax, [x - 0.2 for x in xs], national, 0.4,
                                          _("National (state, military, civil society)"),
                                          facecolor=COLOURS["malian-state"], edgecolor="white")
    _international, international_key = _bar_series(ax, [x + 0.2 for x in xs], international, 0.4,
                                                    _("International (incl. colonial power)"),
                                                    facecolor=COLOURS["international"], hatch="//", edgecolor="white")
    step = -(-len(labels) // MAX_BAR_LABELS)  # every bar keeps a tick; at most MAX_BAR_LABELS are labelled
    ax.set_xticks(list(xs)[::step], labels[::step], rotation=45, ha="right")
    ax.set_xticks([x for x in xs if x % step], minor=True)
    _integer_ticks(ax.yaxis)
    ax.set_ylabel(_("Number of events"))
    ax.set_title(_("Who drove security-governance initiatives?"))
    ax.legend(handles=[national_key, international_key], frameon=False)
    ax.grid(axis="y", alpha=0.3)
    describe(ax, initiatives_description(events, start, end, bin_years))
    return ax


def initiatives_description(events: Sequence[Event], start: int, end: int, bin_years: int = 5) -> str:
    labels, national, international = initiative_counts(events, start, end, bin_years)
    return _("Bars for {periods} periods from {start} to {end} comparing {national} events driven from inside "
             "Mali with {international} driven from outside (an event can count on both sides).").format(
        periods=len(labels), start=start, end=end, national=sum(national), international=sum(international))


# ------------------------------------------------------------------ institutions


def institutions_chart(institutions: Sequence[Institution], until: float = 2025.0, ax=None, highlight: str | None = None):
    """One bar per institution from its creation, coloured and hatched by attachment, changes marked."""
    ax = _axes(ax, (10, 0.5 * max(len(institutions), 2) + 1.5))
    ordered = sorted(institutions, key=lambda i: i.created.start)
    for row, inst in enumerate(ordered):
        segments = [(inst.created.decimal_year, inst.attachment)]
        for ch in inst.changes:
            if ch.attachment:
                segments.append((ch.date.decimal_year, ch.attachment))
        segments.append((inst.ended.decimal_year if inst.ended else until, None))
        for (x0, att), (x1, _next) in zip(segments, segments[1:], strict=False):
            colour, _label = ATTACHMENT_STYLE[att]
            bar = ax.barh(row, max(x1 - x0, 0.05), left=x0, color=colour, height=0.6, hatch=ATTACHMENT_HATCH[att],
                          edgecolor="white", linewidth=0.5)
            bar.patches[0].institution_id = inst.id
        for ch in inst.changes:
            ax.plot(ch.date.decimal_year, row, marker="x" if ch.ended else "|", color="black", markersize=10)
    ax.set_yticks(range(len(ordered)), [i.acronym for i in ordered])
    ax.invert_yaxis()
    ax.set_xlabel(_("Year"))
    ax.set_title(_("SSR and peace-process institutions: created when, attached to whom\n"
                   "(| a later change, x the body ended)"), fontsize=10)
    used = []
    for inst in ordered:
        used.append(inst.attachment)
        used.extend(ch.attachment for ch in inst.changes if ch.attachment)
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=ATTACHMENT_STYLE[a][0], hatch=ATTACHMENT_HATCH[a], edgecolor="white",
                     label=ATTACHMENT_STYLE[a][1]) for a in ATTACHMENT_STYLE if a in used]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title=_("Attached to"))
    ax.grid(axis="x", alpha=0.3)
    describe(ax, institutions_description(institutions))
    return highlight_institution(ax, highlight)


def highlight_institution(ax, highlight: str | None):
    """Outline one institution's bars in black on axes drawn by :func:`institutions_chart` (None: no outline)."""
    for patch in ax.patches:
        if hasattr(patch, "institution_id"):
            chosen = patch.institution_id == highlight
            patch.set_edgecolor("black" if chosen else "white")
            patch.set_linewidth(2 if chosen else 0.5)
    return ax


def institutions_description(institutions: Sequence[Institution]) -> str:
    moved = [i.acronym for i in institutions if any(ch.attachment for ch in i.changes)]
    first = min(i.created.year for i in institutions)
    text = _("Horizontal bars for {n} institutions created from {first} on, coloured and hatched by the authority "
             "each is attached to").format(n=len(institutions), first=first)
    if moved:
        text += _("; the attachment changes for {names}").format(names=", ".join(moved))
    return text + "."


def composition_chart(members: Sequence[Member], ax=None, title: str | None = None):
    """Horizontal bars of a body's seats per group (only groups whose count a source gives)."""
    ax = _axes(ax, (7, 0.5 * max(len(members), 2) + 1))
    ax.barh(range(len(members)), [m.count for m in members], color=COLOURS["neutral"], edgecolor="black")
    for y, m in enumerate(members):
        ax.text(m.count, y, f" {m.count}", va="center")
    ax.set_yticks(range(len(members)), [m.group for m in members])
    ax.invert_yaxis()
    _integer_ticks(ax.xaxis)
    ax.set_xlabel(_("Seats"))
    ax.set_title(title or _("Seats with a known count"))
    describe(ax, composition_description(members))
    return ax


def composition_description(members: Sequence[Member]) -> str:
    seats = ", ".join(f"{m.group} {m.count}" for m in members)
    return _("Bars for the seats whose number a source gives: {seats}.").format(seats=seats)


# ------------------------------------------------------------------------ actors


def actors_chart(actors: dict[str, Actor], ax=None):
    """Coalitions and their member groups, one column per coalition, each with its stance written."""
    ax = _axes(ax, (10, 4.5))
    coalitions = [a for a in actors.values() if a.members]
    depth = max((len(c.members) for c in coalitions), default=1)
    for col, coalition in enumerate(coalitions):
        colour = STANCE_COLOURS[coalition.stance]
        ax.text(col, 0, f"{coalition.acronym}\n({STANCE_LABELS[coalition.stance]})", ha="center", va="center",
                fontsize=11, fontweight="bold", color=readable_text_colour(colour),
                bbox={"boxstyle": "round", "facecolor": colour, "edgecolor": "black"})
        for row, member_id in enumerate(coalition.members, start=1):
            member = actors[member_id]
            ax.plot([col, col], [0.35, row - 0.2], color="#777777", linewidth=0.8, zorder=0)
            ax.text(col, row, member.acronym, ha="center", va="center", fontsize=10,
                    bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": colour})
    ax.set_xlim(-0.7, max(len(coalitions), 1) - 0.3)
    ax.set_ylim(depth + 0.7, -0.9)
    ax.set_axis_off()
    ax.set_title(_("Armed coalitions and their member groups"))
    describe(ax, actors_description(actors))
    return ax


def actors_description(actors: dict[str, Actor]) -> str:
    coalitions = [a for a in actors.values() if a.members]
    parts = [f"{c.acronym} ({', '.join(actors[m].acronym for m in c.members)})" for c in coalitions]
    return _("A diagram of {n} coalitions with their member groups: {parts}.").format(
        n=len(coalitions), parts="; ".join(parts))


# ------------------------------------------------------------------------ models


def council_chart(result: CouncilResult, ax=None):
    """Bars for representation and expertise (0 to 1); decision cost and delay written beside them.

    Decision cost is on another scale (times a council of ten), so it is stated, not drawn.
    """
    ax = _axes(ax, (7, 3.2))
    names = [_("Representation\n(share of 6 constituencies)"), _("Expertise\n(share of members)")]
    ax.barh(names, [0, 0], color=COLOURS["model"], edgecolor="black")
    for y in range(len(names)):
        ax.text(0, y, "", va="center")
    ax.set_xlim(0, 1.15)
    ax.invert_yaxis()
    return update_council_chart(ax, result)


def update_council_chart(ax, result: CouncilResult):
    """Show another result on axes drawn by :func:`council_chart`: only bars, numbers and labels change."""
    values = [result.representation, result.expertise]
    for bar, text, (y, v) in zip(ax.patches, ax.texts, enumerate(values), strict=True):
        bar.set_width(v)
        text.set_position((v + 0.02, y))
        text.set_text(f"{v:.2f}")
    ax.set_xlabel(_("Decision cost: {cost} × a council of ten;  start-up delay: {delay} month(s)").format(
        cost=f"{result.decision_cost:.1f}", delay=f"{result.start_delay_months:g}"))
    ax.set_title(_("Illustrative model: a council of {size} members").format(size=result.size))
    describe(ax, council_description(result))
    return ax


def council_description(result: CouncilResult) -> str:
    return _("Bars showing that a council of {size} represents {represented} of 6 constituencies, has an expertise "
             "share of {expertise} and a decision cost {cost} times that of a council of ten (illustrative "
             "model).").format(size=result.size, represented=result.constituencies_represented,
                               expertise=f"{result.expertise:.2f}", cost=f"{result.decision_cost:.2f}")


def peace_justice_chart(result: PeaceJusticeResult, ax=None):
    """Three bars: the model's signature, spoiler-risk and victims'-trust indexes."""
    ax = _axes(ax, (7, 3))
    names = [_("Willingness to sign"), _("Spoiler risk"), _("Victims' trust")]
    ax.barh(names, [0] * len(names), color=COLOURS["model"], edgecolor="black")
    for y in range(len(names)):
        ax.text(0, y, "", va="center")
    ax.set_xlim(0, 110)
    ax.invert_yaxis()
    ax.set_xlabel(_("Index (0-100), illustrative"))
    ax.set_title(_("Illustrative model: peace versus justice"))
    return update_peace_justice_chart(ax, result)


def update_peace_justice_chart(ax, result: PeaceJusticeResult):
    """Show another result on axes drawn by :func:`peace_justice_chart`: only bars and numbers change."""
    values = [result.signature, result.spoiler_risk, result.victims_trust]
    for bar, text, (y, v) in zip(ax.patches, ax.texts, enumerate(values), strict=True):
        bar.set_width(v)
        text.set_position((v + 1, y))
        text.set_text(f"{v:.0f}")
    describe(ax, peace_justice_description(result))
    return ax


def peace_justice_description(result: PeaceJusticeResult) -> str:
    return _("Three bars from an illustrative model: willingness to sign {signature}, spoiler risk {risk} and "
             "victims' trust {trust}, on 0-100 indexes.").format(
        signature=f"{result.signature:.0f}", risk=f"{result.spoiler_risk:.0f}", trust=f"{result.victims_trust:.0f}")


def score_distribution_chart(scores: dict[str, list[float]], max_points: dict[str, float], ax=None):
    """Box plot of the share of marks per question, so the hard questions stand out."""
    ax = _axes(ax, (8, 0.5 * max(len(scores), 2) + 1.5))
    names = list(scores)
    shares = [[s / max_points[q] if max_points[q] else 0 for s in scores[q]] for q in names]
    ax.boxplot(shares, vert=False, tick_labels=names, patch_artist=True,
               boxprops={"facecolor": COLOURS["neutral"]}, medianprops={"color": "black"})
    means = [sum(s) / len(s) if s else 0 for s in shares]
    ax.scatter(means, range(1, len(names) + 1), marker="D", color="black", zorder=3, label=_("mean"))
    ax.set_xlim(-0.05, 1.05)
    ax.invert_yaxis()
    ax.set_xlabel(_("Share of the question's points"))
    ax.set_title(_("Scores per question"))
    ax.legend(frameon=False)
    describe(ax, _("Box plots of the share of points per question for {n} questions; diamonds mark the "
                   "means.").format(n=len(names)))
    return ax


# --------------------------------------------------------------------------- map

#: category -> marker on the map (white fill, black edge: shapes, not colours, tell categories apart)
CATEGORY_MARKERS = {"military": "s", "coup": "X", "armed-conflict": "^", "agreement": "o", "institution": "D",
                    "national-initiative": "P", "international-intervention": "v", "justice-impunity": "h",
                    "sanctions": "p", "political": "*"}
MAP_FILL = {"mali": "#DCDCDC", "neighbour": "#F5F5F5", "context": "#FFFFFF"}
#: places whose name goes left of the dot, so that neighbouring names do not overlap
MAP_LABEL_LEFT = ("kati", "aguelhok", "tessalit", "gao")


def _spread(n: int, radius: float = 0.55) -> list[tuple[float, float]]:
    """Offsets (degrees) that put n markers of one place side by side on rings around it."""
    import math

    out, ring, placed = [], 0, 0
    while placed < n:
        slots = 1 if ring == 0 else 6 * ring
        for k in range(min(slots, n - placed)):
            angle = 2 * math.pi * k / slots + ring * 0.5
            out.append((ring * radius * math.cos(angle), ring * radius * math.sin(angle)))
        placed += min(slots, n - placed)
        ring += 1
    return out


def map_chart(geography, located: Sequence[tuple[Event, object]], ax=None, title: str | None = None,
              label_places: bool = True):
    """Events with a place on a map of Mali and its neighbours; markers by category, side by side per place."""
    from matplotlib.patches import Polygon

    ax = _axes(ax, (8, 7))
    for country in geography.countries:
        for ring in country.polygons:
            ax.add_patch(Polygon(ring, closed=True, facecolor=MAP_FILL[country.role], edgecolor="#555555",
                                 linewidth=1.4 if country.role == "mali" else 0.6, zorder=1))
    west, south, east, north = geography.bounds
    ax.set_xlim(west - 0.5, east + 0.5)
    ax.set_ylim(south - 0.5, north + 1.5)
    ax.set_aspect("equal")
    for country in geography.countries:
        if country.role in ("mali", "neighbour"):
            xs = [x for ring in country.polygons for x, _y in ring]
            ys = [y for ring in country.polygons for _x, y in ring]
            cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
            ax.text(cx, cy, country.name.upper(), ha="center", va="center", fontsize=8 if country.role == "mali" else 7,
                    color="#444444", zorder=2, fontstyle="italic")
    if label_places:
        for place in geography.places.values():
            ax.plot(place.longitude, place.latitude, marker=".", color="black", markersize=4, zorder=3)
            left = place.id in MAP_LABEL_LEFT
            ax.annotate(place.name, (place.longitude, place.latitude), xytext=(-7 if left else 7, -9),
                        textcoords="offset points", ha="right" if left else "left", fontsize=7.5, zorder=5,
                        bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.7})
    ax.set_xlabel(_("Longitude (degrees east)"))
    ax.set_ylabel(_("Latitude (degrees north)"))
    ax.set_title(title or _("Where the located events took place"))
    map_markers(ax, located)
    return ax


def map_markers(ax, located: Sequence[tuple[Event, object]]) -> list:
    """The events' markers (one layer per category, side by side per place), their legend and the description.

    Returns the marker layers: a widget takes them off and calls this again for another selection.
    """
    by_place: dict[str, list[Event]] = {}
    places = {}
    for event, place in located:
        by_place.setdefault(place.id, []).append(event)
        places[place.id] = place
    points: dict[str, tuple[list[float], list[float]]] = {}
    for place_id, events in by_place.items():
        place = places[place_id]
        for event, (dx, dy) in zip(events, _spread(len(events)), strict=True):
            xs, ys = points.setdefault(event.category, ([], []))
            xs.append(place.longitude + dx)
            ys.append(place.latitude + dy)
    layers = []
    for category in CATEGORIES:
        if category in points:
            xs, ys = points[category]
            layers.append(ax.scatter(xs, ys, marker=CATEGORY_MARKERS[category], s=46, facecolors="white",
                                     edgecolors="black", linewidths=1.1, label=CATEGORY_LABELS[category], zorder=4))
    if points:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title=_("Category"))
    elif ax.get_legend() is not None:
        ax.get_legend().remove()
    describe(ax, map_description(located))
    return layers


def map_description(located: Sequence[tuple[Event, object]]) -> str:
    """One sentence of alt text for :func:`map_chart`."""
    if not located:
        return _("A map of Mali and its neighbours with no event marked: none of the selected events has a place.")
    counts = Counter(place.name for _event, place in located).most_common()
    places = ", ".join(f"{name} ({n})" for name, n in counts)
    return ngettext("A map of Mali and its neighbours marking {n} event by place: {places}.",
                    "A map of Mali and its neighbours marking {n} events by place: {places}.",
                    len(located)).format(n=len(located), places=places)
