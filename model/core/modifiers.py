"""Named rates and the month's modifiers of them (Vivarium value pipelines): programmes never edit dynamics.

A dynamic declares each rate a programme may change (:func:`rate`, e.g. ``employment.job_entry``); each month
programmes publish, per named rate, multipliers (hazard ratios) or additions (gains) for the residents they
touch, and the dynamic applies them to those residents only, so every other resident goes through exactly the
arithmetic of the counterfactual arm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from model.config.vocabulary import RATES

Sparse = tuple[np.ndarray, np.ndarray]  # (slots, values): an effect on some residents only


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
    return RATES.register(Rate(name, kind, doc))


class Modifiers:
    """A month's programme effects by named rate, as (slots, values) for the residents they touch.

    Sparse on purpose: residents no programme touches go through exactly the counterfactual's arithmetic.
    """

    def __init__(self) -> None:
        self._effects: dict[str, list[Sparse]] = {}

    def add(self, name: str, slots: np.ndarray, values: np.ndarray) -> None:
        """Publish an effect on rate ``name`` for ``slots``."""
        self._effects.setdefault(name, []).append((slots, values))

    def get(self, name: str) -> list[Sparse]:
        """Every effect published on rate ``name`` this month (empty when none)."""
        return self._effects.get(name, [])


def combine(effects: Sequence[Sparse]) -> Sparse:
    """One multiplier per touched slot (the product where several programmes touch the same resident)."""
    if len(effects) == 1:
        return effects[0]
    slots = np.concatenate([s for s, _ in effects])
    values = np.concatenate([v for _, v in effects])
    unique, where = np.unique(slots, return_inverse=True)
    product = np.ones(len(unique), np.float32)
    np.multiply.at(product, where, values)
    return unique, product
