"""Assumptions: each is listed in the README, and the model responds to each in the expected direction."""

from __future__ import annotations

import pandas as pd
import pytest

from model.config.errors import InputError
from model.config.vocabulary import EMPLOYED
from model.core.streams import Streams
from model.engine import RunContext, burned_in_population
from model.experiments.sensitivity import one_at_a_time, settings, uncertain_paths
from tests.conftest import ROOT, small_scenario


def scenario():
    return small_scenario(
        population={"areas": ["Knowsley"], "scale": 0.05},
        horizon_months=48,
        replications=3,
        parameters={"simulation.burn_in_months": 24},
    )


def test_every_uncertain_parameter_is_named_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [p for p in uncertain_paths(scenario()) if p not in readme]
    assert not missing, missing


def test_settings_respect_bounds_and_integers():
    s = scenario()
    assert settings(s, "readiness.target_employed", 0.5, 2.0) == [("base", 0.7), ("low", 0.35), ("high", 1.0)]
    assert settings(s, "simulation.burn_in_months", 0.5, 1.5) == [
        ("base", 24.0),
        ("low", 12.0),
        ("high", 36.0),
    ]


@pytest.fixture(scope="module")
def sweep():
    paths = [
        "employment.age.entry_25_49",
        "employment.age.exit_25_49",
        "readiness.target_inactive_sick",
        "employment.readiness_effect",
        "health.other.recovery_per_year",
        "demography.male_share",
        "employment.duration.sick_decline",
        "employment.condition.entry_share",
    ]
    table = one_at_a_time(scenario(), paths)
    rows = table[(table["arm"] == "counterfactual") & (table["area"] == "ALL")]
    return rows.pivot_table(index=["parameter", "metric"], columns="setting", values="mean")


def moves(sweep: pd.DataFrame, parameter: str, metric: str) -> tuple[float, float]:
    row = sweep.loc[(parameter, metric)]
    return row["low"] - row["base"], row["high"] - row["base"]


@pytest.mark.parametrize(
    ("parameter", "metric", "sign"),
    [
        ("employment.age.entry_25_49", "employment_rate", +1),
        ("employment.age.exit_25_49", "employment_rate", -1),
        ("readiness.target_inactive_sick", "employment_rate", +1),
        ("health.other.recovery_per_year", "inactive_sick", -1),
        ("employment.duration.sick_decline", "inactive_sick", +1),  # the long-term sick stay longer
        ("employment.condition.entry_share", "employment_rate", +1),  # conditions cost fewer jobs once found
    ],
)
def test_outputs_move_in_the_expected_direction(sweep, parameter, metric, sign):
    low, high = moves(sweep, parameter, metric)
    assert sign * low < 0 < sign * high, (low, high)


def test_readiness_effect_changes_employment(sweep):
    low, high = moves(sweep, "employment.readiness_effect", "employment_rate")
    assert abs(low) > 0.05 and abs(high) > 0.05


def test_male_share_leaves_calibrated_prevalence_nearly_unchanged(sweep):
    row = sweep.loc[("demography.male_share", "with_mental_health")]
    assert abs(row["low"] / row["base"] - 1) < 0.05 and abs(row["high"] / row["base"] - 1) < 0.05


def test_onset_ratio_out_of_work_widens_the_prevalence_gap():
    gaps = []
    for hr in (1.0, 3.0):
        s = small_scenario(
            population={"areas": ["Liverpool"], "scale": 0.1},
            parameters={"health.cmd.onset_hr_workless": hr, "simulation.burn_in_months": 36},
        )
        pop = burned_in_population(RunContext.build(s, s.resolved_parameters()), Streams(1, 0))
        employed = pop.state == EMPLOYED
        gaps.append((pop.mental_health[~employed] > 0).mean() - (pop.mental_health[employed] > 0).mean())
    # Even without raised onset out of work there is a gap: the long-term sick must have a condition, and
    # mental disorders act on work directly (severe mental illness most of all).
    assert 0 < gaps[0] < 0.2
    assert gaps[1] > gaps[0] + 0.08


def test_unknown_parameter_is_an_input_error():
    with pytest.raises(InputError) as caught:
        one_at_a_time(scenario(), ["employment.nonsense"])
    assert "unknown parameter" in caught.value.problems[0].reason
