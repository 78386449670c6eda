"""Wanting to work: who wants a job, how it changes, what it does to job finding, programmes that need it."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.vocabulary import EMPLOYED, INACTIVE_OTHER, INACTIVE_SICK, UNEMPLOYED
from model.core.streams import Streams
from model.dynamics import employment
from model.engine import HealthWorkModel, RunContext, burned_in_population
from model.experiments.trial import draw_cohort
from model.programmes.types import extrapolations
from tests.conftest import small_scenario

SICK, OTHER = 0.233, 0.180  # the LFS's stock shares (calibration/targets/wants_work.csv)


def context_for(scale=0.2, areas=("Liverpool",), **changes):
    sc = small_scenario(population={"areas": list(areas), "scale": scale}, **changes)
    return sc, RunContext.build(sc, sc.resolved_parameters())


def test_the_unemployed_want_work_and_the_inactive_with_their_states_entry_share():
    _, context = context_for()
    pop = context.initial_population(Streams(3, 0))
    assert (pop.wants_work[pop.state == UNEMPLOYED] == 1).all()
    for state in (INACTIVE_SICK, INACTIVE_OTHER):
        share = context.wanting.share[state]
        x = pop.wants_work[pop.state == state]
        se = np.sqrt(share * (1 - share) / len(x))
        assert abs(x.mean() - share) < 4 * se, (state, x.mean(), len(x))


def test_entry_factors_average_one_at_the_entry_share_and_give_the_hazard_ratio():
    _, context = context_for()
    f, hr = context.employment.wants_entry, context.wanting.entry_hr
    for state in (INACTIVE_SICK, INACTIVE_OTHER):
        share = context.wanting.share[state]
        assert share * f[state, 1] + (1 - share) * f[state, 0] == pytest.approx(1.0, rel=1e-6)
        assert f[state, 1] / f[state, 0] == pytest.approx(hr, rel=1e-6)
    assert (f[[EMPLOYED, UNEMPLOYED]] == 1).all()


def test_wanting_work_multiplies_job_entry_by_the_hazard_ratio_resident_by_resident():
    _, context = context_for(scale=0.05)
    pop = burned_in_population(context, Streams(4, 0))
    inactive = np.flatnonzero(np.isin(pop.state, (INACTIVE_SICK, INACTIVE_OTHER)))
    before = employment.hazards(pop, context.employment)[inactive, 0]
    pop.wants_work[inactive] = 1 - pop.wants_work[inactive]
    after = employment.hazards(pop, context.employment)[inactive, 0]
    ratio = np.where(pop.wants_work[inactive] == 1, after / before, before / after)
    assert ratio == pytest.approx(np.full(len(inactive), context.wanting.entry_hr), rel=1e-5)


def test_wishes_change_over_time_and_the_stocks_hold_the_lfs_shares():
    """Those who want work leave inactivity faster, so the shares on entry are fitted above the LFS's."""
    _, context = context_for(horizon_months=60)
    pop = burned_in_population(context, Streams(5, 0))
    start = pop.wants_work.copy()
    HealthWorkModel(context, pop, Streams(5, 0), arm="test").run_for(60)
    stayed = np.isin(pop.state, (INACTIVE_SICK, INACTIVE_OTHER))
    assert (pop.wants_work[stayed] != start[stayed]).mean() > 0.05  # wishes changed
    for state, share in ((INACTIVE_SICK, SICK), (INACTIVE_OTHER, OTHER)):
        assert context.wanting.share[state] > share
        assert abs(pop.wants_work[pop.state == state].mean() - share) < 0.03


def test_ips_enrols_and_trials_only_those_who_want_work_and_says_so_when_told_otherwise():
    """IPS requires wanting work by default (its evidence did); told otherwise it runs, and says so."""
    programme = {"name": "ips", "type": "ips", "staff_fte": 10, "referral": {"gp": 0.01}}
    sc, context = context_for(scale=0.05, programmes=[programme])
    pop = burned_in_population(context, Streams(6, 0))
    ips = context.programmes[0]
    ok = ips.eligible(pop, np.arange(len(pop)))
    out = pop.state != EMPLOYED
    assert ok[out].any() and (pop.wants_work[ok & out] == 1).all()
    cohort = draw_cohort(pop, ips, 12, None, Streams(6, 0))
    assert len(cohort.treated) > 50 and (cohort.population.wants_work == 1).all()  # trials select on it
    assert not any("do not want work" in line for line in extrapolations(sc))
    for rule in (False, "any"):
        other, context = context_for(
            scale=0.05, programmes=[programme | {"eligibility": {"wants_work": rule}}]
        )
        assert any("but also enrols residents who do not want work" in line for line in extrapolations(other))
        ok = context.programmes[0].eligible(pop, np.arange(len(pop)))
        assert (pop.wants_work[ok & out] == 0).any()
        assert rule == "any" or (pop.wants_work[ok & out] == 0).all()


def test_wanting_work_moves_an_inactive_residents_readiness_target_towards_the_unemployeds():
    from model.dynamics import readiness

    sc = small_scenario(population={"areas": ["Liverpool"], "scale": 0.05})
    context = RunContext.build(sc, sc.resolved_parameters())
    params, rules = context.params, context.readiness
    shift = params["readiness.wants_work_shift"]
    unemployed = params["readiness.target_unemployed"]
    for state, name in ((INACTIVE_SICK, "inactive_sick"), (INACTIVE_OTHER, "inactive_other")):
        own = params[f"readiness.target_{name}"]
        assert rules.target[state, 0] == pytest.approx(own)
        assert rules.target[state, 1] == pytest.approx(own + shift * (unemployed - own))
    assert rules.target[EMPLOYED, 1] == rules.target[EMPLOYED, 0]
    pop = burned_in_population(context, Streams(4, 0))
    sick = np.flatnonzero(pop.state == INACTIVE_SICK)
    pop.readiness[sick] = 0.0
    pop.wants_work[sick] = np.arange(len(sick)) % 2
    readiness.step(pop, rules)
    moved = pop.readiness[sick]
    reversion = params["readiness.reversion"]
    expected = reversion * rules.target[INACTIVE_SICK, pop.wants_work[sick]]
    np.testing.assert_allclose(moved, expected, rtol=1e-6)
    assert moved[1::2].mean() > moved[::2].mean()
