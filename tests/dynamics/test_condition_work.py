"""Severe mental illness acts on work directly (entry and exit), fitted to the secondary-care rate."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.vocabulary import EMPLOYED, MH_CMD, MH_NONE, MH_SMI
from model.core.streams import Streams
from model.dynamics import employment
from model.engine import RunContext, burned_in_population
from tests.conftest import small_scenario


def test_the_odds_ratio_is_split_between_entry_and_exit_for_smi_only():
    sc = small_scenario()
    params = sc.resolved_parameters()
    odds, w = params["employment.condition.smi_employment_or"], params["employment.condition.entry_share"]
    f = employment.condition_factors(params)
    assert f["condition_entry"][MH_SMI] == pytest.approx(odds**w, rel=1e-6)
    assert f["condition_exit"][MH_SMI] == pytest.approx(odds ** -(1 - w), rel=1e-6)
    assert f["condition_entry"][MH_SMI] / f["condition_exit"][MH_SMI] == pytest.approx(odds, rel=1e-6)
    for group in (MH_NONE, MH_CMD):
        assert f["condition_entry"][group] == f["condition_exit"][group] == 1


def test_a_residents_smi_multiplies_their_hazards_and_nothing_else():
    sc = small_scenario(population={"areas": ["Liverpool"], "scale": 0.05})
    context = RunContext.build(sc, sc.resolved_parameters())
    pop = burned_in_population(context, Streams(2, 0))
    rates = context.employment
    none = np.flatnonzero(pop.mental_health == MH_NONE)
    before = employment.hazards(pop, rates)[none]
    pop.mental_health[none] = MH_SMI
    after = employment.hazards(pop, rates)[none]
    out = pop.state[none] != EMPLOYED
    assert after[out, 0] / before[out, 0] == pytest.approx(rates.condition_entry[MH_SMI], rel=1e-5)
    positive = before[~out, 1:] > 0
    ratio = after[~out, 1:][positive] / before[~out, 1:][positive]
    assert ratio == pytest.approx(rates.condition_exit[MH_SMI], rel=1e-5)


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
