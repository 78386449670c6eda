"""Health transitions: derivations, and one month checked against the configured probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from model.config.vocabulary import MH_CMD, MH_NONE, MH_SMI
from model.core.modifiers import Modifiers
from model.core.streams import Streams
from model.dynamics import health
from model.engine import RunContext
from tests.conftest import small_scenario

Z = 4.5  # tolerance in standard errors for every statistical comparison


def within(observed: float, expected_probabilities: np.ndarray) -> bool:
    variance = np.sum(expected_probabilities * (1 - expected_probabilities))
    return abs(observed - expected_probabilities.sum()) <= Z * np.sqrt(variance) + 1


@pytest.fixture(scope="module")
def setup():
    scenario = small_scenario(population={"areas": ["Liverpool"], "scale": 0.3})
    context = RunContext.build(scenario, scenario.resolved_parameters())
    return context, context.initial_population(Streams(9, 0))


def test_solve_onset_gives_the_target_stationary_prevalence():
    target, recovery, employed, hr = np.array([0.17, 0.05]), np.array([0.04, 0.02]), np.array([0.7, 0.5]), 1.5
    b = health.solve_onset(target, recovery, [(employed, 1.0), (1 - employed, hr)])
    stationary = employed * b / (b + recovery) + (1 - employed) * hr * b / (hr * b + recovery)
    np.testing.assert_allclose(stationary, target, rtol=1e-10)
    # The closed form of the two-group case (the quadratic's positive root) agrees.
    a, bb, c = (
        hr * (1 - target),
        recovery * (employed + (1 - employed) * hr - target * (1 + hr)),
        -target * recovery**2,
    )
    np.testing.assert_allclose(b, (-bb + np.sqrt(bb**2 - 4 * a * c)) / (2 * a), rtol=1e-10)


def test_cmd_prevalence_holds_its_target_with_back_pain_raising_its_onset(setup):
    """Comorbidity moves CMD onset towards residents with back pain without changing CMD's prevalence."""
    context, _ = setup
    rates = context.health
    k = context.params["health.cmd.onset_hr_msk"]
    assert rates.cmd_onset_by_msk.tolist() == pytest.approx([1.0, k])
    e = context.profiles[0].state_shares()[0]
    m, r = rates.prevalence["msk"], rates.recovery["cmd"]
    on = rates.onset["cmd"].astype(float)
    cmd = sum((m if j else 1 - m) * on * f / (on * f + r) for j, f in enumerate((1.0, k)))
    overall = e * cmd[..., 0] + (1 - e) * cmd[..., 1]
    target, _ = health.CMD.target(context.profiles, context.params)
    np.testing.assert_allclose(overall, target, rtol=2e-6)


def test_cmd_recovery_is_incidence_over_prevalence(setup):
    context, _ = setup
    hazard = 0.0796 / 0.17 / 12
    assert context.health.recovery["cmd"] == pytest.approx(1 - np.exp(-hazard))


def test_onset_is_raised_out_of_work_by_the_configured_ratio(setup):
    context, _ = setup
    on = context.health.onset["cmd"]
    np.testing.assert_allclose(on[..., 1] / on[..., 0], 1.5, rtol=1e-5)


def group_index(pop) -> np.ndarray:
    """Row of the (area, sex, single year of age, out of work) onset tables, computed independently."""
    age = pop.age_months.astype(int) // 12 - 16
    return ((pop.area.astype(int) * 2 + pop.male) * 49 + age) * 2 + (pop.state != 0)


def test_one_month_of_health_transitions_matches_the_configured_probabilities(setup):
    context, pop0 = setup
    pop = pop0.copy()
    g = group_index(pop)
    health.step(pop, context.health, Streams(9, 0), 1)
    rates = context.health
    none, cmd, smi = pop0.mental_health == MH_NONE, pop0.mental_health == MH_CMD, pop0.mental_health == MH_SMI
    p_cmd = rates.onset["cmd"].ravel()[g].astype(float) * rates.cmd_onset_by_msk[pop0.msk]
    assert within(np.sum(none & (pop.mental_health == MH_CMD)), p_cmd[none])
    assert within(np.sum(cmd & (pop.mental_health == MH_NONE)), np.full(cmd.sum(), rates.recovery["cmd"]))
    assert within(np.sum(smi & (pop.mental_health == MH_NONE)), np.full(smi.sum(), rates.recovery["smi"]))
    no_msk = pop0.msk == 0
    assert within(np.sum(no_msk & (pop.msk == 1)), rates.onset["msk"].ravel()[g][no_msk].astype(float))
    has_msk = ~no_msk
    assert within(np.sum(has_msk & (pop.msk == 0)), np.full(has_msk.sum(), rates.recovery["msk"]))


def test_work_limiting_starts_only_with_a_new_condition_and_ends_with_the_last(setup):
    context, pop0 = setup
    pop = pop0.copy()
    became = health.step(pop, context.health, Streams(9, 1), 1)
    assert (pop.work_limiting[became] == 1).all()
    assert (pop0.work_limiting[became] == 0).all()
    assert not pop.work_limiting[~health.any_condition(pop)].any()
    new = (pop0.work_limiting == 0) & (pop.work_limiting == 1)
    assert np.array_equal(new, became)


def test_recovery_multipliers_raise_recovery(setup):
    context, pop0 = setup
    base, boosted = pop0.copy(), pop0.copy()
    health.step(base, context.health, Streams(9, 2), 1)
    cmd = pop0.mental_health == MH_CMD
    touched = np.flatnonzero(cmd)[::2]  # half of those with CMD get the effect
    mods = Modifiers(len(pop0))
    mods.add("health.mental_health.recovery", touched, np.full(len(touched), 2.0, np.float32))
    health.step(boosted, context.health, Streams(9, 2), 1, mods)
    others = cmd.copy()
    others[touched] = False
    assert np.array_equal(boosted.mental_health[others], base.mental_health[others])  # untouched: identical
    recovered = lambda pop, s: np.sum(pop.mental_health[s] == 0)  # noqa: E731
    assert recovered(boosted, touched) > 1.5 * recovered(base, touched)
