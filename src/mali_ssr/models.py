"""Illustrative models that make the documents' arguments explorable.

These are teaching models, not data and not forecasts. Each one turns an
argument from the sources into a few explicit, deliberately simple rules so
that a student can ask "what if?" and then criticise the rules. Their
assumptions are listed in ``ASSUMPTIONS`` and shown beside every result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .i18n import N_, _

# ----------------------------------------------------------------- council design

COUNCIL_GROUPS = ("government", "security_forces", "cma", "platform", "civil_society", "parliament")
COUNCIL_GROUP_LABELS = {
    "government": N_("Government ministers"),
    "security_forces": N_("Security-force chiefs"),
    "cma": N_("CMA representatives"),
    "platform": N_("Platform representatives"),
    "civil_society": N_("Civil society"),
    "parliament": N_("Parliamentarians"),
}
#: Assumed share of members with technical security expertise in each group.
#: These numbers are invented for the illustration; change them and see.
DEFAULT_EXPERTISE = {
    "government": 0.3,
    "security_forces": 0.9,
    "cma": 0.4,
    "platform": 0.4,
    "civil_society": 0.3,
    "parliament": 0.2,
}
REFERENCE_SIZE = 10  # a council of ten has a decision cost of 1.0

COUNCIL_ASSUMPTIONS = (
    N_("Illustrative model: the numbers are invented to show the logic of the argument, not measured."),
    N_("Representation counts how many of the six constituencies have at least one seat."),
    N_("Expertise is the share of members assumed to have technical security expertise in each group."),
    N_("Decision cost grows with the number of pairs of members who must be consulted, n(n-1)/2, "
       "relative to a council of ten (cost 1.0)."),
    N_("The council cannot start work until every constituency with seats has named its members: "
       "the start-up delay is the longest nomination delay."),
)


@dataclass(frozen=True)
class CouncilResult:
    size: int
    seats: dict[str, int]
    constituencies_represented: int
    representation: float  # share of the six constituencies with a seat
    expertise: float  # share of members assumed to be technical experts
    decision_cost: float  # relative to a council of REFERENCE_SIZE
    start_delay_months: float
    slowest_group: str | None
    assumptions: tuple[str, ...] = field(default=COUNCIL_ASSUMPTIONS)


def council_design(
    seats: dict[str, int],
    nomination_delay_months: dict[str, float] | None = None,
    expertise: dict[str, float] | None = None,
) -> CouncilResult:
    """Score a council design: representation, expertise, decision cost, delay.

    >>> r = council_design({"government": 5, "cma": 2, "platform": 2})
    >>> r.size, r.constituencies_represented, round(r.decision_cost, 2)
    (9, 3, 0.8)
    """
    unknown = set(seats) - set(COUNCIL_GROUPS)
    if unknown:
        raise ValueError(_("unknown council group(s): {groups}").format(groups=", ".join(sorted(unknown))))
    for group, n in seats.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(_("seats for {group} must be a whole number of 0 or more, got {value!r}").format(
                group=group, value=n))
    delays = nomination_delay_months or {}
    for group, months in delays.items():
        if group not in COUNCIL_GROUPS:
            raise ValueError(_("unknown council group(s): {groups}").format(groups=group))
        if months < 0:
            raise ValueError(_("the nomination delay for {group} cannot be negative").format(group=group))
    share = {**DEFAULT_EXPERTISE, **(expertise or {})}
    size = sum(seats.values())
    if size == 0:
        raise ValueError(_("a council needs at least one seat"))
    represented = [g for g in COUNCIL_GROUPS if seats.get(g, 0) > 0]
    experts = sum(seats.get(g, 0) * share[g] for g in COUNCIL_GROUPS)
    pairs = size * (size - 1) / 2
    reference_pairs = REFERENCE_SIZE * (REFERENCE_SIZE - 1) / 2
    slowest, delay = None, 0.0
    for g in represented:
        if delays.get(g, 0) > delay:
            slowest, delay = g, float(delays[g])
    return CouncilResult(
        size=size,
        seats={g: seats.get(g, 0) for g in COUNCIL_GROUPS},
        constituencies_represented=len(represented),
        representation=len(represented) / len(COUNCIL_GROUPS),
        expertise=experts / size,
        decision_cost=pairs / reference_pairs,
        start_delay_months=delay,
        slowest_group=slowest,
    )


# ------------------------------------------------------------- peace versus justice

PEACE_JUSTICE_ASSUMPTIONS = (
    N_("Illustrative model: the scores are indexes from 0 to 100 built from invented weights, "
       "not probabilities and not estimates for Mali."),
    N_("Armed leaders are more willing to sign when they are promised amnesty and less willing "
       "when they face prosecution; targeted sanctions weigh on them less than prosecution."),
    N_("Spoiler risk has two sources: leaders who fear prosecution may walk away, and leaders "
       "who keep impunity may go on with violence and trafficking inside the peace process."),
    N_("Sanctions deter only as far as the Security Council is united in imposing and renewing them."),
    N_("Victims' trust rises with prosecution and with enforced sanctions, and falls with amnesty."),
    N_("The rules, with every lever from 0 to 1 and pressure = sanctions x Council unity: "
       "willingness to sign = 50 + 40 amnesty - 35 prosecution - 15 pressure; "
       "spoiler risk = 15 + 35 prosecution (1 - amnesty/2) + 40 amnesty (1 - pressure) - 15 pressure; "
       "victims' trust = 40 - 30 amnesty + 40 prosecution + 20 pressure; each result is kept between 0 and 100."),
)


@dataclass(frozen=True)
class PeaceJusticeResult:
    signature: float
    spoiler_risk: float
    victims_trust: float
    assumptions: tuple[str, ...] = field(default=PEACE_JUSTICE_ASSUMPTIONS)


def _clip(x: float) -> float:
    return max(0.0, min(100.0, x))


def peace_justice(amnesty: float, prosecution: float, sanctions: float, council_unity: float = 0.5) -> PeaceJusticeResult:
    """Score a mix of amnesty, prosecution and targeted sanctions (each 0 to 1).

    >>> peace_justice(1, 0, 0).signature > peace_justice(0, 1, 0).signature
    True
    """
    for name, value in (("amnesty", amnesty), ("prosecution", prosecution),
                        ("sanctions", sanctions), ("council_unity", council_unity)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(_("{name} must be a number between 0 and 1, got {value!r}").format(name=name, value=value))
    pressure = sanctions * council_unity  # sanctions only bite when the Council enforces them
    signature = 50 + 40 * amnesty - 35 * prosecution - 15 * pressure
    walk_away = 35 * prosecution * (1 - 0.5 * amnesty)
    impunity = 40 * amnesty * (1 - pressure)
    spoiler = 15 + walk_away + impunity - 15 * pressure
    trust = 40 - 30 * amnesty + 40 * prosecution + 20 * pressure
    return PeaceJusticeResult(round(_clip(signature), 1), round(_clip(spoiler), 1), round(_clip(trust), 1))
