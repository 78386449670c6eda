"""Ensembles: every replication through the command's executor, tidy results and their summary.

Replication r of a scenario is a pure function of (scenario, r): the executor only decides where it runs, and
results are assembled in replication order, so the same scenario, seed and number of replications give
byte-identical tables whatever the executor or its worker count. Metrics come from the registry
(:mod:`model.core.metrics`) and are summarised across replications by :func:`model.core.tables.summarise`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from model.config.areas import area_sizes, packaged_profiles
from model.config.scenario import Scenario
from model.config.vocabulary import ALL_AREAS, ALL_PROGRAMMES, ARMS, CONDITIONS, EMPLOYED, IMPACT
from model.core.metrics import CountArrays, in_group
from model.core.tables import STATISTICS, describe, summarise, tidy
from model.engine import ReplicationResult, simulate
from model.experiments import appraisal, uncertainty
from model.experiments.executors import Executor, SerialExecutor
from model.programmes.pathways import PATHWAY_METRICS
from model.programmes.services import COUNTS

MONTHLY_COLUMNS = ("arm", "replication", "month", "date", "area", "programme", "metric", "value")
SUMMARY_COLUMNS = ("arm", "area", "programme", "metric", *STATISTICS)
DISTANCE_COLUMNS = ("programme", "area", "measure", "exits", "mean", "p25", "p50", "p75", "share_improved")


@dataclass
class RunResult:
    """An ensemble's results: the summary tables, the plotted bands, and run facts for the manifest.

    The long tables (``monthly``, ``programmes``, ``fiscal``) are in ``long`` when the ensemble kept them in
    memory; the command line streams them to files instead (:mod:`model.io.storage`).
    """

    scenario: Scenario
    summary: pd.DataFrame
    started: dt.datetime
    finished: dt.datetime
    workers: int
    scenario_simulated: bool
    long: dict[str, pd.DataFrame]
    bands: pd.DataFrame  # BAND_COLUMNS: the plotted series' mean and 90% interval by month
    fiscal_by_payer: pd.DataFrame | None = None  # mean impact net of displacement, ALL, real: year x payer
    distance: pd.DataFrame | None = None
    value_for_money: pd.DataFrame | None = None
    draws: int = 0
    uncertainty: dict[str, pd.DataFrame] | None = None  # with draws: draws.csv, variance_components.csv...
    at_all: dict[tuple[str, str], np.ndarray] | None = None  # (arm, metric) -> per-replication value at ALL

    @property
    def monthly(self) -> pd.DataFrame:
        """Tidy monthly values of every arm, replication, area and metric (kept in memory)."""
        return self.long["monthly"]

    @property
    def programmes(self) -> pd.DataFrame | None:
        """Tidy monthly programme metrics of the scenario arm (kept in memory), or None."""
        return self.long.get("programmes")

    @property
    def fiscal(self) -> pd.DataFrame | None:
        """Fiscal values by arm, replication, year, area, payer and item (kept in memory), or None."""
        return self.long.get("fiscal")


def _replicate(job: tuple[Scenario, int, int]) -> ReplicationResult:
    scenario, replication, draw = job
    return simulate(scenario, replication=replication, draw=draw)


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
    employed = np.stack([r.counts[arm].health_employed for r in results]) * per_state
    healthy = np.stack([r.counts[arm].no_condition for r in results]) * per_state
    wanting = np.stack([r.counts[arm].wanting for r in results]) * per_state
    return CountArrays(
        households=_with_total(households),
        stocks=_with_total(stocks),
        health=_with_total(health),
        limiting=_with_total(limiting),
        flows=_with_total(flows),
        conditions=CONDITIONS.names(),
        health_employed=_with_total(employed),
        no_condition=_with_total(healthy),
        wanting=_with_total(wanting),
    )


def metric_values(scenario: Scenario, results: Sequence[ReplicationResult], arm: str) -> np.ndarray:
    """Every population metric for one arm: array (replications, months + 1, areas + ALL, metrics).

    Rates are computed from the scaled totals (so ALL is weighted by population); flows are NaN at month 0.
    """
    counts = count_arrays(scenario, results, arm)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.stack([m.compute(counts) for m in in_group("population")], axis=-1)


def monthly_frame(scenario: Scenario, values: dict[str, np.ndarray], first: int = 0) -> pd.DataFrame:
    """Tidy table of every arm, replication (numbered from ``first``), month, area and metric.

    Flow rows start at month 1.
    """
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
                "replication": (0, first + np.arange(v.shape[0])),
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


def programme_frame(scenario: Scenario, values: np.ndarray, first: int = 0) -> pd.DataFrame:
    """Tidy table of the scenario arm's programme metrics (each programme's areas and ALL, months 1..).

    Replications are numbered from ``first``.
    """
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
                "replication": (0, first + np.arange(v.shape[0])),
                "month": (1, np.arange(1, v.shape[1] + 1)),
                "date": (1, dates[1:]),
                "area": (2, areas[own]),
                "programme": spec.name,
                "metric": (3, names),
            },
        )
        frames.append(frame[~np.isnan(frame["value"].to_numpy())])
    return pd.concat(frames, ignore_index=True)


def programme_outcomes(scenario: Scenario, values: np.ndarray) -> list[np.ndarray]:
    """Per programme: each programme metric summarised per replication by its registered rule.

    Arrays are (replications, areas + ALL, programme metrics).
    """
    names = [m.name for m in in_group("programme")]
    starts, wait = names.index("starts"), names.index("waiting_time_months")
    out = []
    for k in range(len(scenario.programmes)):
        v = values[:, 1:, k]  # (reps, months, areas, metrics)
        per_rep = np.nansum(v, axis=1)
        months = open_months(scenario, k) - 1
        for j, m in enumerate(in_group("programme")):
            if m.summary == "open_mean":
                per_rep[..., j] = v[:, months][..., j].mean(axis=1) if len(months) else 0.0
        waited = np.nansum(v[..., wait] * v[..., starts], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_rep[..., wait] = np.where(per_rep[..., starts] > 0, waited / per_rep[..., starts], np.nan)
        out.append(per_rep)
    return out


def programme_summary(scenario: Scenario, per_rep: Sequence[np.ndarray]) -> pd.DataFrame:
    """Programme rows for summary.csv from :func:`programme_outcomes` (one array per programme)."""
    areas = [*scenario.population.areas, ALL_AREAS]
    names = [m.name for m in in_group("programme")]
    rows = []
    for k, spec in enumerate(scenario.programmes):
        for a in _own_areas(scenario, k):
            for j, name in enumerate(names):
                rows.append(["scenario", areas[a], spec.name, name, *describe(per_rep[k][:, a, j])])
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def pathway_outcomes(result: ReplicationResult, factors: np.ndarray, keep: float) -> np.ndarray:
    """One run's additional employed person-months by programme and pathway: (programmes, metrics, areas + 1).

    Metrics as :data:`PATHWAY_METRICS`: each pathway's (the scenario arm minus the arm without it), then what
    needs both (the whole effect, the scenario minus the arm without any of the programme's effects, less
    the two); times ``keep``, 1 less the fixed displacement, as ``additional_employed_person_months`` is.
    """
    employed = result.counts[ARMS[1]].stocks[1:, :, EMPLOYED]
    lost = (employed - result.pathways[:, :, 1:]).sum(axis=2) * factors  # (programmes, arms, areas)
    lost = keep * np.concatenate([lost, lost.sum(axis=-1, keepdims=True)], axis=-1)
    *each, whole = np.moveaxis(lost, 1, 0)
    return np.stack([*each, whole - sum(each)], axis=1)


def pathway_summary(scenario: Scenario, runs: Sequence[np.ndarray]) -> pd.DataFrame:
    """Impact rows by programme and pathway for summary.csv, from :func:`pathway_outcomes` of every run."""
    values = np.stack(runs)  # (runs, programmes, metrics, areas + 1)
    areas = [*scenario.population.areas, ALL_AREAS]
    rows = [
        [IMPACT, areas[a], spec.name, name, *describe(values[:, k, j, a])]
        for k, spec in enumerate(scenario.programmes)
        for a in _own_areas(scenario, k)
        for j, name in enumerate(PATHWAY_METRICS)
    ]
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def distance_frame(scenario: Scenario, runs: Sequence[dict[str, np.ndarray]]) -> pd.DataFrame:
    """Distance travelled between start and exit, pooled over runs' exit records, per programme and area."""
    records = {k: np.concatenate([r[k] for r in runs]) for k in runs[0]}
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


class LongTables(Protocol):
    """Where an ensemble's long tables go, one run's rows at a time (files: :mod:`model.io.storage`)."""

    def add(self, name: str, frame: pd.DataFrame) -> None:
        """Append rows to table ``name`` (``monthly``, ``programmes``, ``fiscal``)."""


class MemoryTables:
    """Long tables kept in memory (library use, tests, the other commands' ensembles)."""

    def __init__(self) -> None:
        self._parts: dict[str, list[pd.DataFrame]] = {}

    def add(self, name: str, frame: pd.DataFrame) -> None:
        """Keep a run's rows."""
        self._parts.setdefault(name, []).append(frame)

    def frames(self) -> dict[str, pd.DataFrame]:
        """Each table, its runs' rows in order."""
        return {name: pd.concat(parts, ignore_index=True) for name, parts in self._parts.items()}


class Checkpoint(Protocol):
    """Where each (draw, replication)'s results are kept as it finishes (files: :mod:`model.io.storage`)."""

    def done(self) -> set[tuple[int, int]]:
        """(draw, replication) pairs already kept."""

    def put(self, draw: int, replication: int, result: ReplicationResult) -> None:
        """Keep one run's results."""

    def get(self, draw: int, replication: int) -> ReplicationResult:
        """One kept run's results."""


def each_run(
    plans: Sequence[Scenario],
    executor: Executor,
    progress: Callable[[int, int], None] | None = None,
    store: Checkpoint | None = None,
) -> Iterator[tuple[int, int, ReplicationResult]]:
    """(draw, replication, result) of every run, in that order.

    Without a store the results are gathered in memory; with one, each is kept the moment it finishes (those
    already kept, by an interrupted run, are not run again) and read back in order, so the driver holds one
    run at a time and the tables computed from them do not depend on how the runs were split or resumed.
    """
    jobs = [(plan, r, d) for d, plan in enumerate(plans) for r in range(plan.replications)]
    if store is None:
        for (_, r, d), result in zip(jobs, executor.map(_replicate, jobs, progress), strict=True):
            yield d, r, result
        return
    done = store.done()
    todo = [job for job in jobs if (job[2], job[1]) not in done]
    for index, result in executor.each(_replicate, todo, progress):
        _, r, d = todo[index]
        store.put(d, r, result)
    for _, r, d in jobs:
        yield d, r, store.get(d, r)


# Monthly series kept per run for the plots' 90% bands (the rest of the long tables are streamed out).
BANDED = {
    "population": ("employed", "employment_rate", "unemployment_rate", "inactivity_rate", "job_starts"),
    "programme": ("caseload", "waiting"),
}
BAND_COLUMNS = ("arm", "programme", "area", "metric", "month", "mean", "p05", "p95")


class Tally:
    """An ensemble's per-run reductions, added one run at a time in (draw, replication) order.

    Each run's long-table rows go to ``tables`` at once; what the summaries need from a run is a few numbers
    per area and metric (and the plotted series), so memory grows by kilobytes per run, not by its tables.
    """

    def __init__(self, scenario: Scenario, tables: LongTables):
        self.scenario, self.tables = scenario, tables
        self.factors = area_factors(scenario)
        self.outcomes: list[dict[str, np.ndarray]] = []
        self.series: list[dict[str, np.ndarray]] = []
        self.programme_outcomes: list[list[np.ndarray]] = []
        self.programme_series: list[np.ndarray] = []
        self.distance: list[dict[str, np.ndarray]] = []
        self.pathways: list[np.ndarray] = []
        self.metrics: list[dict[str, np.ndarray]] = []
        self.measures: list[dict[str, np.ndarray]] = []
        self.fiscal_by_payer: pd.Series | None = None
        self.simulated = True
        names = [m.name for m in in_group("population")]
        self._banded = [names.index(n) for n in BANDED["population"]]
        names = [m.name for m in in_group("programme")]
        self._programme_banded = [names.index(n) for n in BANDED["programme"]]

    def add(self, index: int, plan: Scenario, result: ReplicationResult) -> None:
        """One run (``index`` = draw x replications + replication), its parameter draw's scenario ``plan``."""
        scenario = self.scenario
        values = {arm: metric_values(scenario, [result], arm) for arm in ARMS}
        self.tables.add("monthly", monthly_frame(scenario, values, index))
        self.outcomes.append(replication_outcomes(values))
        series = {arm: values[arm][0][..., self._banded] for arm in ARMS}
        self.series.append(series | {IMPACT: series[ARMS[1]] - series[ARMS[0]]})
        self.simulated &= result.scenario_simulated
        if result.ledgers is not None:
            book = appraisal.Books(plan, [result], self.factors)
            metrics = appraisal.impact_metrics(book, [result], self.factors)
            self.metrics.append(metrics)
            self.measures.append(appraisal.vfm_measures(book, metrics))
            fiscal = appraisal.fiscal_frame(book, index)
            self.tables.add("fiscal", fiscal)
            by_payer = appraisal.impact_by_payer(fiscal)
            if self.fiscal_by_payer is not None:
                by_payer += self.fiscal_by_payer
            self.fiscal_by_payer = by_payer
        if scenario.has_programmes():
            p_values = programme_values(scenario, [result])
            self.tables.add("programmes", programme_frame(scenario, p_values, index))
            self.programme_outcomes.append(programme_outcomes(scenario, p_values))
            self.programme_series.append(p_values[0][..., self._programme_banded])
            self.distance.append(result.programmes.distance)
        if result.pathways is not None:
            keep = 1 - appraisal.fixed_displacement(plan, plan.resolved_parameters())
            self.pathways.append(pathway_outcomes(result, self.factors, keep))

    def bands(self) -> pd.DataFrame:
        """Mean and 90% interval across runs of the plotted series, by arm, programme, area and month.

        Arm ``impact`` is scenario minus counterfactual run by run (paired), so its interval is the effect's.
        """
        areas = np.array([*self.scenario.population.areas, ALL_AREAS])
        frames = []
        for arm in (*ARMS, IMPACT):
            stats = summarise(np.stack([s[arm] for s in self.series]))  # each (months + 1, areas, metrics)
            labels = {"month": (0, np.arange(stats[0].shape[0])), "area": (1, areas)}
            frames.append(_band_frame(stats, arm, ALL_PROGRAMMES, labels, BANDED["population"]))
        if self.programme_series:
            stats = summarise(np.stack(self.programme_series))  # (months + 1, programmes, areas, metrics)
            months = np.arange(1, stats[0].shape[0])
            for k, spec in enumerate(self.scenario.programmes):
                own = _own_areas(self.scenario, k)
                mine = [x[1:, k][:, own] for x in stats]
                labels = {"month": (0, months), "area": (1, areas[own])}
                frames.append(_band_frame(mine, "scenario", spec.name, labels, BANDED["programme"]))
        frame = pd.concat(frames, ignore_index=True)[list(BAND_COLUMNS)]
        return frame[~np.isnan(frame["mean"].to_numpy())].reset_index(drop=True)


def _band_frame(stats: Sequence[np.ndarray], arm: str, programme: str, labels: dict, metrics) -> pd.DataFrame:
    """Band rows from :func:`summarise`'s statistics, each (months, areas, metrics)."""
    mean, p05, _, p95, _ = stats
    frame = tidy(mean, {"arm": arm, "programme": programme, **labels, "metric": (2, metrics)}, value="mean")
    frame["p05"], frame["p95"] = p05.ravel(), p95.ravel()
    return frame


def run(
    scenario: Scenario,
    *,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    draws: int = 0,
    store: Checkpoint | None = None,
    tables: LongTables | None = None,
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
        store: keeps each run's results as it finishes and skips those already kept (see :func:`each_run`).
        tables: where the long tables go (default: in memory, in the result's ``long``).

    """
    executor = executor or SerialExecutor()
    started = dt.datetime.now(dt.UTC)
    drawn = [uncertainty.draw_scenario(scenario, d) for d in range(draws)]
    plans = [plan for plan, _ in drawn] or [scenario]
    memory = MemoryTables() if tables is None else None
    tally = Tally(scenario, tables or memory)
    for d, r, result in each_run(plans, executor, progress, store):
        tally.add(d * scenario.replications + r, plans[d], result)
    outcomes = {arm: np.concatenate([o[arm] for o in tally.outcomes]) for arm in tally.outcomes[0]}
    summary = summary_frame(scenario, outcomes)
    vfm = metrics = fiscal_by_payer = None
    if tally.metrics:
        metrics = {name: np.concatenate([m[name] for m in tally.metrics]) for name in tally.metrics[0]}
        summary = pd.concat([summary, appraisal.summary_rows(scenario, metrics)], ignore_index=True)
        measures = {name: np.concatenate([m[name] for m in tally.measures]) for name in tally.measures[0]}
        vfm = appraisal.value_for_money(scenario, measures)
        fiscal_by_payer = (tally.fiscal_by_payer / len(tally.metrics)).unstack(fill_value=0.0)
    names = [m.name for m in in_group("population")]
    at_all = {(arm, n): x[:, -1, k] for arm, x in outcomes.items() for k, n in enumerate(names)}
    at_all |= {(IMPACT, n): x[:, -1] for n, x in (metrics or {}).items()}
    distance = None
    if scenario.has_programmes():
        per_rep = [np.concatenate(parts) for parts in zip(*tally.programme_outcomes, strict=True)]
        summary = pd.concat([summary, programme_summary(scenario, per_rep)], ignore_index=True)
        distance = distance_frame(scenario, tally.distance)
        if tally.pathways:
            summary = pd.concat([summary, pathway_summary(scenario, tally.pathways)], ignore_index=True)
    return RunResult(
        scenario=scenario,
        summary=summary,
        started=started,
        finished=dt.datetime.now(dt.UTC),
        workers=executor.workers,
        scenario_simulated=tally.simulated,
        long=memory.frames() if memory is not None else {},
        bands=tally.bands(),
        fiscal_by_payer=fiscal_by_payer,
        distance=distance,
        value_for_money=vfm,
        draws=draws,
        uncertainty=uncertainty.tables(scenario, drawn, at_all) if draws else None,
        at_all=at_all,
    )
