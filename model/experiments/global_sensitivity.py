"""Global sensitivity analysis (``healthwork sensitivity --method morris|sobol``) through SALib.

A :class:`Design` holds everything the analysis needs from the sampling (the SALib problem, the method, its
levels or second-order flag, the seed, the sample rows in order), so sampling and analysis cannot disagree.
Each row is a parameter set; :func:`evaluate` runs the scenario's ensemble at every row, in row order, with
the scenario's seed and replications (common random numbers across the design: rows differ only in their
parameters), and :func:`analyse` hands the outputs to SALib's ``analyze`` with a fixed seed for the bootstrap
intervals. A failed row stops the analysis with the row and its values named; no row is dropped.

Ranges: a parameter's uncertainty range in ``parameters.yaml`` where it has a uniform or log-uniform one
(sampled uniformly here all the same), otherwise
its value times the ``low`` and ``high`` factors (as one-at-a-time sensitivity), kept within its bounds;
sampled uniformly. Whole-number parameters are rounded, so they act as steps.

Whole-number parameters rounded onto the grid can make a Morris step smaller than the grid's (or zero),
which biases their mu*: prefer continuous parameters for Morris.

Stochastic noise: each output is the mean of R replications, so part of its variance across rows is Monte
Carlo noise, which inflates Sobol indices (and Morris sigma). Common random numbers keep that part small; the
``noise_share`` column estimates it: the mean squared standard error of the rows' means (each row's
variance across its replications over R) over the variance of the outputs across rows; NaN with one
replication, where the noise cannot be seen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from model.config.errors import InputError, Problem, did_you_mean
from model.config.scenario import Scenario
from model.experiments import ensemble
from model.experiments.executors import Executor
from model.experiments.sensitivity import chosen_paths

METHODS = ("morris", "sobol")
INDEX_COLUMNS = {
    "morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}
CONF_LEVEL = 0.95
RESAMPLES = 1000


@dataclass(frozen=True)
class Design:
    """A sample of parameter sets and every setting its analysis needs."""

    method: str
    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    samples: int
    seed: int
    levels: int = 4
    second_order: bool = False
    integer: tuple[bool, ...] = ()
    rows: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), compare=False)

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem."""
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [list(b) for b in self.bounds],
        }


def make_design(
    method: str,
    names: Sequence[str],
    bounds: Sequence[tuple[float, float]],
    samples: int,
    seed: int,
    *,
    levels: int = 4,
    second_order: bool = False,
    integer: Sequence[bool] | None = None,
) -> Design:
    """Sample the design: Morris trajectories or Saltelli/Sobol' rows.

    Morris: ``samples`` trajectories of k + 1 rows. Sobol': ``samples`` a power of two, giving
    samples x (k + 2) rows, or samples x (2k + 2) with second order.
    """
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise InputError(
            [
                Problem(
                    "command line", "--samples", f"Sobol' needs a power of two (e.g. 64, 128), got {samples}"
                )
            ]
        )
    design = Design(method, tuple(names), tuple(map(tuple, bounds)), samples, seed, levels, second_order,
                    tuple(integer or (False,) * len(names)))  # fmt: skip
    if method == "morris":
        rows = morris_sample.sample(design.problem, samples, num_levels=levels, seed=seed)
    else:
        rows = sobol_sample.sample(design.problem, samples, calc_second_order=second_order, seed=seed)
    rows = np.where(np.array(design.integer)[None, :], np.round(rows), rows)
    return replace(design, rows=rows)


def analyse(design: Design, outputs: np.ndarray, output_names: Sequence[str]) -> pd.DataFrame:
    """SALib's indices for each output (one column of ``outputs`` per name, rows in design order).

    Columns: ``output, parameter`` and the indices as SALib names them, with ``noise_share`` added by the
    caller where it is known.
    """
    from SALib.analyze import morris, sobol

    if outputs.shape != (len(design.rows), len(output_names)):
        raise ValueError(
            f"outputs have shape {outputs.shape}, expected {(len(design.rows), len(output_names))}"
        )
    frames = []
    for j, name in enumerate(output_names):
        y = outputs[:, j].astype(float)
        if design.method == "morris":
            found = morris.analyze(
                design.problem, design.rows, y, num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                num_levels=design.levels, seed=design.seed,
            )  # fmt: skip
        else:
            found = sobol.analyze(
                design.problem, y, calc_second_order=design.second_order, num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL, seed=design.seed,
            )  # fmt: skip
        columns = INDEX_COLUMNS[design.method]
        frame = pd.DataFrame({c: np.asarray(found[c], float) for c in columns})
        frame.insert(0, "parameter", list(design.names))
        frame.insert(0, "output", name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------------------- the model as a function


def parameter_ranges(
    scenario: Scenario, paths: Sequence[str], low: float, high: float
) -> tuple[list[tuple[float, float]], list[bool], list[str]]:
    """Each parameter's sampled range (see the module docstring) and whether it is a whole number.

    Also the parameters skipped because their range is a single value.
    """
    params = scenario.resolved_parameters()
    bounds, integer, degenerate = [], [], []
    for path in paths:
        entry = params.entry(path)
        dist = entry.distribution if isinstance(entry.distribution, dict) else {}
        uniform = dist.get("uniform") or dist.get("loguniform")
        lo, hi = (uniform["low"], uniform["high"]) if uniform else (entry.value * low, entry.value * high)
        lo, hi = min(lo, hi), max(lo, hi)
        if entry.min is not None:
            lo, hi = max(lo, entry.min), max(hi, entry.min)
        if entry.max is not None:
            lo, hi = min(lo, entry.max), min(hi, entry.max)
        if hi - lo <= 1e-12 * max(1.0, abs(hi)):
            degenerate.append(path)
            continue
        bounds.append((float(lo), float(hi)))
        integer.append(entry.integer)
    return bounds, integer, degenerate


def output_arm(scenario: Scenario) -> str:
    """Outputs are impacts (scenario minus counterfactual) when the scenario has programmes, else levels."""
    return "impact" if scenario.has_programmes() else "scenario"


def evaluate(
    scenario: Scenario,
    design: Design,
    outputs: Sequence[str],
    *,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the scenario at every design row; return each output's mean and squared standard error.

    Outputs are read at the whole area (``ALL``), population-wide (programme ``all``), in the arm of
    :func:`output_arm`. A row that fails raises :class:`RuntimeError` naming the row and its values.
    """
    arm = output_arm(scenario)
    means = np.empty((len(design.rows), len(outputs)))
    noise = np.empty_like(means)
    for i, row in enumerate(design.rows):
        values = dict(zip(design.names, (float(v) for v in row), strict=True))
        changed = scenario.model_copy(update={"parameters": {**scenario.parameters, **values}})
        try:
            result = ensemble.run(changed, executor=executor)
        except Exception as err:
            shown = ", ".join(f"{k}={v:.6g}" for k, v in values.items())
            raise RuntimeError(f"design row {i} ({shown}) failed: {err}; no indices were computed") from err
        summary = result.summary
        picked = summary[
            (summary["arm"] == arm) & (summary["area"] == "ALL") & (summary["programme"] == "all")
        ]
        means[i] = picked.set_index("metric").reindex(list(outputs))["mean"].to_numpy(float)
        for j, name in enumerate(outputs):
            x = result.at_all[(arm, name)]
            with np.errstate(invalid="ignore"):
                noise[i, j] = x.var(ddof=1) / len(x) if len(x) > 1 else np.nan
        if progress:
            progress(i + 1, len(design.rows))
    return means, noise


def noise_shares(means: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Per output: the Monte Carlo share of the outputs' variance across rows (0 to 1; NaN if constant)."""
    variance = means.var(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(variance > 0, np.minimum(noise.mean(axis=0) / variance, 1.0), np.nan)


def output_names(scenario: Scenario) -> list[str]:
    """The metrics an output may name: population metrics, and impact metrics when there are programmes."""
    from model.core.metrics import in_group

    groups = ("population", "impact") if scenario.has_programmes() else ("population",)
    return [m.name for g in groups for m in in_group(g)]


def default_outputs(scenario: Scenario) -> tuple[str, ...]:
    """NPV of net Exchequer and additional job starts with programmes; else employment and inactivity."""
    if scenario.has_programmes():
        return ("npv_net_exchequer_gbp", "additional_job_starts")
    return ("employment_rate", "inactivity_rate")


def run_global(
    scenario: Scenario,
    method: str,
    paths: Sequence[str],
    *,
    samples: int,
    outputs: Sequence[str],
    low: float = 0.5,
    high: float = 2.0,
    levels: int = 4,
    second_order: bool = False,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    say: Callable[[str], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Sample, evaluate and analyse; return ``indices.csv`` and ``design.csv`` tables.

    ``paths`` as :func:`~model.experiments.sensitivity.chosen_paths` takes them (empty: every uncertain
    assumption). The design's seed is the scenario's, so the same command gives the same design, runs and
    intervals.
    """
    known = output_names(scenario)
    unknown = [o for o in outputs if o not in known]
    if unknown:
        raise InputError(
            Problem("command line", "--outputs", f"unknown output '{o}'{did_you_mean(o, known)}; known: "
                    f"{', '.join(known)}")
            for o in unknown
        )  # fmt: skip
    paths, skipped = chosen_paths(scenario, paths, "--params")
    if method == "morris" and (levels < 2 or levels % 2):
        raise InputError(
            [Problem("command line", "--levels", f"Morris needs an even number of levels, got {levels}")]
        )
    bounds, integer, degenerate = parameter_ranges(scenario, paths, low, high)
    names = [p for p in paths if p not in degenerate]
    if len(names) < 2:
        raise InputError(
            [
                Problem(
                    "command line",
                    "--params",
                    f"{method} needs at least 2 parameters with a range, got {names}",
                )
            ]
        )
    design = make_design(
        method, names, bounds, samples, scenario.seed % 2**32, levels=levels, second_order=second_order,
        integer=integer,
    )  # fmt: skip
    if say:
        say(
            f"{method}: {len(names)} parameters, {len(design.rows)} design rows of {scenario.replications} "
            f"replication(s) each, outputs {', '.join(outputs)} ({output_arm(scenario)})"
            + (f"; skipped (a single value): {', '.join(degenerate)}" if degenerate else "")
            + (f"; skipped, as they cannot change this scenario: {', '.join(skipped)}" if skipped else "")
        )
    means, noise = evaluate(scenario, design, outputs, executor=executor, progress=progress)
    indices = analyse(design, means, outputs)
    shares = dict(zip(outputs, noise_shares(means, noise), strict=True))
    indices["noise_share"] = indices["output"].map(shares)
    table = pd.DataFrame(design.rows, columns=list(names))
    table.insert(0, "row", np.arange(len(table)))
    for j, name in enumerate(outputs):
        table[name] = means[:, j]
        table[f"{name}_se"] = np.sqrt(noise[:, j])
    return {"indices.csv": indices, "design.csv": table}
