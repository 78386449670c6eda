"""Programme effects as modifiers of named rates (the transition code is never edited).

Programmes publish, each month, multipliers on named rates for the residents they touch: job entry and job
exit hazards, recovery probabilities by condition, and additions to readiness (Vivarium's value pipelines).
The dynamics apply them to those residents only, so every other resident goes through exactly the arithmetic
of the counterfactual arm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

Sparse = tuple[np.ndarray, np.ndarray]  # (slots, values): an effect on some residents only


@dataclass
class Modifiers:
    """A month's programme effects on named rates, as (slots, multipliers) for the residents they touch.

    Sparse on purpose: residents no programme touches go through exactly the counterfactual's arithmetic.
    """

    job_entry: list[Sparse] = field(default_factory=list)
    job_exit: list[Sparse] = field(default_factory=list)
    recovery: dict[str, list[Sparse]] = field(default_factory=dict)
    readiness_gain: list[Sparse] = field(default_factory=list)


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
