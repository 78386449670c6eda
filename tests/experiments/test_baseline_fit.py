"""The fitted baseline: areas hold their published rates for ten years; national flows are reproduced."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from model.config.areas import packaged_profiles, read_profiles
from model.config.parameters import area_factor_path, default_parameters
from model.engine import simulate
from model.experiments.calibration import (
    Evaluator,
    _area_targets,
    _area_unknowns,
    flow_rates,
    stock_rates,
)
from model.experiments.fitting import RESOLUTION, Target, reference_housing, solve
from tests.conftest import ROOT, small_scenario

TARGETS = ROOT / "calibration" / "targets"
TOLERANCE_PP = 1.5


def published(profile):
    return {
        "employment_rate": profile.employment_rate,
        "unemployment_rate": profile.unemployment_rate,
        "inactivity_rate": profile.inactivity_rate,
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("areas", "data_year", "scale"),
    [
        (["Halton", "Knowsley", "Liverpool", "Sefton", "St Helens", "Wirral"], 2023, 0.5),
        (["Sefton", "Barrow-in-Furness", "Allerdale"], 2010, 1.0),
        (
            ["Barrow-in-Furness", "Allerdale", "Halton", "Knowsley", "Liverpool", "St Helens", "Wirral"],
            2010,
            0.4,
        ),
        (["Barrow-in-Furness", "Allerdale"], 2023, 1.0),
    ],
)
def test_no_programme_baseline_holds_each_area_within_1_5_points_for_ten_years(areas, data_year, scale):
    scenario = small_scenario(
        population={"areas": areas, "data_year": data_year, "scale": scale},
        horizon_months=120,
        seed=424242,  # not the calibration seed
        parameters={"simulation.burn_in_months": 60},
    )
    counts = simulate(scenario, replication=0).counts["counterfactual"]
    rates = stock_rates(counts)
    for i, area in enumerate(areas):
        profile = packaged_profiles()[(area, data_year)]
        for metric, target in published(profile).items():
            worst = np.abs(rates[metric][:, i] - target).max()
            assert worst <= TOLERANCE_PP, f"{area} {data_year} {metric}: off by {worst:.2f} points"


def national_flow_targets():
    with (TARGETS / "national_flows.csv").open() as f:
        return {row["target"].removeprefix("flow."): row for row in csv.DictReader(f)}


@pytest.mark.slow
def test_national_monthly_flow_rates_are_reproduced_within_25_percent():
    reference = read_profiles(TARGETS / "reference_populations.csv")[("United Kingdom", 2013)]
    evaluate = Evaluator(reference, sample=150_000, seed=777, horizon=60)  # a seed the fit never saw
    scenario = small_scenario(horizon_months=60, seed=777)
    counts = simulate(
        scenario.model_copy(
            update={
                "population": scenario.population.model_copy(
                    update={"areas": [reference.name], "scale": 150_000 / reference.population_16_64}
                )
            }
        ),
        params=default_parameters(),
        profiles=[reference],
        housing=[reference_housing(reference)],
    ).counts["counterfactual"]
    achieved = flow_rates(counts)
    for name, row in national_flow_targets().items():
        target, tolerance = float(row["value"]), float(row["tolerance"])
        assert abs(achieved[name] / target - 1) <= tolerance, (name, achieved[name], target)
    assert evaluate.profile is reference


def test_fit_report_shows_every_calibration_target_within_tolerance():
    with (ROOT / "calibration" / "fit_report.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if "(check)" not in r["stage"] or "disability" in r["stage"]]
    assert len(rows) >= 7 + 6 + 16 * 3

    def accepted(r):  # within tolerance, or (a stalled fit) within the sample's resolution, as solve() says
        return r["within_tolerance"] == "True" or abs(float(r["difference"])) <= RESOLUTION * float(
            r["tolerance"]
        )

    assert all(accepted(r) for r in rows), [r for r in rows if not accepted(r)]


def test_fitted_files_say_how_they_were_made():
    for name in ("parameters.csv", "area_factors.csv"):
        first = (ROOT / "model" / "data" / "fitted" / name).read_text().splitlines()[0]
        assert first.startswith("# Written by `healthwork calibrate")


@pytest.mark.slow
def test_area_fit_recovers_factors_from_a_perturbed_start():
    profile = packaged_profiles()[("Halton", 2023)]
    params = default_parameters()
    paths = [p for p, _ in _area_unknowns(profile)]
    start = params.with_overrides({p: params[p] * 1.4 for p in paths}, layer="test")
    fitted, achieved, _ = solve(
        Evaluator(profile, sample=40_000, seed=5, horizon=48),
        start,
        _area_unknowns(profile),
        [t.__class__(t.moment, t.value, 0.002, t.transform) for t in _area_targets(profile)],
        log=lambda _: None,
    )
    e, u, s, _ = profile.state_shares()
    assert abs(achieved["employment_rate"] - e) <= 0.002
    assert abs(achieved["unemployment_share"] - u) <= 0.002
    assert abs(achieved["inactive_sick_rate"] - s) <= 0.002
    job_entry = area_factor_path(profile.name, profile.data_year, "job_entry")
    assert fitted[job_entry] == pytest.approx(params[job_entry], rel=0.25)


@pytest.mark.slow
def test_the_validation_script_prints_the_readme_flow_table():
    """`calibration/validation.py flows` runs (reference populations carry their housing), within 25%."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "calibration" / "validation.py"), "flows"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if "→" in line]
    assert len(rows) == 6, done.stdout
    for row in rows:
        difference = float(row.split("|")[4].strip().rstrip("%"))
        assert abs(difference) <= 25, row


def test_a_stalled_fit_is_accepted_at_the_samples_resolution_or_fails_naming_the_residual():
    """A moment that moves in whole steps of 0.1 (as counts of whole residents do) cannot hit 2.55 +/- 0.03:
    the best point (0.05 off) is within twice the tolerance and accepted; with +/- 0.02 the fit fails."""
    params = default_parameters()
    path = "employment.duration.ratio"

    def stepped(p):
        return {"m": math.floor(p[path] * 10 + 1e-9) / 10}

    _, achieved, _ = solve(stepped, params, [(path, "log")], [Target("m", 2.55, 0.03)], log=lambda text: None)
    assert abs(achieved["m"] - 2.55) == pytest.approx(0.05)
    with pytest.raises(RuntimeError, match=r"did not converge in \d+ evaluations \(last: worst m 2\.[56]"):
        solve(stepped, params, [(path, "log")], [Target("m", 2.55, 0.02)], log=lambda text: None)


@pytest.mark.parametrize(
    "target",
    [
        "employment_rate_smi",
        "employment_rate_work_limiting_cmd",
        "employment_rate_work_limiting_msk",
        "cmd_odds_ratio_msk",
        "wants_work_rate_inactive_sick",
        "wants_work_rate_inactive_other",
    ],
)
def test_stage_b_health_and_wanting_targets_hold_on_a_seed_the_fit_never_saw(stage_b_moments, target):
    """Each sourced target of conditions.csv and wants_work.csv that stage B fits, on seed 778 at 150,000
    residents: within twice its tolerance (the fit's own seed met it; this seed adds its sampling noise)."""
    rows = {
        r["target"]: r
        for name in ("conditions.csv", "wants_work.csv")
        for r in csv.DictReader((TARGETS / name).open())
    }
    row = rows[target]
    assert row["parameter"] and row["source"], row
    value, tolerance = float(row["value"]), float(row["tolerance"])
    assert abs(stage_b_moments[target] - value) <= 2 * tolerance, (target, stage_b_moments[target], value)


@pytest.fixture(scope="module")
def stage_b_moments():
    reference = read_profiles(TARGETS / "reference_populations.csv")[("United Kingdom", 2023)]
    return Evaluator(reference, sample=150_000, seed=778, horizon=60)(default_parameters())
