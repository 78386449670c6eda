"""Employment transitions: modifiers as specified; one month's moves match the hazards statistically."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.vocabulary import EMPLOYED, INACTIVE_OTHER, INACTIVE_SICK, UNEMPLOYED
from model.core.streams import Streams
from model.dynamics import employment
from model.engine import RunContext
from tests.conftest import small_scenario
from tests.dynamics.test_health import within


@pytest.fixture(scope="module")
def setup():
    scenario = small_scenario(population={"areas": ["Knowsley", "Sefton"], "scale": 0.3})
    context = RunContext.build(scenario, scenario.resolved_parameters())
    return context, context.initial_population(Streams(4, 0))


def test_duration_table_gives_the_published_ratio_between_short_and_long_spells():
    table = employment.duration_ratio_table(3.2, 3, 24)
    assert table[1] == table[3] == 1.0
    assert table[24] == pytest.approx(1 / 3.2)
    assert np.all(np.diff(table) <= 0)


def test_fragile_factor_ends_reference_jobs_within_the_window_with_the_published_share():
    reference = 0.0046
    factor = employment.fragile_factor(0.40, 6, reference)
    assert 1 - np.exp(-6 * reference * factor) == pytest.approx(0.40)


def test_hazards_apply_duration_work_limiting_and_readiness_modifiers(setup):
    context, pop0 = setup
    pop = pop0.copy()
    u = np.flatnonzero(pop.state == UNEMPLOYED)[:2]
    pop.months_out_of_work[u] = [2, 40]
    pop.work_limiting[u] = 0
    pop.readiness[u] = 0.5
    pop.age_months[u] = 30 * 12
    pop.area[u] = 0
    entry = employment.hazards(pop, context.employment)[u, 0]
    assert entry[0] / entry[1] == pytest.approx(3.2, rel=1e-5)
    pop.work_limiting[u] = 1
    limited = employment.hazards(pop, context.employment)[u, 0]
    assert limited[0] / entry[0] == pytest.approx(context.params["employment.work_limiting_hr"], rel=1e-5)
    pop.readiness[u] = 1.0
    ready = employment.hazards(pop, context.employment)[u, 0]
    assert ready[0] / limited[0] == pytest.approx(
        np.exp(0.5 * context.params["employment.readiness_effect"]), 1e-5
    )


def test_only_work_limiting_residents_face_a_sickness_hazard(setup):
    context, pop = setup
    sickness = employment.hazards(pop, context.employment)[:, 3]
    assert not sickness[pop.work_limiting == 0].any()
    assert sickness[(pop.work_limiting == 1) & (pop.state == EMPLOYED)].min() > 0


def test_one_month_of_moves_matches_the_competing_hazards(setup):
    context, pop0 = setup
    pop = pop0.copy()
    entry, unemployment, inactivity, sickness = employment.hazards(pop, context.employment).astype(float).T
    total = entry + unemployment + inactivity + sickness
    leave = -np.expm1(-total)
    employment.step(pop, context.employment, Streams(4, 1), 1, np.zeros(len(pop), bool))
    stay = ~((pop0.state == INACTIVE_SICK) & (pop0.work_limiting == 0))
    for origin in range(4):
        at = (pop0.state == origin) & stay
        for dest, hazard in (
            (EMPLOYED, entry),
            (UNEMPLOYED, unemployment),
            (INACTIVE_OTHER, inactivity),
            (INACTIVE_SICK, sickness),
        ):
            if dest == origin:
                continue
            expected = (hazard * leave / np.where(total > 0, total, 1))[at]
            observed = np.sum(at & (pop.state == dest))
            assert within(observed, expected), (origin, dest, observed, expected.sum())


def test_durations_update_with_moves(setup):
    context, pop0 = setup
    pop = pop0.copy()
    before, started_slots, left_slots = employment.step(
        pop, context.employment, Streams(4, 2), 1, np.zeros(len(pop), bool)
    )
    started = (pop0.state != EMPLOYED) & (pop.state == EMPLOYED)
    lost = (pop0.state == EMPLOYED) & (pop.state != EMPLOYED)
    stayed_in = (pop0.state == EMPLOYED) & (pop.state == EMPLOYED)
    stayed_out = (pop0.state != EMPLOYED) & (pop.state != EMPLOYED)
    assert started.any() and lost.any()
    assert np.array_equal(before, pop0.state)
    assert np.array_equal(started_slots, np.flatnonzero(started))
    assert np.array_equal(left_slots, np.flatnonzero(lost))
    assert (pop.job_tenure[started] == 1).all() and (pop.months_out_of_work[started] == 0).all()
    assert (pop.months_out_of_work[lost] == 1).all() and (pop.job_tenure[lost] == 0).all()
    assert np.array_equal(pop.job_tenure[stayed_in], pop0.job_tenure[stayed_in] + 1)
    assert np.array_equal(pop.months_out_of_work[stayed_out], pop0.months_out_of_work[stayed_out] + 1)


def test_sick_resident_who_stops_being_work_limiting_moves_to_inactive_other(setup):
    context, pop0 = setup
    pop = pop0.copy()
    sick = np.flatnonzero(pop.state == INACTIVE_SICK)[:50]
    pop.work_limiting[sick] = 0
    employment.step(pop, context.employment, Streams(4, 3), 1, np.zeros(len(pop), bool))
    assert (pop.state[sick] == INACTIVE_OTHER).all()
