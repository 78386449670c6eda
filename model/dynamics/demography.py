"""Demography: everyone ages a month; residents reaching 65 leave and 16-year-olds take their slots.

A slot keeps its area for the whole run, so every area keeps its size (an open population with a stationary
age structure, no migration). Entrants are drawn from their area's profile (:mod:`model.dynamics.synthesis`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from model.core.components import Month
from model.core.population import ENTRY_AGE_YEARS, EXIT_AGE_YEARS, Population
from model.core.streams import stream

ENTRY = stream("entry", "16-year-olds entering in the slots of residents who reached 65")


def age_one_month(pop: Population) -> np.ndarray:
    """Age everyone by a month; return the slots of residents who reached 65 and so leave."""
    pop.age_months += 1
    return np.flatnonzero(pop.age_months >= EXIT_AGE_YEARS * 12)


class Demography:
    """Ageing, leaving at 65 and entering at 16 (stream ``entry``)."""

    order: ClassVar[int] = 10

    def step(self, model: Any, month: Month) -> None:
        """Age the population and replace those who reached 65."""
        pop = model.population
        month.leavers = age_one_month(pop)
        if len(month.leavers):
            entrants = model.context.draw(
                pop.area[month.leavers],
                model.streams.generator(ENTRY, month.number),
                np.full(len(month.leavers), ENTRY_AGE_YEARS * 12),
            )
            pop.assign(month.leavers, entrants)
