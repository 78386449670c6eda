"""Output metrics (a registry): each declared once with how it is summarised over a run.

Every table, summary and plot takes its metrics from :data:`METRICS`. Groups: ``population`` (from the
recorded counts, by arm, area and month), ``programme`` (a programme's counters), ``impact`` (the appraisal
of scenario minus counterfactual). How a metric becomes one number per replication in ``summary.csv``:

- ``final``: its value at the last month;
- ``total``: summed over the horizon (flows);
- ``open_mean``: mean over the months its programme accepts people;
- ``per_start``: months waited / starts over the horizon;
- ``replication``: the appraisal computes it per replication (already one number).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from model.config.registry import Registry
from model.config.vocabulary import EMPLOYED, INACTIVE_OTHER, INACTIVE_SICK, OUT_OF_WORK, UNEMPLOYED
from model.core.recording import HOUSEHOLD_MEASURES

Summary = Literal["final", "total", "open_mean", "per_start", "replication"]


@dataclass(frozen=True)
class CountArrays:
    """An arm's recorded counts, scaled to the population and with the ALL total as the last area.

    Shapes: ``stocks`` (replications, months + 1, areas + 1, states); ``limiting`` (replications, months + 1,
    areas + 1), work-limiting residents; ``health`` (..., conditions); ``flows`` (..., states, states);
    ``conditions`` names the health axis; ``households`` (..., HOUSEHOLD_MEASURES) the household measures;
    ``health_employed`` (..., conditions) employed residents with each condition; ``no_condition`` (..., 2)
    residents with none of the conditions and those of them employed; ``wanting`` (..., states) residents
    wanting work by employment state.
    """

    households: np.ndarray
    stocks: np.ndarray
    health: np.ndarray
    limiting: np.ndarray
    flows: np.ndarray
    conditions: tuple[str, ...]
    health_employed: np.ndarray
    no_condition: np.ndarray
    wanting: np.ndarray

    def household(self, name: str) -> np.ndarray:
        """Household measure ``name``."""
        return self.households[..., HOUSEHOLD_MEASURES.index(name)]

    def with_condition(self, name: str) -> np.ndarray:
        """Residents with condition ``name``."""
        return self.health[..., self.conditions.index(name)]

    def employed_with(self, name: str) -> np.ndarray:
        """Employed residents with condition ``name``."""
        return self.health_employed[..., self.conditions.index(name)]


@dataclass(frozen=True)
class Metric:
    """One output metric: its group, how it is summarised, what it means, and (population) how computed."""

    name: str
    group: Literal["population", "programme", "impact"]
    summary: Summary
    definition: str
    compute: Callable[[CountArrays], np.ndarray] | None = None


METRICS: Registry[Metric] = Registry("output metric")


def metric(
    name: str,
    group: Literal["population", "programme", "impact"],
    summary: Summary,
    definition: str,
    compute: Callable[[CountArrays], np.ndarray] | None = None,
) -> Metric:
    """Register an output metric (called once, by the module that produces it)."""
    return METRICS.register(Metric(name, group, summary, definition, compute))


def in_group(group: str) -> tuple[Metric, ...]:
    """The registered metrics of one group, in registration order."""
    return tuple(m for m in METRICS if m.group == group)


def _residents(c: CountArrays) -> np.ndarray:
    return c.stocks.sum(axis=-1)


def _flow(c: CountArrays, origins, destinations) -> np.ndarray:
    out = c.flows[..., origins, :][..., destinations].sum(axis=(-2, -1)).astype(float)
    out[:, 0] = np.nan  # flows have no month 0
    return out


for _name, _state, _what in (
    ("employed", EMPLOYED, "residents in work"),
    ("unemployed", UNEMPLOYED, "residents unemployed (ILO)"),
    ("inactive_sick", INACTIVE_SICK, "residents inactive because of long-term sickness or disability"),
    ("inactive_other", INACTIVE_OTHER, "residents inactive for other reasons"),
):
    if _name == "employed":
        metric("residents", "population", "final", "residents aged 16-64", _residents)
    metric(_name, "population", "final", _what, lambda c, s=_state: c.stocks[..., s])
metric(
    "employment_rate",
    "population",
    "final",
    "employed / residents x 100",
    lambda c: 100 * c.stocks[..., EMPLOYED] / _residents(c),
)
metric(
    "unemployment_rate",
    "population",
    "final",
    "unemployed / (employed + unemployed) x 100",
    lambda c: 100 * c.stocks[..., UNEMPLOYED] / (c.stocks[..., EMPLOYED] + c.stocks[..., UNEMPLOYED]),
)
metric(
    "inactivity_rate",
    "population",
    "final",
    "(inactive_sick + inactive_other) / residents x 100",
    lambda c: 100 * (c.stocks[..., INACTIVE_SICK] + c.stocks[..., INACTIVE_OTHER]) / _residents(c),
)
metric(
    "job_starts",
    "population",
    "total",
    "moves from any out-of-work state into employment during the month",
    lambda c: _flow(c, list(OUT_OF_WORK), [EMPLOYED]),
)
metric(
    "job_exits",
    "population",
    "total",
    "moves from employment into any out-of-work state during the month",
    lambda c: _flow(c, [EMPLOYED], list(OUT_OF_WORK)),
)
metric(
    "with_mental_health",
    "population",
    "final",
    "residents with a common mental disorder or severe mental illness",
    lambda c: c.with_condition("common_mental_disorder") + c.with_condition("severe_mental_illness"),
)
metric(
    "with_msk",
    "population",
    "final",
    "residents with a musculoskeletal condition (back pain)",
    lambda c: c.with_condition("musculoskeletal"),
)
for _name, _condition, _what in (
    ("cmd", "common_mental_disorder", "a common mental disorder"),
    ("smi", "severe_mental_illness", "severe mental illness"),
    ("msk", "musculoskeletal", "a musculoskeletal condition (back pain)"),
):
    metric(
        f"employment_rate_{_name}",
        "population",
        "final",
        f"employed residents with {_what} / residents with it x 100",
        lambda c, k=_condition: 100 * c.employed_with(k) / c.with_condition(k),
    )
metric(
    "employment_rate_no_condition",
    "population",
    "final",
    "employed residents with none of the model's health conditions / residents with none x 100",
    lambda c: 100 * c.no_condition[..., 1] / c.no_condition[..., 0],
)
metric(
    "inactive_wanting_work",
    "population",
    "final",
    "inactive residents (long-term sick or other) who want a job",
    lambda c: c.wanting[..., INACTIVE_SICK] + c.wanting[..., INACTIVE_OTHER],
)
metric(
    "wants_work_rate_inactive",
    "population",
    "final",
    "inactive_wanting_work / inactive residents x 100",
    lambda c: (
        100
        * (c.wanting[..., INACTIVE_SICK] + c.wanting[..., INACTIVE_OTHER])
        / (c.stocks[..., INACTIVE_SICK] + c.stocks[..., INACTIVE_OTHER])
    ),
)
metric(
    "work_limiting",
    "population",
    "final",
    "residents whose health condition limits the work they can do",
    lambda c: c.limiting,
)
for _name, _what in (
    ("households", "households with a resident aged 16-64"),
    ("workless_households", "households where no resident is in work (all-student households excluded)"),
    ("children_in_workless_households", "children under 16 living in workless households"),
    ("uc_households", "benefit units receiving Universal Credit (expected over claiming)"),
    ("uc_households_child_element", "benefit units whose Universal Credit includes child elements"),
    ("uc_households_housing_element", "benefit units whose Universal Credit includes a housing element"),
    ("uc_households_lcwra", "benefit units whose Universal Credit includes the LCWRA element"),
    ("ctr_households", "households (and sharers) receiving Council Tax Reduction (expected over claiming)"),
):
    metric(_name, "population", "final", _what, lambda c, n=_name: c.household(n))
metric(
    "workless_household_rate",
    "population",
    "final",
    "workless_households / households x 100",
    lambda c: 100 * c.household("workless_households") / c.household("households"),
)
