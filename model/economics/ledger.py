"""Fiscal and economic ledger: who pays and who gains, by area and month, in both arms.

Its lines are a registry of items (:data:`ITEMS`), each with its payer (signs: every value is what the payer
pays out, or for HMRC what it receives):

- ``dwp``: Universal Credit per benefit unit (:mod:`model.economics.benefits`): standard allowance, child
  elements, housing element, LCWRA element, less the earnings taper and the benefit cap (negative items).
- ``local_authority``: Council Tax Reduction per household.
- ``hmrc``: income tax, employee and employer Class 1 NI, on annualised pay (Employment Allowance ignored).
- ``nhs``: costs by condition and GP consultations (from condition counts, see :func:`nhs_costs`).
- ``programme_funder``: programme staff (per FTE-year) and per-start costs (from the programme counts).
- ``residents``: gross earnings (the economic gain).

Benefit units: a household's head with their partner and the household's dependent children (under 16, and
non-dependants aged 16-19 in full-time education as qualifying young persons) form one unit; every other
non-dependant and every sharer is a single-adult unit. Residents under 18 and full-time students are not
assessed (their households' other members are). Amounts are expected values over claiming: an entitled unit
claims UC and Council Tax Reduction with probability ``fiscal.take_up``, in or out of work.

LCWRA: a work-limiting resident is paid the element after ``fiscal.lcwra_delay_months``, unless at that point
they earn at least 16 hours a week at their minimum wage (UC Regs 2013 reg. 41: treated as not having limited
capability for work); once in payment it stays while they are work-limiting, in or out of work. The rate is
the new-claim rate for spells starting from April 2026, except severe mental illness (the severe conditions
criteria), and the protected rate before.

Housing costs: rents are held at 2024/25 prices and grown each tax year by ``housing.private_rent_growth``
(private) or ``fiscal.uprating.inflation`` + ``housing.social_rent_uprating`` (social); the Local Housing
Allowance is the area's published rate, grown by ``housing.lha_uprating`` after 2026/27; council tax is the
area's 2026/27 Band D (``model/data/housing.csv``), grown by ``fiscal.uprating.inflation`` after 2026/27.

Pay (in 2023 money, :mod:`model.dynamics.earnings`) is grown to each tax year and floored at the minimum wage
for the resident's age. The whole month is assessed by one compiled pass (:mod:`model.economics.kernels`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from model.config.areas import HousingProfile
from model.config.parameters import Parameters
from model.config.registry import Registry
from model.config.vocabulary import FIRST_RATES_YEAR, LAST_RATES_YEAR, MH_SMI, PAYERS
from model.core.components import Month
from model.core.population import Population, column
from model.core.recording import HOUSEHOLD_MEASURES
from model.dynamics.earnings import earnings_index
from model.economics.prices import fiscal_year
from model.economics.rules import LCWRA_CHANGE, TODAY, Rules

column("lcwra_paid", np.uint8, "1 while the UC LCWRA element is in payment (see the ledger)")
SHARED_ACCOMMODATION_AGE = 35  # single renters under 35 get the shared-accommodation rate (UC Regs Sch. 4)
MINIMUM_AGE = 18  # UC Regs 2013 reg. 8


@dataclass(frozen=True)
class LedgerItem:
    """One line of the ledger: who pays it and what it is."""

    name: str
    payer: str
    doc: str

    def __post_init__(self) -> None:
        if self.payer not in PAYERS:
            raise ValueError(f"ledger item {self.name!r}: unknown payer {self.payer!r} (one of {PAYERS})")


ITEMS: Registry[LedgerItem] = Registry("ledger item")
for _name, _payer, _doc in (
    ("uc_standard_allowance", "dwp", "Universal Credit standard allowance"),
    ("uc_child_element", "dwp", "Universal Credit child elements"),
    ("uc_housing_element", "dwp", "Universal Credit housing element"),
    ("uc_lcwra", "dwp", "Universal Credit LCWRA (health) element"),
    ("uc_earnings_taper", "dwp", "Universal Credit withdrawn by the earnings taper (negative)"),
    ("uc_benefit_cap", "dwp", "Universal Credit withdrawn by the benefit cap (negative)"),
    ("council_tax_reduction", "local_authority", "Council Tax Reduction (working-age scheme)"),
    ("income_tax", "hmrc", "income tax"),
    ("employee_ni", "hmrc", "employee Class 1 NI"),
    ("employer_ni", "hmrc", "employer Class 1 NI"),
    ("gross_earnings", "residents", "gross earnings (the economic gain)"),
):
    ITEMS.register(LedgerItem(_name, _payer, _doc))
# Column of each item in the kernel's totals (the registration order above).
UC_STANDARD, UC_CHILD, UC_HOUSING, UC_LCWRA, UC_TAPER, UC_CAP, CTR = range(7)
INCOME_TAX, EMPLOYEE_NI, EMPLOYER_NI, GROSS_EARNINGS = range(7, 11)
(
    HOUSEHOLDS,
    WORKLESS_HOUSEHOLDS,
    CHILDREN_IN_WORKLESS,
    UC_HOUSEHOLDS,
    UC_HOUSEHOLDS_CHILD,
    UC_HOUSEHOLDS_HOUSING,
    UC_HOUSEHOLDS_LCWRA,
    CTR_HOUSEHOLDS,
) = range(len(HOUSEHOLD_MEASURES))


class HousingRules(NamedTuple):
    """Housing and council tax rules of one tax year (scalars, as the kernel takes them)."""

    private_rent_factor: float  # rents are held at 2024/25 prices: growth to the year
    social_rent_factor: float
    band_a_ratio: float  # council tax by band as a share of Band D
    band_b_ratio: float
    band_c_ratio: float
    single_person_discount: float
    ctr_taper: float
    sharer_liability_share: float
    shared_accommodation_age: float
    minimum_age: float

    def band_ratio(self, band: int) -> float:
        """Council tax of band ``band`` (0 A, 1 B, 2 C and above) as a share of Band D."""
        return (self.band_a_ratio, self.band_b_ratio, self.band_c_ratio)[band]


@dataclass(frozen=True)
class AreaHousing:
    """The areas' housing figures as arrays for the kernel (one tax year's)."""

    lha: np.ndarray  # (areas, 5) monthly LHA: shared, 1-4 bedrooms
    band_d: np.ndarray  # (areas,) monthly Band D council tax
    ctr_max: np.ndarray
    ctr_cap: np.ndarray


def rules_of_year(
    params: Parameters, housing: Sequence[HousingProfile], year: int
) -> tuple[Rules, AreaHousing, HousingRules]:
    """Tax-benefit rules.

    The areas' housing figures and the housing rules of tax year ``year`` (months before 2024/25 use
    2026/27's, as :mod:`model.economics.rules` says).
    """
    p = params
    year = year if year >= FIRST_RATES_YEAR else TODAY
    since = year - FIRST_RATES_YEAR
    inflation = p["fiscal.uprating.inflation"]
    after = max(year - LAST_RATES_YEAR, 0)
    areas = AreaHousing(
        lha=np.array([h.lha for h in housing], float) * 52 / 12 * (1 + p["housing.lha_uprating"]) ** after,
        band_d=np.array([h.band_d for h in housing], float) / 12 * (1 + inflation) ** after,
        ctr_max=np.array([h.ctr_max_support for h in housing], float),
        ctr_cap=np.array([h.ctr_band_cap for h in housing], np.int64),
    )
    rules = HousingRules(
        private_rent_factor=(1 + p["housing.private_rent_growth"]) ** since,
        social_rent_factor=(1 + inflation + p["housing.social_rent_uprating"]) ** since,
        band_a_ratio=p["housing.band_a_ratio"],
        band_b_ratio=p["housing.band_b_ratio"],
        band_c_ratio=p["housing.band_c_ratio"],
        single_person_discount=p["housing.single_person_discount"],
        ctr_taper=p["housing.ctr_taper"],
        sharer_liability_share=p["housing.sharer_liability_share"],
        shared_accommodation_age=float(SHARED_ACCOMMODATION_AGE),
        minimum_age=float(MINIMUM_AGE),
    )
    return Rules.for_year(p, year), areas, rules


class Ledger:
    """One arm's monthly ledger (a component): every item and household measure, by area and month.

    ``values`` is (months + 1, areas, items); ``households`` (months + 1, areas, measures) is handed to the
    recording through :class:`Month`.
    """

    order: ClassVar[int] = 70

    def __init__(
        self, params: Parameters, housing: Sequence[HousingProfile], months: int, start_month_index: int
    ):
        self.params = params
        self.housing = tuple(housing)
        self.start = start_month_index
        self.values = np.zeros((months + 1, len(self.housing), len(ITEMS)))
        self.take_up = params["fiscal.take_up"]
        self.delay = int(params["fiscal.lcwra_delay_months"])
        self._years: dict[int, tuple[Rules, AreaHousing, HousingRules]] = {}

    def year(self, year: int) -> tuple[Rules, AreaHousing, HousingRules]:
        """:func:`rules_of_year` (cached)."""
        if year not in self._years:
            self._years[year] = rules_of_year(self.params, self.housing, year)
        return self._years[year]

    def step(self, model: Any, month: Month) -> None:
        """Record the month (from month 1; burn-in months are not recorded)."""
        if month.number >= 1:
            month.households = self.record(month.number, model.population)

    def record(self, month: int, pop: Population) -> np.ndarray:
        """Add month ``month``'s items to ``values``; return its household measures (areas, measures)."""
        from model.dynamics.households import MONTH_ORIGIN, NO_CHILD
        from model.economics import kernels  # numba: imported with the simulation, not with validation

        index = self.start + month - 1
        year = fiscal_year(index)
        rules, area_housing, housing_rules = self.year(year)
        hh = pop.households
        areas = len(self.housing)
        totals = np.zeros((areas, len(ITEMS)))
        measures = np.zeros((areas, len(HOUSEHOLD_MEASURES)))
        kernels.assess(
            rules,
            index,
            earnings_index(year if year >= FIRST_RATES_YEAR else TODAY, self.params),
            self.take_up,
            self.delay,
            MH_SMI,
            LCWRA_CHANGE,
            pop.state,
            pop.age_months,
            pop.hourly_pay,
            pop.hours,
            pop.student,
            pop.mental_health,
            pop.work_limiting,
            pop.months_limited,
            pop.lcwra_paid,
            pop.role,
            pop.next_member,
            hh.area,
            hh.head,
            hh.first_member,
            hh.tenure,
            hh.rent,
            hh.bedrooms,
            hh.band,
            hh.children,
            NO_CHILD,
            MONTH_ORIGIN,
            area_housing.lha,
            area_housing.band_d,
            area_housing.ctr_max,
            area_housing.ctr_cap,
            housing_rules,
            totals,
            measures,
        )
        self.values[month] = totals
        return measures
