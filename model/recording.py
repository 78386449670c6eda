"""Aggregate recording: counts by month and area, never a per-resident panel.

Each month one ``bincount`` over a combined key gives stocks by employment state and the health counts; a
second gives the full transition matrix between states. Counts are of simulated residents; results scale them
back to the area's population.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.population import EMPLOYED, Population

SUSTAINED_AFTER = 6  # a job start counts as sustained if its person is in work 6 months later
HEALTH_COUNTS = ("common_mental_disorder", "severe_mental_illness", "musculoskeletal", "other_condition")


@dataclass
class JobStartCohorts:
    """Job starts kept by month, to count those whose person is still in work ``after`` months later."""

    after: tuple[int, ...]
    cohorts: dict[int, np.ndarray] = field(default_factory=dict)

    def sustained(
        self, month: int, started: np.ndarray, pop: Population, areas: int
    ) -> dict[int, np.ndarray]:
        """Keep ``started`` (this month); per k in ``after``, k-month-old starts still in work, by area."""
        if len(started):
            self.cohorts[month] = started
        out = {}
        for k in self.after:
            cohort = self.cohorts.get(month - k)
            if cohort is not None:
                still = cohort[pop.state[cohort] == EMPLOYED]
                out[k] = np.bincount(pop.area[still], minlength=areas)
        self.cohorts.pop(month - max(self.after), None)
        return out

    def forget(self, slots: np.ndarray) -> None:
        """Drop residents (slots taken by new residents) from every cohort."""
        for month, cohort in self.cohorts.items():
            self.cohorts[month] = cohort[~np.isin(cohort, slots)]


@dataclass
class Counts:
    """Recorded counts of one arm of one replication.

    Attributes:
        stocks: (months + 1, areas, 4) residents by employment state at each month's end (month 0 = start).
        health: (months + 1, areas, 4) residents with CMD, SMI, MSK and another condition.
        limiting: (months + 1, areas, 4) work-limiting residents by employment state.
        flows: (months + 1, areas, 4, 4) moves from state (row) to state (column) in each month (0 empty).
        sustained: (months + 1, areas) job starts of 6 months earlier whose person is in work this month.

    """

    stocks: np.ndarray
    health: np.ndarray
    limiting: np.ndarray
    flows: np.ndarray
    sustained: np.ndarray
    _job_starts: JobStartCohorts = field(default_factory=lambda: JobStartCohorts((SUSTAINED_AFTER,)))

    @classmethod
    def empty(cls, months: int, areas: int) -> Counts:
        """Zeroed counts for a run of ``months`` over ``areas`` areas."""
        return cls(
            np.zeros((months + 1, areas, 4), np.int64),
            np.zeros((months + 1, areas, len(HEALTH_COUNTS)), np.int64),
            np.zeros((months + 1, areas, 4), np.int64),
            np.zeros((months + 1, areas, 4, 4), np.int64),
            np.zeros((months + 1, areas), np.int64),
        )

    def record(
        self, month: int, pop: Population, before: np.ndarray | None = None, started: np.ndarray | None = None
    ) -> None:
        """Record a month's end-of-month stocks, flows (given ``before``) and sustained job starts.

        ``started`` are this month's job starts; six months later those still in work are counted.
        """
        areas = self.stocks.shape[1]
        key = pop.area.astype(np.int32)
        parts = (
            (pop.state, 4),
            (pop.mental_health, 3),
            (pop.msk, 2),
            (pop.other_condition, 2),
            (pop.work_limiting, 2),
        )
        for column, size in parts:
            key *= size
            key += column
        c = np.bincount(key, minlength=areas * 96).reshape(areas, 4, 3, 2, 2, 2)
        self.stocks[month] = c.sum(axis=(2, 3, 4, 5))
        self.health[month, :, 0] = c[:, :, 1].sum(axis=(1, 2, 3, 4))
        self.health[month, :, 1] = c[:, :, 2].sum(axis=(1, 2, 3, 4))
        self.health[month, :, 2] = c[:, :, :, 1].sum(axis=(1, 2, 3, 4))
        self.health[month, :, 3] = c[:, :, :, :, 1].sum(axis=(1, 2, 3, 4))
        self.limiting[month] = c[..., 1].sum(axis=(2, 3, 4))
        if before is not None:
            flow_key = pop.area.astype(np.int32)
            flow_key *= 4
            flow_key += before
            flow_key *= 4
            flow_key += pop.state
            self.flows[month] = np.bincount(flow_key, minlength=areas * 16).reshape(areas, 4, 4)
        if started is not None:
            for still in self._job_starts.sustained(month, started, pop, areas).values():
                self.sustained[month] = still
