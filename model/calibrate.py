"""Calibration of the no-programme baseline (``healthwork calibrate``).

Three stages, each matching simulated moments to sourced targets by adjusting one unknown per target
(a damped diagonal secant iteration on common random numbers, so successive evaluations differ only through
the unknowns):

A. National flows (UK, Apr-Jun 2013 stocks): the six hazard intercepts of the reference resident and the
   relative hazard of leaving for long-term sickness, so that the heterogeneous population reproduces the LFS
   gross flow rates (calibration/targets/national_flows.csv) and the long-term sick share of the inactive.
B. Disability (UK, 2023): the work-limiting hazard ratio and the chance a condition episode is work-limiting,
   so that 24% of residents are work-limiting and 54.2% of them employed (calibration/targets/disability.csv);
   the UK-2023 area factors hold the UK employment, unemployment and sickness-inactivity rates meanwhile.
   A and B alternate until neither moves.
C. Areas: for each area and data year, the three area factors (job entry, unemployment, sickness) so that the
   area's baseline holds its published employment, unemployment and sickness-inactivity rates.

Fitted values are written to ``model/data/fitted/`` (the package's defaults) and a report of every target
against what the fitted model achieves to ``calibration/fit_report.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from model.areas import AreaProfile, packaged_profiles, read_profiles
from model.outputs import atomic_write_text, git_revision
from model.parameters import AREA_FACTORS, Parameters, area_factor_path, default_parameters
from model.population import EMPLOYED, INACTIVE_OTHER, INACTIVE_SICK, UNEMPLOYED
from model.recording import Counts
from model.scenario import PopulationSpec, Scenario
from model.simulation import simulate

REPO = Path(__file__).resolve().parents[1]
TARGETS = REPO / "calibration" / "targets"
FITTED = Path(__file__).resolve().parent / "data" / "fitted"
REPORT = REPO / "calibration" / "fit_report.csv"
FLOWS = ("E_U", "E_I", "U_E", "U_I", "I_E", "I_U")
STAGE_B_PARAMETERS = ("employment.work_limiting_hr", "health.work_limiting.onset_probability")


# ------------------------------------------------------------------------------------------------ moments


def flow_rates(counts: Counts) -> dict[str, float]:
    """Monthly flow rates between employment (E), unemployment (U) and inactivity (I), pooled over areas.

    Rate = moves from origin to destination in the month / residents in the origin at the start of the month,
    summed over the run's months (the LFS definition, with inactive sick and other pooled as I).
    """
    flows = counts.flows[1:].sum(axis=1)  # (months, 4, 4)
    origin = counts.stocks[:-1].sum(axis=1)  # start-of-month stocks
    groups = {"E": [EMPLOYED], "U": [UNEMPLOYED], "I": [INACTIVE_SICK, INACTIVE_OTHER]}
    rates = {}
    for name in FLOWS:
        a, b = groups[name[0]], groups[name[2]]
        moved = flows[:, a][:, :, b].sum()
        rates[name] = float(moved / origin[:, a].sum())
    return rates


def stock_rates(counts: Counts) -> dict[str, np.ndarray]:
    """Per area and month: employment, unemployment (of the active) and inactivity rates, in percent."""
    s = counts.stocks.astype(float)
    n = s.sum(axis=2)
    active = s[..., EMPLOYED] + s[..., UNEMPLOYED]
    return {
        "employment_rate": 100 * s[..., EMPLOYED] / n,
        "unemployment_rate": 100 * s[..., UNEMPLOYED] / np.maximum(active, 1),
        "inactivity_rate": 100 * (s[..., INACTIVE_SICK] + s[..., INACTIVE_OTHER]) / n,
        "inactive_sick_rate": 100 * s[..., INACTIVE_SICK] / n,
    }


def moments(counts: Counts) -> dict[str, float]:
    """Run averages (months 1 onward, all areas pooled) of the calibrated quantities."""
    s = counts.stocks[1:].sum(axis=(0, 1)).astype(float)
    limiting = counts.limiting[1:].sum(axis=(0, 1)).astype(float)
    n = s.sum()
    out = {
        "employment_rate": s[EMPLOYED] / n,
        "unemployment_share": s[UNEMPLOYED] / n,
        "inactive_sick_rate": s[INACTIVE_SICK] / n,
        "sick_share_of_inactive": s[INACTIVE_SICK] / (s[INACTIVE_SICK] + s[INACTIVE_OTHER]),
        "work_limiting_prevalence": limiting.sum() / n,
        "employment_rate_work_limiting": limiting[EMPLOYED] / limiting.sum(),
        "employment_rate_not_work_limiting": (s[EMPLOYED] - limiting[EMPLOYED]) / (n - limiting.sum()),
    }
    out.update({f"flow.{k}": v for k, v in flow_rates(counts).items()})
    return out


# ------------------------------------------------------------------------------------------------ solver


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
    """
    goal = np.array([_g(t.value, t.transform) for t in targets])
    scale = np.array([_g(t.value + t.tolerance, t.transform) - _g(t.value, t.transform) for t in targets])
    evaluations = 0

    def run(x: np.ndarray) -> tuple[Parameters, dict[str, float], np.ndarray]:
        nonlocal evaluations
        evaluations += 1
        if evaluations > max_evaluations:
            raise RuntimeError(f"calibration did not converge in {max_evaluations} evaluations")
        values = {path: _g_inv(v, tr) for (path, tr), v in zip(unknowns, x, strict=True)}
        trial = params.with_overrides(values, layer="fitted")
        achieved = evaluate(trial)
        y = np.array([_g(achieved[t.moment], t.transform) for t in targets])
        worst = max(targets, key=lambda t: abs(achieved[t.moment] - t.value) / t.tolerance)
        log(
            f"    evaluation {evaluations}: worst {worst.moment} {achieved[worst.moment]:.5f} "
            f"(target {worst.value:.5f} +/- {worst.tolerance:.5f})"
        )
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
    damping = 1.0
    while True:
        dx = np.linalg.lstsq(jacobian, goal - y, rcond=None)[0] * damping
        dx *= min(1.0, 1.0 / max(np.abs(dx).max(), 1e-12))
        new_fitted, new_achieved, new_y = run(x + dx)
        jacobian += np.outer((new_y - y) - jacobian @ dx, dx) / (dx @ dx)
        new_residual = np.linalg.norm((new_y - goal) / scale)
        if done(new_achieved):
            return new_fitted, new_achieved, evaluations
        if new_residual < residual:
            x, y, residual, damping = x + dx, new_y, new_residual, 1.0
        else:
            damping /= 2


# ------------------------------------------------------------------------------------------------ stages


def _scenario(profile: AreaProfile, sample: int, seed: int, horizon: int) -> Scenario:
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


@dataclass(frozen=True)
class Evaluator:
    """Simulates one area's baseline with given parameters and returns its moments."""

    profile: AreaProfile
    sample: int
    seed: int
    horizon: int

    def __call__(self, params: Parameters) -> dict[str, float]:
        """Simulate the baseline with ``params``; return its moments."""
        scenario = _scenario(self.profile, self.sample, self.seed, self.horizon)
        result = simulate(scenario, params=params, profiles=[self.profile])
        return moments(result.counts["counterfactual"])


def _area_targets(profile: AreaProfile) -> list[Target]:
    e, u, s, _ = profile.state_shares()
    return [
        Target("employment_rate", e, 0.0005, "logit"),
        Target("unemployment_share", u, 0.0005),
        Target("inactive_sick_rate", s, 0.0005),
    ]


def _area_unknowns(profile: AreaProfile) -> list[tuple[str, str]]:
    return [(area_factor_path(profile.name, profile.data_year, f), "log") for f in AREA_FACTORS]


def fit_area(
    job: tuple[AreaProfile, Parameters, int, int, int],
) -> tuple[AreaProfile, dict[str, float], dict]:
    """Stage C for one area and data year (a top-level function so worker processes can run it)."""
    profile, params, sample, seed, horizon = job
    lines: list[str] = []
    fitted, achieved, n = solve(
        Evaluator(profile, sample, seed, horizon),
        params,
        _area_unknowns(profile),
        _area_targets(profile),
        log=lines.append,
    )
    values = {path: fitted[path] for path, _ in _area_unknowns(profile)}
    print(f"  {profile.name} {profile.data_year}: {n} evaluations", flush=True)
    return profile, values, achieved


def read_targets(name: str, targets_dir: Path) -> dict[str, dict[str, str]]:
    """Rows of a calibration target CSV, by target name."""
    with (targets_dir / name).open(encoding="utf-8", newline="") as handle:
        return {row["target"]: row for row in csv.DictReader(handle)}


def calibrate(
    *,
    sample: int = 200_000,
    seed: int = 20_130_601,
    horizon: int = 120,
    workers: int = 1,
    targets_dir: Path = TARGETS,
    fitted_dir: Path = FITTED,
    report_path: Path = REPORT,
    log: Callable[[str], None] = print,
) -> Path:
    """Run all three stages and write the fitted parameters, area factors and the fit report."""
    params = default_parameters()
    references = read_profiles(targets_dir / "reference_populations.csv")
    uk2013, uk2023 = references[("United Kingdom", 2013)], references[("United Kingdom", 2023)]
    flows = read_targets("national_flows.csv", targets_dir)
    disability = read_targets("disability.csv", targets_dir)

    stage_a_unknowns = [(f"employment.rates.{k}", "log") for k in FLOWS] + [("employment.sickness_hr", "log")]
    _, _, s, i = uk2013.state_shares()
    stage_a_targets = [
        Target(f"flow.{k}", float(flows[f"flow.{k}"]["value"]), 0.01 * float(flows[f"flow.{k}"]["value"]))
        for k in FLOWS
    ] + [Target("sick_share_of_inactive", s / (s + i), 0.002, "logit")]
    stage_b_unknowns = [
        *_area_unknowns(uk2023),
        ("employment.work_limiting_hr", "log"),
        ("health.work_limiting.onset_probability", "logit"),
    ]
    stage_b_targets = [
        *_area_targets(uk2023),
        Target(
            "employment_rate_work_limiting",
            float(disability["employment_rate_work_limiting"]["value"]),
            0.002,
            "logit",
        ),
        Target(
            "work_limiting_prevalence", float(disability["work_limiting_prevalence"]["value"]), 0.002, "logit"
        ),
    ]
    evaluate_a = Evaluator(uk2013, sample, seed, horizon)
    evaluate_b = Evaluator(uk2023, sample, seed, horizon)
    for round_ in range(1, 7):
        log(f"Round {round_}, stage A: national flows (UK 2013)")
        params, achieved_a, n_a = solve(evaluate_a, params, stage_a_unknowns, stage_a_targets, log=log)
        log(f"Round {round_}, stage B: disability (UK 2023)")
        params, achieved_b, n_b = solve(evaluate_b, params, stage_b_unknowns, stage_b_targets, log=log)
        if n_a == 1 and n_b == 1:
            break
    else:
        raise RuntimeError("stages A and B did not settle in 6 rounds")

    log("Stage C: area factors")
    jobs = [(p, params, sample, seed, horizon) for p in packaged_profiles().values()]
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            fitted_areas = list(pool.map(fit_area, jobs))
    else:
        fitted_areas = [fit_area(job) for job in jobs]

    national = {p: params[p] for p, _ in stage_a_unknowns} | {p: params[p] for p in STAGE_B_PARAMETERS}
    factors = {(uk2013.name, uk2013.data_year, f): 1.0 for f in AREA_FACTORS}
    for path, _ in _area_unknowns(uk2023):
        factors[(uk2023.name, uk2023.data_year, path.rsplit(".", 1)[1])] = params[path]
    for profile, values, _ in fitted_areas:
        for path, value in values.items():
            factors[(profile.name, profile.data_year, path.rsplit(".", 1)[1])] = value
    _write_fitted(fitted_dir, national, factors, sample, seed, horizon)

    rows = [_row("A national flows", uk2013, t, achieved_a) for t in stage_a_targets]
    rows += [_row("B disability", uk2023, t, achieved_b) for t in stage_b_targets]
    rows.append(
        _row(
            "B disability (check)",
            uk2023,
            Target(
                "employment_rate_not_work_limiting",
                float(disability["employment_rate_not_work_limiting"]["value"]),
                float(disability["employment_rate_not_work_limiting"]["tolerance"]),
            ),
            achieved_b,
        )
    )
    for profile, _, achieved in sorted(fitted_areas, key=lambda r: (r[0].data_year, r[0].name)):
        rows += [_row("C area", profile, t, achieved) for t in _area_targets(profile)]
        rows += [
            _row(
                "C area flows (check)",
                profile,
                Target(
                    f"flow.{k}", float(flows[f"flow.{k}"]["value"]), 0.25 * float(flows[f"flow.{k}"]["value"])
                ),
                achieved,
            )
            for k in FLOWS
        ]
    _write_report(report_path, rows)
    log(f"Wrote {fitted_dir / 'parameters.csv'}, {fitted_dir / 'area_factors.csv'} and {report_path}")
    return report_path


def _row(stage: str, profile: AreaProfile, target: Target, achieved: dict[str, float]) -> dict[str, object]:
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


def _provenance(sample: int, seed: int, horizon: int) -> str:
    revision = git_revision()["revision"] or "unknown"
    return (
        f"# Written by `healthwork calibrate --sample {sample} --seed {seed} --horizon {horizon}` on "
        f"{dt.date.today().isoformat()} at git revision {revision}. See calibration/README.md.\n"
    )


def _write_fitted(
    directory: Path, national: dict[str, float], factors: dict, sample: int, seed: int, horizon: int
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    header = _provenance(sample, seed, horizon)
    lines = [header, "path,value\n"] + [f"{path},{value:.8g}\n" for path, value in sorted(national.items())]
    atomic_write_text(directory / "parameters.csv", "".join(lines))
    lines = [header, "area,data_year,factor,value\n"] + [
        f"{area},{year},{factor},{value:.8g}\n" for (area, year, factor), value in sorted(factors.items())
    ]
    atomic_write_text(directory / "area_factors.csv", "".join(lines))


def _write_report(path: Path, rows: list[dict[str, object]]) -> None:
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())
