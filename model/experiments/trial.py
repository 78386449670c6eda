"""Trial emulation (``healthwork trial``): a randomised trial of one programme inside the model.

A cohort of residents eligible for the programme (after burn-in, out of work, young enough not to reach 65
during follow-up) is drawn, randomised half to the programme (started in the first month, without capacity
limit, referral or waiting list) and half to usual services, and followed for M months. Outcomes per arm:
share ever employed, share employed at months 6, 12 and 18, mean months employed, and the median months to
first job among those who found one within follow-up; risk ratios (programme / usual services) per
replication, summarised with their 95% interval across replications. This is how the model's programme
effects are checked against published trials.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from model.config.errors import InputError, Problem
from model.config.scenario import Scenario
from model.config.vocabulary import EMPLOYED
from model.core.population import EXIT_AGE_YEARS, Population
from model.core.streams import Streams, stream
from model.core.tables import summarise
from model.engine import HealthWorkModel, RunContext, burned_in_population
from model.experiments.executors import Executor, Interrupted, PartialResult, SerialExecutor
from model.programmes.programme import Programme

COHORT = stream("trial.cohort", "a trial's sample of eligible residents and their randomisation")
FOLLOW_UPS = (6, 12, 18, 24, 60)  # months at which employment is reported (the trials' follow-up times)
OUTCOMES = (
    "ever_employed",
    *(f"employed_{k}m" for k in FOLLOW_UPS),
    *(f"ever_employed_{k}m" for k in FOLLOW_UPS),
    "mean_months_employed",
    "median_months_to_first_job",
)
COLUMNS = ("outcome", "arm", "mean", "p2_5", "p50", "p97_5", "replications", "cohort_per_arm")


@dataclass(frozen=True)
class Cohort:
    """A randomised trial cohort: the residents (a sub-population) and who was assigned the programme."""

    population: Population
    treated: np.ndarray  # bool per cohort member


def trial_programme(programme: Programme, months: int) -> Programme:
    """The programme as run in a trial: no referrals, no capacity limit, open throughout follow-up."""
    return replace(programme, index=0, routes=(), uncapped=True, start=1, end=months)


def draw_cohort(
    pop: Population, programme: Programme, months: int, size: int | None, streams: Streams
) -> Cohort:
    """Eligible residents out of work who stay under 65 during follow-up, randomised 1:1."""
    slots = np.arange(len(pop))
    eligible = programme.eligible(pop, slots) & (pop.state != EMPLOYED)
    eligible &= pop.age_months + months < EXIT_AGE_YEARS * 12
    chosen = slots[eligible]
    rng = streams.generator(COHORT, 0)
    if size is not None and size < len(chosen):
        chosen = np.sort(rng.choice(chosen, size, replace=False))
    treated = np.zeros(len(chosen), bool)
    treated[rng.permutation(len(chosen))[: len(chosen) // 2]] = True
    return Cohort(pop.take(chosen), treated)


def follow(
    context: RunContext,
    cohort: Cohort,
    programme: Programme,
    months: int,
    streams: Streams,
    readiness: np.ndarray | None = None,
) -> np.ndarray:
    """Employment of every cohort member at the end of each follow-up month: bool array (months, members).

    ``readiness`` (months, members), when given, receives each member's readiness at the end of each month.
    """
    pop = cohort.population.copy()
    model = HealthWorkModel(
        context, pop, streams, arm="trial", programmes=[trial_programme(programme, months)], months=months
    )
    model.services.enrol(0, np.flatnonzero(cohort.treated), month=1)
    panel = np.zeros((months, len(pop)), bool)
    for m in range(months):
        model.step()
        panel[m] = pop.state == EMPLOYED
        if readiness is not None:
            readiness[m] = pop.readiness
    return panel


def outcomes(panel: np.ndarray, treated: np.ndarray) -> dict[str, dict[str, float]]:
    """Outcomes per arm ("programme", "usual") and their ratios ("ratio") from an employment panel."""
    months = panel.shape[0]

    def at(series: np.ndarray, month: int) -> float:  # the share in month ``month``, NaN if not followed
        return float(series[month - 1].mean()) if months >= month else np.nan

    result: dict[str, dict[str, float]] = {}
    for arm, members in (("programme", treated), ("usual", ~treated)):
        p = panel[:, members]
        ever = np.logical_or.accumulate(p, axis=0)
        first = np.argmax(p, axis=0)[ever[-1]] + 1  # month of first job, among those who found one
        result[arm] = {
            "ever_employed": float(ever[-1].mean()),
            **{f"employed_{k}m": at(p, k) for k in FOLLOW_UPS},
            **{f"ever_employed_{k}m": at(ever, k) for k in FOLLOW_UPS},
            "mean_months_employed": float(p.sum(axis=0).mean()),
            "median_months_to_first_job": float(np.median(first)) if len(first) else np.nan,
        }
    with np.errstate(divide="ignore", invalid="ignore"):
        result["ratio"] = {
            k: float(np.float64(result["programme"][k]) / np.float64(result["usual"][k])) for k in OUTCOMES
        }
    return result


def emulate(
    scenario: Scenario, programme: str, *, months: int = 18, cohort: int | None = None, replication: int = 0
) -> tuple[dict[str, dict[str, float]], int]:
    """One replication of the trial; returns outcomes by arm and the cohort size per arm."""
    context = RunContext.build(scenario, scenario.resolved_parameters())
    names = [p.name for p in context.programmes]
    if programme not in names:
        known = ", ".join(names) or "none"
        raise InputError(
            [
                Problem(
                    "command line",
                    "--programme",
                    f"no programme '{programme}' in the scenario (programmes: {known})",
                )
            ]
        )
    prog = context.programmes[names.index(programme)]
    if prog.unit == "household":
        raise InputError(
            [
                Problem(
                    "command line",
                    "--programme",
                    f"'{programme}' works with whole households; trial emulation randomises residents "
                    "and follows them without their households, so it cannot emulate it",
                )
            ]
        )
    streams = Streams(scenario.seed, replication)
    pop = burned_in_population(context, streams)
    trial_cohort = draw_cohort(pop, prog, months, cohort, streams)
    if len(trial_cohort.treated) < 2:
        raise InputError(
            [
                Problem(
                    "command line",
                    "--programme",
                    f"fewer than 2 residents are eligible for "
                    f"'{programme}' at this scale; raise population.scale",
                )
            ]
        )
    panel = follow(context, trial_cohort, prog, months, streams)
    return outcomes(panel, trial_cohort.treated), int(trial_cohort.treated.sum())


def summary_table(replicates: list[dict[str, dict[str, float]]], per_arm: list[int]) -> pd.DataFrame:
    """The summary (:func:`model.core.tables.summarise`, 95% level) of every outcome, per arm and ratio.

    ``replications`` counts those in which the outcome is defined (a ratio is undefined where the usual-care
    arm is 0 and the programme arm too).
    """
    rows = []
    for outcome in OUTCOMES:
        for arm in ("programme", "usual", "ratio"):
            values = np.array([r[arm][outcome] for r in replicates], float)
            *stats, count = (float(x) for x in summarise(values, level=0.95))
            rows.append([outcome, arm, *stats, int(count), int(np.mean(per_arm))])
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _one(job: tuple[Scenario, str, int, int | None, int]):
    scenario, programme, months, cohort, replication = job
    return emulate(scenario, programme, months=months, cohort=cohort, replication=replication)


def run_trial(
    scenario: Scenario,
    programme: str,
    *,
    months: int = 18,
    cohort: int | None = None,
    executor: Executor | None = None,
    progress=None,
) -> pd.DataFrame:
    """Emulate the trial in every replication of the scenario (through ``executor``) and summarise.

    Interrupted (Ctrl-C), it raises :class:`PartialResult` with the summary of the replications that finished.
    """
    jobs = [(scenario, programme, months, cohort, r) for r in range(scenario.replications)]
    try:
        results = (executor or SerialExecutor()).map(_one, jobs, progress)
    except Interrupted as stop:
        finished = [stop.results[r] for r in sorted(stop.results)]
        table = summary_table([r for r, _ in finished], [n for _, n in finished]) if finished else None
        raise PartialResult(table, len(finished), len(jobs), "replications") from None
    return summary_table([r for r, _ in results], [n for _, n in results])
