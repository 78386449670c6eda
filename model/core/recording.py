"""Aggregate recording: counts by month and area, never a per-resident panel.

Each month one ``bincount`` over a combined key (area, employment state, every condition column,
work-limiting status) gives stocks by employment state and the count of every registered health condition; a
second gives the full transition matrix between states. Counts are of simulated residents; results scale them
back to the area's population.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from model.config.vocabulary import CONDITIONS, EMPLOYED, MENTAL_HEALTH, STATES
from model.core.components import Month
from model.core.population import Population

SUSTAINED_AFTER = 6  # a job start counts as sustained if the job lasts 6 months
# Months out of work at which the recorded bands of the long-term sick start: under 2 years, 2 to 5, 5 or more
# (the benefit statistics' claim durations, calibration/targets/conditions.csv). Three bands: the counting
# kernel takes the two inner bounds.
SICK_DURATION_BANDS = (0, 24, 60)
# Household measures, assessed with the ledger each month (model.economics.ledger); UC and CTR households are
# benefit units, counted as expected values over claiming.
HOUSEHOLD_MEASURES = (
    "households",
    "workless_households",
    "children_in_workless_households",
    "uc_households",
    "uc_households_child_element",
    "uc_households_housing_element",
    "uc_households_lcwra",
    "ctr_households",
)


def condition_columns() -> dict[str, int]:
    """Population columns holding health conditions, with how many values each takes (registry order)."""
    columns: dict[str, int] = {}
    for c in CONDITIONS:
        columns[c.column] = max(columns.get(c.column, 0), c.levels)
    return columns


@dataclass
class JobStartCohorts:
    """Job starts kept by month, to count those whose job lasts ``after`` months.

    Sustainment is continuous, as DWP programme job outcomes are read: the job spell that started must last
    at least k months (the person in work in every month since), not merely be in work k months later after
    leaving and coming back. So sustained at 12 months <= at 6 <= at 3 <= job starts.
    """

    after: tuple[int, ...]
    cohorts: dict[int, np.ndarray] = field(default_factory=dict)

    def sustained(
        self, month: int, started: np.ndarray, pop: Population, areas: int
    ) -> dict[int, np.ndarray]:
        """Keep ``started`` (this month); per k in ``after``, k-month-old job starts still in that job."""
        if len(started):
            self.cohorts[month] = started.copy()  # ``started`` is a view of a buffer reused next month
        out = {}
        for k in self.after:
            cohort = self.cohorts.get(month - k)
            if cohort is not None:
                # Tenure counts the job's months including this one: k + 1 means unbroken since the start.
                still = cohort[(pop.state[cohort] == EMPLOYED) & (pop.job_tenure[cohort] >= k + 1)]
                out[k] = np.bincount(pop.area[still], minlength=areas)
        self.cohorts.pop(month - max(self.after), None)
        return out

    def forget(self, slots: np.ndarray) -> None:
        """Drop residents (slots taken by new residents) from every cohort."""
        for month, cohort in self.cohorts.items():
            self.cohorts[month] = cohort[~np.isin(cohort, slots)]


@dataclass
class Counts:
    """Recorded counts of one arm of one replication (a component, recording months 1 onwards).

    Attributes:
        stocks: (months + 1, areas, 4) residents by employment state at each month's end (month 0 = start).
        limiting: (months + 1, areas, 4) work-limiting residents by employment state.
        flows: (months + 1, areas, 4, 4) moves from state (row) to state (column) in each month (0 empty).
        sustained: (months + 1, areas) job starts of 6 months earlier whose job has lasted until this month.
        households: (months + 1, areas, HOUSEHOLD_MEASURES) household measures (NaN where not assessed:
            month 0, and runs without a ledger).
        no_condition: (months + 1, areas, 2) residents with none of the registered conditions, and those of
            them employed.
        job_search: (months + 1, areas) job search, the sum of job-entry hazards before competition (with
            competed openings; zero otherwise, and in month 0).
        wanting: (months + 1, areas, 4) residents wanting work by employment state.
        health_by_state: (months + 1, areas, conditions, 4, 2) residents with each registered condition
            (registry order) by employment state and work-limiting status (0 not, 1 work-limiting); its sums
            are ``health`` and ``health_employed``.
        sick_duration: (months + 1, areas, len(SICK_DURATION_BANDS)) residents inactive through long-term
            sickness by months out of work (bands starting at ``SICK_DURATION_BANDS``).
        mental_by_msk: (months + 1, areas, mental-health groups, 2) residents by mental-health group and
            musculoskeletal condition (their comorbidity).

    """

    stocks: np.ndarray
    limiting: np.ndarray
    flows: np.ndarray
    sustained: np.ndarray
    households: np.ndarray
    no_condition: np.ndarray
    job_search: np.ndarray
    wanting: np.ndarray
    health_by_state: np.ndarray
    sick_duration: np.ndarray
    mental_by_msk: np.ndarray
    _job_starts: JobStartCohorts = field(default_factory=lambda: JobStartCohorts((SUSTAINED_AFTER,)))
    order: ClassVar[int] = 80

    @classmethod
    def empty(cls, months: int, areas: int) -> Counts:
        """Zeroed counts for a run of ``months`` over ``areas`` areas."""
        return cls(
            np.zeros((months + 1, areas, 4), np.int64),
            np.zeros((months + 1, areas, 4), np.int64),
            np.zeros((months + 1, areas, 4, 4), np.int64),
            np.zeros((months + 1, areas), np.int64),
            np.full((months + 1, areas, len(HOUSEHOLD_MEASURES)), np.nan),
            np.zeros((months + 1, areas, 2), np.int64),
            np.zeros((months + 1, areas)),
            np.zeros((months + 1, areas, len(STATES)), np.int64),
            np.zeros((months + 1, areas, len(CONDITIONS), len(STATES), 2), np.int64),
            np.zeros((months + 1, areas, len(SICK_DURATION_BANDS)), np.int64),
            np.zeros((months + 1, areas, len(MENTAL_HEALTH), 2), np.int64),
        )

    @property
    def health(self) -> np.ndarray:
        """(months + 1, areas, conditions) residents with each registered condition."""
        return self.health_by_state.sum(axis=(3, 4))

    @property
    def health_employed(self) -> np.ndarray:
        """(months + 1, areas, conditions) employed residents with each registered condition."""
        return self.health_by_state[..., EMPLOYED, :].sum(axis=-1)

    def record(
        self, month: int, pop: Population, before: np.ndarray | None = None, started: np.ndarray | None = None
    ) -> None:
        """Record a month's end-of-month stocks, flows (given ``before``) and sustained job starts.

        ``started`` are this month's job starts; six months later those still in work are counted.
        """
        from model.core import kernels  # numba: imported with the simulation, not with validation

        areas = self.stocks.shape[1]
        columns = condition_columns()
        sizes = [len(STATES), *columns.values(), 2]
        cells = np.zeros(areas * int(np.prod(sizes)), np.int64)
        flows = np.zeros(areas * len(STATES) ** 2, np.int64)
        wanting = np.zeros(areas * len(STATES), np.int64)
        sick = np.zeros(areas * len(SICK_DURATION_BANDS), np.int64)
        kernels.count(
            pop.area,
            pop.state,
            pop.state if before is None else before,
            tuple(getattr(pop, name) for name in columns),
            np.array(list(columns.values()), np.int64),
            pop.work_limiting,
            pop.wants_work,
            pop.months_out_of_work,
            *SICK_DURATION_BANDS[1:],
            cells,
            flows,
            wanting,
            sick,
            before is not None,
        )
        c = cells.reshape(areas, *sizes)
        condition_axes = tuple(range(2, 2 + len(columns)))
        self.stocks[month] = c.sum(axis=(*condition_axes, c.ndim - 1))
        axis_of = {name: 2 + i for i, name in enumerate(columns)}
        for k, condition in enumerate(CONDITIONS):
            present = np.take(c, condition.value, axis=axis_of[condition.column])
            self.health_by_state[month, :, k] = present.reshape(areas, len(STATES), -1, 2).sum(axis=2)
        healthy = c[(slice(None), slice(None), *([0] * len(columns)))]  # (areas, states, work-limiting)
        self.no_condition[month] = np.stack([healthy.sum(axis=(1, 2)), healthy[:, EMPLOYED].sum(axis=1)], 1)
        self.limiting[month] = c[..., 1].sum(axis=condition_axes)
        self.wanting[month] = wanting.reshape(areas, len(STATES))
        self.sick_duration[month] = sick.reshape(areas, len(SICK_DURATION_BANDS))
        mental, msk = axis_of["mental_health"], axis_of["msk"]
        others = tuple(k for k in range(1, c.ndim) if k not in (mental, msk))
        self.mental_by_msk[month] = c.sum(axis=others)
        if before is not None:
            self.flows[month] = flows.reshape(areas, len(STATES), len(STATES))
        if started is not None:
            for still in self._job_starts.sustained(month, started, pop, areas).values():
                self.sustained[month] = still

    def step(self, model: Any, month: Month) -> None:
        """Record the month's end (from month 1; burn-in months are not recorded)."""
        if month.number >= 1:
            self.record(month.number, model.population, month.before, month.started)
            if month.households is not None:
                self.households[month.number] = month.households
            if month.job_search is not None:
                self.job_search[month.number] = month.job_search
