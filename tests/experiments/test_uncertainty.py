"""Parameter draws, variance components, the decision tables and the value of information."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.config.parameters import FIXED_BASES, SOURCED_BASES, _distribution_problem, default_parameters
from model.experiments import ensemble, uncertainty
from tests.conftest import FIXTURES, assert_same_outputs, healthwork, small_scenario

BASE = FIXTURES / "good" / "base.yaml"
J = "judgement"


def test_every_parameter_but_fitted_ones_and_statutory_rates_states_its_distribution_and_basis():
    params = default_parameters()
    for path in params:
        entry = params.entry(path)
        if entry.status != "fitted" and not path.startswith("rates."):  # statutory rates: in their own file
            assert entry.distribution is not None and entry.distribution_basis, path
        assert (entry.distribution == "fixed") == (entry.distribution_basis in FIXED_BASES), path
        if entry.distribution_basis in SOURCED_BASES:
            assert entry.distribution_source, path


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        ({"status": "assumption"}, "states its distribution"),
        ({"status": "sourced"}, "states its distribution"),
        ({"status": "assumption", "distribution": "fixed", "distribution_basis": "guess"}, "must be one of"),
        ({"status": "assumption", "distribution": "fixed", "distribution_basis": "half_to_double"},
         "fixed exactly when"),
        ({"status": "sourced", "distribution": {"uniform": {"low": 0, "high": 1}},
          "distribution_basis": "setting"}, "fixed exactly when"),
        ({"status": "sourced", "distribution": {"lognormal": {"median": 0.2, "p95": 0.3}},
          "distribution_basis": "sampling"}, "states its distribution_source"),
        ({"status": "sourced", "distribution": "fixed", "distribution_basis": "survey_estimate"},
         "states its distribution_source"),
        ({"status": "sourced", "distribution": {"uniform": {"low": 2, "high": 1}}, "distribution_basis": J},
         "malformed"),
        ({"status": "sourced", "distribution": {"uniform": {"low": 0, "high": 2}}, "distribution_basis": J,
          "max": 1}, "beyond the leaf's bounds"),
        ({"status": "sourced", "distribution": {"beta": {"a": 1}}, "distribution_basis": J}, "malformed"),
    ],
)  # fmt: skip
def test_a_badly_stated_distribution_is_refused(node, reason):
    assert reason in _distribution_problem(node)


def test_draws_are_seeded_by_seed_and_draw_only_and_keep_the_scenarios_own_values():
    sc = small_scenario(parameters={"simulation.burn_in_months": 12, "appraisal.displacement": 0.2})
    programme = {"name": "ips", "type": "ips", "staff_fte": 10, "referral": {"gp": 0.002}}
    with_ips = small_scenario(programmes=[programme], parameters={"appraisal.displacement": 0.2})
    first = uncertainty.draw_values(with_ips, 3)
    assert first == uncertainty.draw_values(with_ips, 3)
    assert first != uncertainty.draw_values(with_ips, 4)
    assert first == uncertainty.draw_values(with_ips.model_copy(update={"replications": 9}), 3)
    assert "appraisal.displacement" not in first  # the scenario sets it
    assert not any(p.startswith(uncertainty.BASELINE_GROUPS) for p in first)
    assert any(p.startswith("services.ips.") for p in first)
    assert not any(p.startswith("services.ips.") for p in uncertainty.draw_values(sc, 3))  # no IPS in it
    params = default_parameters()
    for path, value in first.items():
        ((kind, spec),) = params.entry(path).distribution.items()
        if kind == "lognormal":
            assert value > 0, path
        else:
            assert spec["low"] <= value <= spec["high"], path


def test_a_half_to_double_parameter_is_drawn_log_uniformly():
    """400 draws of services.ips.dropout (log-uniform 0.015-0.06, value 0.03): its logarithm's mean is the
    value's within 4.5 standard errors, and every draw is in range."""
    programme = {"name": "ips", "type": "ips", "staff_fte": 10, "referral": {"gp": 0.002}}
    sc = small_scenario(programmes=[programme])
    x = np.log([uncertainty.draw_values(sc, d)["services.ips.dropout"] for d in range(400)])
    low, high = np.log(0.015), np.log(0.06)
    sd = (high - low) / np.sqrt(12)
    assert abs(x.mean() - np.log(0.03)) < 4.5 * sd / np.sqrt(400)
    assert x.min() >= low - 1e-12 and x.max() <= high + 1e-12 and abs(x.std() - sd) < 0.15 * sd


def test_variance_components_recover_a_known_split():
    """2,000 draws x 20 replications, between-draw variance 4 and within 1: each within about 4 standard
    errors (between: 4 x sqrt(2 / 1999) = 0.13)."""
    rng = np.random.default_rng(1)
    grid = rng.normal(0, 2, (2000, 1)) + rng.normal(0, 1, (2000, 20))
    _, total, between, within, share = uncertainty.variance_components({"x": grid.ravel()}, 2000, 20)["x"]
    assert abs(between - 4) < 0.5 and abs(within - 1) < 0.02
    assert abs(share - 0.8) < 0.03 and abs(total - 5) < 0.6


def test_evppi_recovers_a_toy_decision_with_analytic_values():
    """Net benefit theta1 + theta2, both standard normal, fund vs not: EVPI = E[max(t1 + t2, 0)] = sqrt(2) x
    phi(0) = 0.5642; EVPPI(theta1) = E[max(theta1, 0)] = phi(0) = 0.3989; EVPPI(both) = EVPI."""
    rng = np.random.default_rng(7)
    theta = rng.normal(size=(20_000, 2))
    nb = theta.sum(axis=1)
    phi0 = 1 / np.sqrt(2 * np.pi)
    assert abs(uncertainty.evpi(nb) - np.sqrt(2) * phi0) < 0.02
    assert abs(uncertainty.evppi(nb, theta[:, 0]) - phi0) < 0.02
    assert abs(uncertainty.evppi(nb, theta[:, 1]) - phi0) < 0.02
    assert abs(uncertainty.evppi(nb, theta) - np.sqrt(2) * phi0) < 0.02
    assert uncertainty.evppi(nb, rng.normal(size=20_000)) < 0.01  # an irrelevant parameter is worth nothing
    assert uncertainty.evpi(np.full(10, 5.0)) == 0.0  # no uncertainty about the decision


def test_decision_tables_follow_the_draws():
    effect, cost = np.array([10.0, 20.0, 30.0, 40.0]), np.array([300_000.0, 100_000.0, -50_000.0, 200_000.0])
    theta = pd.DataFrame({"a.x": [1.0, 2.0, 3.0, 4.0]})
    tables = uncertainty.decision_tables(effect, cost, None, theta)
    curve = tables["ceac.csv"].set_index("wtp_gbp_per_employed_person_year")
    assert curve.loc[0, "probability_cost_effective"] == 0.25  # only the draw that saves money
    assert curve.loc[10_000, "probability_cost_effective"] == 0.75  # 100k, 300k-ish thresholds: 20x10k > 100k
    assert curve.loc[0, "expected_net_benefit_gbp"] == -cost.mean()
    assert (curve["evpi_gbp"] >= 0).all()
    assert list(tables["ce_plane.csv"]["net_cost_gbp"]) == list(cost)


def test_run_with_draws_end_to_end_and_the_same_bytes_on_any_workers(tmp_path):
    scenario = tmp_path / "p.yaml"
    scenario.write_text(
        "name: p\nstart: 2026-04\nhorizon_months: 18\nseed: 2\nreplications: 2\n"
        "population: {areas: [Knowsley], scale: 0.05}\nparameters: {simulation.burn_in_months: 6}\n"
        "programmes:\n  - {name: ips, type: ips, staff_fte: 10, referral: {gp: 0.01}}\n"
    )
    for workers in (1, 2):
        done = healthwork(
            "run",
            scenario,
            "--draws",
            4,
            "--workers",
            workers,
            "--out",
            tmp_path / f"w{workers}",
            "--no-plots",
        )
        assert done.returncode == 0, done.stderr
    out = tmp_path / "w1"
    for name in (
        "summary.csv",
        "draws.csv",
        "variance_components.csv",
        "ce_plane.csv",
        "ceac.csv",
        "evppi.csv",
    ):
        assert (out / name).read_bytes() == (tmp_path / "w2" / name).read_bytes(), name
    assert_same_outputs(out, tmp_path / "w2")
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert sorted(set(monthly["replication"])) == list(range(8))  # 4 draws x 2 replications
    assert len(list((out / "runs").glob("draw-0000[0-3]-replication-0000[01].parquet"))) == 8
    summary = pd.read_csv(out / "summary.csv").set_index(["arm", "area", "programme", "metric"])
    cost = summary.loc[("impact", "ALL", "all", "programme_cost_gbp")]
    assert cost["p05"] < cost["p95"]  # the staff cost is drawn, so the cost is uncertain
    components = pd.read_csv(out / "variance_components.csv").set_index("metric")
    assert components.loc["programme_cost_gbp", "share_between_draws"] == pytest.approx(1.0)
    assert len(pd.read_csv(out / "ce_plane.csv")) == 4
    draws = pd.read_csv(out / "draws.csv")
    assert set(draws["draw"]) == {0, 1, 2, 3}


def test_draws_keep_common_random_numbers_within_each_draw_and_replication():
    """Without programmes the scenario arm is the counterfactual in every (draw, replication): impact 0."""
    result = ensemble.run(
        small_scenario(horizon_months=6, parameters={"simulation.burn_in_months": 0}), draws=3
    )
    impact = result.summary[result.summary["arm"] == "impact"][["mean", "p05", "p95"]].dropna()
    assert len(impact) > 50 and (impact.abs().to_numpy() == 0).all()  # ratios with no cost are undefined
    assert len(result.uncertainty["draws.csv"]) > 0
