"""Calibration with a posterior (``healthwork calibrate --method abc``): ABC-SMC with pyabc.

A problem (``PROBLEMS``) names its parameters with their priors, its targets (sourced rows with standard
errors) and a simulator: a pure function of the parameter values, whose random seed is derived from them, so a
particle's result does not depend on which worker ran it. Targets are compared on the scale the problem states
(the log scale for risk ratios); the likelihood of the targets given a simulation is independent normal with
variance se^2 + discrepancy^2, the discrepancy a stated model-discrepancy term. pyabc's stochastic acceptor
with a temperature schedule ending at 1 makes the last generation a weighted sample from that posterior
(Wilkinson 2013: ABC as exact inference under a stated model error), not an approximation at a tolerance.

The history is kept in SQLite (``history.db``); an interrupted calibration resumes from its last complete
generation. The result is frozen as equal-weight draws after seeded resampling
(``calibration/posteriors/<name>.parquet``, one column per parameter path) with a manifest (``<name>.json``:
hashes of the target files, priors and code, generations, acceptance, effective sample size, versions) and
diagnostics (``<name>/``: prior against posterior per parameter, posterior predictive checks against every
target, as CSV and plots). pyabc is an optional extra (``abc``), imported only here and only when run; its
sampler follows the executor: one core for serial, its multicore sampler for a local pool (it forks), its Dask
sampler on a cluster.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtri

from model.config.areas import AreaProfile, packaged_profiles, read_profiles
from model.config.errors import InputError, Problem, shown
from model.config.parameters import AREA_FACTORS, area_factor_path, default_parameters
from model.config.scenario import ProgrammeSpec
from model.core.files import REPO, atomic_write, atomic_write_text, git_revision, package_versions, sha256
from model.engine import RunContext
from model.experiments.fitting import TARGETS, read_targets, reference_housing, reference_scenario

POSTERIORS = REPO / "calibration" / "posteriors"


# ------------------------------------------------------------------------------------------------ problems


@dataclass(frozen=True)
class Prior:
    """A parameter's prior: ``uniform`` or ``loguniform`` over (low, high), or ``lognormal`` (median, p95)."""

    path: str
    kind: str
    a: float
    b: float

    def frozen(self):
        """The scipy distribution."""
        if self.kind == "uniform":
            return stats.uniform(self.a, self.b - self.a)
        if self.kind == "loguniform":
            return stats.loguniform(self.a, self.b)
        return stats.lognorm(math.log(self.b / self.a) / ndtri(0.95), scale=self.a)

    def spec(self) -> dict[str, object]:
        """As written in the manifest."""
        names = ("median", "p95") if self.kind == "lognormal" else ("low", "high")
        return {"path": self.path, self.kind: dict(zip(names, (self.a, self.b), strict=True))}


@dataclass(frozen=True)
class Target:
    """An observed quantity: its value and standard error on the comparison scale, and where it comes from."""

    name: str
    value: float
    se: float
    source: str


@dataclass(frozen=True)
class CalibrationProblem:
    """What is calibrated, against what, and how it is simulated.

    ``simulate(values, seed)`` returns every target's and check's simulated value on the comparison scale;
    ``files`` are the target files (hashed into the manifest); ``discrepancy`` the model-discrepancy standard
    deviation on that scale (an assumption, stated in the README). ``checks`` are observations the likelihood
    leaves out (a stated reason each), compared only in the posterior predictive checks.
    """

    name: str
    description: str
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    simulate: Callable[[Mapping[str, float], int], dict[str, float]]
    discrepancy: float
    files: tuple[Path, ...] = ()
    synthetic: Mapping[str, float] = field(default_factory=dict)  # true values when the data are synthetic
    parts: tuple[CalibrationProblem, ...] = ()  # independent sub-problems, each with its own ABC run
    checks: tuple[Target, ...] = ()

    def variance(self, compared: tuple[Target, ...] | None = None) -> np.ndarray:
        """Each target's (or each of ``compared``'s) likelihood variance: se^2 + discrepancy^2."""
        return np.array([t.se**2 + self.discrepancy**2 for t in (compared or self.targets)])

    def components(self) -> tuple[CalibrationProblem, ...]:
        """The problems run one ABC each: its parts, or the problem itself."""
        return self.parts or (self,)


def with_standard_errors_scaled(problem: CalibrationProblem, factor: float) -> CalibrationProblem:
    """The problem with every target's and check's standard error times ``factor`` (a sensitivity run)."""
    if factor == 1:
        return problem

    def scaled(targets: tuple[Target, ...]) -> tuple[Target, ...]:
        return tuple(replace(t, se=t.se * factor) for t in targets)

    return replace(
        problem,
        description=f"{problem.description}; standard errors x {factor:g}",
        targets=scaled(problem.targets),
        checks=scaled(problem.checks),
        parts=tuple(with_standard_errors_scaled(part, factor) for part in problem.parts),
    )


def joint_problem(name: str, description: str, parts: tuple[CalibrationProblem, ...]) -> CalibrationProblem:
    """Independent problems (no parameter or target shared) calibrated as one posterior.

    Their likelihoods and priors factorise, so the joint posterior is the product of theirs: each part runs
    its own ABC (fewer parameters, each generation accepting on its own targets), and the frozen draws put
    the parts' independently resampled draws side by side.
    """
    if len({part.discrepancy for part in parts}) != 1:
        raise ValueError(f"{name}: parts with different discrepancies cannot share one likelihood variance")
    return CalibrationProblem(
        name,
        description,
        tuple(p for part in parts for p in part.priors),
        tuple(t for part in parts for t in part.targets),
        JointSimulator(parts),
        parts[0].discrepancy,
        tuple(dict.fromkeys(f for part in parts for f in part.files)),
        parts=parts,
        checks=tuple(c for part in parts for c in part.checks),
    )


@dataclass(frozen=True)
class JointSimulator:
    """Each part's simulation on its own parameters, with its own seed; the targets of all."""

    parts: tuple[CalibrationProblem, ...]

    def __call__(self, values: Mapping[str, float], seed: int) -> dict[str, float]:
        """The parts' simulated targets, each part seeded from its own values (as in its own run)."""
        out = {}
        for part in self.parts:
            own = {p.path: values[p.path] for p in part.priors}
            out |= part.simulate(own, seed_of(part.name, own))
        return out


def seed_of(problem: str, values: Mapping[str, float]) -> int:
    """A simulation's seed: a hash of the problem's name and the parameter values (repr, sorted by path)."""
    text = problem + ";" + ";".join(f"{k}={float(values[k])!r}" for k in sorted(values))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


# The toy problem: a cheap simulator with known answers, for the tests and a first run in seconds.
TOY_TRUTH = {"toy.employed_share": 0.6, "toy.entry_hr": 2.0}
TOY_N = 2_000  # the survey size behind the toy's standard errors


def toy_simulate(values: Mapping[str, float], seed: int) -> dict[str, float]:
    """The employed share p, and the share finding work 1 - (1 - 0.2)^hr (expected values: no noise)."""
    p, hr = values["toy.employed_share"], values["toy.entry_hr"]
    return {"toy.employed": p, "toy.found_work": 1 - (1 - 0.2) ** hr}


def toy_problem(truth: Mapping[str, float] = TOY_TRUTH, seed: int = 1) -> CalibrationProblem:
    """The toy problem, its observations synthetic: the values at ``truth`` plus a survey's normal error.

    Each target's standard error is that of a share in a sample of TOY_N; the observation is drawn with it,
    so the likelihood the calibration uses is the one that made the data (what simulation-based calibration
    needs to show nominal coverage).
    """
    rng = np.random.default_rng(seed)
    targets = []
    for name, value in toy_simulate(truth, seed).items():
        se = math.sqrt(value * (1 - value) / TOY_N)
        targets.append(Target(name, value + se * float(rng.standard_normal()), se, "synthetic: toy_problem"))
    priors = (Prior("toy.employed_share", "uniform", 0.2, 0.9), Prior("toy.entry_hr", "loguniform", 0.5, 5.0))
    return CalibrationProblem(
        "toy", "two parameters, two shares (synthetic)", priors, tuple(targets), toy_simulate, 0.0,
        synthetic=dict(truth),
    )  # fmt: skip


IPS_GROUPS = ("severe_mental_illness", "common_mental_disorder", "other")


def ips_problem(sample: int = 300_000) -> CalibrationProblem:
    """IPS's job-entry hazard ratios by mental-health group, from the trials' risk ratios (log scale).

    Each target's standard error is its 95% interval's width on the log scale over 3.92; the discrepancy 0.05
    (about 5% on the ratio) stands for what the emulation does not share with the trials. Priors log-uniform
    over 0.5-10. Each simulation draws its own UK 2023 population of ``sample`` residents.

    The trials' arm levels (calibration/targets/trial_arms.csv) are checks, not targets: the trials enrolled
    volunteers who wanted work and were selected for it, the model's cohorts are everyone in the group out of
    work, so the levels differ by design and would drag the hazard ratios to make up for a selection the
    model does not represent.
    """
    path, arms = TARGETS / "ips_trials.csv", TARGETS / "trial_arms.csv"
    rows = list(read_targets(path.name, TARGETS).values())
    checks = tuple(
        Target(r["target"], float(r["value"]), float(r["se"]), r["source"])
        for r in read_targets(arms.name, TARGETS).values()
    )
    targets = tuple(
        Target(
            r["target"],
            math.log(float(r["value"])),
            math.log(float(r["high"]) / float(r["low"])) / (2 * ndtri(0.975)),
            r["source"],
        )
        for r in rows
    )
    priors = tuple(Prior(f"services.ips.job_entry_hr.{g}", "loguniform", 0.5, 10.0) for g in IPS_GROUPS)
    return CalibrationProblem(
        "ips",
        f"IPS job-entry hazard ratios from trial risk ratios (UK 2023, {sample:,} residents per simulation)",
        priors,
        targets,
        IpsSimulator(sample, tuple(rows)),
        0.05,
        (path, arms),
        checks=checks,
    )


@dataclass(frozen=True)
class IpsSimulator:
    """The emulated IPS trials' log risk ratios and arm levels, on a population drawn with the seed."""

    sample: int
    rows: tuple[dict, ...]

    def __call__(self, values: Mapping[str, float], seed: int) -> dict[str, float]:
        """One population, one trial per row, each with the hazard ratio of its group."""
        from model.experiments.calibration import IPS_PARAMETER, ips_cohorts, ips_trial_arms

        params = default_parameters()
        reference = read_profiles(TARGETS / "reference_populations.csv")[("United Kingdom", 2023)]
        scenario = reference_scenario(reference, self.sample, seed, 18)
        # Staff only make places, which a trial does not use; enough that a sampled population has some.
        scenario = scenario.model_copy(
            update={"programmes": [ProgrammeSpec(name="ips", type="ips", staff_fte=1000)]}
        )
        context = RunContext.build(scenario, params, [reference], [reference_housing(reference)])
        programme = context.programmes[0]
        cohorts = ips_cohorts(context, programme, self.rows, seed, populations=1)
        out = {}
        for row, found in zip(self.rows, cohorts, strict=True):
            hr = values[f"services.ips.job_entry_hr.{IPS_PARAMETER[row['group']]}"]
            treated, usual = ips_trial_arms(context, found, programme, hr, row, seed)
            out[row["target"]] = math.log(max(treated / max(usual, 1e-9), 1e-6))
            out[f"ips.arm.{row['group']}.programme"], out[f"ips.arm.{row['group']}.usual"] = treated, usual
        return out


@dataclass(frozen=True)
class MomentsSimulator:
    """Calibration moments (calibration.moments, run averages) of one population with the values given.

    ``names`` pairs each target's name with its moment; ``log`` compares them on the log scale. Every other
    parameter is at its fitted value.
    """

    profile: AreaProfile
    sample: int
    horizon: int
    names: tuple[tuple[str, str], ...]  # (target, moment)
    log: bool = False

    def __call__(self, values: Mapping[str, float], seed: int) -> dict[str, float]:
        """The targets' moments of one run."""
        from model.experiments.calibration import Evaluator

        params = default_parameters().with_overrides(dict(values), "posterior")
        moments = Evaluator(self.profile, self.sample, seed, self.horizon)(params)
        if self.log:
            return {target: math.log(max(float(moments[m]), 1e-12)) for target, m in self.names}
        return {target: float(moments[m]) for target, m in self.names}


def conditions_problem(sample: int = 60_000) -> CalibrationProblem:
    """The conditions' employment odds ratios and their entry share, from employment by condition.

    Targets: the rows of calibration/targets/conditions.csv that fit an ``employment.condition.*`` odds ratio.
    The sources publish no standard errors for these rates, so each row's fit tolerance stands as its
    standard error (a judgement, said in the README); the discrepancy 0.01 (a point) stands for the gap
    between the model's groups and the published ones. Priors log-uniform from a tenth to ten times the
    fitted value, the entry share uniform over 0.05-1. The UK 2023 reference population's area factors are
    held at their fitted values (calibration given them). Each simulation: ``sample`` residents, 60 burn-in
    and 60 recorded months.
    """
    path = TARGETS / "conditions.csv"
    rows = [
        r
        for r in read_targets(path.name, TARGETS).values()
        if r["parameter"].startswith("employment.condition.")
    ]
    targets = tuple(Target(r["target"], float(r["value"]), float(r["tolerance"]), r["source"]) for r in rows)
    params = default_parameters()
    priors = (
        *(
            Prior(r["parameter"], "loguniform", params[r["parameter"]] / 10, params[r["parameter"]] * 10)
            for r in rows
        ),
        Prior("employment.condition.entry_share", "uniform", 0.05, 1.0),
    )
    return CalibrationProblem(
        "conditions",
        f"conditions' employment odds ratios and entry share (UK 2023, {sample:,} residents a simulation)",
        priors,
        targets,
        MomentsSimulator(
            read_profiles(TARGETS / "reference_populations.csv")[("United Kingdom", 2023)],
            sample,
            60,
            tuple((t.name, t.name) for t in targets),
        ),
        0.01,
        (path,),
    )


NATIONAL_FLOWS = TARGETS / "national_flows.csv"
SICK_SHARE_SE_LOG = 0.05  # the sick share of the inactive (2014 for 2013): an assumption, 5% on the log scale


def flows_problem(sample: int = 30_000, horizon: int = 60) -> CalibrationProblem:
    """The national flow rates and the sickness hazard ratio from the LFS gross flows (UK 2013, stage A).

    Stage A's seven unknowns against its seven targets, each on the log scale: the six monthly flow rates
    (calibration/targets/national_flows.csv; their standard errors an assumption, ``se_log``, as ONS
    publishes no interval for the gross flows) and the long-term sick share of the inactive
    (SICK_SHARE_SE_LOG). Discrepancy 0.02 (2% on every rate: monthly model flows against quarterly status
    changes made monthly). Priors log-uniform from a quarter to four times the fitted values. Stage B's
    values are held; the UK 2013 population's area factors are 1 by definition, so the problem stands alone.
    Each simulation: ``sample`` residents over ``horizon`` months.
    """
    from model.experiments.calibration import FLOWS

    rows = read_targets(NATIONAL_FLOWS.name, TARGETS)
    uk2013 = read_profiles(TARGETS / "reference_populations.csv")[("United Kingdom", 2013)]
    _, _, sick, other = uk2013.state_shares()
    flows = [rows[f"flow.{k}"] for k in FLOWS]
    targets = (
        *(Target(r["target"], math.log(float(r["value"])), float(r["se_log"]), r["source"]) for r in flows),
        Target("sick_share_of_inactive", math.log(sick / (sick + other)), SICK_SHARE_SE_LOG,
               "calibration/targets/reference_populations.csv (United Kingdom 2013)"),
    )  # fmt: skip
    params = default_parameters()
    paths = (*(f"employment.rates.{k}" for k in FLOWS), "employment.sickness_hr")
    return CalibrationProblem(
        "flows",
        f"national flow rates and sickness hazard ratio from the LFS gross flows (UK 2013, {sample:,} a run)",
        tuple(Prior(path, "loguniform", params[path] / 4, params[path] * 4) for path in paths),
        targets,
        MomentsSimulator(uk2013, sample, horizon, tuple((t.name, t.name) for t in targets), log=True),
        0.02,
        (NATIONAL_FLOWS, TARGETS / "reference_populations.csv"),
    )


AREA_STOCKS = TARGETS / "area_stocks.csv"  # the published stocks' standard errors
AREA_MOMENTS = ("employment_rate", "unemployment_share", "inactive_sick_rate")
AREA_DISCREPANCY = 0.005  # half a point on each share: definitions and periods (an assumption, in the README)
AREA_PRIOR = (0.1, 10.0)  # log-uniform over a hundredfold range for every area factor


def area_slug(profile: AreaProfile) -> str:
    """An area's name in problem and file names: ``area-st-helens-2023``."""
    return "area-" + re.sub(r"[^a-z0-9]+", "-", profile.name.lower()).strip("-") + f"-{profile.data_year}"


def area_standard_errors() -> dict[tuple[str, int, str], dict[str, str]]:
    """calibration/targets/area_stocks.csv by (area, data year, target)."""
    with AREA_STOCKS.open(encoding="utf-8", newline="") as handle:
        return {(r["area"], int(r["data_year"]), r["target"]): r for r in csv.DictReader(handle)}


def area_problem(profile: AreaProfile, sample: int = 30_000, horizon: int = 120) -> CalibrationProblem:
    """An area's three factors (job entry, unemployment, sickness) from its published stocks.

    Targets: the shares of residents employed, unemployed and inactive through sickness (the profile's
    published rates, as stage C fits them), each with the survey's standard error from
    calibration/targets/area_stocks.csv, plus the discrepancy AREA_DISCREPANCY. Priors log-uniform over
    AREA_PRIOR. Each simulation: ``sample`` of the area's residents over ``horizon`` months (stage C's
    averaging), every other parameter at its fitted value.
    """
    rows = area_standard_errors()
    shares = dict(zip(AREA_MOMENTS, profile.state_shares()[:3], strict=True))
    slug = area_slug(profile)
    targets = tuple(
        Target(f"{slug}.{m}", shares[m], float(rows[(profile.name, profile.data_year, m)]["se"]),
               rows[(profile.name, profile.data_year, m)]["source"])
        for m in AREA_MOMENTS
    )  # fmt: skip
    priors = tuple(
        Prior(area_factor_path(profile.name, profile.data_year, f), "loguniform", *AREA_PRIOR)
        for f in AREA_FACTORS
    )
    return CalibrationProblem(
        slug,
        f"{profile.name}'s area factors from its {profile.data_year} stocks ({sample:,} residents, "
        f"{horizon} months a simulation)",
        priors,
        targets,
        MomentsSimulator(profile, sample, horizon, tuple((f"{slug}.{m}", m) for m in AREA_MOMENTS)),
        AREA_DISCREPANCY,
        (AREA_STOCKS, REPO / "model" / "data" / "areas.csv"),
    )


def areas_problem(data_year: int) -> CalibrationProblem:
    """Every packaged area's factors for ``data_year``: one area problem each, as one posterior."""
    profiles = sorted(packaged_profiles().items())
    parts = tuple(area_problem(profile) for (_, year), profile in profiles if year == data_year)
    return joint_problem(
        f"areas-{data_year}",
        f"area factors of {len(parts)} areas from their {data_year} stocks (one ABC each)",
        parts,
    )


PROGRAMME_OUTCOMES = TARGETS / "programme_outcomes.csv"


def households_into_work_problem() -> CalibrationProblem:
    """Households into Work's job-entry hazard ratio from the LCR pilot's published gross outcome.

    Target: the share of clients into employment (calibration/targets/programme_outcomes.csv: 11% by March
    2019, about six months' support on average; its standard error an upper bound), matched by the share of
    the programme's emulated starters with a job start within that follow-up, across the scenario's areas
    (:func:`emulate_pilot`). Prior log-uniform from a quarter to four times the default. The pilot published
    no distance travelled, so ``readiness_gain`` stays at its default (an assumption the posterior is
    conditional on); the discrepancy is the pilot's, PILOT_DISCREPANCY.
    """
    from model.config.loading import load_scenario

    row = read_targets(PROGRAMME_OUTCOMES.name, TARGETS)["households_into_work.job_entry_share"]
    scenario = load_scenario(REPO / row["scenario"])
    spec = next(p for p in scenario.programmes if p.name == row["programme"])
    path = f"services.{spec.type}.job_entry_hr"
    default = default_parameters()[path]
    return CalibrationProblem(
        "households-into-work",
        f"{spec.name}'s job-entry hazard ratio from the pilot's gross job outcomes ({row['scenario']})",
        (Prior(path, "loguniform", default / 4, default * 4),),
        (Target(row["target"], float(row["value"]), float(row["se"]), row["source"]),),
        PilotSimulator(
            scenario, spec.name, int(row["followup_months"]), tuple(spec.areas or scenario.population.areas),
            prefix="households_into_work",
        ),
        PILOT_DISCREPANCY,
        (PROGRAMME_OUTCOMES, REPO / row["scenario"]),
    )  # fmt: skip


PROBLEMS: dict[str, Callable[[], CalibrationProblem]] = {
    "toy": toy_problem,
    "ips": ips_problem,
    "conditions": conditions_problem,
    "flows": flows_problem,
    "areas-2023": functools.partial(areas_problem, 2023),
    "areas-2010": functools.partial(areas_problem, 2010),
    "households-into-work": households_into_work_problem,
}


# ------------------------------------------------------------------------------------------------ pilot data

# The fields a pilot supplies (calibration/targets/pilot_template.csv documents each), one row per site and
# month in which clients started.
PILOT_FIELDS = (
    "site", "month", "clients_referred", "starts", "completions", "job_entries", "volunteering", "training",
    "followup_months", "distance_n", "distance_before_mean", "distance_after_mean", "distance_change_sd",
    "distance_scale_min", "distance_scale_max",
)  # fmt: skip
# The worked example: pilot outcomes the model generated at a known Health Trainer effect (synthetic data; the
# Health Trainer and Worklessness pilot's own outcomes are not public).
PILOT_EXAMPLE = REPO / "calibration" / "targets" / "pilot_synthetic_example.csv"
PILOT_EXAMPLE_SCENARIO = REPO / "scenarios" / "pilot_health_trainers_2009.yaml"
PILOT_EXAMPLE_PROGRAMME = "health_trainer_pilot"
PILOT_EXAMPLE_TRUTH = {"services.health_trainer.readiness_gain": 0.03}  # 1.5 times the default 0.02
PILOT_DISCREPANCY = 0.02  # model discrepancy on both pilot targets (shares and readiness): an assumption
PILOT_SCALE = 0.1  # each simulation's sample of the pilot sites' residents


@dataclass(frozen=True)
class PilotSimulator:
    """A pilot emulated: its sites' starters' share with a job start, and their mean readiness change.

    The job start within the follow-up; the readiness change at the end of job-search support (a pilot's
    distance travelled, rescaled to 0-1).
    """

    scenario: object  # the Scenario (its programme and areas)
    programme: str
    followup: int
    sites: tuple[str, ...]
    prefix: str = "pilot"  # the targets' names: <prefix>.job_entry_share, <prefix>.distance_change

    def __call__(self, values: Mapping[str, float], seed: int) -> dict[str, float]:
        """One emulated pilot with the programme's effects at ``values``."""
        by_site = emulate_pilot(self.scenario, self.programme, values, self.followup, seed)
        found = [by_site[s] for s in self.sites]
        entered = np.concatenate([f["job_entry"] for f in found])
        change = np.concatenate([f["readiness_change"] for f in found])
        return {
            f"{self.prefix}.job_entry_share": float(entered.mean()),
            f"{self.prefix}.distance_change": float(change.mean()),
        }


def emulate_pilot(
    scenario, programme: str, values: Mapping[str, float], followup: int, seed: int
) -> dict[str, dict[str, np.ndarray]]:
    """The programme started, as in a pilot, for its eligible out-of-work residents, followed.

    PILOT_SCALE of each area's residents; per area, each starter's job entry within ``followup`` months and
    readiness change at the end of job-search support (randomised 1:1 as a trial is; the other half unused).
    """
    from model.core.streams import Streams
    from model.engine import burned_in_population
    from model.experiments.trial import draw_cohort, follow

    local = scenario.model_copy(
        update={
            "seed": seed,
            "parameters": {**scenario.parameters, **values},
            "population": scenario.population.model_copy(update={"scale": PILOT_SCALE}),
        }
    )
    context = RunContext.build(local, local.resolved_parameters())
    prog = next(p for p in context.programmes if p.name == programme)
    pop = burned_in_population(context, Streams(seed, 0))
    cohort = draw_cohort(pop, prog, followup, None, Streams(seed, 0))
    readiness = np.zeros((followup, len(cohort.population)), np.float32)
    panel = follow(context, cohort, prog, followup, Streams(seed, 1), readiness)
    treated = cohort.treated
    change = readiness[min(prog.pre_months, followup) - 1] - cohort.population.readiness
    entered = panel.any(axis=0)
    area = cohort.population.area
    return {
        profile.name: {
            "job_entry": entered[treated & (area == k)],
            "readiness_change": change[treated & (area == k)],
            "readiness_before": cohort.population.readiness[treated & (area == k)],
        }
        for k, profile in enumerate(context.profiles)
    }


PILOT_USED = (  # the fields the calibration reads; the others may be blank (the model has no such outcome)
    "starts", "job_entries", "followup_months", "distance_n", "distance_before_mean", "distance_after_mean",
    "distance_change_sd", "distance_scale_min", "distance_scale_max",
)  # fmt: skip


def read_pilot(path: Path) -> pd.DataFrame:
    """A pilot's outcomes (PILOT_FIELDS); every problem names the file, the row or field, and the reason."""
    where = str(path)
    try:
        frame = pd.read_csv(path, dtype={"site": str, "month": str})
    except (OSError, ValueError) as err:
        raise InputError([Problem(where, "", f"cannot read the pilot file: {err}")]) from None
    template = "see calibration/targets/pilot_template.csv"
    problems = [Problem(where, f, f"missing field ({template})") for f in PILOT_FIELDS if f not in frame]
    problems += [
        Problem(where, c, f"unknown field; fields: {', '.join(PILOT_FIELDS)}")
        for c in frame.columns
        if c not in PILOT_FIELDS
    ]
    if not problems and frame.empty:
        problems.append(
            Problem(where, "", "no rows: the template ships empty; fill a row per site and month")
        )
    if problems:
        raise InputError(problems)
    for row, record in frame.iterrows():
        if not isinstance(record["site"], str) or not record["site"].strip():
            problems.append(Problem(where, f"row {row + 2}.site", "expected the site's area name"))
        for name in PILOT_USED:
            value = pd.to_numeric(record[name], errors="coerce")
            if not np.isfinite(value) or value < 0:
                reason = f"expected a number >= 0, got {shown(record[name])}"
                problems.append(Problem(where, f"row {row + 2}.{name}", reason))
        if not problems and record["job_entries"] > record["starts"]:
            problems.append(Problem(where, f"row {row + 2}.job_entries", "more job entries than starts"))
        if not problems and record["distance_scale_max"] <= record["distance_scale_min"]:
            problems.append(
                Problem(where, f"row {row + 2}.distance_scale_max", "not above the scale's minimum")
            )
    if not problems and frame["followup_months"].nunique() != 1:
        problems.append(Problem(where, "followup_months", "give one follow-up for every row"))
    if not problems and frame["starts"].sum() == 0:
        problems.append(Problem(where, "starts", "no client started"))
    if not problems and frame["distance_n"].sum() == 0:
        problems.append(Problem(where, "distance_n", "no client's distance travelled was scored"))
    if problems:
        raise InputError(problems)
    return frame


def pilot_problem(pilot: Path, scenario, programme: str) -> CalibrationProblem:
    """A programme's effects from a pilot's own outcomes (``healthwork calibrate --pilot FILE --scenario S``).

    Targets: the share of starters with a job entry within the follow-up (binomial standard error) and the
    mean distance travelled divided by the scale's range, standing for the model's 0-1 readiness change at
    the end of job-search support (its standard error from the reported SD; the rescaling is an assumption).
    Parameters: the programme type's ``readiness_gain`` and, where the type has one, ``job_entry_hr``, each
    with a log-uniform prior from a quarter to four times its default.
    """
    frame = read_pilot(pilot)
    specs = {p.name: p for p in scenario.programmes}
    if programme not in specs:
        known = ", ".join(specs) or "none"
        reason = f"no programme {programme!r} in the scenario (programmes: {known})"
        raise InputError([Problem("command line", "--programme", reason)])
    kind = specs[programme].type
    params = default_parameters()
    priors = tuple(
        Prior(path, "loguniform", params[path] / 4, params[path] * 4)
        for path in (f"services.{kind}.readiness_gain", f"services.{kind}.job_entry_hr")
        if path in params and params[path] > 0
    )
    starts = float(frame["starts"].sum())
    share = float(frame["job_entries"].sum()) / starts
    n = float(frame["distance_n"].sum())
    scale = frame["distance_scale_max"] - frame["distance_scale_min"]
    moved = (frame["distance_after_mean"] - frame["distance_before_mean"]) / scale
    change = float((frame["distance_n"] * moved).sum() / n)
    sd = float(np.sqrt((frame["distance_n"] * (frame["distance_change_sd"] / scale) ** 2).sum() / n))
    targets = (
        Target(
            "pilot.job_entry_share", share, math.sqrt(max(share * (1 - share), 1e-6) / starts), pilot.name
        ),
        Target("pilot.distance_change", change, max(sd, 1e-6) / math.sqrt(n), pilot.name),
    )
    followup = int(frame["followup_months"].iloc[0])
    sites = tuple(sorted(set(frame["site"])))
    served = specs[programme].areas or scenario.population.areas
    outside = [s for s in sites if s not in served]
    if outside:
        reason = f"site {outside[0]!r} is not among {programme}'s areas ({', '.join(served)})"
        raise InputError([Problem(str(pilot), "site", reason)])
    return CalibrationProblem(
        f"pilot-{programme}",
        f"{programme} ({kind}) effects from the pilot outcomes in {pilot.name}",
        priors,
        targets,
        PilotSimulator(scenario, programme, followup, sites),
        PILOT_DISCREPANCY,
        (pilot,),
        PILOT_EXAMPLE_TRUTH if pilot.resolve() == PILOT_EXAMPLE.resolve() else {},
    )


def synthetic_pilot(
    scenario, programme: str, truth: Mapping[str, float], *, followup: int = 12, seed: int = 7
) -> pd.DataFrame:
    """Pilot outcomes generated by the model itself at ``truth`` (the worked example; clearly synthetic).

    One row per area the programme serves, readiness reported on a 0-1 scale; fields the model has no
    outcome for are left blank.
    """
    spec = next(p for p in scenario.programmes if p.name == programme)
    rows = []
    for site, found in emulate_pilot(scenario, programme, truth, followup, seed).items():
        if spec.areas and site not in spec.areas:
            continue
        starts = len(found["job_entry"])
        before, change = found["readiness_before"], found["readiness_change"]
        rows.append(
            {
                "site": site, "month": spec.start or scenario.start, "clients_referred": "", "starts": starts,
                "completions": "", "job_entries": int(found["job_entry"].sum()), "volunteering": "",
                "training": "", "followup_months": followup, "distance_n": starts,
                "distance_before_mean": round(float(before.mean()), 6),
                "distance_after_mean": round(float(before.mean() + change.mean()), 6),
                "distance_change_sd": round(float(change.std(ddof=1)), 6),
                "distance_scale_min": 0, "distance_scale_max": 1,
            }
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(PILOT_FIELDS))


# ------------------------------------------------------------------------------------------------ running


def _short(problem: CalibrationProblem) -> dict[str, str]:
    """Pyabc's parameter names (p0, p1, ...) for the problem's paths."""
    return {p.path: f"p{k}" for k, p in enumerate(problem.priors)}


@dataclass(frozen=True)
class _Model:
    """The pyabc model: the problem's simulator with the seed derived from the values (picklable)."""

    problem: CalibrationProblem

    def __call__(self, parameter) -> dict[str, float]:
        names = _short(self.problem)
        values = {path: float(parameter[short]) for path, short in names.items()}
        simulated = self.problem.simulate(values, seed_of(self.problem.name, values))
        return {t.name: simulated[t.name] for t in self.problem.targets}  # the checks stay out


def _sampler(executor):
    """Pyabc's sampler for the executor: one core, a forked local pool, or Dask batches."""
    from pyabc import sampler

    client = getattr(executor, "client", None)
    if client is not None:
        return sampler.DaskDistributedSampler(dask_client=client, batch_size=4)
    workers = getattr(executor, "workers", 1) if executor is not None else 1
    if workers > 1:
        return sampler.MulticoreEvalParallelSampler(n_procs=workers)
    return sampler.SingleCoreSampler()


def _rv(prior: Prior) -> tuple:
    """pyabc.RV arguments (a scipy distribution's name and parameters) for a prior."""
    if prior.kind == "uniform":
        return ("uniform", prior.a, prior.b - prior.a)
    if prior.kind == "loguniform":
        return ("loguniform", prior.a, prior.b)
    return ("lognorm", math.log(prior.b / prior.a) / ndtri(0.95), 0, prior.a)


def run(
    problem: CalibrationProblem,
    db: Path,
    *,
    particles: int,
    generations: int,
    executor=None,
    resume: bool = False,
    seed: int = 1,
    log: Callable[[str], None] = print,
):
    """Run (or with ``resume``, continue) ABC-SMC to ``generations`` generations; return pyabc's History.

    A new run refuses an existing history (resume it or choose another name); a resumed one runs only the
    generations missing, cooling on from where it stopped; a run stops early once at temperature 1. pyabc
    draws from numpy's global generator, seeded here: the run is reproducible on one core, while pyabc's
    multicore and Dask samplers reseed their workers from system randomness (each simulation is still a pure
    function of its values).
    """
    import pyabc

    names = _short(problem)
    prior = pyabc.Distribution(**{names[p.path]: pyabc.RV(*_rv(p)) for p in problem.priors})
    kernel = pyabc.IndependentNormalKernel(var=problem.variance(), keys=[t.name for t in problem.targets])
    url = f"sqlite:///{db}"
    last = None  # the last finished generation's (index, temperature), when resuming
    if resume:
        if not db.exists():
            raise InputError([Problem("command line", "--resume", f"no history to resume at {db}")])
        populations = pyabc.History(url).get_all_populations()
        finished = populations[populations["t"] >= 0]
        if len(finished):
            last = (int(finished["t"].iloc[-1]), float(finished["epsilon"].iloc[-1]))
    elif db.exists():
        reason = f"{db} holds a calibration already: --resume it or rename"
        raise InputError([Problem("command line", "--name", reason)])
    np.random.seed(seed)  # noqa: NPY002 (pyabc draws from numpy's global generator)
    abc = pyabc.ABCSMC(
        _Model(problem),
        prior,
        kernel,
        population_size=particles,
        sampler=_sampler(executor),
        eps=_cooling(pyabc, generations, last),
        acceptor=pyabc.StochasticAcceptor(),
    )
    if resume:
        history = abc.load(url, 1)
        done = history.max_t + 1
        log(f"Resuming {problem.name}: {done} of {generations} generations in {db}")
    else:
        db.parent.mkdir(parents=True, exist_ok=True)
        abc.new(url, {t.name: t.value for t in problem.targets})
        done = 0
    if generations > done and (last is None or last[1] > 1):
        abc.run(max_nr_populations=generations - done)
    return abc.history


def run_all(
    problem: CalibrationProblem,
    folder: Path,
    *,
    resume: bool = False,
    log: Callable[[str], None] = print,
    **settings,
) -> list:
    """Run (or resume) each of the problem's components with :func:`run`'s ``settings``; their histories.

    A problem's history is ``folder/history.db``; a problem with parts keeps each part's in
    ``folder/<part>/history.db``; resuming starts any part not begun, once some part has begun.
    """
    if not problem.parts:
        return [run(problem, folder / "history.db", resume=resume, log=log, **settings)]
    if resume and not any((folder / part.name / "history.db").exists() for part in problem.parts):
        raise InputError([Problem("command line", "--resume", f"no history to resume in {folder}")])
    histories = []
    for k, part in enumerate(problem.parts, 1):
        db = folder / part.name / "history.db"
        log(f"Part {k} of {len(problem.parts)}: {part.name}")
        histories.append(run(part, db, resume=resume and db.exists(), log=log, **settings))
    return histories


def _cooling(pyabc, generations: int, last: tuple[int, float] | None):
    """Pyabc's temperature schedule over the run's ``generations`` in all, ending at 1.

    pyabc's own Temperature counts the generations a ``run`` call adds, so a resumed run would jump to 1 at
    once; this one takes the total, and a resumed run cools on from the last temperature reached.
    """

    class Cooling(pyabc.Temperature):
        def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations, acceptor_config):
            if last is not None:  # before the base class computes the next temperature from it
                self.temperatures.setdefault(last[0], last[1])
            super().initialize(t, get_weighted_distances, get_all_records, generations, acceptor_config)

    return Cooling()


# ------------------------------------------------------------------------------------------------ result


def posterior_draws(history, problem: CalibrationProblem, draws: int, seed: int) -> pd.DataFrame:
    """Equal-weight draws from the last generation: seeded resampling by weight, one column per path."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(frame), size=draws, replace=True, p=np.asarray(weights) / np.sum(weights))
    names = _short(problem)
    return pd.DataFrame({path: frame[short].to_numpy()[rows] for path, short in names.items()})


def summary(history) -> dict[str, object]:
    """Generations, the final temperature, acceptance per generation and the effective sample size."""
    from pyabc.weighted_statistics import effective_sample_size

    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    _, weights = history.get_distribution(m=0, t=history.max_t)
    accepted, sampled = populations["particles"], populations["samples"]
    return {
        "generations": int(history.max_t + 1),
        "final_temperature": float(populations["epsilon"].iloc[-1]),
        "acceptance": [round(float(p / s), 6) for p, s in zip(accepted, sampled, strict=True)],
        "simulations": int(sampled.sum()),
        "effective_sample_size": round(float(effective_sample_size(np.asarray(weights))), 3),
    }


def joint_summary(histories: list, problem: CalibrationProblem) -> dict[str, object]:
    """:func:`summary` of a problem's run; of a problem with parts, the totals and each part's own.

    The generations and final temperature are the largest of any part, the effective sample size the
    smallest: a joint posterior is as good as its worst part.
    """
    facts = [summary(h) for h in histories]
    if not problem.parts:
        return facts[0]
    return {
        "generations": max(f["generations"] for f in facts),
        "final_temperature": max(f["final_temperature"] for f in facts),
        "simulations": sum(f["simulations"] for f in facts),
        "effective_sample_size": min(f["effective_sample_size"] for f in facts),
        "parts": {part.name: f for part, f in zip(problem.parts, facts, strict=True)},
    }


def freeze(
    histories: list,
    problem: CalibrationProblem,
    name: str,
    folder: Path = POSTERIORS,
    *,
    draws: int = 1000,
    seed: int = 1,
) -> tuple[Path, Path]:
    """Write ``<name>.parquet`` (equal-weight draws) and ``<name>.json`` (its manifest), atomically.

    ``histories`` are the problem's components' (:func:`run_all`); a part's draws are resampled with seed
    ``seed`` + its place, so the parts' draws are independent, as their posteriors are.
    """
    frame = pd.concat(
        [
            posterior_draws(history, part, draws, seed + k)
            for k, (history, part) in enumerate(zip(histories, problem.components(), strict=True))
        ],
        axis=1,
    )
    parquet = folder / f"{name}.parquet"
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(parquet, lambda tmp: frame.to_parquet(tmp, index=False))
    code = hashlib.sha256()
    for source in sorted((REPO / "model").rglob("*.py")):
        code.update(source.read_bytes())
    priors = [p.spec() for p in problem.priors]
    manifest = {
        "name": name,
        "problem": problem.name,
        "description": problem.description,
        "posterior_sha256": sha256(parquet),
        "draws": draws,
        "resampling_seed": seed,
        "priors": priors,
        "priors_sha256": hashlib.sha256(json.dumps(priors, sort_keys=True).encode()).hexdigest(),
        "targets": [t.__dict__ for t in problem.targets],
        "target_files_sha256": {f.name: sha256(f) for f in problem.files},
        "discrepancy": problem.discrepancy,
        "synthetic_truth": dict(problem.synthetic),
        "code": {"git": git_revision(), "model_sources_sha256": code.hexdigest()},
        "versions": package_versions(),
        **joint_summary(histories, problem),
    }
    path = folder / f"{name}.json"
    atomic_write_text(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return parquet, path


def diagnostics(
    problem: CalibrationProblem, posterior: pd.DataFrame, folder: Path, *, predictive: int = 20, executor=None
) -> list[Path]:
    """Prior against posterior per parameter, and posterior predictive checks against every target.

    ``prior_posterior.csv`` (quantiles, and the share of the prior's log-scale variance the data removed:
    near 0 means the targets do not identify the parameter), ``predictive.csv`` (each target, and each check
    the likelihood leaves out, against
    ``predictive`` simulations at posterior draws: mean, 5th and 95th percentiles, whether the observation is
    within the 90% band of simulation spread and likelihood together), and a plot of each.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for prior in problem.priors:
        draws = posterior[prior.path].to_numpy()
        reference = prior.frozen().rvs(size=4000, random_state=np.random.default_rng(0))
        rows.append(
            {
                "parameter": prior.path,
                "prior_p05": np.quantile(reference, 0.05),
                "prior_p50": np.quantile(reference, 0.5),
                "prior_p95": np.quantile(reference, 0.95),
                "posterior_p05": np.quantile(draws, 0.05),
                "posterior_p50": np.quantile(draws, 0.5),
                "posterior_p95": np.quantile(draws, 0.95),
                "posterior_mean": draws.mean(),
                "variance_removed": 1 - np.log(draws).var() / np.log(reference).var(),
                "truth": problem.synthetic.get(prior.path, np.nan),
            }
        )
    written = [folder / "prior_posterior.csv", folder / "predictive.csv"]
    atomic_write_text(written[0], pd.DataFrame(rows).to_csv(index=False, float_format="%.6g"))
    picks = posterior.iloc[np.linspace(0, len(posterior) - 1, predictive).astype(int)]
    jobs = [(problem, dict(row)) for _, row in picks.iterrows()]
    simulated = executor.map(_predict, jobs) if executor is not None else [_predict(j) for j in jobs]
    sims = pd.DataFrame(simulated)
    compared = (*problem.targets, *problem.checks)
    names = [t.name for t in compared]
    band = 1.645 * np.sqrt(problem.variance(compared) + sims[names].var().to_numpy())
    checks = pd.DataFrame(
        {
            "target": names,
            "role": ["likelihood"] * len(problem.targets) + ["check"] * len(problem.checks),
            "observed": [t.value for t in compared],
            "se": [t.se for t in compared],
            "predictive_mean": sims[names].mean().to_numpy(),
            "predictive_p05": sims[names].quantile(0.05).to_numpy(),
            "predictive_p95": sims[names].quantile(0.95).to_numpy(),
        }
    )
    checks["observed_within_90"] = np.abs(checks["observed"] - checks["predictive_mean"]) <= band
    atomic_write_text(written[1], checks.to_csv(index=False, float_format="%.6g"))
    figure, axes = plt.subplots(1, len(problem.priors), figsize=(4 * len(problem.priors), 3), squeeze=False)
    for ax, prior in zip(axes[0], problem.priors, strict=True):
        grid = np.linspace(*prior.frozen().ppf([0.005, 0.995]), 200)
        ax.hist(posterior[prior.path], bins=30, density=True, alpha=0.6, label="posterior")
        ax.plot(grid, prior.frozen().pdf(grid), label="prior")
        ax.set_title(prior.path.rsplit(".", 1)[-1], fontsize=9)
    axes[0][0].legend(fontsize=8)
    figure.tight_layout()
    written.append(folder / "prior_posterior.png")
    atomic_write(written[-1], lambda tmp: figure.savefig(tmp, format="png", dpi=100))
    plt.close(figure)
    figure, ax = plt.subplots(figsize=(6, 0.6 * len(names) + 1.5))
    y = np.arange(len(checks))
    ax.errorbar(checks["predictive_mean"], y, xerr=band, fmt="o", label="posterior predictive (90%)")
    ax.plot(checks["observed"], y, "kx", label="observed")
    ax.set_yticks(y, names, fontsize=8)
    ax.legend(fontsize=8)
    figure.tight_layout()
    written.append(folder / "predictive.png")
    atomic_write(written[-1], lambda tmp: figure.savefig(tmp, format="png", dpi=100))
    plt.close(figure)
    return written


def _predict(job: tuple[CalibrationProblem, dict[str, float]]) -> dict[str, float]:
    """One posterior predictive simulation (seed from the values, as in the fit)."""
    problem, values = job
    return problem.simulate(values, seed_of(problem.name, values))


def interval_covers(posterior: pd.DataFrame, truth: Mapping[str, float], level: float = 0.9) -> dict:
    """Whether each parameter's central ``level`` posterior interval covers its true value."""
    tail = (1 - level) / 2
    return {
        path: bool(np.quantile(posterior[path], tail) <= value <= np.quantile(posterior[path], 1 - tail))
        for path, value in truth.items()
    }
