"""Global sensitivity (Morris, Sobol') through SALib: known answers on test functions, then the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.config.errors import InputError
from model.experiments import ensemble
from model.experiments import global_sensitivity as gsa
from tests.conftest import FIXTURES, healthwork, small_scenario

BASE = FIXTURES / "good" / "base.yaml"


def test_morris_recovers_the_effects_of_a_linear_function_exactly():
    """For f = 2 x1 + 0.5 x2 + 0 x3 each elementary effect is the coefficient times the range.

    So mu* = |b| x range and sigma = 0.
    """
    bounds = [(0.0, 1.0), (0.0, 10.0), (-5.0, 5.0)]
    design = gsa.make_design("morris", ["a", "b", "c"], bounds, samples=20, seed=3, levels=4)
    assert design.rows.shape == (20 * 4, 3)
    y = 2 * design.rows[:, 0] + 0.5 * design.rows[:, 1] + 0 * design.rows[:, 2]
    found = gsa.analyse(design, y[:, None], ["f"]).set_index("parameter")
    assert list(found.columns) == ["output", "mu", "mu_star", "mu_star_conf", "sigma"]
    np.testing.assert_allclose(found["mu_star"], [2.0, 5.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(found["sigma"], [0.0, 0.0, 0.0], atol=1e-9)


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_recovers_the_analytic_indices_of_the_ishigami_function():
    """Analytic indices (a = 7, b = 0.1): S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437. Tolerance 0.05
    at N = 1024 (about four bootstrap standard errors)."""
    bounds = [(-np.pi, np.pi)] * 3
    design = gsa.make_design("sobol", ["x1", "x2", "x3"], bounds, samples=1024, seed=11)
    assert design.rows.shape == (1024 * 5, 3)
    found = gsa.analyse(design, ishigami(design.rows)[:, None], ["ishigami"]).set_index("parameter")
    assert list(found.columns) == ["output", "S1", "S1_conf", "ST", "ST_conf"]
    np.testing.assert_allclose(found["S1"], [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(found["ST"], [0.5576, 0.4424, 0.2437], atol=0.05)


def test_the_design_keeps_its_settings_and_row_order_and_is_seeded():
    bounds = [(0.0, 1.0)] * 3
    first = gsa.make_design("sobol", list("abc"), bounds, samples=8, seed=5, second_order=True)
    again = gsa.make_design("sobol", list("abc"), bounds, samples=8, seed=5, second_order=True)
    assert first.rows.shape == (8 * (2 * 3 + 2), 3) and first.second_order
    assert np.array_equal(first.rows, again.rows)
    other = gsa.make_design("sobol", list("abc"), bounds, samples=8, seed=6, second_order=True)
    assert not np.array_equal(first.rows, other.rows)
    with pytest.raises(InputError, match="power of two"):
        gsa.make_design("sobol", list("abc"), bounds, samples=12, seed=5)
    with pytest.raises(ValueError, match="expected"):
        gsa.analyse(first, np.zeros((3, 1)), ["y"])  # outputs must match the design's rows
    rounded = gsa.make_design("morris", list("ab"), [(0.0, 10.0), (0.0, 1.0)], 4, 1, integer=[True, False])
    assert np.array_equal(rounded.rows[:, 0], np.round(rounded.rows[:, 0]))


def test_on_the_model_a_parameter_that_cannot_act_on_an_output_has_mu_star_exactly_zero():
    """Common random numbers across the design: the NHS cost of depression changes no employment rate."""
    sc = small_scenario(replications=2)
    tables = gsa.run_global(
        sc,
        "morris",
        ["employment.duration.ratio", "fiscal.nhs.cmd_per_year"],
        samples=3,
        outputs=["employment_rate"],
    )
    found = tables["indices.csv"].set_index("parameter")
    assert found.loc["fiscal.nhs.cmd_per_year", "mu_star"] == 0.0
    assert found.loc["employment.duration.ratio", "mu_star"] > 0.1
    design = tables["design.csv"]
    assert list(design["row"]) == list(range(9)) and (design["employment_rate_se"] >= 0).all()


def test_a_failed_design_row_stops_the_analysis_naming_the_row(monkeypatch):
    real, calls = ensemble.run, []

    def failing(scenario, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(scenario, **kwargs)

    monkeypatch.setattr(ensemble, "run", failing)
    with pytest.raises(
        RuntimeError, match=r"design row 2 \(employment.duration.ratio=.*\) failed: disk full"
    ):
        gsa.run_global(
            small_scenario(replications=1), "morris", ["employment.duration.ratio", "health.cmd.incidence"],
            samples=2, outputs=["employment_rate"],
        )  # fmt: skip


def test_sobol_from_the_command_line_writes_indices_design_and_plots_alike_on_any_workers(tmp_path):
    params = "employment.duration.ratio,health.cmd.incidence"
    common = ["sensitivity", BASE, "--method", "sobol", "--params", params, "--samples", "4",
              "--replications", "2", "--set", "simulation.burn_in_months=0"]  # fmt: skip
    for workers in (1, 2):
        done = healthwork(*common, "--workers", workers, "--out", tmp_path / f"w{workers}")
        assert done.returncode == 0, done.stderr
    indices = pd.read_csv(tmp_path / "w1" / "indices.csv")
    assert list(indices.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf", "noise_share"]
    assert set(indices["output"]) == {"employment_rate", "inactivity_rate"}
    assert sorted(p.name for p in (tmp_path / "w1" / "plots").iterdir()) == [
        "sobol_employment_rate.png",
        "sobol_inactivity_rate.png",
    ]
    for name in ("indices.csv", "design.csv"):
        assert (tmp_path / "w1" / name).read_bytes() == (tmp_path / "w2" / name).read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--method", "sobol", "--samples", "6", "--all"],
            "Sobol' needs a power of two (e.g. 64, 128), got 6",
        ),
        (
            ["--method", "morris", "--outputs", "employment_rat"],
            "unknown output 'employment_rat' (did you mean",
        ),
        (
            ["--method", "morris", "--params", "employment.duration.ratio"],
            "morris needs at least 2 parameters",
        ),
        (["--all", "--parameter", "employment.duration.ratio"], "give --all or named parameters, not both"),
        (["--method", "morris", "--params", "foo.bar,health.cmd.incidence"], "unknown parameter 'foo.bar'"),
        (["--method", "morris", "--levels", "3", "--all"], "Morris needs an even number of levels, got 3"),
    ],
)
def test_bad_global_sensitivity_requests_exit_2(args, message, tmp_path):
    done = healthwork("sensitivity", BASE, *args, "--out", tmp_path / "o")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert not (tmp_path / "o").exists()
