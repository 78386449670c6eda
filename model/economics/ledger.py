"""Fiscal and economic ledger: who pays and who gains, per resident and month, in both arms.

Its lines are a registry of items (:data:`ITEMS`), each with its payer.

Payers and items (signs: every value is what the payer pays out, or for HMRC what it receives):

- ``dwp``: Universal Credit for claimants (single, no children, no housing costs): the standard allowance
  (under 25 / 25 and over), the LCWRA (health) element for work-limiting claimants after
  ``fiscal.lcwra_delay_months`` (new-claim or protected rate from April 2026; severe mental illness takes
  the protected rate, for the severe conditions criteria), less the earnings taper (55% of net earnings above
  the work allowance, which only LCWRA claimants have) as a negative item. Claim propensities by state are
  ``fiscal.claim.*``; amounts are expected values over claiming.
- ``hmrc``: income tax (personal allowance with its taper, basic, higher and additional rates), employee and
  employer Class 1 NI, on annualised pay (the Employment Allowance is ignored).
- ``nhs``: costs by condition and GP consultations (from condition counts, see :func:`nhs_costs`).
- ``programme_funder``: programme staff (per FTE-year) and per-start costs (from the programme counts).
- ``residents``: gross earnings (the economic gain).

Rules by tax year are in :mod:`model.economics.rules`, prices in :mod:`model.economics.prices`. Pay (in 2023
money, :mod:`model.dynamics.earnings`) is grown to each tax year and floored at the minimum wage for the
resident's age.

Per resident the ledger caches each item and recomputes it only when its inputs change (employment state,
pay, LCWRA entitlement, turning 25, a new tax year), so a month costs a few array sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from model.config.parameters import Parameters
from model.config.registry import Registry
from model.config.vocabulary import EMPLOYED, MH_SMI, STATES
from model.core.components import Month
from model.core.population import Population
from model.dynamics.earnings import earnings_index
from model.economics.prices import fiscal_year
from model.economics.rules import (
    FIRST_RATES_YEAR,
    LCWRA_CHANGE,
    TODAY,
    Rules,
    employee_ni,
    employer_ni,
    income_tax,
    uc_award,
)


@dataclass(frozen=True)
class LedgerItem:
    """One line of the per-resident ledger: who pays it and what it is."""

    name: str
    payer: str
    doc: str


ITEMS: Registry[LedgerItem] = Registry("ledger item")
for _name, _payer, _doc in (
    ("uc_standard_allowance", "dwp", "Universal Credit standard allowance"),
    ("uc_lcwra", "dwp", "Universal Credit LCWRA (health) element"),
    ("uc_earnings_taper", "dwp", "Universal Credit withdrawn by the earnings taper (negative)"),
    ("income_tax", "hmrc", "income tax"),
    ("employee_ni", "hmrc", "employee Class 1 NI"),
    ("employer_ni", "hmrc", "employer Class 1 NI"),
    ("gross_earnings", "residents", "gross earnings (the economic gain)"),
):
    ITEMS.register(LedgerItem(_name, _payer, _doc))


class Ledger:
    """One arm's monthly ledger (a component): per-resident cached items, summed by area each month."""

    order: ClassVar[int] = 70

    def __init__(self, params: Parameters, months: int, areas: int, start_month_index: int):
        self.params = params
        self.start = start_month_index
        self.values = np.zeros((months + 1, areas, len(ITEMS)))
        self.claim = np.array([params[f"fiscal.claim.{s}"] for s in STATES])  # by employment state
        self.delay = int(params["fiscal.lcwra_delay_months"])
        self._cache: np.ndarray | None = None  # (items, residents) float32
        self._totals = np.zeros(0)  # (areas, items) running sums of the cache
        self._entitled: np.ndarray | None = None
        self._smi: np.ndarray | None = None
        self._year: int | None = None
        self._rules: dict[int, Rules] = {}

    def rules(self, year: int) -> Rules:
        """Rules of a tax year (cached)."""
        if year not in self._rules:
            self._rules[year] = Rules.for_year(self.params, year)
        return self._rules[year]

    def step(self, model: Any, month: Month) -> None:
        """Record the month (from month 1; burn-in months are not recorded)."""
        if month.number >= 1:
            changed = np.concatenate([month.started, month.left, month.leavers])
            self.record(month.number, model.population, month.before, changed)

    def record(self, month: int, pop: Population, before: np.ndarray, changed: np.ndarray) -> None:
        """Add month ``month``'s ledger (``changed``: slots whose inputs may have changed besides state).

        Per-area totals are kept running: only residents whose inputs changed are recomputed and their change
        added, except in a new tax year, when everyone is (rates change).
        """
        index = self.start + month - 1
        year = fiscal_year(index)
        entitled = (pop.work_limiting == 1) & (pop.months_limited >= self.delay)
        smi = pop.mental_health == MH_SMI
        areas = self.values.shape[1]
        if self._cache is None or year != self._year:
            self._cache = self.items(pop, np.arange(len(pop)), index)
            starts = np.searchsorted(pop.area, np.arange(areas))
            ends = np.append(starts[1:], len(pop))
            self._totals = np.zeros((areas, len(ITEMS)))
            nonempty = ends > starts  # areas may be empty in a trial cohort
            if nonempty.any():
                self._totals[nonempty] = np.add.reduceat(
                    self._cache, starts[nonempty], axis=1, dtype=np.float64
                ).T
        else:
            age = pop.age_months
            moved = (pop.state != before) | (entitled != self._entitled) | (smi != self._smi)
            moved |= (age == 18 * 12) | (age == 21 * 12) | (age == 25 * 12)  # wage bands, standard allowance
            moved[changed] = True
            slots = np.flatnonzero(moved)
            if len(slots):
                new = self.items(pop, slots, index)
                delta = (new - self._cache[:, slots]).astype(np.float64)
                where = pop.area[slots]
                for item, change in enumerate(delta):  # bincount: several times faster than np.add.at
                    self._totals[:, item] += np.bincount(where, change, minlength=areas)
                self._cache[:, slots] = new
        self._year, self._entitled, self._smi = year, entitled, smi
        self.values[month] = self._totals

    def items(self, pop: Population, slots: np.ndarray, index: int) -> np.ndarray:
        """Monthly value of every item for the residents in ``slots`` (rows in the order of ITEMS)."""
        year = fiscal_year(index)
        rules_year = year if year >= FIRST_RATES_YEAR else TODAY
        r = self.rules(rules_year)
        out = np.zeros((len(ITEMS), len(slots)), np.float32)
        state = pop.state[slots]
        age_years = pop.age_months[slots] // 12
        claim = self.claim[state]
        standard = np.where(age_years < 25, r.sa_under_25, r.sa_25_plus)
        entitled = (pop.work_limiting[slots] == 1) & (pop.months_limited[slots] >= self.delay)
        spell_start = index + 1 - pop.months_limited[slots]  # month the work-limiting spell began
        new_claim = (spell_start >= LCWRA_CHANGE) & (pop.mental_health[slots] != MH_SMI)
        lcwra = np.where(entitled, np.where(new_claim, r.lcwra_new, r.lcwra_protected), 0.0)
        out[0] = standard * claim
        out[1] = lcwra * claim
        working = np.flatnonzero(state == EMPLOYED)
        if len(working):
            w = slots[working]
            ages = age_years[working]
            floor = np.select([ages < 18, ages < 21], list(r.minimum_wage[:2]), r.minimum_wage[2])
            hourly = np.maximum(pop.hourly_pay[w] * earnings_index(rules_year, self.params), floor)
            annual = hourly * pop.hours[w] * 52.0
            tax, ee = income_tax(annual, r), employee_ni(annual, r)
            taper = uc_award(standard[working], lcwra[working], (annual - tax - ee) / 12, r)[2]
            out[2, working] = taper * claim[working]
            out[3, working] = tax / 12
            out[4, working] = ee / 12
            out[5, working] = employer_ni(annual, r) / 12
            out[6, working] = annual / 12
        return out
