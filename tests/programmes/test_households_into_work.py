"""Household programmes: households referred once, places counted in households, all eligible adults start."""

from __future__ import annotations

import numpy as np

from model.config.vocabulary import EMPLOYED
from model.programmes.programme import COMPLETED, DROPPED, IN_WORK, PRE_EMPLOYMENT, WAITING
from tests.programmes.test_services import scenario, step_both_arms


def households_into_work(**changes):
    spec = {
        "name": "hiw",
        "type": "households_into_work",
        "staff_fte": 6,
        "referral": {"jobcentre": 0.01},
        "eligibility": {"household": {"min_adults_out_of_work": 2}},
        "start": "2026-04",
        "end": "2027-09",
    }
    spec.update(changes)
    return spec


def test_households_are_admitted_whole_within_capacity_and_referred_once():
    sc = scenario([households_into_work()])
    started = 0
    for _month, _, sm in step_both_arms(sc, 12):
        pop, services = sm.population, sm.services
        prog = services.programmes[0]
        status = services.status[0]
        active = np.flatnonzero(np.isin(status, (PRE_EMPLOYMENT, IN_WORK)))
        waiting = np.flatnonzero(status == WAITING)
        households_active = np.unique(pop.household[active])
        for a in range(len(prog.capacity)):
            in_area = np.unique(pop.household[active[pop.area[active] == a]])
            assert len(in_area) <= prog.capacity[a]  # places count households
        # one resident per household waits, and none of a household already in support
        assert len(np.unique(pop.household[waiting])) == len(waiting)
        assert not np.isin(pop.household[waiting], households_active).any()
        started += len(active)
    assert started > 0
    # Every adult of a supported household who is eligible in person (out of work, 18+) was started with it.
    members = np.flatnonzero(np.isin(pop.household, households_active))
    eligible = members[(pop.state[members] != EMPLOYED) & (pop.age_months[members] >= 18 * 12)]
    recent = eligible[services.months[0][eligible] <= 1]
    assert np.isin(status[recent], (PRE_EMPLOYMENT, IN_WORK, COMPLETED, DROPPED)).all()


def test_household_criteria_decide_who_is_referred():
    sc = scenario(
        [households_into_work(eligibility={"household": {"workless": True, "with_children": True}})]
    )
    context_checked = False
    before = None
    for _, _, sm in step_both_arms(sc, 6):
        pop, services = sm.population, sm.services
        involved = services.status[0] != 0
        new = np.flatnonzero(involved & ~before) if before is not None else np.flatnonzero(involved)
        before = involved.copy()
        if len(new):  # referred this month: their household had children when referred
            assert pop.households.has_children()[pop.household[new]].all()
            context_checked = True
    assert context_checked
