"""The illustrative models follow their stated assumptions and reject bad input."""

import pytest

from mali_ssr.models import COUNCIL_ASSUMPTIONS, council_design, peace_justice


def test_bigger_council_costs_more_to_decide():
    small = council_design({"government": 5, "cma": 2, "platform": 2})
    big = council_design({"government": 30, "cma": 10, "platform": 10})
    assert small.decision_cost == pytest.approx(36 / 45)
    assert big.decision_cost == pytest.approx(50 * 49 / 2 / 45)
    assert big.decision_cost > small.decision_cost


def test_representation_counts_constituencies():
    r = council_design({"government": 1, "cma": 1, "platform": 0, "civil_society": 3})
    assert r.constituencies_represented == 3
    assert r.representation == pytest.approx(3 / 6)


def test_expertise_is_weighted_share():
    r = council_design({"security_forces": 1, "parliament": 1}, expertise={"security_forces": 1.0, "parliament": 0.0})
    assert r.expertise == pytest.approx(0.5)


def test_delay_is_the_slowest_represented_group():
    r = council_design({"government": 5, "cma": 2, "platform": 2}, {"cma": 4, "platform": 7, "civil_society": 20})
    assert r.start_delay_months == 7
    assert r.slowest_group == "platform"


def test_council_states_its_assumptions():
    r = council_design({"government": 3})
    assert r.assumptions == COUNCIL_ASSUMPTIONS
    assert "Illustrative" in r.assumptions[0]


@pytest.mark.parametrize("seats", [{}, {"government": 0}, {"kings": 3}, {"government": -1}, {"cma": 2.5}])
def test_council_rejects_impossible_designs(seats):
    with pytest.raises(ValueError):
        council_design(seats)


def test_amnesty_buys_signatures_but_costs_trust():
    amnesty = peace_justice(1, 0, 0)
    prosecution = peace_justice(0, 1, 0)
    assert amnesty.signature > prosecution.signature
    assert amnesty.victims_trust < prosecution.victims_trust


def test_sanctions_bite_only_with_a_united_council():
    divided = peace_justice(0.5, 0, 1, council_unity=0)
    united = peace_justice(0.5, 0, 1, council_unity=1)
    assert united.spoiler_risk < divided.spoiler_risk
    assert united.victims_trust > divided.victims_trust


def test_scores_stay_in_range():
    for a in (0, 0.5, 1):
        for p in (0, 0.5, 1):
            for s in (0, 1):
                r = peace_justice(a, p, s, 1)
                assert all(0 <= v <= 100 for v in (r.signature, r.spoiler_risk, r.victims_trust))


@pytest.mark.parametrize("bad", [-0.1, 1.5, "a lot", True])
def test_peace_justice_rejects_out_of_range(bad):
    with pytest.raises(ValueError, match="between 0 and 1"):
        peace_justice(bad, 0, 0)


@pytest.mark.parametrize("levers", [(0.3, 0.6, 0.8, 0.5), (1, 0, 0, 1), (0.5, 0.5, 0.5, 0.5)])
def test_stated_rules_are_the_rules_the_model_uses(levers):
    """The assumptions shown to students spell out the formulas; they must match the code."""
    amnesty, prosecution, sanctions, unity = levers
    pressure = sanctions * unity
    expected = (
        50 + 40 * amnesty - 35 * prosecution - 15 * pressure,
        15 + 35 * prosecution * (1 - amnesty / 2) + 40 * amnesty * (1 - pressure) - 15 * pressure,
        40 - 30 * amnesty + 40 * prosecution + 20 * pressure,
    )
    r = peace_justice(*levers)
    clipped = [max(0, min(100, v)) for v in expected]
    assert [r.signature, r.spoiler_risk, r.victims_trust] == pytest.approx(clipped, abs=0.051)
    assert "willingness to sign = 50 + 40 amnesty - 35 prosecution - 15 pressure" in r.assumptions[-1]
