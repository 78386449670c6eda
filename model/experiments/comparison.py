"""Comparing scenarios run against the same counterfactual: headline impacts side by side, paired differences.

Runs are comparable when they share the counterfactual with common random numbers: the same seed, areas,
scale, data year, start, horizon, economy, replications and parameter draws, so that replication r of each
saw the same residents and the same random numbers outside the programmes. Then the difference between two
scenarios' impacts is paired by replication: its interval shows how sure the ranking is, which two separate
intervals would not. The first run is the reference the others are compared with.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.config.errors import InputError, Problem
from model.config.scenario import Scenario
from model.config.vocabulary import ARMS, IMPACT
from model.core.tables import describe
from model.experiments.ensemble import RunResult

HEADLINE = (
    "additional_job_starts",
    "additional_sustained_jobs_6m",
    "additional_employed_person_months",
    "benefit_saving_gbp",
    "local_authority_saving_gbp",
    "tax_ni_gain_gbp",
    "nhs_saving_gbp",
    "programme_cost_gbp",
    "net_exchequer_gbp",
    "npv_net_exchequer_gbp",
    "earnings_gain_gbp",
)
LOWER_IS_BETTER = ("programme_cost_gbp",)
COMPARE_COLUMNS = (
    "metric",
    "run",
    "mean",
    "p05",
    "p50",
    "p95",
    "versus",
    "difference_mean",
    "difference_p05",
    "difference_p95",
    "share_better",
)
SHARED = ("seed", "replications", "start", "horizon_months", "population", "economy")  # the counterfactual


def _refused(text: str) -> InputError:
    return InputError([Problem("command line", "RUN", text)])


PROGRAMME_ONLY = (
    "services.",
    "appraisal.",
    "employment.demand.",
)  # parameters the counterfactual never reads


def check_same_counterfactual(names: Sequence[str], scenarios: Sequence[Scenario]) -> None:
    """Refuse scenarios whose counterfactuals differ (naming the first difference).

    A key of :data:`SHARED` differs, or a parameter override that the counterfactual reads.
    """
    first = scenarios[0].canonical()

    def baseline(scenario: Scenario) -> dict[str, str]:
        given = scenario.parameters.items()
        return {k: json.dumps(v, sort_keys=True) for k, v in given if not k.startswith(PROGRAMME_ONLY)}

    for name, scenario in zip(names[1:], scenarios[1:], strict=True):
        other = scenario.canonical()
        for key in SHARED:
            if other[key] != first[key]:
                raise _refused(f"{name} differs from {names[0]} in {key}: not the same counterfactual")
        differ = sorted(set(baseline(scenario).items()) ^ set(baseline(scenarios[0]).items()))
        if differ:
            raise _refused(
                f"{name} differs from {names[0]} in parameter {differ[0][0]}, which the counterfactual "
                "reads: not the same counterfactual"
            )


def check_comparable(names: Sequence[str], results: Sequence[RunResult]) -> None:
    """Refuse runs that do not share the counterfactual (naming the first difference)."""
    check_same_counterfactual(names, [r.scenario for r in results])
    for name, result in zip(names[1:], results[1:], strict=True):
        if result.draws != results[0].draws:
            raise _refused(f"{name} has {result.draws} parameter draws, {names[0]} {results[0].draws}")
        same = all(
            np.array_equal(result.at_all[(ARMS[0], m)], results[0].at_all[(ARMS[0], m)], equal_nan=True)
            for arm, m in results[0].at_all
            if arm == ARMS[0]
        )
        if not same:
            raise _refused(
                f"{name}'s counterfactual differs from {names[0]}'s (other parameters or code): "
                "its impacts are not paired with the reference's"
            )


def compare(names: Sequence[str], results: Sequence[RunResult]) -> pd.DataFrame:
    """Each run's headline impact at ALL and, for the others, the paired difference from the first.

    ``share_better``: the share of replications in which the run does better than the reference (higher,
    or lower for costs); the difference columns are the run minus the reference.
    """
    check_comparable(names, results)
    rows = []
    for metric in HEADLINE:
        base = results[0].at_all.get((IMPACT, metric))
        if base is None:
            continue
        for i, (name, result) in enumerate(zip(names, results, strict=True)):
            x = result.at_all[(IMPACT, metric)]
            row = [metric, name, *describe(x)]
            if i == 0:
                row += ["", *[np.nan] * 4]
            else:
                d = x - base
                better = -d if metric in LOWER_IS_BETTER else d
                row += [names[0], *(describe(d)[k] for k in (0, 1, 3)), float(np.mean(better > 0))]
            rows.append(row)
    return pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))
