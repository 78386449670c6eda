"""Ensembles: replications in parallel local processes, tidy results and their summary.

Replication r of a scenario is a pure function of (scenario, r): workers only decide where it runs, and
results are assembled in replication order, so the same scenario, seed and number of replications give
byte-identical tables whatever the worker count.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model import appraisal
from model.areas import packaged_profiles
from model.parallel import parallel_map
from model.population import EMPLOYED, INACTIVE_OTHER, INACTIVE_SICK, UNEMPLOYED
from model.scenario import Scenario
from model.services import COUNTS
from model.simulation import ARMS, ReplicationResult, simulate
from model.synthesis import area_sizes
from model.tables import describe, tidy

ALL_AREAS = "ALL"
ALL_PROGRAMMES = "all"
METRICS = (
    "residents",
    "employed",
    "unemployed",
    "inactive_sick",
    "inactive_other",
    "employment_rate",
    "unemployment_rate",
    "inactivity_rate",
    "job_starts",
    "job_exits",
    "with_mental_health",
    "with_msk",
    "work_limiting",
)
# Summarised as totals over the horizon; every other metric is summarised at the final month.
FLOW_METRICS = ("job_starts", "job_exits")
MONTHLY_COLUMNS = ("arm", "replication", "month", "date", "area", "programme", "metric", "value")
SUMMARY_COLUMNS = ("arm", "area", "programme", "metric", "mean", "p05", "p50", "p95")


# The recorded counts, with months waited turned into the mean waiting time and staff left to the ledger.
PROGRAMME_METRICS = tuple(
    "waiting_time_months" if c == "waited_months" else c for c in COUNTS if c != "staff_fte"
)
# Summarised as means over the months the programme is open; waiting time as months waited / starts.
PROGRAMME_STOCKS = ("caseload", "waiting")
DISTANCE_COLUMNS = ("programme", "area", "measure", "exits", "mean", "p25", "p50", "p75", "share_improved")


@dataclass
class RunResult:
    """An ensemble's results: tidy monthly values and their summary, with run facts for the manifest."""

    scenario: Scenario
    monthly: pd.DataFrame
    summary: pd.DataFrame
    started: dt.datetime
    finished: dt.datetime
    workers: int
    scenario_simulated: bool
    programmes: pd.DataFrame | None = None
    distance: pd.DataFrame | None = None
    fiscal: pd.DataFrame | None = None
    value_for_money: pd.DataFrame | None = None


def _replicate(job: tuple[Scenario, int]) -> ReplicationResult:
    scenario, replication = job
    return simulate(scenario, replication=replication)


def run_replications(
    scenario: Scenario, workers: int = 1, progress: Callable[[int, int], None] | None = None
) -> list[ReplicationResult]:
    """Run every replication (in ``workers`` processes when more than one) and return them in order."""
    jobs = [(scenario, r) for r in range(scenario.replications)]
    return parallel_map(_replicate, jobs, workers, progress)


def month_labels(scenario: Scenario) -> list[str]:
    """Calendar month at whose end each recorded month's stocks are measured (month 0 = before the start)."""
    year, month = scenario.start_month
    labels = []
    for m in range(scenario.horizon_months + 1):
        k = year * 12 + (month - 1) + m - 1
        labels.append(f"{k // 12:04d}-{k % 12 + 1:02d}")
    return labels


def metric_values(scenario: Scenario, results: Sequence[ReplicationResult], arm: str) -> np.ndarray:
    """Values of every metric for one arm: array (replications, months + 1, areas + ALL, metrics).

    Counts are scaled from simulated residents to the area's published population; rates are computed from
    the scaled totals (so ALL is weighted by population). Flow metrics are NaN at month 0.
    """
    factor = _area_factors(scenario)
    stocks = np.stack([r.counts[arm].stocks for r in results]) * factor[None, None, :, None]
    health = np.stack([r.counts[arm].health for r in results]) * factor[None, None, :, None]
    limiting = np.stack([r.counts[arm].limiting for r in results]).sum(axis=3) * factor
    flows = np.stack([r.counts[arm].flows for r in results]) * factor[None, None, :, None, None]

    def with_total(x: np.ndarray) -> np.ndarray:
        return np.concatenate([x, x.sum(axis=2, keepdims=True)], axis=2)

    stocks, health, limiting, flows = map(with_total, (stocks, health, limiting, flows))
    residents = stocks.sum(axis=3)
    active = stocks[..., EMPLOYED] + stocks[..., UNEMPLOYED]
    inactive = stocks[..., INACTIVE_SICK] + stocks[..., INACTIVE_OTHER]
    not_employed = [UNEMPLOYED, INACTIVE_SICK, INACTIVE_OTHER]
    job_starts = flows[..., not_employed, EMPLOYED].sum(axis=3)
    job_exits = flows[..., EMPLOYED, not_employed].sum(axis=3)
    job_starts[:, 0] = job_exits[:, 0] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        columns = {
            "residents": residents,
            "employed": stocks[..., EMPLOYED],
            "unemployed": stocks[..., UNEMPLOYED],
            "inactive_sick": stocks[..., INACTIVE_SICK],
            "inactive_other": stocks[..., INACTIVE_OTHER],
            "employment_rate": 100 * stocks[..., EMPLOYED] / residents,
            "unemployment_rate": 100 * stocks[..., UNEMPLOYED] / active,
            "inactivity_rate": 100 * inactive / residents,
            "job_starts": job_starts,
            "job_exits": job_exits,
            "with_mental_health": health[..., 0] + health[..., 1],
            "with_msk": health[..., 2],
            "work_limiting": limiting,
        }
    return np.stack([columns[m] for m in METRICS], axis=-1)


def monthly_frame(scenario: Scenario, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Tidy table of every arm, replication, month, area and metric (flow rows from month 1)."""
    areas = [*scenario.population.areas, ALL_AREAS]
    dates = np.array(month_labels(scenario))
    frames = []
    for arm in ARMS:
        v = values[arm]
        frame = tidy(
            v,
            {
                "arm": arm,
                "replication": (0, np.arange(v.shape[0])),
                "month": (1, np.arange(v.shape[1])),
                "date": (1, dates),
                "area": (2, areas),
                "programme": ALL_PROGRAMMES,
                "metric": (3, METRICS),
            },
        )
        frames.append(frame[~np.isnan(frame["value"].to_numpy())])
    return pd.concat(frames, ignore_index=True)


def outcome_per_replication(scenario: Scenario, v: np.ndarray) -> np.ndarray:
    """(replications, areas, metrics): final-month value, or total over the horizon for flow metrics."""
    out = v[:, -1].copy()
    flow = [METRICS.index(m) for m in FLOW_METRICS]
    out[..., flow] = np.nansum(v[:, 1:, :, flow], axis=1)
    return out


def summary_frame(scenario: Scenario, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Mean and 5th, 50th and 95th percentiles across replications, per arm (and impact), area and metric."""
    areas = [*scenario.population.areas, ALL_AREAS]
    outcomes = {arm: outcome_per_replication(scenario, values[arm]) for arm in ARMS}
    outcomes["impact"] = outcomes["scenario"] - outcomes["counterfactual"]
    rows = []
    for arm, x in outcomes.items():
        stats = {
            "mean": x.mean(axis=0),
            "p05": np.percentile(x, 5, axis=0),
            "p50": np.percentile(x, 50, axis=0),
            "p95": np.percentile(x, 95, axis=0),
        }
        for a, area in enumerate(areas):
            for k, metric in enumerate(METRICS):
                rows.append(
                    {"arm": arm, "area": area, "programme": ALL_PROGRAMMES, "metric": metric}
                    | {s: float(stats[s][a, k]) for s in stats}
                )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _area_factors(scenario: Scenario) -> np.ndarray:
    """Residents represented by each simulated resident, per area."""
    profiles = [packaged_profiles()[(a, scenario.population.data_year)] for a in scenario.population.areas]
    sizes = np.array(area_sizes(profiles, scenario.population.scale), dtype=float)
    return np.array([p.population_16_64 for p in profiles]) / sizes


def programme_values(scenario: Scenario, results: Sequence[ReplicationResult]) -> np.ndarray:
    """Programme metrics: array (replications, months + 1, programmes, areas + ALL, PROGRAMME_METRICS)."""
    raw = np.stack([r.programmes.counts for r in results])  # (reps, months + 1, programmes, areas, COUNTS)
    raw = raw * _area_factors(scenario)[None, None, None, :, None]
    raw = np.concatenate([raw, raw.sum(axis=3, keepdims=True)], axis=3)
    column = {name: raw[..., COUNTS.index(name)] for name in COUNTS}
    with np.errstate(invalid="ignore", divide="ignore"):
        column["waiting_time_months"] = np.where(
            column["starts"] > 0, column["waited_months"] / column["starts"], np.nan
        )
    return np.stack([column[m] for m in PROGRAMME_METRICS], axis=-1)


def open_months(scenario: Scenario, index: int) -> np.ndarray:
    """Recorded months (1..horizon) in which programme ``index`` accepts people."""
    first, last = scenario.programmes[index].window(scenario)
    return np.arange(first, min(last, scenario.horizon_months) + 1)


def programme_frame(scenario: Scenario, values: np.ndarray) -> pd.DataFrame:
    """Tidy table of the scenario arm's programme metrics (each programme's areas and ALL, months 1..)."""
    areas = [*scenario.population.areas, ALL_AREAS]
    dates = np.array(month_labels(scenario))
    frames = []
    for k, spec in enumerate(scenario.programmes):
        own = [areas.index(a) for a in (spec.areas or scenario.population.areas)] + [len(areas) - 1]
        v = values[:, 1:, k][:, :, own]  # (reps, months, own areas, metrics)
        frame = tidy(
            v,
            {
                "arm": "scenario",
                "replication": (0, np.arange(v.shape[0])),
                "month": (1, np.arange(1, v.shape[1] + 1)),
                "date": (1, dates[1:]),
                "area": (2, np.array(areas)[own]),
                "programme": spec.name,
                "metric": (3, PROGRAMME_METRICS),
            },
        )
        frames.append(frame[~np.isnan(frame["value"].to_numpy())])
    return pd.concat(frames, ignore_index=True)


def programme_summary(scenario: Scenario, values: np.ndarray) -> pd.DataFrame:
    """Programme rows for summary.csv: totals over the horizon, means over open months, mean waiting time."""
    areas = [*scenario.population.areas, ALL_AREAS]
    rows = []
    for k, spec in enumerate(scenario.programmes):
        v = values[:, 1:, k]  # (reps, months, areas, metrics)
        per_rep = np.nansum(v, axis=1)
        months = open_months(scenario, k) - 1
        for name in PROGRAMME_STOCKS:
            j = PROGRAMME_METRICS.index(name)
            per_rep[..., j] = v[:, months][..., j].mean(axis=1) if len(months) else 0.0
        starts = per_rep[..., PROGRAMME_METRICS.index("starts")]
        wait, start = PROGRAMME_METRICS.index("waiting_time_months"), PROGRAMME_METRICS.index("starts")
        waited = np.nansum(v[..., wait] * v[..., start], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_rep[..., PROGRAMME_METRICS.index("waiting_time_months")] = np.where(
                starts > 0, waited / starts, np.nan
            )
        for a in [areas.index(x) for x in (spec.areas or scenario.population.areas)] + [len(areas) - 1]:
            for j, metric in enumerate(PROGRAMME_METRICS):
                rows.append(["scenario", areas[a], spec.name, metric, *describe(per_rep[:, a, j])])
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def distance_frame(scenario: Scenario, results: Sequence[ReplicationResult]) -> pd.DataFrame:
    """Distance travelled between start and exit, pooled over replications, per programme and area."""
    records = {
        k: np.concatenate([r.programmes.distance[k] for r in results]) for k in results[0].programmes.distance
    }
    areas = [*scenario.population.areas, ALL_AREAS]
    rows = []
    for k, spec in enumerate(scenario.programmes):
        mine = records["programme"] == k
        for area in [*(spec.areas or scenario.population.areas), ALL_AREAS]:
            here = mine if area == ALL_AREAS else mine & (records["area"] == areas.index(area))
            for measure in ("readiness_change", "health_change"):
                x = records[measure][here]
                if len(x):
                    stats = [len(x), x.mean(), *np.percentile(x, [25, 50, 75]), float(np.mean(x > 1e-9))]
                else:
                    stats = [0, *[np.nan] * 5]
                rows.append([spec.name, area, measure, *stats])
    return pd.DataFrame(rows, columns=list(DISTANCE_COLUMNS))


def run(
    scenario: Scenario, *, workers: int | None = None, progress: Callable[[int, int], None] | None = None
) -> RunResult:
    """Run a scenario's ensemble and tabulate it.

    Args:
        scenario: the validated scenario.
        workers: local processes (default: the CPUs available, at most one per replication).
        progress: called with (done, total) as replications finish.

    """
    workers = workers or min(os.cpu_count() or 1, scenario.replications)
    started = dt.datetime.now(dt.UTC)
    results = run_replications(scenario, workers, progress)
    values = {arm: metric_values(scenario, results, arm) for arm in ARMS}
    summary = summary_frame(scenario, values)
    fiscal_table = vfm = None
    if results[0].ledgers is not None:
        factors = _area_factors(scenario)
        books = appraisal.Books(scenario, results, factors)
        metrics = appraisal.impact_metrics(books, results, factors)
        fiscal_table = appraisal.fiscal_frame(books)
        summary = pd.concat([summary, appraisal.summary_rows(books, metrics)], ignore_index=True)
        vfm = appraisal.value_for_money(books, metrics)
    programmes = distance = None
    if scenario.has_programmes():
        p_values = programme_values(scenario, results)
        programmes = programme_frame(scenario, p_values)
        summary = pd.concat([summary, programme_summary(scenario, p_values)], ignore_index=True)
        distance = distance_frame(scenario, results)
    return RunResult(
        scenario=scenario,
        monthly=monthly_frame(scenario, values),
        summary=summary,
        started=started,
        finished=dt.datetime.now(dt.UTC),
        workers=workers,
        scenario_simulated=all(r.scenario_simulated for r in results),
        programmes=programmes,
        distance=distance,
        fiscal=fiscal_table,
        value_for_money=vfm,
    )
