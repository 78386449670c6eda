"""Aggregate recording: counts by month and area, never a per-resident panel.

Each month one ``bincount`` over a combined key gives stocks by employment state and the health counts; a
second gives the full transition matrix between states. Counts are of simulated residents; results scale them
back to the area's population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.population import Population

HEALTH_COUNTS = ("with_mental_health", "with_msk")


@dataclass
class Counts:
    """Recorded counts of one arm of one replication.

    Attributes:
        stocks: (months + 1, areas, 4) residents by employment state at each month's end (month 0 = start).
        health: (months + 1, areas, 2) residents with a mental health condition, with MSK.
        limiting: (months + 1, areas, 4) work-limiting residents by employment state.
        flows: (months + 1, areas, 4, 4) moves from state (row) to state (column) in each month (0 empty).

    """

    stocks: np.ndarray
    health: np.ndarray
    limiting: np.ndarray
    flows: np.ndarray

    @classmethod
    def empty(cls, months: int, areas: int) -> Counts:
        """Zeroed counts for a run of ``months`` over ``areas`` areas."""
        return cls(
            np.zeros((months + 1, areas, 4), np.int64),
            np.zeros((months + 1, areas, len(HEALTH_COUNTS)), np.int64),
            np.zeros((months + 1, areas, 4), np.int64),
            np.zeros((months + 1, areas, 4, 4), np.int64),
        )

    def record(self, month: int, pop: Population, before: np.ndarray | None = None) -> None:
        """Record month ``month``'s end-of-month stocks, and its flows when ``before`` states are given."""
        areas = self.stocks.shape[1]
        key = pop.area.astype(np.int32)
        parts = ((pop.state, 4), (pop.mental_health > 0, 2), (pop.msk, 2), (pop.work_limiting, 2))
        for column, size in parts:
            key *= size
            key += column
        c = np.bincount(key, minlength=areas * 32).reshape(areas, 4, 2, 2, 2)
        self.stocks[month] = c.sum(axis=(2, 3, 4))
        self.health[month, :, 0] = c[:, :, 1].sum(axis=(1, 2, 3))
        self.health[month, :, 1] = c[:, :, :, 1].sum(axis=(1, 2, 3))
        self.limiting[month] = c[..., 1].sum(axis=(2, 3))
        if before is not None:
            flow_key = pop.area.astype(np.int32)
            flow_key *= 4
            flow_key += before
            flow_key *= 4
            flow_key += pop.state
            self.flows[month] = np.bincount(flow_key, minlength=areas * 16).reshape(areas, 4, 4)
