"""Charts for the course, drawn with matplotlib's object-oriented API.

Every helper takes an optional ``ax``, draws on it, and returns it; none changes
matplotlib's global style. Colours come from the Okabe-Ito palette, which stays
distinct for the common forms of colour blindness, and markers differ too so
that nothing is told by colour alone. Each chart has a ``*_description``
function that returns one sentence usable as alt text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from .data import CATEGORIES, DRIVERS, Actor, Event, Institution, Member
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
DRIVER_STYLE = {
    "malian-state": (OKABE_ITO["blue"], "o", "Malian state"),
    "malian-military": (OKABE_ITO["vermillion"], "s", "Malian military"),
    "armed-movements": (OKABE_ITO["orange"], "^", "Armed movements"),
    "civil-society": (OKABE_ITO["green"], "D", "Civil society"),
    "international": (OKABE_ITO["sky_blue"], "P", "International"),
    "colonial-power": (OKABE_ITO["black"], "X", "Colonial power"),
}
ATTACHMENT_STYLE = {
    "president": (OKABE_ITO["vermillion"], "President"),
    "prime-minister": (OKABE_ITO["blue"], "Prime Minister"),
    "ministry": (OKABE_ITO["green"], "Ministry"),
    "government-and-movements": (OKABE_ITO["orange"], "Government and movements"),
    "international": (OKABE_ITO["sky_blue"], "International"),
    "unknown": ("#999999", "Not known"),
}
CATEGORY_LABELS = {c: c.replace("-", " ").capitalize() for c in CATEGORIES}
CATEGORY_LABELS.update({"justice-impunity": "Justice / impunity", "international-intervention": "International intervention"})


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt  # only when the caller gave no axes

        _fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _primary_driver(event: Event) -> str:
    return event.drivers[0]


# ---------------------------------------------------------------------- timeline


def timeline_chart(events: Sequence[Event], ax=None, title: str | None = None):
    """Plot events on a time axis, one row per category, marked by who drove them."""
    ax = _axes(ax, (10, 4.5))
    rows = [c for c in CATEGORIES if any(e.category == c for e in events)]
    for driver in DRIVERS:
        chosen = [e for e in events if _primary_driver(e) == driver]
        if not chosen:
            continue
        colour, marker, label = DRIVER_STYLE[driver]
        ax.scatter(
            [e.date.decimal_year for e in chosen],
            [rows.index(e.category) for e in chosen],
            c=colour, marker=marker, s=60, label=label, edgecolors="white", linewidths=0.6, zorder=3,
        )
    ax.set_yticks(range(len(rows)), [CATEGORY_LABELS[r] for r in rows])
    ax.set_ylim(-0.7, max(len(rows), 1) - 0.3)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("Year")
    ax.set_title(title or "Malian security governance: events by category and driver")
    if events:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title="Driven by")
    return ax


def timeline_description(events: Sequence[Event]) -> str:
    """One sentence of alt text for :func:`timeline_chart`."""
    if not events:
        return "An empty timeline: no event matches the selection."
    first, last = events[0].date.year, events[-1].date.year
    counts = Counter(e.category for e in events).most_common(2)
    top = " and ".join(f"{CATEGORY_LABELS[c].lower()} ({n})" for c, n in counts)
    return (f"A timeline of {len(events)} events from {first} to {last}, one row per category, "
            f"the most frequent being {top}, with markers showing who drove each event.")


def initiative_counts(events: Iterable[Event], start: int, end: int, bin_years: int = 5):
    """Count national and international events per period: ([labels], [national], [international])."""
    if bin_years < 1:
        raise ValueError("bin_years must be at least 1")
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


def initiatives_chart(events: Sequence[Event], start: int, end: int, bin_years: int = 5, ax=None):
    """Side-by-side bars: events driven from inside Mali versus from outside, per period."""
    ax = _axes(ax, (10, 4))
    labels, national, international = initiative_counts(events, start, end, bin_years)
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], national, width=0.4, color=OKABE_ITO["blue"], label="National (state, military, civil society)")
    ax.bar([x + 0.2 for x in xs], international, width=0.4, color=OKABE_ITO["sky_blue"], hatch="//",
           edgecolor="white", label="International (incl. colonial power)")
    ax.set_xticks(list(xs), labels, rotation=45, ha="right")
    ax.set_ylabel("Number of events")
    ax.set_title("Who drove security-governance initiatives?")
    ax.legend(frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return ax


def initiatives_description(events: Sequence[Event], start: int, end: int, bin_years: int = 5) -> str:
    labels, national, international = initiative_counts(events, start, end, bin_years)
    return (f"Bars for {len(labels)} periods from {start} to {end} comparing {sum(national)} events driven "
            f"from inside Mali with {sum(international)} driven from outside (an event can count on both sides).")


# ------------------------------------------------------------------ institutions


def institutions_chart(institutions: Sequence[Institution], until: float = 2025.0, ax=None, highlight: str | None = None):
    """One bar per institution from its creation, coloured by attachment, changes marked."""
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
            ax.barh(row, max(x1 - x0, 0.05), left=x0, color=colour, height=0.6,
                    edgecolor="black" if inst.id == highlight else "white",
                    linewidth=2 if inst.id == highlight else 0.5)
        for ch in inst.changes:
            ax.plot(ch.date.decimal_year, row, marker="x" if ch.ended else "|", color="black", markersize=10)
    ax.set_yticks(range(len(ordered)), [i.acronym for i in ordered])
    ax.invert_yaxis()
    ax.set_xlabel("Year")
    ax.set_title("SSR and peace-process institutions: created when, attached to whom\n"
                 "(| a later change, x the body ended)", fontsize=10)
    used = []
    for inst in ordered:
        used.append(inst.attachment)
        used.extend(ch.attachment for ch in inst.changes if ch.attachment)
    from matplotlib.patches import Patch

    handles = [Patch(color=ATTACHMENT_STYLE[a][0], label=ATTACHMENT_STYLE[a][1])
               for a in ATTACHMENT_STYLE if a in used]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title="Attached to")
    ax.grid(axis="x", alpha=0.3)
    return ax


def institutions_description(institutions: Sequence[Institution]) -> str:
    moved = [i.acronym for i in institutions if any(ch.attachment for ch in i.changes)]
    first = min(i.created.year for i in institutions)
    text = (f"Horizontal bars for {len(institutions)} institutions created from {first} on, coloured by the "
            f"authority each is attached to")
    if moved:
        text += f"; the attachment changes for {', '.join(moved)}"
    return text + "."


def composition_chart(members: Sequence[Member], ax=None, title: str = "Seats with a known count"):
    """Horizontal bars of a body's seats per group (only groups whose count a source gives)."""
    ax = _axes(ax, (7, 0.5 * max(len(members), 2) + 1))
    colours = list(OKABE_ITO.values())
    ax.barh(range(len(members)), [m.count for m in members], color=[colours[i % 7] for i in range(len(members))])
    ax.set_yticks(range(len(members)), [m.group for m in members])
    ax.invert_yaxis()
    ax.set_xlabel("Seats")
    ax.set_title(title)
    return ax


# ------------------------------------------------------------------------ actors


def actors_chart(actors: dict[str, Actor], ax=None):
    """Coalitions and their member groups, one column per coalition."""
    ax = _axes(ax, (10, 4.5))
    coalitions = [a for a in actors.values() if a.members]
    stance_colour = {
        "ex-rebel": OKABE_ITO["orange"], "pro-government": OKABE_ITO["blue"],
        "dissident": OKABE_ITO["purple"], "jihadist": OKABE_ITO["black"],
        "international": OKABE_ITO["sky_blue"], "state": OKABE_ITO["green"],
    }
    depth = max((len(c.members) for c in coalitions), default=1)
    for col, coalition in enumerate(coalitions):
        colour = stance_colour[coalition.stance]
        ax.text(col, 0, coalition.acronym, ha="center", va="center", fontsize=12, fontweight="bold",
                color="white", bbox={"boxstyle": "round", "facecolor": colour, "edgecolor": colour})
        for row, member_id in enumerate(coalition.members, start=1):
            member = actors[member_id]
            ax.plot([col, col], [0.25, row - 0.2], color="#999999", linewidth=0.8, zorder=0)
            ax.text(col, row, member.acronym, ha="center", va="center", fontsize=10,
                    bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": colour})
    ax.set_xlim(-0.7, max(len(coalitions), 1) - 0.3)
    ax.set_ylim(depth + 0.7, -0.7)
    ax.set_axis_off()
    ax.set_title("Armed coalitions and their member groups")
    from matplotlib.patches import Patch

    stances = [s for s in stance_colour if any(c.stance == s for c in coalitions)]
    ax.legend(handles=[Patch(color=stance_colour[s], label=s.replace("-", " ").capitalize()) for s in stances],
              loc="upper left", bbox_to_anchor=(1.0, 1), frameon=False, title="Stance of the coalition")
    return ax


def actors_description(actors: dict[str, Actor]) -> str:
    coalitions = [a for a in actors.values() if a.members]
    parts = [f"{c.acronym} ({', '.join(actors[m].acronym for m in c.members)})" for c in coalitions]
    return f"A diagram of {len(coalitions)} coalitions with their member groups: " + "; ".join(parts) + "."


# ------------------------------------------------------------------------ models


def council_chart(result: CouncilResult, ax=None):
    """Bars for representation and expertise (0 to 1); decision cost and delay written beside them.

    Decision cost is on another scale (times a council of ten), so it is stated, not drawn.
    """
    ax = _axes(ax, (7, 3.2))
    names = ["Representation\n(share of 6 constituencies)", "Expertise\n(share of members)"]
    values = [result.representation, result.expertise]
    ax.barh(names, values, color=[OKABE_ITO["green"], OKABE_ITO["blue"]])
    for y, v in enumerate(values):
        ax.text(v + 0.02, y, f"{v:.2f}", va="center")
    ax.set_xlim(0, 1.15)
    ax.invert_yaxis()
    ax.set_xlabel(f"Decision cost: {result.decision_cost:.1f} × a council of ten;  "
                  f"start-up delay: {result.start_delay_months:g} month(s)")
    ax.set_title(f"Illustrative model: a council of {result.size} members")
    return ax


def council_description(result: CouncilResult) -> str:
    return (f"Bars showing that a council of {result.size} represents {result.constituencies_represented} of 6 "
            f"constituencies, has an expertise share of {result.expertise:.2f} and a decision cost "
            f"{result.decision_cost:.2f} times that of a council of ten (illustrative model).")


def peace_justice_chart(result: PeaceJusticeResult, ax=None):
    """Three bars: the model's signature, spoiler-risk and victims'-trust indexes."""
    ax = _axes(ax, (7, 3))
    names = ["Willingness to sign", "Spoiler risk", "Victims' trust"]
    values = [result.signature, result.spoiler_risk, result.victims_trust]
    ax.barh(names, values, color=[OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["green"]])
    for y, v in enumerate(values):
        ax.text(v + 1, y, f"{v:.0f}", va="center")
    ax.set_xlim(0, 110)
    ax.invert_yaxis()
    ax.set_xlabel("Index (0-100), illustrative")
    ax.set_title("Illustrative model: peace versus justice")
    return ax


def peace_justice_description(result: PeaceJusticeResult) -> str:
    return (f"Three bars from an illustrative model: willingness to sign {result.signature:.0f}, "
            f"spoiler risk {result.spoiler_risk:.0f} and victims' trust {result.victims_trust:.0f}, on 0-100 indexes.")


def score_distribution_chart(scores: dict[str, list[float]], max_points: dict[str, float], ax=None):
    """Box plot of the share of marks per question, so the hard questions stand out."""
    ax = _axes(ax, (8, 0.5 * max(len(scores), 2) + 1.5))
    names = list(scores)
    shares = [[s / max_points[q] if max_points[q] else 0 for s in scores[q]] for q in names]
    ax.boxplot(shares, vert=False, tick_labels=names, patch_artist=True,
               boxprops={"facecolor": OKABE_ITO["sky_blue"]}, medianprops={"color": "black"})
    means = [sum(s) / len(s) if s else 0 for s in shares]
    ax.scatter(means, range(1, len(names) + 1), marker="D", color=OKABE_ITO["vermillion"], zorder=3, label="mean")
    ax.set_xlim(-0.05, 1.05)
    ax.invert_yaxis()
    ax.set_xlabel("Share of the question's points")
    ax.set_title("Scores per question")
    ax.legend(frameon=False)
    return ax
