"""Demography: everyone ages a month; residents reaching 65 leave and 16-year-olds take their slots.

A slot keeps its area for the whole run, so every area keeps its size (an open population with a stationary
age structure, no migration). Entrants are drawn from their area's profile (:mod:`model.dynamics.synthesis`).
Households move on with them (:mod:`model.dynamics.household_change`): leavers leave their households,
entrants join the household whose child turned 16, couples form, young adults leave home, children age and
are born.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from model.core.components import Month
from model.core.population import ENTRY_AGE_YEARS, EXIT_AGE_YEARS, Population
from model.core.streams import stream
from model.dynamics import household_change, households

ENTRY = stream("entry", "16-year-olds entering in the slots of residents who reached 65")
LEAVE_HOME_AT = 35 * 12  # months: nobody lives with their parents from 35 (synthesis assumes the same)


def age_one_month(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Age everyone by a month (full-time study ends at 25).

    Return the slots of residents who reached 65 and so leave, and of residents living with their parents
    who reached 35 and so move out.
    """
    from model.dynamics import kernels  # numba: imported with the simulation, not with validation

    leavers, forced = np.empty(len(pop), np.int64), np.empty(len(pop), np.int64)
    n_leavers, n_forced = kernels.age_one_month(
        pop.age_months,
        pop.role,
        pop.student,
        EXIT_AGE_YEARS * 12,
        households.NON_DEPENDANT,
        LEAVE_HOME_AT,
        households.STUDENT_UNTIL * 12,
        leavers,
        forced,
    )
    return leavers[:n_leavers], forced[:n_forced]


class Demography:
    """Ageing, leaving at 65 and entering at 16 (stream ``entry``), and the households' month."""

    order: ClassVar[int] = 10

    def __init__(self) -> None:
        self.balance: household_change.Balance | None = None

    def step(self, model: Any, month: Month) -> None:
        """Age the population, replace those who reached 65, and move households on a month."""
        pop = model.population
        context = model.context
        areas = len(context.profiles)
        month.leavers, forced = age_one_month(pop)
        rng = model.streams.generator(ENTRY, month.number)
        dissolved = np.zeros(areas, np.int64)
        if pop.households is not None and self.balance is None:
            self.balance = household_change.Balance.zero(areas)
        if len(month.leavers):
            if pop.households is not None:
                dissolved = household_change.leave(pop, month.leavers, areas, self.balance)
            entrants = context.draw(
                pop.area[month.leavers], rng, np.full(len(month.leavers), ENTRY_AGE_YEARS * 12)
            )
            pop.assign(month.leavers, entrants)
        if pop.households is not None:
            household_change.change(
                pop,
                month.leavers,
                dissolved,
                forced,
                self.balance,
                context.housing,
                context.params,
                model.streams,
                month.number,
                month.index,
                rng,
            )
