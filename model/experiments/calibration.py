"""Calibration of the no-programme baseline (``healthwork calibrate``).

Three stages, each matching simulated moments to sourced targets by adjusting one unknown per target
(a damped diagonal secant iteration on common random numbers, so successive evaluations differ only through
the unknowns):

A. National flows (UK, Apr-Jun 2013 stocks): the six hazard intercepts of the reference resident and the
   relative hazard of leaving for long-term sickness, so that the heterogeneous population reproduces the LFS
   gross flow rates (calibration/targets/national_flows.csv) and the long-term sick share of the inactive.
B. Disability (UK, 2023): the work-limiting hazard ratio and the chance a condition episode is work-limiting,
   so that 24% of residents are work-limiting and 54.2% of them employed (calibration/targets/disability.csv);
   and each parameter calibration/targets/conditions.csv and wants_work.csv name (the conditions' employment
   odds ratios; the shares entering inactivity who want work) to its target there; rows naming none are
   checks. The UK-2023
   area factors hold the UK employment, unemployment and sickness-inactivity rates meanwhile.
   A and B alternate until neither moves.
C. Areas: for each area and data year, the three area factors (job entry, unemployment, sickness) so that the
   area's baseline holds its published employment, unemployment and sickness-inactivity rates.
D. IPS effects (trial emulation on the UK 2023 population): the hazard ratio on job entry for IPS participants
   with severe mental illness, a common mental disorder, or neither, so that the emulated trial reproduces the
   published risk ratio (calibration/targets/ips_trials.csv); the hazard ratios reproducing the bounds of its
   interval give the lognormal uncertainty (median and 95th percentile) drawn once per replication.
E. Households (UK 2013): the weight of employment in partners' pairing and the odds of living alone and of
   being a lone parent when out of work, so that the synthesised households reproduce the UK share of
   workless households, lone mothers' employment rate and the share of children in workless families
   (calibration/targets/households.csv); then the job-entry ratio for residents of workless households so
   that their share holds over the horizon at a steady employment rate (an assumption); and on the UK 2023
   population the odds of social renting for workless households, so that social-renting heads are employed
   as often as new social tenants (CORE). The UK 2023 and
   Liverpool 2010 workless shares are checks, not fitted. Last, Universal Credit take-up, so that the six
   Liverpool City Region boroughs' benefit units on UC in May 2025 sum to DWP's count (each borough's own
   count is a check).

Fitted values and a report of every target against what the fitted model achieves are written to the folder
the user names (``parameters.csv``, ``area_factors.csv``, ``fit_report.csv``); values and report rows of
stages not run are the package's. ``out=None`` (the command's ``--install``) writes them over the package's
own (``model/data/fitted/`` and ``calibration/fit_report.csv``); a file whose values did not change is left
untouched, so a refit that finds the same values leaves a clean checkout clean.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.special import ndtri

from model.config.areas import (
    AreaProfile,
    packaged_profiles,
    read_profiles,
)
from model.config.parameters import (
    AREA_FACTORS,
    Parameters,
    area_factor_path,
    default_parameters,
    read_csv_rows,
)
from model.config.scenario import EffectSpec, ProgrammeSpec
from model.config.vocabulary import (
    CONDITIONS,
    EMPLOYED,
    INACTIVE_OTHER,
    INACTIVE_SICK,
    MH_CMD,
    MH_NONE,
    MH_SMI,
    UNEMPLOYED,
)
from model.core.files import REPO, git_revision, write_if_changed
from model.core.recording import Counts
from model.core.streams import Streams
from model.engine import RunContext, burned_in_population
from model.experiments.economy_fit import fit_response_gain
from model.experiments.executors import Executor, SerialExecutor
from model.experiments.fitting import (
    TARGETS,
    Target,
    read_targets,
    reference_housing,
    reference_scenario,
    report_row,
    simulate_reference,
    solve,
)
from model.experiments.household_fit import fit_households, fit_take_up
from model.experiments.trial import Cohort, draw_cohort, follow, outcomes
from model.programmes.programme import Programme

FITTED = Path(__file__).resolve().parents[1] / "data" / "fitted"
REPORT = REPO / "calibration" / "fit_report.csv"
FLOWS = ("E_U", "E_I", "U_E", "U_I", "I_E", "I_U")


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


CMD, SMI, MSK = (  # places on the recorded health axis
    CONDITIONS.names().index(name)
    for name in ("common_mental_disorder", "severe_mental_illness", "musculoskeletal")
)


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
        "employment_rate_smi": counts.health_employed[1:, :, SMI].sum() / counts.health[1:, :, SMI].sum(),
        "employment_rate_cmd": counts.health_employed[1:, :, CMD].sum() / counts.health[1:, :, CMD].sum(),
        "sick_share_out_5_years": counts.sick_duration[1:, :, -1].sum() / counts.sick_duration[1:].sum(),
    }
    wanting = counts.wanting[1:].sum(axis=(0, 1)).astype(float)
    out["wants_work_rate_inactive_sick"] = wanting[INACTIVE_SICK] / s[INACTIVE_SICK]
    out["wants_work_rate_inactive_other"] = wanting[INACTIVE_OTHER] / s[INACTIVE_OTHER]
    inactive = [INACTIVE_SICK, INACTIVE_OTHER]
    out["wants_work_rate_inactive"] = wanting[inactive].sum() / s[inactive].sum()
    pairs = counts.mental_by_msk[1:].sum(axis=(0, 1)).astype(float)  # (mental-health group, back pain)
    cmd_odds = pairs[MH_CMD] / (pairs.sum(axis=0) - pairs[MH_CMD])
    out["cmd_odds_ratio_msk"] = cmd_odds[1] / cmd_odds[0]
    by_state = counts.health_by_state[1:].sum(axis=(0, 1)).astype(float)  # (conditions, states, limiting)
    for name, k in (("cmd", CMD), ("msk", MSK)):
        out[f"employment_rate_work_limiting_{name}"] = by_state[k, EMPLOYED, 1] / by_state[k, :, 1].sum()
    inactive_msk, with_msk = by_state[MSK, inactive].sum(), by_state[MSK].sum()
    out["inactivity_rate_msk"] = inactive_msk / with_msk
    out["inactivity_rate_no_msk"] = (s[inactive].sum() - inactive_msk) / (n - with_msk)
    out.update({f"flow.{k}": v for k, v in flow_rates(counts).items()})
    return out


# ------------------------------------------------------------------------------------------------ solver


# ------------------------------------------------------------------------------------------------ stages


@dataclass(frozen=True)
class Evaluator:
    """Simulates one area's baseline with given parameters and returns its moments."""

    profile: AreaProfile
    sample: int
    seed: int
    horizon: int

    def __call__(self, params: Parameters) -> dict[str, float]:
        """Simulate the baseline with ``params``; return its moments."""
        scenario = reference_scenario(self.profile, self.sample, self.seed, self.horizon)
        return moments(simulate_reference(scenario, self.profile, params))


def _further_target(row: dict[str, str]) -> Target:
    """A row of stage B's further targets (conditions.csv, wants_work.csv): a share or a ratio."""
    value = float(row["value"])
    return Target(row["target"], value, float(row["tolerance"]), "logit" if 0 < value < 1 else "log")


def _transform(params: Parameters, path: str) -> str:
    """How the solver moves an unknown: a share on the logit scale, anything else on the log scale."""
    entry = params.entry(path)
    return "logit" if (entry.min, entry.max) == (0.0, 1.0) else "log"


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
    evaluate, unknowns, targets = (
        Evaluator(profile, sample, seed, horizon),
        _area_unknowns(profile),
        _area_targets(profile),
    )
    try:
        fitted, achieved, n = solve(evaluate, params, unknowns, targets, log=lines.append)
    except RuntimeError:
        # A stalled secant path (the moments are step functions of the factors): start once more from
        # neutral factors, which takes another path.
        neutral = params.with_overrides({path: 1.0 for path, _ in unknowns}, layer="fitted")
        try:
            fitted, achieved, n = solve(evaluate, neutral, unknowns, targets, log=lines.append)
        except RuntimeError as err:
            raise RuntimeError(f"{profile.name} {profile.data_year}: {err}") from None
    values = {path: fitted[path] for path, _ in _area_unknowns(profile)}
    print(f"  {profile.name} {profile.data_year}: {n} evaluations", flush=True)
    return profile, values, achieved


IPS_GROUPS = {"severe_mental_illness": MH_SMI, "common_mental_disorder": MH_CMD, "none": MH_NONE}
IPS_PARAMETER = {
    "severe_mental_illness": "severe_mental_illness",
    "common_mental_disorder": "common_mental_disorder",
    "none": "other",
}


# Populations (seeds seed + k) pooled per fitted risk ratio: one population's SMI ratio varies by 0.17 between
# seeds at 1.5 million residents (measured over four seeds), as few residents with SMI want work.
TRIAL_POPULATIONS = 4


def ips_cohorts(
    context: RunContext,
    programme: Programme,
    rows: Sequence[dict],
    seed: int,
    populations: int = TRIAL_POPULATIONS,
    size: int | None = None,
) -> list[list[Cohort]]:
    """Each trial's cohorts (one list per row): its group in each of ``populations`` populations.

    Population k is burned in with seed ``seed + k`` (one held at a time); its cohort is randomised 1:1 and
    holds at most ``size`` residents.
    """
    cohorts: list[list[Cohort]] = [[] for _ in rows]
    for k in range(populations):
        pop = burned_in_population(context, Streams(seed + k, 0))
        for row, found in zip(rows, cohorts, strict=True):
            base = draw_cohort(pop, programme, int(row["months"]), None, Streams(seed + k, 0))
            members = np.flatnonzero(base.population.mental_health == IPS_GROUPS[row["group"]])[:size]
            found.append(Cohort(base.population.take(members), base.treated[members]))
    return cohorts


def ips_trial_arms(
    context: RunContext,
    cohorts: Sequence[Cohort],
    programme: Programme,
    hazard_ratio: float,
    row: dict,
    seed: int,
) -> tuple[float, float]:
    """The target outcome's share in each arm (IPS, usual care) of emulated trials at the hazard ratio given.

    Pooled over the cohorts (their arms' means averaged); cohort k is followed with the streams of
    ``(seed + k, 1)``.
    """
    effect = EffectSpec.model_validate({"hazard_ratio": hazard_ratio, "while": "pre_employment"})
    trial = replace(programme, effects={**programme.effects, "employment.job_entry": effect})
    months, outcome = int(row["months"]), row["outcome"]
    arms = np.zeros(2)
    for k, cohort in enumerate(cohorts):
        result = outcomes(follow(context, cohort, trial, months, Streams(seed + k, 1)), cohort.treated)
        arms += [result["programme"][outcome], result["usual"][outcome]]
    return float(arms[0] / len(cohorts)), float(arms[1] / len(cohorts))


def fit_ips_effects(
    params: Parameters,
    reference: AreaProfile,
    targets: dict[str, dict[str, str]],
    *,
    sample: int,
    seed: int,
    cohort_size: int = 20_000,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, float], list[dict[str, object]]]:
    """Stage D: job-entry hazard ratios (median and 95th percentile) matching the IPS trial risk ratios."""
    scenario = reference_scenario(reference, sample, seed, 18)
    scenario = scenario.model_copy(
        update={"programmes": [ProgrammeSpec(name="ips", type="ips", staff_fte=1)]}
    )
    context = RunContext.build(scenario, params, [reference], [reference_housing(reference)])
    programme = context.programmes[0]
    rows = list(targets.values())
    fitted, report = {}, []
    for row, cohorts in zip(rows, ips_cohorts(context, programme, rows, seed, size=cohort_size), strict=True):
        group = row["group"]

        def ratio(hr: float, row=row, cohorts=cohorts) -> float:
            treated, usual = ips_trial_arms(context, cohorts, programme, hr, row, seed)
            return treated / usual

        values = {}
        for key in ("value", "low", "high"):
            target = float(row[key])
            values[key] = 1.0 if target <= 1.0 else _solve_1d(ratio, target, log)
            log(f"    IPS {group}: risk ratio {target} <- hazard ratio {values[key]:.3f}")
        sigma = np.log(values["high"] / values["low"]) / (2 * ndtri(0.975))  # from the 95% interval
        name = IPS_PARAMETER[group]
        fitted[f"services.ips.job_entry_hr.{name}"] = values["value"]
        fitted[f"services.ips.job_entry_hr.{name}_p95"] = values["value"] * float(np.exp(ndtri(0.95) * sigma))
        achieved = ratio(values["value"])
        report.append(
            {
                "stage": "D ips trials",
                "area": reference.name,
                "data_year": reference.data_year,
                "target": f"rr.{row['outcome']}.{group}",
                "target_value": float(row["value"]),
                "achieved": round(achieved, 6),
                "difference": round(achieved - float(row["value"]), 6),
                "tolerance": 0.02,
                "within_tolerance": abs(achieved - float(row["value"])) <= 0.02,
                "cohort_per_arm": int(cohorts[0].treated.sum()),
            }
        )
    return fitted, report


def _solve_1d(
    f: Callable[[float], float], target: float, log: Callable[[str], None], tol: float = 0.005
) -> float:
    """Hazard ratio x with f(x) = target (f increasing), by secant steps on log x, bracketed by bisection."""
    lo, hi = 0.0, np.log(50.0)
    x0, f0 = 0.0, f(1.0)
    x1 = np.log(2.0)
    f1 = f(np.exp(x1))
    for _ in range(40):
        if abs(f1 - target) <= tol * target:
            return float(np.exp(x1))
        if f1 < target:
            lo = max(lo, x1)
        else:
            hi = min(hi, x1)
        step = x1 + (target - f1) * (x1 - x0) / (f1 - f0) if f1 != f0 else (lo + hi) / 2
        x0, f0 = x1, f1
        x1 = step if lo < step < hi else (lo + hi) / 2
        f1 = f(np.exp(x1))
    raise RuntimeError(f"could not find a hazard ratio giving risk ratio {target}")


STAGES = ("national", "areas", "ips", "households", "economy")


def calibrate(
    *,
    stages: Sequence[str] = STAGES,
    sample: int = 200_000,
    trial_sample: int = 2_500_000,
    seed: int = 20_130_601,
    horizon: int = 120,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    targets_dir: Path = TARGETS,
    out: Path | None = None,
    log: Callable[[str], None] = print,
) -> Path:
    """Run the chosen stages (national = A and B, areas = C, ips = D, households = E, economy = F).

    Write fitted values and the report to ``out`` (None: over the package's own). Values of stages not run
    keep the package's fitted values; their report rows are kept too. Returns the report's path.
    """
    fitted_dir, report_path = (FITTED, REPORT) if out is None else (out, out / "fit_report.csv")
    params = default_parameters()
    references = read_profiles(targets_dir / "reference_populations.csv")
    uk2013, uk2023 = references[("United Kingdom", 2013)], references[("United Kingdom", 2023)]
    flows = read_targets("national_flows.csv", targets_dir)
    disability = read_targets("disability.csv", targets_dir)
    # Stage B's further targets: each row naming a parameter fits it; the others are checks.
    further = read_targets("conditions.csv", targets_dir) | read_targets("wants_work.csv", targets_dir)
    fitted: dict[str, float] = {}
    factors: dict[tuple[str, int, str], float] = {}
    rows: list[dict[str, object]] = []

    if "national" in stages:
        stage_a_unknowns = [(f"employment.rates.{k}", "log") for k in FLOWS] + [
            ("employment.sickness_hr", "log")
        ]
        _, _, s, i = uk2013.state_shares()
        stage_a_targets = [
            Target(f"flow.{k}", float(flows[f"flow.{k}"]["value"]), 0.01 * float(flows[f"flow.{k}"]["value"]))
            for k in FLOWS
        ] + [Target("sick_share_of_inactive", s / (s + i), 0.002, "logit")]
        fitted_further = [c for c in further.values() if c["parameter"]]
        stage_b_unknowns = [  # one per target, in the targets' order
            *_area_unknowns(uk2023),
            ("employment.work_limiting_hr", "log"),
            ("health.work_limiting.onset_probability", "logit"),
            *((c["parameter"], _transform(params, c["parameter"])) for c in fitted_further),
        ]
        rate = float(disability["employment_rate_work_limiting"]["value"])
        prevalence = float(disability["work_limiting_prevalence"]["value"])
        stage_b_targets = [
            *_area_targets(uk2023),
            Target("employment_rate_work_limiting", rate, 0.002, "logit"),
            Target("work_limiting_prevalence", prevalence, 0.002, "logit"),
            *(_further_target(c) for c in fitted_further),
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
        fitted |= {p: params[p] for p, _ in stage_a_unknowns}
        fitted |= {p: params[p] for p, _ in stage_b_unknowns[len(_area_unknowns(uk2023)) :]}
        factors |= {(uk2013.name, uk2013.data_year, f): 1.0 for f in AREA_FACTORS}
        factors |= {
            (uk2023.name, uk2023.data_year, p.rsplit(".", 1)[1]): params[p] for p, _ in _area_unknowns(uk2023)
        }
        rows += [report_row("A national flows", uk2013, t, achieved_a) for t in stage_a_targets]
        rows += [report_row("B disability", uk2023, t, achieved_b) for t in stage_b_targets]
        check = Target(
            "employment_rate_not_work_limiting",
            float(disability["employment_rate_not_work_limiting"]["value"]),
            float(disability["employment_rate_not_work_limiting"]["tolerance"]),
        )
        rows.append(report_row("B disability (check)", uk2023, check, achieved_b))
        rows += [
            report_row("B further (check)", uk2023, _further_target(c), achieved_b)
            for c in further.values()
            if not c["parameter"]
        ]

    if "areas" in stages:
        log("Stage C: area factors")
        jobs = [(p, params, sample, seed, horizon) for p in packaged_profiles().values()]
        fitted_areas = (executor or SerialExecutor()).map(fit_area, jobs, progress)
        for profile, values, achieved in sorted(fitted_areas, key=lambda r: (r[0].data_year, r[0].name)):
            for path, value in values.items():
                factors[(profile.name, profile.data_year, path.rsplit(".", 1)[1])] = value
            rows += [report_row("C area", profile, t, achieved) for t in _area_targets(profile)]
            rows += [
                report_row(
                    "C area flows (check)",
                    profile,
                    Target(
                        f"flow.{k}",
                        float(flows[f"flow.{k}"]["value"]),
                        0.25 * float(flows[f"flow.{k}"]["value"]),
                    ),
                    achieved,
                )
                for k in FLOWS
            ]
        params = params.with_overrides({area_factor_path(*key): v for key, v in factors.items()}, "fitted")

    if "ips" in stages:
        log("Stage D: IPS effects by trial emulation (UK 2023)")
        ips, ips_rows = fit_ips_effects(
            params,
            uk2023,
            read_targets("ips_trials.csv", targets_dir),
            sample=trial_sample,
            seed=seed,
            log=log,
        )
        fitted |= ips
        rows += ips_rows

    if "households" in stages:
        log("Stage E: households (UK 2013)")
        params = params.with_overrides(fitted, "fitted")
        values, household_rows = fit_households(
            params, references, read_targets("households.csv", targets_dir), sample, seed, horizon, log
        )
        fitted |= values
        rows += household_rows
        params = params.with_overrides(fitted, "fitted")
        values, take_up_rows = fit_take_up(params, targets_dir, sample, seed)
        fitted |= values
        rows += take_up_rows

    if "economy" in stages:
        log("Stage F: response to a national unemployment path (UK 2023)")
        params = params.with_overrides(fitted, "fitted")
        values, economy_rows = fit_response_gain(params, uk2023, sample, seed, log)
        fitted |= values
        rows += economy_rows

    written = _write_fitted(fitted_dir, fitted, factors, sample, seed, horizon)
    written += _write_report(report_path, rows, replace_stages={_letter(r["stage"]) for r in rows})
    for path in (fitted_dir / "parameters.csv", fitted_dir / "area_factors.csv", report_path):
        log(f"{'Wrote' if path in written else 'Unchanged (left as it was):'} {path}")
    return report_path


def _provenance(sample: int, seed: int, horizon: int) -> str:
    revision = git_revision()["revision"] or "unknown"
    return (
        f"# Written by `healthwork calibrate --sample {sample} --seed {seed} --horizon {horizon}` on "
        f"{dt.date.today().isoformat()} at git revision {revision}. See calibration/README.md.\n"
    )


def _write_fitted(
    directory: Path, national: dict[str, float], factors: dict, sample: int, seed: int, horizon: int
) -> list[Path]:
    """Merge new fitted values into the package's (values not refitted are kept); write files that changed."""
    directory.mkdir(parents=True, exist_ok=True)
    header = _provenance(sample, seed, horizon)
    old_params, old_factors = _read_fitted(FITTED)
    national = old_params | national
    factors = old_factors | factors
    lines = [header, "path,value\n"] + [f"{path},{value:.8g}\n" for path, value in sorted(national.items())]
    written = (
        [directory / "parameters.csv"]
        if write_if_changed(directory / "parameters.csv", "".join(lines))
        else []
    )
    lines = [header, "area,data_year,factor,value\n"] + [
        f"{area},{year},{factor},{value:.8g}\n" for (area, year, factor), value in sorted(factors.items())
    ]
    if write_if_changed(directory / "area_factors.csv", "".join(lines)):
        written.append(directory / "area_factors.csv")
    return written


def _read_fitted(directory: Path) -> tuple[dict[str, float], dict[tuple[str, int, str], float]]:
    def rows(name: str) -> list[dict[str, str]]:
        path = directory / name
        return read_csv_rows(path) if path.exists() else []

    params = {r["path"]: float(r["value"]) for r in rows("parameters.csv")}
    factors = {
        (r["area"], int(r["data_year"]), r["factor"]): float(r["value"]) for r in rows("area_factors.csv")
    }
    return params, factors


def _letter(stage: object) -> str:
    """The stage's letter from a report row's stage ("C area flows (check)": C)."""
    return str(stage).split()[0]


def _write_report(path: Path, rows: list[dict[str, object]], replace_stages: set[str]) -> list[Path]:
    """Write the fit report, keeping the package report's rows of stages not rerun, if it changed.

    ``replace_stages``: the letters of the stages rerun (a row's stage starts with its letter).
    """
    import io

    kept = []
    if REPORT.exists():
        with REPORT.open(encoding="utf-8", newline="") as handle:
            kept = [r for r in csv.DictReader(handle) if _letter(r["stage"]) not in replace_stages]
    columns = list(dict.fromkeys([*(kept[0] if kept else {}), *(k for r in rows for k in r)]))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(kept + rows)
    return [path] if write_if_changed(path, buffer.getvalue()) else []
