"""Ensembles: every replication through the command's executor, tidy results and their summary.

Replication r of a scenario is a pure function of (scenario, r): the executor only decides where it runs, and
results are assembled in replication order, so the same scenario, seed and number of replications give
byte-identical tables whatever the executor or its worker count. Metrics come from the registry
(:mod:`model.core.metrics`) and are summarised across replications by :func:`model.core.tables.summarise`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.config.areas import area_sizes, packaged_profiles
from model.config.scenario import Scenario
from model.config.vocabulary import ALL_AREAS, ALL_PROGRAMMES, ARMS, CONDITIONS, IMPACT
from model.core.metrics import CountArrays, in_group
from model.core.tables import STATISTICS, describe, summarise, tidy
from model.engine import ReplicationResult, simulate
from model.experiments import appraisal, uncertainty
from model.experiments.executors import Executor, SerialExecutor
from model.programmes.services import COUNTS

MONTHLY_COLUMNS = ("arm", "replication", "month", "date", "area", "programme", "metric", "value")
SUMMARY_COLUMNS = ("arm", "area", "programme", "metric", *STATISTICS)
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
    draws: int = 0
    uncertainty: dict[str, pd.DataFrame] | None = None  # with draws: draws.csv, variance_components.csv...
    at_all: dict[tuple[str, str], np.ndarray] | None = None  # (arm, metric) -> per-replication value at ALL


def _replicate(job: tuple[Scenario, int, int]) -> ReplicationResult:
    scenario, replication, draw = job
    return simulate(scenario, replication=replication, draw=draw)


def run_replications(
    plans: Sequence[Scenario], executor: Executor, progress: Callable[[int, int], None] | None = None
) -> list[ReplicationResult]:
    """Run every replication of each parameter draw's scenario (``plans``, draw-major) via ``executor``."""
    jobs = [(plan, r, d) for d, plan in enumerate(plans) for r in range(plan.replications)]
    return executor.map(_replicate, jobs, progress)


def month_labels(scenario: Scenario) -> list[str]:
    """Calendar month at whose end each recorded month's stocks are measured (month 0 = before the start)."""
    year, month = scenario.start_month
    labels = []
    for m in range(scenario.horizon_months + 1):
        k = year * 12 + (month - 1) + m - 1
        labels.append(f"{k // 12:04d}-{k % 12 + 1:02d}")
    return labels


def area_factors(scenario: Scenario) -> np.ndarray:
    """Residents represented by each simulated resident, per area."""
    profiles = [packaged_profiles()[(a, scenario.population.data_year)] for a in scenario.population.areas]
    sizes = np.array(area_sizes(profiles, scenario.population.scale), dtype=float)
    return np.array([p.population_16_64 for p in profiles]) / sizes


def _with_total(x: np.ndarray) -> np.ndarray:
    """Append the ALL total along the area axis (axis 2)."""
    return np.concatenate([x, x.sum(axis=2, keepdims=True)], axis=2)


def count_arrays(scenario: Scenario, results: Sequence[ReplicationResult], arm: str) -> CountArrays:
    """One arm's counts, scaled from simulated residents to the area's population, with the ALL total."""
    factor = area_factors(scenario)
    per_state = factor[None, None, :, None]
    stocks = np.stack([r.counts[arm].stocks for r in results]) * per_state
    health = np.stack([r.counts[arm].health for r in results]) * per_state
    limiting = np.stack([r.counts[arm].limiting for r in results]).sum(axis=3) * factor
    flows = np.stack([r.counts[arm].flows for r in results]) * factor[None, None, :, None, None]
    households = np.stack([r.counts[arm].households for r in results]) * per_state
    return CountArrays(
        households=_with_total(households),
        stocks=_with_total(stocks),
        health=_with_total(health),
        limiting=_with_total(limiting),
        flows=_with_total(flows),
        conditions=CONDITIONS.names(),
    )


def metric_values(scenario: Scenario, results: Sequence[ReplicationResult], arm: str) -> np.ndarray:
    """Every population metric for one arm: array (replications, months + 1, areas + ALL, metrics).

    Rates are computed from the scaled totals (so ALL is weighted by population); flows are NaN at month 0.
    """
    counts = count_arrays(scenario, results, arm)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.stack([m.compute(counts) for m in in_group("population")], axis=-1)


def monthly_frame(scenario: Scenario, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Tidy table of every arm, replication, month, area and metric (flow rows from month 1)."""
    areas = [*scenario.population.areas, ALL_AREAS]
    dates = np.array(month_labels(scenario))
    names = [m.name for m in in_group("population")]
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
                "metric": (3, names),
            },
        )
        frames.append(frame[~np.isnan(frame["value"].to_numpy())])
    return pd.concat(frames, ignore_index=True)


def outcome_per_replication(v: np.ndarray) -> np.ndarray:
    """(replications, areas, metrics): final-month value, or the total over the horizon for flows."""
    out = v[:, -1].copy()
    flow = [k for k, m in enumerate(in_group("population")) if m.summary == "total"]
    out[..., flow] = np.nansum(v[:, 1:, :, flow], axis=1)
    return out


def replication_outcomes(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each population metric's summarised value per replication, per arm and for the impact (paired).

    Arrays are (replications, areas + ALL, metrics).
    """
    outcomes = {arm: outcome_per_replication(values[arm]) for arm in ARMS}
    outcomes[IMPACT] = outcomes["scenario"] - outcomes["counterfactual"]
    return outcomes


def summary_frame(scenario: Scenario, outcomes: dict[str, np.ndarray]) -> pd.DataFrame:
    """The summary across replications per arm (and impact), area and metric."""
    areas = [*scenario.population.areas, ALL_AREAS]
    names = [m.name for m in in_group("population")]
    rows = []
    for arm, x in outcomes.items():
        stats = summarise(x)[:4]
        for a, area in enumerate(areas):
            for k, name in enumerate(names):
                rows.append([arm, area, ALL_PROGRAMMES, name, *(float(s[a, k]) for s in stats)])
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def programme_values(scenario: Scenario, results: Sequence[ReplicationResult]) -> np.ndarray:
    """Programme metrics: array (replications, months + 1, programmes, areas + ALL, programme metrics)."""
    raw = np.stack([r.programmes.counts for r in results])  # (reps, months + 1, programmes, areas, COUNTS)
    raw = raw * area_factors(scenario)[None, None, None, :, None]
    raw = np.concatenate([raw, raw.sum(axis=3, keepdims=True)], axis=3)
    column = {name: raw[..., COUNTS.index(name)] for name in COUNTS}
    with np.errstate(invalid="ignore", divide="ignore"):
        column["waiting_time_months"] = np.where(
            column["starts"] > 0, column["waited_months"] / column["starts"], np.nan
        )
    return np.stack([column[m.name] for m in in_group("programme")], axis=-1)


def open_months(scenario: Scenario, index: int) -> np.ndarray:
    """Recorded months (1..horizon) in which programme ``index`` accepts people."""
    first, last = scenario.programmes[index].window(scenario)
    return np.arange(first, min(last, scenario.horizon_months) + 1)


def _own_areas(scenario: Scenario, index: int) -> list[int]:
    """Indices of a programme's areas and ALL along the areas + ALL axis."""
    areas = [*scenario.population.areas, ALL_AREAS]
    spec = scenario.programmes[index]
    return [areas.index(a) for a in (spec.areas or scenario.population.areas)] + [len(areas) - 1]


def programme_frame(scenario: Scenario, values: np.ndarray) -> pd.DataFrame:
    """Tidy table of the scenario arm's programme metrics (each programme's areas and ALL, months 1..)."""
    areas = np.array([*scenario.population.areas, ALL_AREAS])
    dates = np.array(month_labels(scenario))
    names = [m.name for m in in_group("programme")]
    frames = []
    for k, spec in enumerate(scenario.programmes):
        own = _own_areas(scenario, k)
        v = values[:, 1:, k][:, :, own]  # (reps, months, own areas, metrics)
        frame = tidy(
            v,
            {
                "arm": "scenario",
                "replication": (0, np.arange(v.shape[0])),
                "month": (1, np.arange(1, v.shape[1] + 1)),
                "date": (1, dates[1:]),
                "area": (2, areas[own]),
                "programme": spec.name,
                "metric": (3, names),
            },
        )
        frames.append(frame[~np.isnan(frame["value"].to_numpy())])
    return pd.concat(frames, ignore_index=True)


def programme_summary(scenario: Scenario, values: np.ndarray) -> pd.DataFrame:
    """Programme rows for summary.csv, each metric summarised by its registered rule."""
    areas = [*scenario.population.areas, ALL_AREAS]
    metrics = in_group("programme")
    names = [m.name for m in metrics]
    starts, wait = names.index("starts"), names.index("waiting_time_months")
    rows = []
    for k, spec in enumerate(scenario.programmes):
        v = values[:, 1:, k]  # (reps, months, areas, metrics)
        per_rep = np.nansum(v, axis=1)
        months = open_months(scenario, k) - 1
        for j, m in enumerate(metrics):
            if m.summary == "open_mean":
                per_rep[..., j] = v[:, months][..., j].mean(axis=1) if len(months) else 0.0
        waited = np.nansum(v[..., wait] * v[..., starts], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_rep[..., wait] = np.where(per_rep[..., starts] > 0, waited / per_rep[..., starts], np.nan)
        for a in _own_areas(scenario, k):
            for j, name in enumerate(names):
                rows.append(["scenario", areas[a], spec.name, name, *describe(per_rep[:, a, j])])
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
    scenario: Scenario,
    *,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    draws: int = 0,
) -> RunResult:
    """Run a scenario's ensemble and tabulate it.

    Args:
        scenario: the validated scenario.
        executor: where replications run (default: serially in this process).
        progress: called with (done, total) as replications finish.
        draws: parameter draws (:mod:`model.experiments.uncertainty`), each run with the scenario's
            replications; 0 runs the scenario's own values once. With draws, ``replication`` in the tables
            is ``draw x replications + replication`` and the intervals cover parameter and stochastic
            uncertainty.

    """
    executor = executor or SerialExecutor()
    started = dt.datetime.now(dt.UTC)
    drawn = [uncertainty.draw_scenario(scenario, d) for d in range(draws)]
    plans = [plan for plan, _ in drawn] or [scenario]
    results = run_replications(plans, executor, progress)
    values = {arm: metric_values(scenario, results, arm) for arm in ARMS}
    outcomes = replication_outcomes(values)
    summary = summary_frame(scenario, outcomes)
    fiscal_table = vfm = metrics = None
    if results[0].ledgers is not None:
        factors = area_factors(scenario)
        size = scenario.replications
        groups = [results[d * size : (d + 1) * size] for d in range(len(plans))]  # each draw's replications
        books = [appraisal.Books(plan, group, factors) for plan, group in zip(plans, groups, strict=True)]
        per_draw = [
            appraisal.impact_metrics(book, group, factors) for book, group in zip(books, groups, strict=True)
        ]
        metrics = {name: np.concatenate([m[name] for m in per_draw]) for name in per_draw[0]}
        fiscal_table = pd.concat(
            [appraisal.fiscal_frame(book, d * size) for d, book in enumerate(books)], ignore_index=True
        )
        summary = pd.concat([summary, appraisal.summary_rows(books[0], metrics)], ignore_index=True)
        vfm = appraisal.value_for_money(books, metrics)
    names = [m.name for m in in_group("population")]
    at_all = {(arm, n): x[:, -1, k] for arm, x in outcomes.items() for k, n in enumerate(names)}
    at_all |= {(IMPACT, n): x[:, -1] for n, x in (metrics or {}).items()}
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
        workers=executor.workers,
        scenario_simulated=all(r.scenario_simulated for r in results),
        programmes=programmes,
        distance=distance,
        fiscal=fiscal_table,
        value_for_money=vfm,
        draws=draws,
        uncertainty=uncertainty.tables(scenario, drawn, at_all) if draws else None,
        at_all=at_all,
    )
