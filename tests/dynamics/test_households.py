"""Households: synthesis is consistent, structure holds month to month, the fitted shares are reproduced."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.areas import read_profiles
from model.config.parameters import default_parameters
from model.config.vocabulary import EMPLOYED
from model.core.streams import Streams
from model.dynamics import households as H
from model.engine import HealthWorkModel, RunContext, burned_in_population
from model.experiments.fitting import TARGETS, read_targets
from model.experiments.household_fit import HouseholdEvaluator
from tests.conftest import small_scenario


def check_consistent(pop) -> None:
    """Every resident is in one household, linked lists, heads, partners and counts agree."""
    hh = pop.households
    used = np.flatnonzero(hh.head >= 0)
    assert (pop.household >= 0).all()
    assert np.array_equal(np.bincount(pop.household, minlength=len(hh)), hh.adults.astype(np.int64))
    workers = np.bincount(pop.household, pop.state == EMPLOYED, minlength=len(hh))
    assert np.array_equal(workers, hh.workers.astype(np.int64))
    seen = np.zeros(len(pop), bool)
    for h in used:
        j, k = hh.first_member[h], 0
        while j >= 0:
            assert pop.household[j] == h and not seen[j]
            seen[j] = True
            j, k = pop.next_member[j], k + 1
        assert k == hh.adults[h]
    assert seen.all()
    has = pop.partner >= 0
    assert (pop.partner[pop.partner[has]] == np.flatnonzero(has)).all()
    assert (pop.household[pop.partner[has]] == pop.household[has]).all()
    heads = np.flatnonzero(pop.role == H.HEAD)
    assert (hh.head[pop.household[heads]] == heads).all()
    kids = hh.children[used].astype(np.int64)
    assert (np.diff(kids, axis=1) >= 0).all()  # oldest first, free places last


@pytest.fixture(scope="module")
def run():
    sc = small_scenario(population={"areas": ["Knowsley", "Liverpool"], "scale": 0.05}, horizon_months=60)
    context = RunContext.build(sc, sc.resolved_parameters())
    streams = Streams(5, 0)
    pop = burned_in_population(context, streams)
    return context, pop, streams


def structure(pop) -> dict[str, float]:
    hh = pop.households
    used = hh.head >= 0
    return {
        "households_per_resident": used.sum() / len(pop),
        "children_per_resident": (hh.children[used] != H.NO_CHILD).sum() / len(pop),
        "partnered": (pop.partner >= 0).mean(),
        **{role: (pop.role == k).mean() for k, role in enumerate(H.ROLES)},
        "workless": H.moments(pop)["workless_household_share"],
    }


def test_synthesised_households_are_consistent_and_in_slot_order(run):
    _, pop, _ = run
    check_consistent(pop)
    first = pop.households.first_member[pop.households.head >= 0]
    assert (np.diff(first) > 0).all()  # households numbered in slot order, members on neighbouring slots


def test_household_structure_holds_over_five_years(run):
    """Stationarity, with explicit tolerances: role shares within 0.5 points, children per resident within
    3% and households per resident within 2%, the workless share within 2 points."""
    context, pop, streams = run
    pop = pop.copy()
    before = structure(pop)
    HealthWorkModel(context, pop, streams, arm="test").run_for(60)
    check_consistent(pop)
    after = structure(pop)
    for role in (*H.ROLES, "partnered"):
        assert after[role] == pytest.approx(before[role], abs=0.005), role
    assert after["children_per_resident"] == pytest.approx(before["children_per_resident"], rel=0.03)
    assert after["households_per_resident"] == pytest.approx(before["households_per_resident"], rel=0.02)
    assert after["workless"] == pytest.approx(before["workless"], abs=0.02)


def test_fitted_household_parameters_reproduce_the_uk_2013_targets_on_another_seed():
    """The stage E targets, on a seed the fit did not use, at the fit's 200,000 residents (tolerance: twice
    the fit's; the lone mothers' employment rate varies by about a point between seeds at that size)."""
    profile = read_profiles(TARGETS / "reference_populations.csv")[("United Kingdom", 2013)]
    targets = read_targets("households.csv", TARGETS)
    achieved = HouseholdEvaluator.build(profile, default_parameters(), 200_000, seed=4242)(
        default_parameters()
    )
    for name in ("workless_household_share", "lone_mother_employment_rate", "children_in_workless_share"):
        target = float(targets[name]["value"])
        assert achieved[name] == pytest.approx(target, abs=2 * float(targets[name]["tolerance"])), name


def test_entrants_join_the_household_whose_child_turned_16(run):
    context, pop, streams = run
    pop = pop.copy()
    model = HealthWorkModel(context, pop, streams, arm="test")
    model.run_for(1)
    entrants = np.flatnonzero(pop.age_months == 16 * 12)
    joined = entrants[pop.role[entrants] == H.NON_DEPENDANT]
    assert len(joined) > 0.5 * len(entrants)  # most have a household of their area to join
    assert (pop.households.area[pop.household[joined]] == pop.area[joined]).all()
