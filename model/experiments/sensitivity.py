"""One-at-a-time sensitivity analysis (``healthwork sensitivity``).

Each chosen parameter (by default every one whose status is ``assumption``) is set low and high (its value
times ``low`` and ``high``, kept within its bounds) with everything else at the scenario's values, and the
scenario's ensemble is rerun. Every setting uses the same seed and replications, so differences between
settings come from the parameter, not from different random draws (common random numbers). Fitted area
factors are not refitted: the results show how much the baseline (and any impact) moves if the assumption is
wrong. Parameters that cannot change the scenario's results are skipped and named: a programme type's
settings when the scenario runs no programme of that type, and the appraisal's when it runs no programme.
Interrupted (Ctrl-C), it raises :class:`PartialResult` with the settings that finished.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import pandas as pd

from model.config.errors import InputError, Problem, did_you_mean
from model.config.scenario import Scenario
from model.experiments import ensemble
from model.experiments.executors import Executor, PartialResult

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


def uncertain_paths(scenario: Scenario) -> list[str]:
    """Every parameter whose value is uncertain: its distribution is not fixed.

    Assumptions, and sourced or derived values with an interval or a range; not settings, statutory values,
    conventions or whole-population counts.
    """
    params = scenario.resolved_parameters()
    return [p for p in params if params.entry(p).distribution not in (None, "fixed")]


def chosen_paths(scenario: Scenario, paths: Sequence[str] | None, key: str) -> tuple[list[str], list[str]]:
    """The parameters to vary, and those skipped because they cannot change the scenario (to be said).

    ``paths`` named by the user, or by default every uncertain assumption. Unknown names, and a choice that
    leaves nothing to vary, are refused naming the command-line ``key``.
    """
    params = scenario.resolved_parameters()
    paths = list(paths) if paths else uncertain_paths(scenario)
    unknown = [p for p in paths if p not in params]
    if unknown:
        raise InputError(
            Problem("command line", key, f"unknown parameter '{p}'" + did_you_mean(p, params))
            for p in unknown
        )
    kept = [p for p in paths if scenario.affected_by(p)]
    skipped = [p for p in paths if p not in kept]
    if not kept:
        reason = f"none of the parameters can change this scenario (skipped: {', '.join(skipped)})"
        raise InputError([Problem("command line", key, reason)])
    return kept, skipped


def one_at_a_time(
    scenario: Scenario,
    paths: Sequence[str] | None = None,
    *,
    low: float = 0.5,
    high: float = 2.0,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    say: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Rerun the scenario with each parameter low and high; return the summaries of every setting.

    ``progress(done, total)`` is called as settings finish (the base run counts as one); ``say`` receives the
    plan (settings, skipped parameters) and, after the base run, an estimate of the time the rest will take.
    """
    paths, skipped = chosen_paths(scenario, paths, "--parameter")
    plan = [(path, name, value) for path in paths for name, value in settings(scenario, path, low, high)]
    total = 1 + sum(name != "base" for _, name, _ in plan)
    if say:
        say(
            f"{len(paths)} parameter(s), {total} setting(s) of {scenario.replications} replication(s) each"
            + (f"; skipped, as they cannot change this scenario: {', '.join(skipped)}" if skipped else "")
        )
    began = time.perf_counter()
    try:
        base = ensemble.run(scenario, executor=executor).summary
    except KeyboardInterrupt:
        raise PartialResult(None, 0, len(paths), "parameters") from None
    done = 1
    if progress:
        progress(done, total)
    if say and total > 1:
        each = time.perf_counter() - began
        rest = _duration(each * (total - 1))
        say(f"the base setting took {each:.0f} s; the other {total - 1} should take about {rest}")
    frames = []
    try:
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
    except KeyboardInterrupt:
        finished = {p for p, *_ in plan} - {p for p, *_ in plan[len(frames) :]}
        kept = [f for f in frames if f["parameter"].iloc[0] in finished]  # whole parameters only
        table = pd.concat(kept, ignore_index=True)[list(COLUMNS)] if kept else None
        raise PartialResult(table, len(finished), len(paths), "parameters") from None
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]


def _duration(seconds: float) -> str:
    return (
        f"{seconds:.0f} s"
        if seconds < 120
        else f"{seconds / 60:.0f} min"
        if seconds < 7200
        else f"{seconds / 3600:.1f} h"
    )
