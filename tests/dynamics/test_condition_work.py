"""Health conditions act on work directly (entry and exit), each fitted to a published employment rate."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.vocabulary import EMPLOYED, INACTIVE_SICK, MENTAL_HEALTH, MH_CMD, MH_NONE, MH_SMI
from model.core.streams import Streams
from model.dynamics import employment
from model.engine import RunContext, burned_in_population
from tests.conftest import small_scenario

ODDS = {MH_CMD: "cmd_employment_or", MH_SMI: "smi_employment_or"}


def test_each_odds_ratio_is_split_between_entry_and_exit_and_back_pain_multiplies_the_mental_groups():
    params = small_scenario().resolved_parameters()
    w = params["employment.condition.entry_share"]
    msk = params["employment.condition.msk_employment_or"]
    f = employment.condition_factors(params)
    for group in range(len(MENTAL_HEALTH)):
        mental = params[f"employment.condition.{ODDS[group]}"] if group in ODDS else 1.0
        for back_pain, odds in ((0, mental), (1, mental * msk)):
            entry, exit_ = f["condition_entry"][group, back_pain], f["condition_exit"][group, back_pain]
            assert entry == pytest.approx(odds**w, rel=1e-6)
            assert exit_ == pytest.approx(odds ** -(1 - w), rel=1e-6)
            assert entry / exit_ == pytest.approx(odds, rel=1e-6)
    assert f["condition_entry"][MH_NONE, 0] == f["condition_exit"][MH_NONE, 0] == 1


@pytest.mark.parametrize("condition", ["smi", "cmd", "msk"])
def test_a_residents_condition_multiplies_their_hazards_and_nothing_else(condition):
    sc = small_scenario(population={"areas": ["Liverpool"], "scale": 0.05})
    context = RunContext.build(sc, sc.resolved_parameters())
    pop = burned_in_population(context, Streams(2, 0))
    rates = context.employment
    chosen = np.flatnonzero((pop.mental_health == MH_NONE) & (pop.msk == 0))
    others = np.setdiff1d(np.arange(len(pop)), chosen)
    before = employment.hazards(pop, rates)
    if condition == "msk":
        pop.msk[chosen], cell = 1, (MH_NONE, 1)
    else:
        group = MH_SMI if condition == "smi" else MH_CMD
        pop.mental_health[chosen], cell = group, (group, 0)
    after = employment.hazards(pop, rates)
    out = pop.state[chosen] != EMPLOYED
    entry = after[chosen][out, 0] / before[chosen][out, 0]
    assert entry == pytest.approx(rates.condition_entry[cell], rel=1e-5)
    positive = before[chosen][~out, 1:] > 0
    ratio = after[chosen][~out, 1:][positive] / before[chosen][~out, 1:][positive]
    assert ratio == pytest.approx(rates.condition_exit[cell], rel=1e-5)
    np.testing.assert_array_equal(after[others], before[others])


def test_the_long_term_sicks_exits_decline_with_months_out_of_work_beyond_two_years():
    sc = small_scenario(population={"areas": ["Liverpool"], "scale": 0.05})
    context = RunContext.build(sc, sc.resolved_parameters())
    decline = context.params["employment.duration.sick_decline"]
    pop = burned_in_population(context, Streams(2, 0))
    sick = np.flatnonzero((pop.state == INACTIVE_SICK) & (pop.work_limiting == 1))
    hazards = {}
    for months in (24, 48, 120, 200):
        pop.months_out_of_work[sick] = months
        hazards[months] = employment.hazards(pop, context.employment)[sick]
    assert decline > 0 and len(sick) > 100
    for months, expected in ((48, 2.0**-decline), (120, 5.0**-decline), (200, 5.0**-decline)):
        with np.errstate(invalid="ignore", divide="ignore"):  # no inactivity hazards out of work
            ratio = hazards[months] / hazards[24]
        assert ratio[:, 0] == pytest.approx(expected, rel=1e-5)  # job entry
        assert ratio[:, 1] == pytest.approx(expected, rel=1e-5)  # to unemployment
        assert ratio[:, 2:][hazards[24][:, 2:] > 0] == pytest.approx(1.0)  # other moves do not decline


def test_the_baseline_employs_residents_with_smi_near_the_published_rate():
    """8% of adults in contact with secondary mental health services are employed (ASCOF 1F 2018/19).

    After the default 60-month burn-in: synthesis draws states without regard to SMI, the dynamics sort them.
    """
    sc = small_scenario(
        population={"areas": ["Liverpool", "Wirral"], "scale": 0.2},
        parameters={"simulation.burn_in_months": 60},
    )
    context = RunContext.build(sc, sc.resolved_parameters())
    pop = burned_in_population(context, Streams(3, 0))
    smi = pop.mental_health == MH_SMI
    rate = (pop.state[smi] == EMPLOYED).mean()
    assert smi.sum() > 300 and 0.03 < rate < 0.14, (smi.sum(), rate)
    assert (pop.state[~smi] == EMPLOYED).mean() > 0.6
