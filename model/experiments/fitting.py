"""Fitting machinery of the calibration stages: targets, the solver, reference populations, report rows."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.config.areas import AreaProfile, HousingProfile, packaged_housing, read_housing
from model.config.parameters import Parameters
from model.config.scenario import PopulationSpec, Scenario
from model.core.files import REPO
from model.core.recording import Counts
from model.engine import simulate

TARGETS = REPO / "calibration" / "targets"


def reference_housing(profile: AreaProfile) -> HousingProfile:
    """Housing figures for an area or a national reference population (calibration/targets)."""
    packaged = packaged_housing()
    if profile.name in packaged:
        return packaged[profile.name]
    return read_housing(TARGETS / "reference_housing.csv")[profile.name]


@dataclass(frozen=True)
class Target:
    """A quantity to match: the moment's name, its target value, transform and absolute tolerance."""

    moment: str
    value: float
    tolerance: float
    transform: str = "log"  # or "logit"


def _g(x: float, transform: str) -> float:
    x = min(max(x, 1e-12), 1 - 1e-12) if transform == "logit" else max(x, 1e-12)
    return math.log(x / (1 - x)) if transform == "logit" else math.log(x)


def _g_inv(y: float, transform: str) -> float:
    return 1 / (1 + math.exp(-y)) if transform == "logit" else math.exp(y)


STALL = 6  # step halvings in a row after which the solver stops improving
RESOLUTION = 2.0  # a stalled fit is accepted when every moment is within this many times its tolerance


def solve(
    evaluate: Callable[[Parameters], dict[str, float]],
    params: Parameters,
    unknowns: Sequence[tuple[str, str]],
    targets: Sequence[Target],
    max_evaluations: int = 60,
    log: Callable[[str], None] = print,
) -> tuple[Parameters, dict[str, float], int]:
    """Adjust the unknowns (path, transform) until every target's moment is within tolerance.

    Broyden's method in transformed space (log or logit of each unknown and moment), started from a
    finite-difference Jacobian (step 0.1: large enough to move many residents under common random numbers),
    with step halving when a step does not reduce the residual. Returns the fitted parameters, the moments
    they achieve and the number of evaluations.

    A simulated moment is a step function of the unknowns (whole residents change state), so a tolerance
    finer than the sample resolves cannot always be met: when steps stall (``STALL`` halvings in a row) or
    the evaluations run out, the best point is accepted if every moment is within ``RESOLUTION`` times its
    tolerance (said in the log), otherwise the fit fails naming the last residual.
    """
    goal = np.array([_g(t.value, t.transform) for t in targets])
    scale = np.array([_g(t.value + t.tolerance, t.transform) - _g(t.value, t.transform) for t in targets])
    evaluations, last = 0, ""

    def run(x: np.ndarray) -> tuple[Parameters, dict[str, float], np.ndarray]:
        nonlocal evaluations, last
        evaluations += 1
        if evaluations > max_evaluations:
            raise RuntimeError(
                f"calibration did not converge in {max_evaluations} evaluations (last: {last})"
            )
        values = {path: _g_inv(v, tr) for (path, tr), v in zip(unknowns, x, strict=True)}
        trial = params.with_overrides(values, layer="fitted")
        achieved = evaluate(trial)
        y = np.array([_g(achieved[t.moment], t.transform) for t in targets])
        worst = max(targets, key=lambda t: abs(achieved[t.moment] - t.value) / t.tolerance)
        got, want, tolerance = achieved[worst.moment], worst.value, worst.tolerance
        last = f"worst {worst.moment} {got:.5f} (target {want:.5f} +/- {tolerance:.5f})"
        log(f"    evaluation {evaluations}: {last}")
        return trial, achieved, y

    def done(achieved: dict[str, float]) -> bool:
        return all(abs(achieved[t.moment] - t.value) <= t.tolerance for t in targets)

    x = np.array([_g(params[path], tr) for path, tr in unknowns])
    fitted, achieved, y = run(x)
    if done(achieved):
        return fitted, achieved, evaluations
    step = 0.1
    jacobian = np.empty((len(targets), len(unknowns)))
    for k in range(len(unknowns)):
        shifted = x.copy()
        shifted[k] += step
        jacobian[:, k] = (run(shifted)[2] - y) / step
    residual = np.linalg.norm((y - goal) / scale)
    best = (fitted, achieved)
    damping = 1.0
    while damping > 2.0**-STALL and evaluations < max_evaluations:
        dx = np.linalg.lstsq(jacobian, goal - y, rcond=None)[0] * damping
        dx *= min(1.0, 1.0 / max(np.abs(dx).max(), 1e-12))
        if not np.isfinite(dx).all() or dx @ dx == 0:
            break  # no direction left to try: stalled
        new_fitted, new_achieved, new_y = run(x + dx)
        jacobian += np.outer((new_y - y) - jacobian @ dx, dx) / (dx @ dx)
        new_residual = np.linalg.norm((new_y - goal) / scale)
        if done(new_achieved):
            return new_fitted, new_achieved, evaluations
        if new_residual < residual:
            x, y, residual, damping = x + dx, new_y, new_residual, 1.0
            best = (new_fitted, new_achieved)
        else:
            damping /= 2
    if all(abs(best[1][t.moment] - t.value) <= RESOLUTION * t.tolerance for t in targets):
        log(f"    accepted at the sample's resolution (every moment within {RESOLUTION:g} x its tolerance)")
        return best[0], best[1], evaluations
    raise RuntimeError(f"calibration did not converge in {evaluations} evaluations (last: {last})")


def reference_scenario(profile: AreaProfile, sample: int, seed: int, horizon: int) -> Scenario:
    """A one-area scenario of about ``sample`` residents of ``profile`` (a calibration evaluation)."""
    population = PopulationSpec.model_construct(
        areas=[profile.name], scale=min(1.0, sample / profile.population_16_64), data_year=profile.data_year
    )
    return Scenario.model_construct(
        name=f"calibration {profile.name} {profile.data_year}",
        description="",
        start="2023-06",
        horizon_months=horizon,
        seed=seed,
        replications=1,
        population=population,
        parameters={},
    )


def simulate_reference(scenario: Scenario, profile: AreaProfile, params: Parameters) -> Counts:
    """The no-programme arm of a reference population's scenario (no ledger: no pay or housing data)."""
    result = simulate(
        scenario, params=params, profiles=[profile], housing=[reference_housing(profile)], ledger=False
    )
    return result.counts["counterfactual"]


def read_targets(name: str, targets_dir: Path) -> dict[str, dict[str, str]]:
    """Rows of a calibration target CSV, by target name."""
    with (targets_dir / name).open(encoding="utf-8", newline="") as handle:
        return {row["target"]: row for row in csv.DictReader(handle)}


def report_row(
    stage: str, profile: AreaProfile, target: Target, achieved: dict[str, float]
) -> dict[str, object]:
    """One row of ``calibration/fit_report.csv``: a target against what the fitted model achieves."""
    value = achieved[target.moment]
    return {
        "stage": stage,
        "area": profile.name,
        "data_year": profile.data_year,
        "target": target.moment,
        "target_value": round(target.value, 6),
        "achieved": round(value, 6),
        "difference": round(value - target.value, 6),
        "tolerance": round(target.tolerance, 6),
        "within_tolerance": abs(value - target.value) <= target.tolerance,
    }
