"""Probabilistic analysis (``healthwork run --draws K``): parameter draws and what follows from them.

Variance components, the cost-effectiveness plane and acceptability curve, and the value of information.

Parameter draws. Draw d gives every parameter that carries a distribution in ``parameters.yaml``, can change
the scenario (:meth:`Scenario.affected_by`) and is not one of the baseline's dynamics one value; parameters
the scenario sets itself keep the scenario's value. The baseline's dynamics (``BASELINE_GROUPS``: health,
employment, readiness, households, demography) are held at their values: the area factors are fitted with
them, so drawing them without refitting would move each draw's baseline away from the published rates
(measured: the employment rate's standard deviation across draws was 7 points) and that drift, not the
programme, would dominate the impact's uncertainty. Their uncertainty is shown by global sensitivity and,
for parameters a calibration problem covers, by a posterior: a scenario's ``posterior:`` gives draw d one
row of it (:func:`posterior_values`), the other parameters drawn as here. Each parameter's value comes from
one uniform number keyed by
``(seed, draw, parameter)`` (SeedSequence spawn key ``(draw, id("parameters.draw"), id(path))``), so it does
not depend on the replication, on the other parameters, or on where the job ran. Each draw runs the
scenario's R replications with the streams of ``(draw, replication)``; common random numbers hold across
arms within each. Fitted values are held unless ``parameters.yaml`` gives one a distribution (UC take-up).

Decision. With programmes, the decision is to fund the scenario's programmes or not (the counterfactual,
net benefit 0). Net benefit at a willingness to pay of lambda per additional employed person-year is
``lambda x additional employed person-years + NPV of net Exchequer impact`` (the Exchequer's net cost
counted against the employment gained), per draw as the mean over its replications.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtri

from model.config.scenario import Scenario
from model.config.vocabulary import ALL_AREAS, IMPACT
from model.core.streams import stream, stream_id

BASELINE_GROUPS = ("demography", "simulation", "health", "employment", "readiness", "households")
DRAWS = stream("parameters.draw", "a parameter set's values: one uniform number per (draw, parameter)")
POSTERIOR_ROW = stream("parameters.posterior", "which row of the scenario's posterior a draw takes")
HEADLINE = {  # metrics whose variance is split between and within draws
    "scenario": ("employment_rate", "inactivity_rate", "workless_household_rate"),
    "impact": (
        "additional_job_starts",
        "additional_employed_person_months",
        "benefit_saving_gbp",
        "programme_cost_gbp",
        "npv_net_exchequer_gbp",
    ),
}
NOISE = "reference: a random number"  # EVPPI of a parameter that cannot matter: the estimate's noise floor
WTP = tuple(range(0, 100_001, 5_000))  # GBP per additional employed person-year
CE_COLUMNS = ("draw", "additional_employed_person_years", "net_cost_gbp", "qaly_gain")
CEAC_COLUMNS = ("wtp_gbp_per_employed_person_year", "probability_cost_effective", "expected_net_benefit_gbp",
                "evpi_gbp")  # fmt: skip
VARIANCE_COLUMNS = ("arm", "area", "metric", "mean", "variance_total", "variance_between_draws",
                    "variance_within_draws", "share_between_draws")  # fmt: skip


def drawn_paths(scenario: Scenario) -> list[str]:
    """Parameters a draw varies from their priors.

    Those with a distribution, not set by the scenario, not the baseline's dynamics, not in its posterior.
    """
    params = scenario.resolved_parameters()
    from_posterior = {c for spec in scenario.posterior for c in posterior_table(spec.file).columns}
    return [
        path
        for path in sorted(params)
        if isinstance(params.entry(path).distribution, Mapping)
        and path not in scenario.parameters
        and path not in from_posterior
        and path.partition(".")[0] not in BASELINE_GROUPS
        and scenario.affected_by(path)
    ]


@functools.cache
def posterior_table(file: str) -> pd.DataFrame:
    """A posterior's equal-weight draws (checked by the scenario loader), read once per process."""
    return pd.read_parquet(file)


def posterior_values(scenario: Scenario, draw: int) -> dict[str, float]:
    """Draw ``draw``'s row of each of the scenario's posteriors (row floor(u x rows)).

    u is keyed by the seed, the draw and the posterior's place in the list, so that independent posteriors
    are drawn independently.

    Parameters the scenario sets itself keep its values. A posterior value of a programme effect's median
    also sets its 95th percentile (``<path>_p95``) to it: the posterior replaces the per-replication lognormal
    whose spread it already carries.
    """
    params = scenario.resolved_parameters()
    values = {}
    for index, spec in enumerate(scenario.posterior):
        table = posterior_table(spec.file)
        key = (draw, stream_id(POSTERIOR_ROW), index)
        seeds = np.random.SeedSequence(scenario.seed, spawn_key=key)
        u = np.random.Generator(np.random.PCG64(seeds)).random()
        row = table.iloc[min(int(u * len(table)), len(table) - 1)]
        for path, value in row.items():
            if path in scenario.parameters:
                continue
            values[path] = float(value)
            if f"{path}_p95" in params:
                values[f"{path}_p95"] = float(value)
    return values


def draw_values(scenario: Scenario, draw: int) -> dict[str, float]:
    """Draw ``draw``'s value of every drawn parameter (see the module docstring)."""
    params = scenario.resolved_parameters()
    values = {}
    for path in drawn_paths(scenario):
        entry = params.entry(path)
        key = (draw, stream_id(DRAWS), stream_id(path))
        u = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(scenario.seed, spawn_key=key))
        ).random()
        kind, spec = next(iter(entry.distribution.items()))
        if kind == "uniform":
            value = spec["low"] + u * (spec["high"] - spec["low"])
        elif kind == "loguniform":
            value = float(np.exp(np.log(spec["low"]) + u * np.log(spec["high"] / spec["low"])))
        else:  # lognormal by median and 95th percentile
            sigma = np.log(spec["p95"] / spec["median"]) / ndtri(0.95)
            value = spec["median"] * np.exp(sigma * ndtri(u))
        if entry.integer:
            value = round(value)
        lo = entry.min if entry.min is not None else -np.inf
        hi = entry.max if entry.max is not None else np.inf
        values[path] = float(min(max(value, lo), hi))
    return values


def draw_scenario(scenario: Scenario, draw: int) -> tuple[Scenario, dict[str, float]]:
    """The scenario with draw ``draw``'s parameter values (posterior ones where it has them, own kept)."""
    values = {**draw_values(scenario, draw), **posterior_values(scenario, draw)}
    return scenario.model_copy(update={"parameters": {**values, **scenario.parameters}}), values


def variance_components[Key](
    per_run: Mapping[Key, np.ndarray], draws: int, replications: int
) -> dict[Key, tuple[float, float, float, float, float]]:
    """One-way random-effects split of each metric's variance across (draw, replication) runs.

    Returns (mean, total, between, within, share) per key; ``per_run`` values are in draw-major order.
    Within: mean of the draws' variances across replications; between: variance of the draws' means less
    within / R (floored at 0); share = between / (between + within). With one replication per draw the split
    is not identified (NaN).
    """
    out = {}
    for name, x in per_run.items():
        grid = np.asarray(x, float).reshape(draws, replications)
        within = grid.var(axis=1, ddof=1).mean() if replications > 1 else np.nan
        between = max(grid.mean(axis=1).var(ddof=1) - within / replications, 0.0) if draws > 1 else np.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            share = between / (between + within) if (between + within) > 0 else np.nan
        out[name] = (float(grid.mean()), float(grid.var(ddof=1)), float(between), float(within), float(share))
    return out


def variance_frame(components: Mapping[tuple[str, str], Sequence[float]], area: str) -> pd.DataFrame:
    """variance_components.csv rows from ``{(arm, metric): (mean, total, between, within, share)}``."""
    rows = [[arm, area, metric, *values] for (arm, metric), values in components.items()]
    return pd.DataFrame(rows, columns=list(VARIANCE_COLUMNS))


def net_benefit(effect: np.ndarray, net_cost: np.ndarray, wtp: float) -> np.ndarray:
    """Incremental net benefit of funding at willingness to pay ``wtp`` per unit of effect."""
    return wtp * np.asarray(effect, float) - np.asarray(net_cost, float)


def evpi(nb: np.ndarray) -> float:
    """Expected value of perfect information for fund (``nb``) vs not (0): E[max(nb, 0)] - max(E[nb], 0)."""
    nb = np.asarray(nb, float)
    return float(np.maximum(nb, 0).mean() - max(nb.mean(), 0.0))


def evppi(nb: np.ndarray, theta: np.ndarray) -> float:
    """Regression-based EVPPI (Strong, Oakley and Brennan 2014) for fund vs not.

    ``theta`` (draws, parameters): the net benefit is regressed on a cubic in each column (an additive
    model); the fitted values stand for E[nb | theta], and EVPPI = E[max(fitted, 0)] - max(E[fitted], 0).
    Noise in ``nb`` (replications within a draw) that the regression fits biases it upwards, so
    :func:`decision_tables` also reports the EVPPI of a random number as a reference. Needs more draws than
    basis terms (NaN otherwise).
    """
    nb = np.asarray(nb, float)
    theta = np.atleast_2d(np.asarray(theta, float).T).T
    columns = [np.ones(len(nb))]
    for x in theta.T:
        if np.ptp(x) > 0:
            z = (x - x.mean()) / x.std()
            columns += [z, z**2, z**3]
    basis = np.column_stack(columns)
    if basis.shape[1] >= len(nb):
        return float("nan")
    coef, *_ = np.linalg.lstsq(basis, nb, rcond=None)
    fitted = basis @ coef
    return float(max(np.maximum(fitted, 0).mean() - max(fitted.mean(), 0.0), 0.0))


def decision_tables(
    effect: np.ndarray, net_cost: np.ndarray, qalys: np.ndarray | None, theta: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """ce_plane.csv, ceac.csv (with EVPI) and evppi.csv from per-draw effects (person-years) and net costs."""
    ce = pd.DataFrame(
        {
            "draw": np.arange(len(effect)),
            "additional_employed_person_years": effect,
            "net_cost_gbp": net_cost,
            "qaly_gain": qalys if qalys is not None else np.nan,
        }
    )[list(CE_COLUMNS)]
    curve = []
    for wtp in WTP:
        nb = net_benefit(effect, net_cost, wtp)
        curve.append([wtp, float((nb > 0).mean()), float(nb.mean()), evpi(nb)])
    theta = theta.assign(**{NOISE: np.random.default_rng(0).random(len(theta))})
    groups = {path: [path] for path in theta.columns}
    for prefix in sorted({p.rsplit(".", 1)[0] for p in theta.columns if p != NOISE}):
        members = [p for p in theta.columns if p.rsplit(".", 1)[0] == prefix]
        if len(members) > 1:
            groups[f"{prefix}.*"] = members
    rows = []
    for name, members in groups.items():
        for wtp in (0, 20_000, 50_000):
            nb = net_benefit(effect, net_cost, wtp)
            rows.append([name, len(members), wtp, evppi(nb, theta[members].to_numpy()), evpi(nb)])
    evppi_table = pd.DataFrame(
        rows, columns=["parameter", "parameters", "wtp_gbp_per_employed_person_year", "evppi_gbp", "evpi_gbp"]
    )
    return {
        "ce_plane.csv": ce,
        "ceac.csv": pd.DataFrame(curve, columns=list(CEAC_COLUMNS)),
        "evppi.csv": evppi_table,
    }


def tables(
    scenario: Scenario,
    drawn: Sequence[tuple[Scenario, dict[str, float]]],
    at_all: dict[tuple[str, str], np.ndarray],
) -> dict[str, pd.DataFrame]:
    """A run's tables from its draws: draws.csv, variance_components.csv and (programmes) the decisions'.

    The decision tables are ce_plane.csv, ceac.csv and evppi.csv. ``drawn``: each draw's scenario and
    values; ``at_all``: (arm, metric) -> value per run at ALL.
    """
    draws, size = len(drawn), scenario.replications
    theta = pd.DataFrame([values for _, values in drawn])
    long = theta.reset_index(names="draw").melt(id_vars="draw", var_name="parameter", value_name="value")
    tables = {"draws.csv": long.sort_values(["draw", "parameter"], kind="stable")}
    programmes = scenario.has_programmes()
    headline = [(arm, n) for arm, names in HEADLINE.items() for n in names if programmes or arm != IMPACT]
    components = variance_components({key: at_all[key] for key in headline}, draws, size)
    tables["variance_components.csv"] = variance_frame(components, ALL_AREAS)
    if programmes and (IMPACT, "npv_net_exchequer_gbp") in at_all:

        def by_draw(name: str) -> np.ndarray:
            return at_all[(IMPACT, name)].reshape(draws, size).mean(axis=1)

        qalys = by_draw("qaly_gain") if (IMPACT, "qaly_gain") in at_all else None
        varying = theta.loc[:, theta.nunique() > 1]
        effect = by_draw("additional_employed_person_months") / 12
        tables |= decision_tables(effect, -by_draw("npv_net_exchequer_gbp"), qalys, varying)
    return tables
