"""Local labour demand: competed openings leave the counterfactual alone and make displacement emerge."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.vocabulary import EMPLOYED, INACTIVE_SICK
from model.core.streams import Streams
from model.dynamics import employment
from model.dynamics.labour_demand import LabourDemand, crowding, displaced
from model.engine import RunContext, burned_in_population, simulate
from model.experiments import ensemble
from model.programmes.programme import COMPLETED, DROPPED, IN_WORK, PRE_EMPLOYMENT
from tests.conftest import small_scenario, step_both_arms


def ips_scenario(staff=10.0, elasticity=None, demand="openings", parameters=None):
    """IPS in Knowsley only (of Knowsley and Liverpool), with the given labour demand and hires elasticity."""
    programme = {
        "name": "ips",
        "type": "ips",
        "areas": ["Knowsley"],
        "staff_fte": staff,
        "referral": {"gp": 0.04},
        "start": "2026-04",
        "end": "2027-09",
    }
    parameters = dict(parameters or {})
    if elasticity is not None:
        parameters["employment.demand.hires_elasticity"] = elasticity
    return small_scenario(
        population={"areas": ["Knowsley", "Liverpool"], "scale": 0.05},
        horizon_months=24,
        programmes=[programme],
        parameters=parameters,
        economy={"labour_demand": demand},
    )


def summary_value(result, metric, area="ALL"):
    s = result.summary
    row = s[(s["arm"] == "impact") & (s["metric"] == metric) & (s["area"] == area)]
    return float(row["mean"].iloc[0])


@pytest.mark.parametrize("alpha", [0.2, 0.5, 0.6, 0.9])
def test_crowding_gives_the_stated_elasticity_of_hires_to_job_search(alpha):
    x = crowding(alpha)
    assert x / np.expm1(x) == pytest.approx(alpha, rel=1e-9)
    assert crowding(1.0) == 0.0


def test_a_small_addition_of_job_search_displaces_one_minus_the_elasticity_and_a_larger_one_more():
    demand = LabourDemand(crowding(0.6))
    reference = np.array([100.0, 100.0, 100.0])
    gross, lost = displaced(demand, np.array([100.001, 110.0, 150.0]), reference)
    share = lost / gross
    assert share[0] == pytest.approx(0.4, abs=1e-4)
    assert share[0] < share[1] < share[2] < 1
    assert demand.entry_factor(reference, reference) == pytest.approx(1.0, abs=1e-6)
    unlimited = LabourDemand(0.0)
    assert (unlimited.entry_factor(reference * 2, reference) == 1).all()
    assert (displaced(unlimited, reference * 2, reference)[1] == 0).all()


def test_job_search_is_the_sum_of_the_job_entry_hazards_the_employment_step_uses():
    sc = ips_scenario()
    context = RunContext.build(sc, sc.resolved_parameters())
    pop = burned_in_population(context, Streams(sc.seed, 0))
    rates = context.employment
    searching = (pop.state != EMPLOYED) & ~((pop.state == INACTIVE_SICK) & (pop.work_limiting == 0))
    expected = np.bincount(pop.area[searching], employment.hazards(pop, rates)[searching, 0], minlength=2)
    assert employment.job_search(pop, rates, None, None, rates.by_group) == pytest.approx(expected, rel=1e-6)


def test_competition_leaves_the_counterfactual_exactly_as_it_was():
    a, b = (simulate(ips_scenario(demand=d)).counts["counterfactual"] for d in ("unlimited", "openings"))
    assert np.array_equal(a.stocks, b.stocks) and np.array_equal(a.flows, b.flows)


def test_unlimited_openings_displace_nobody_and_give_exactly_the_runs_without_competition():
    fixed = ips_scenario(demand="unlimited", parameters={"appraisal.displacement": 0.0})
    unlimited = ensemble.run(ips_scenario(elasticity=1.0))
    without = ensemble.run(fixed)
    assert summary_value(unlimited, "displacement_share") == 0.0
    columns = ["arm", "area", "programme", "metric", "mean"]
    same = unlimited.summary[columns].merge(without.summary[columns], on=columns[:4], suffixes=("", "_fixed"))
    same = same[same["metric"] != "displacement_share"]
    assert np.array_equal(same["mean"], same["mean_fixed"], equal_nan=True)


def test_displacement_grows_with_the_programme_when_openings_are_scarce():
    small, large = (ensemble.run(ips_scenario(staff=s, elasticity=0.5)) for s in (3.0, 40.0))
    shares = [summary_value(r, "displacement_share", "Knowsley") for r in (small, large)]
    assert 0.45 < shares[0] < shares[1] < 0.75  # a small programme displaces about 1 - alpha = 0.5
    assert summary_value(small, "displacement_share", "Liverpool") == 0.0  # no programme, no competition


def test_residents_of_other_areas_are_untouched_and_non_participants_lose_job_starts():
    """Common random numbers: an area without the programme is identical in both arms, resident by resident.

    In the programme's area the non-participants (and those they live with) find fewer jobs: participants
    took openings they would have filled.
    """
    sc = ips_scenario(staff=40.0, elasticity=0.3)
    liverpool = touched = None
    starts = np.zeros(2)
    for _, cf, sm in step_both_arms(sc, 24):
        status = sm.services.status[0]
        now = np.isin(status, (PRE_EMPLOYMENT, IN_WORK, COMPLETED, DROPPED))
        for pop in (cf.population, sm.population):
            now |= np.isin(pop.household, pop.household[now]) & (pop.household >= 0)
        touched = now if touched is None else touched | now
        in_liverpool = cf.population.area == 1
        same = (cf.population.state == sm.population.state) & (
            cf.population.readiness == sm.population.readiness
        )
        liverpool = same[in_liverpool].all() if liverpool is None else liverpool and same[in_liverpool].all()
        for k, model in enumerate((cf, sm)):
            pop = model.population
            others = (pop.area == 0) & ~touched
            starts[k] += ((pop.job_tenure == 1) & others).sum()
    assert liverpool
    assert starts[1] < starts[0]
