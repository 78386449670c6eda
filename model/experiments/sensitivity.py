"""One-at-a-time sensitivity analysis (``healthwork sensitivity``).

Each chosen parameter (by default every one whose status is ``assumption``) is set low and high (its value
times ``low`` and ``high``, kept within its bounds) with everything else at the scenario's values, and the
scenario's ensemble is rerun. Every setting uses the same seed and replications, so differences between
settings come from the parameter, not from different random draws (common random numbers). Fitted area
factors are not refitted: the results show how much the baseline (and any impact) moves if the assumption is
wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from model.config.errors import InputError, Problem, did_you_mean
from model.config.scenario import Scenario
from model.experiments import ensemble
from model.experiments.executors import Executor

COLUMNS = ("parameter", "setting", "value", "arm", "area", "programme", "metric", "mean", "p05", "p50", "p95")


def settings(scenario: Scenario, path: str, low: float, high: float) -> list[tuple[str, float]]:
    """The distinct (name, value) settings of one parameter: base, and low and high where they differ."""
    entry = scenario.resolved_parameters().entry(path)
    out = [("base", entry.value)]
    for name, factor in (("low", low), ("high", high)):
        value = entry.value * factor
        if entry.min is not None:
            value = max(value, entry.min)
        if entry.max is not None:
            value = min(value, entry.max)
        if entry.integer:
            value = float(round(value))
        if value != entry.value:
            out.append((name, value))
    return out


def assumption_paths(scenario: Scenario) -> list[str]:
    """Every parameter whose value is a modelling assumption."""
    params = scenario.resolved_parameters()
    return [p for p in params if params.entry(p).status == "assumption"]


def one_at_a_time(
    scenario: Scenario,
    paths: Sequence[str] | None = None,
    *,
    low: float = 0.5,
    high: float = 2.0,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Rerun the scenario with each parameter low and high; return the summaries of every setting.

    ``progress(done, total)`` is called as settings finish (the base run counts as one).
    """
    params = scenario.resolved_parameters()
    paths = list(paths) if paths else assumption_paths(scenario)
    unknown = [p for p in paths if p not in params]
    if unknown:
        raise InputError(
            Problem("command line", "--parameter", f"unknown parameter '{p}'" + did_you_mean(p, params))
            for p in unknown
        )
    plan = [(path, name, value) for path in paths for name, value in settings(scenario, path, low, high)]
    total = 1 + sum(name != "base" for _, name, _ in plan)
    base = ensemble.run(scenario, executor=executor).summary
    done = 1
    if progress:
        progress(done, total)
    frames = []
    for path, name, value in plan:
        if name == "base":
            summary = base
        else:
            changed = scenario.model_copy(update={"parameters": {**scenario.parameters, path: value}})
            summary = ensemble.run(changed, executor=executor).summary
            done += 1
            if progress:
                progress(done, total)
        frames.append(summary.assign(parameter=path, setting=name, value=value))
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]
