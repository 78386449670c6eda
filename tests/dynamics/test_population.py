"""Synthetic population: consistent with the area figures, and an open population that keeps its size."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.areas import area_sizes, packaged_profiles
from model.config.vocabulary import EMPLOYED, INACTIVE_SICK, MH_CMD, STATES
from model.core.population import ENTRY_AGE_YEARS, EXIT_AGE_YEARS
from model.core.streams import Streams
from model.dynamics import health
from model.dynamics.demography import age_one_month
from model.engine import HealthWorkModel, RunContext, burned_in_population
from tests.conftest import small_scenario


@pytest.fixture(scope="module")
def lcr():
    scenario = small_scenario(population={"areas": ["Knowsley", "Liverpool", "Wirral"], "scale": 0.2})
    context = RunContext.build(scenario, scenario.resolved_parameters())
    return context, context.initial_population(Streams(3, 0))


def test_initial_states_match_each_area_within_sampling_error(lcr):
    context, pop = lcr
    for i, profile in enumerate(context.profiles):
        state = pop.state[pop.area == i]
        n = len(state)
        for k, share in enumerate(profile.state_shares()):
            observed = np.mean(state == k)
            assert abs(observed - share) < 4 * np.sqrt(share * (1 - share) / n) + 1e-9, (
                profile.name,
                STATES[k],
            )


def test_everyone_inactive_through_sickness_is_work_limiting_with_a_condition(lcr):
    _, pop = lcr
    sick = pop.state == INACTIVE_SICK
    assert sick.any()
    assert pop.work_limiting[sick].all()
    assert health.any_condition(pop)[sick].all()
    assert not pop.work_limiting[~health.any_condition(pop)].any()


def test_mental_health_and_msk_are_more_common_out_of_work(lcr):
    _, pop = lcr
    employed = pop.state == EMPLOYED
    assert (pop.mental_health[~employed] > 0).mean() > (pop.mental_health[employed] > 0).mean() + 0.02
    assert pop.msk[~employed].mean() > pop.msk[employed].mean() + 0.02


def test_cmd_prevalence_settles_at_national_prevalence_times_the_register_index():
    # At synthesis the sick-inactive must have a condition, which inflates prevalence in high-sickness areas;
    # the health dynamics do not depend on sickness status, so burn-in returns prevalence to its target.
    scenario = small_scenario(
        population={"areas": ["Knowsley", "Liverpool", "Wirral"], "scale": 0.2},
        parameters={"simulation.burn_in_months": 60},
    )
    context = RunContext.build(scenario, scenario.resolved_parameters())
    pop = burned_in_population(context, Streams(3, 0))
    for i, profile in enumerate(context.profiles):
        observed = np.mean(pop.mental_health[pop.area == i] == MH_CMD)
        assert abs(observed - 0.17 * profile.depression_register_index) < 0.01, profile.name


def test_ages_uniform_over_working_age_and_areas_contiguous(lcr):
    _, pop = lcr
    years = pop.age_years()
    assert years.min() == ENTRY_AGE_YEARS and years.max() == EXIT_AGE_YEARS - 1
    counts = np.bincount(years - ENTRY_AGE_YEARS)
    assert counts.std() / counts.mean() < 0.1
    assert np.all(np.diff(pop.area.astype(int)) >= 0)


def test_scale_sets_simulated_residents_per_area():
    profiles = [packaged_profiles()[("Liverpool", 2023)], packaged_profiles()[("Halton", 2023)]]
    assert area_sizes(profiles, 0.1) == [32652, 7990]
    assert area_sizes(profiles, 1e-9) == [1, 1]


def test_residents_reaching_65_leave_and_entrants_keep_each_area_size():
    scenario = small_scenario(population={"areas": ["Halton", "Knowsley"], "scale": 0.05})
    context = RunContext.build(scenario, scenario.resolved_parameters())
    pop = context.initial_population(Streams(1, 0))
    sizes = np.bincount(pop.area)
    pop.age_months[:10] = EXIT_AGE_YEARS * 12 - 1
    probe = pop.copy()
    assert set(age_one_month(probe)[0]) >= set(range(10))
    model = HealthWorkModel(context, pop, Streams(1, 0), arm="test")
    model.run_for(24)
    assert np.array_equal(np.bincount(pop.area), sizes)
    assert pop.age_months.max() < EXIT_AGE_YEARS * 12
    assert (pop.age_months[:10] // 12 == ENTRY_AGE_YEARS + 1).all()  # entrants at 16, now aged two years more


def test_area_agents_are_mesa_agents_over_their_slots():
    import mesa

    scenario = small_scenario(population={"areas": ["Halton", "Knowsley"], "scale": 0.05})
    context = RunContext.build(scenario, scenario.resolved_parameters())
    model = HealthWorkModel(context, context.initial_population(Streams(1, 0)), Streams(1, 0), arm="test")
    assert all(isinstance(a, mesa.Agent) for a in model.areas)
    assert [a.profile.name for a in model.areas] == ["Halton", "Knowsley"]
    assert abs(sum(model.areas[1].shares().values()) - 1) < 1e-12
    assert (model.population.area[model.areas[1].slots] == 1).all()
