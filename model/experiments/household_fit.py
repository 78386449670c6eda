"""Calibration stage E: households (see :mod:`model.experiments.calibration`) and Universal Credit take-up."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from model.config.areas import AreaProfile, packaged_housing, packaged_profiles
from model.config.parameters import Parameters
from model.config.scenario import PopulationSpec, Scenario, month_index
from model.core.population import Population
from model.core.recording import HOUSEHOLD_MEASURES
from model.core.streams import Streams
from model.dynamics import households
from model.economics.ledger import Ledger
from model.engine import HealthWorkModel, RunContext, burned_in_population
from model.experiments.fitting import (
    Target,
    reference_housing,
    reference_scenario,
    report_row,
    solve,
)


@dataclass(frozen=True)
class HouseholdEvaluator:
    """Forms households on one burned-in reference population with given parameters; returns their moments."""

    context: RunContext
    population: Population
    streams: Streams

    def __call__(self, params: Parameters, months: int = 0) -> dict[str, float]:
        """Synthesise the households with ``params`` (common random numbers).

        Return their moments, and with ``months`` also the ratio of the workless share after that many
        months to the share at the start.
        """
        pop = self.population.copy()
        context = RunContext.build(self.context.scenario, params, self.context.profiles, self.context.housing)
        context.form_households(pop, self.streams)
        out = households.moments(pop)
        if months:
            HealthWorkModel(context, pop, self.streams, arm="calibration").run_for(months)
            after = households.moments(pop)["workless_household_share"]
            out["workless_household_persistence"] = after / out["workless_household_share"]
        return out

    @classmethod
    def build(cls, profile: AreaProfile, params: Parameters, sample: int, seed: int) -> HouseholdEvaluator:
        """Burn in ``profile``'s reference population once."""
        scenario = reference_scenario(profile, sample, seed, horizon=1)
        context = RunContext.build(scenario, params, [profile], [reference_housing(profile)])
        streams = Streams(seed, 0)
        pop = context.initial_population(streams)
        burn_in = int(params["simulation.burn_in_months"])
        HealthWorkModel(context, pop, streams, arm="burn-in", first_month=1 - burn_in).run_for(burn_in)
        return cls(context, pop, streams)


def fit_households(
    params: Parameters,
    references: dict,
    targets: dict[str, dict[str, str]],
    sample: int,
    seed: int,
    horizon: int,
    log: Callable[[str], None],
) -> tuple[dict[str, float], list[dict[str, object]]]:
    """Stage E (module docstring): fitted on the UK 2013 population, checked on UK 2023 and Liverpool 2010."""
    unknowns = [
        ("households.partner_employment_correlation", "logit"),
        ("households.alone_odds_workless", "log"),
        ("households.lone_parent_odds_workless", "log"),
    ]
    fit = [
        Target(name, float(targets[name]["value"]), float(targets[name]["tolerance"]), "logit")
        for name in ("workless_household_share", "lone_mother_employment_rate", "children_in_workless_share")
    ]
    uk2013 = references[("United Kingdom", 2013)]
    evaluate = HouseholdEvaluator.build(uk2013, params, sample, seed)
    params, achieved, _ = solve(evaluate, params, unknowns, fit, log=log)
    rows = [report_row("E households", uk2013, t, achieved) for t in fit]
    persistence = [Target("workless_household_persistence", 1.0, 0.02)]
    path = "households.workless_job_entry_ratio"
    params, kept, _ = solve(
        lambda p: evaluate(p, months=horizon), params, [(path, "logit")], persistence, log=log
    )
    rows.append(report_row("E households (persistence)", uk2013, persistence[0], kept))
    unknowns.append((path, "logit"))
    uk2023 = references[("United Kingdom", 2023)]
    social = Target(
        "social_head_employed_share",
        float(targets["social_head_employed_share"]["value"]),
        float(targets["social_head_employed_share"]["tolerance"]),
        "logit",
    )
    path = "households.social_rent_odds_workless"
    params, tilted, _ = solve(
        HouseholdEvaluator.build(uk2023, params, sample, seed), params, [(path, "log")], [social], log=log
    )
    rows.append(report_row("E households (social renting)", uk2023, social, tilted))
    unknowns.append((path, "log"))
    checks = (
        ("workless_household_share_2023", "workless_household_share", references[("United Kingdom", 2023)]),
        (
            "workless_household_share_liverpool_2010",
            "workless_household_share",
            packaged_profiles()[("Liverpool", 2010)],
        ),
    )
    for name, moment, profile in checks:
        check = Target(moment, float(targets[name]["value"]), float(targets[name]["tolerance"]))
        rows.append(
            report_row(
                "E households (check)",
                profile,
                check,
                HouseholdEvaluator.build(profile, params, sample, seed)(params),
            )
        )
    return {path: params[path] for path, _ in unknowns}, rows


def fit_take_up(
    params: Parameters, targets_dir: Path, sample: int, seed: int
) -> tuple[dict[str, float], list[dict[str, object]]]:
    """Stage E, last: UC take-up so that the boroughs' benefit units on UC in May 2025 sum to DWP's count.

    Expected units on UC are proportional to take-up, so one ledger month at full take-up gives it; each
    borough's own count is a check.
    """
    with (targets_dir / "uc_households.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["area"]: row for row in csv.DictReader(handle)}
    areas = [a for a in rows if a in packaged_housing()]
    profiles = [packaged_profiles()[(a, 2023)] for a in areas]
    population = PopulationSpec.model_construct(
        areas=areas, scale=min(1.0, sample / sum(p.population_16_64 for p in profiles)), data_year=2023
    )
    scenario = Scenario.model_construct(
        name="calibration UC take-up",
        description="",
        start="2025-05",
        horizon_months=1,
        seed=seed,
        replications=1,
        population=population,
        parameters={},
    )
    full = params.with_overrides({"fiscal.take_up": 1.0}, "fitted")
    context = RunContext.build(scenario, full)
    pop = burned_in_population(context, Streams(seed, 0))
    ledger = Ledger(full, context.housing, 1, month_index(scenario.start))
    measures = ledger.record(1, pop)[:, HOUSEHOLD_MEASURES.index("uc_households")]
    scaled = measures * np.array([p.population_16_64 for p in profiles]) / np.array(context.sizes)
    total = rows["Liverpool City Region"]
    take_up = min(float(total["value"]) / scaled.sum(), 1.0)
    region = replace(profiles[0], name="Liverpool City Region")
    report = [
        report_row(
            "E UC take-up",
            region,
            Target("uc_households", float(total["value"]), float(total["tolerance"]) * float(total["value"])),
            {"uc_households": take_up * scaled.sum()},
        )
    ]
    for profile, units in zip(profiles, scaled, strict=True):
        row = rows[profile.name]
        target = Target("uc_households", float(row["value"]), float(row["tolerance"]) * float(row["value"]))
        report.append(report_row("E UC take-up (check)", profile, target, {"uc_households": take_up * units}))
    return {"fiscal.take_up": take_up}, report
