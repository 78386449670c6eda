"""An economy that moves: a national unemployment path shifts the hazards, and the simulated rate follows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.config import economy
from model.config.vocabulary import EMPLOYED, UNEMPLOYED
from model.dynamics.employment import economy_factors
from model.engine import simulate
from tests.conftest import FIXTURES, healthwork, small_scenario

REFERENCE_2023 = economy.reference_rate(2023)


def with_path(path, **changes):
    scenario = small_scenario(**changes)
    return scenario.model_copy(
        update={"economy": scenario.economy.model_copy(update={"unemployment_path": path})}
    )


def test_the_shipped_paths_are_the_published_points_interpolated_month_by_month():
    history = economy.shipped_paths()["uk_history"]
    assert economy.rate_at(history, economy.month_number(2014, 11)) == 5.7  # Oct-Dec 2014, ONS
    # 2017 is not in the sources: between Oct-Dec 2016 (4.8) and Oct-Dec 2018 (4.0), linearly.
    assert economy.rate_at(history, economy.month_number(2017, 11)) == pytest.approx(4.4)
    assert economy.rate_at(history, economy.month_number(2000, 1)) == 6.7  # flat before the first point
    obr = economy.shipped_paths()["obr_march_2026"]
    assert economy.rate_at(obr, economy.month_number(2026, 7)) == 5.33  # the OBR's 2026 forecast
    assert economy.rate_at(obr, economy.month_number(2040, 1)) == 4.1  # held after 2030
    assert pytest.approx(3.7 + 0.1 * 8 / 12) == REFERENCE_2023  # July 2023, between Q4 2022 and Q4 2023


def test_the_frozen_economy_and_a_flat_path_at_the_reference_leave_the_hazards_exactly_alone():
    assert economy_factors("none", 2023, 0.5, 2.0, 6) is None
    factors, _ = economy_factors({2015: REFERENCE_2023, 2040: REFERENCE_2023}, 2023, 0.5, 2.0, 6)
    covered = factors[economy.month_number(2016, 1) - economy.month_number(2007, 4) :]
    assert (covered == 1).all()


def test_a_flat_path_reproduces_todays_baseline_exactly():
    frozen = small_scenario(horizon_months=24)
    flat = with_path({2015: REFERENCE_2023, 2040: REFERENCE_2023}, horizon_months=24)
    a, b = (simulate(s, replication=1).counts["counterfactual"] for s in (frozen, flat))
    assert np.array_equal(a.stocks, b.stocks) and np.array_equal(a.flows, b.flows)


def test_higher_national_unemployment_lowers_job_finding_and_raises_job_loss_by_the_split():
    factors, first = economy_factors({2026: 2 * REFERENCE_2023, 2030: 2 * REFERENCE_2023}, 2023, 0.25, 2.0, 0)
    finding, loss = factors[economy.month_number(2027, 1) - first]
    r, s = REFERENCE_2023 / 100, 2 * REFERENCE_2023 / 100
    odds_ratio = (s / (1 - s)) / (r / (1 - r))
    assert finding == pytest.approx(odds_ratio ** (-0.25 * 2.0), rel=1e-6)
    assert loss == pytest.approx(odds_ratio ** (0.75 * 2.0), rel=1e-6)


@pytest.mark.slow
def test_the_simulated_unemployment_rate_follows_a_path_within_half_a_point_a_year():
    """National unemployment up 1.7 points over two years and back: the odds move with the path's odds.

    Expected: the frozen economy's rate in each month with its odds times the path's odds ratio (so the
    area keeps its difference from the nation). Tolerance: 0.5 points on each year's mean, from the year
    the path starts moving (4 replications of Halton and Knowsley at scale 0.05).
    """
    path = {2024: 3.8, 2025: 4.8, 2026: 5.5, 2027: 5.0, 2028: 4.2}
    changes = {
        "population": {"areas": ["Halton", "Knowsley"], "scale": 0.05},
        "start": "2024-01",
        "horizon_months": 60,
    }
    frozen, moved = small_scenario(**changes), with_path(path, **changes)

    def rates(scenario) -> np.ndarray:
        stocks = np.mean(
            [
                simulate(scenario, replication=r, ledger=False).counts["counterfactual"].stocks
                for r in range(4)
            ],
            axis=0,
        ).sum(axis=1)
        return stocks[1:, UNEMPLOYED] / (stocks[1:, UNEMPLOYED] + stocks[1:, EMPLOYED])

    base, simulated = rates(frozen), rates(moved)
    months = np.arange(economy.month_number(2024, 1), economy.month_number(2029, 1))
    national = np.array([economy.rate_at(economy.points(path), m) for m in months]) / 100
    reference = REFERENCE_2023 / 100
    odds = base / (1 - base) * (national / (1 - national)) / (reference / (1 - reference))
    expected = odds / (1 + odds)
    yearly = (100 * (simulated - expected)).reshape(5, 12).mean(axis=1)
    assert np.abs(yearly).max() < 0.5, yearly.round(2)
    assert 100 * (simulated[24:36].mean() - base[24:36].mean()) > 0.5  # it did move (expected about 1.4)


def test_a_run_says_which_economy_it_assumed(tmp_path):
    out = tmp_path / "out"
    path, demand = "economy.unemployment_path=obr_march_2026", "economy.labour_demand=openings"
    base = FIXTURES / "good" / "base.yaml"
    done = healthwork(
        "run", base, "--set", path, "--set", demand, "--replications", 1, "--no-plots", "--out", out
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"]["economy"] == {
        "unemployment_path": "obr_march_2026",
        "labour_demand": "openings",
    }
    assert (
        "Economy: national unemployment path obr_march_2026; competed job openings (scenario keys "
        "economy.unemployment_path and economy.labour_demand)." in (manifest["notes"])
    )
