"""Named rates and their pipelines (Vivarium value pipelines): programmes modify rates, never dynamics.

A dynamic declares each rate a programme may change (:func:`rate`, e.g. ``employment.job_entry``). Each
month programmes publish, per named rate, hazard ratios (multiplied in) or gains per month (added) for the
residents they touch; the dynamic reads the rate's per-resident modifier, which is exactly neutral (1, or 0
for a gain) for everyone no programme touched, so their arithmetic is the counterfactual arm's to the bit.
Where several programmes touch one resident their hazard ratios multiply and their gains add, in the order
the programmes are processed (by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from model.config.vocabulary import RATES


@dataclass(frozen=True)
class Rate:
    """A rate programmes may modify: multiplied by a hazard ratio, or added to by a gain per month."""

    name: str
    kind: Literal["hazard_ratio", "gain"]
    doc: str

    @property
    def neutral(self) -> float:
        """The value that leaves the rate unchanged."""
        return 0.0 if self.kind == "gain" else 1.0


def rate(name: str, kind: Literal["hazard_ratio", "gain"], doc: str) -> Rate:
    """Declare a named rate (called once, by the dynamic that applies it)."""
    return RATES.register(Rate(name, kind, doc), depth=2)


class Modifiers:
    """One arm's rate pipelines: a per-resident modifier array for each rate a programme touched.

    Arrays are allocated once (the first time a rate is touched) and reset each month at the slots touched,
    so no month allocates a population-sized temporary.
    """

    def __init__(self, n: int):
        self.n = n
        self._arrays: dict[str, np.ndarray] = {}
        self._touched: dict[str, list[np.ndarray]] = {}

    def add(self, name: str, slots: np.ndarray, values: np.ndarray) -> None:
        """Publish an effect on rate ``name`` for ``slots`` (each slot at most once per call)."""
        kind = RATES[name]
        array = self._arrays.get(name)
        if array is None:
            array = self._arrays[name] = np.full(self.n, kind.neutral, np.float32)
        if kind.kind == "gain":
            array[slots] += values
        else:
            array[slots] *= values
        self._touched.setdefault(name, []).append(slots)

    def get(self, name: str) -> np.ndarray | None:
        """The per-resident modifier of rate ``name`` this month, or None when no programme touched it."""
        return self._arrays[name] if name in self._touched else None

    def reset(self) -> None:
        """Return every touched slot to neutral, ready for next month."""
        for name, slots in self._touched.items():
            neutral = RATES[name].neutral
            for s in slots:
                self._arrays[name][s] = neutral
        self._touched.clear()
