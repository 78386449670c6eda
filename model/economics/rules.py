"""Tax and benefit rules by tax year: income tax, employee and employer NI, Universal Credit, the benefit cap.

Rates are those of the tax year a month falls in (``model/data/tax_benefit_rates.csv``: 2024/25-2026/27, each
row with its source; overridable as ``rates.2026_27.uc.taper`` and so on); later years uprate cash amounts by
``fiscal.uprating.inflation``, except income tax and NI thresholds, frozen to 2027/28, the new-claim LCWRA
rate and the benefit cap, frozen. Months before 2024/25 (the pilot replications) use the 2026/27 rules:
today's rules and prices, as their outputs say.

:class:`Rules` is a named tuple of floats so that the same functions (:func:`income_tax`, :func:`employee_ni`,
:func:`employer_ni`) serve Python callers and, compiled, the ledger's kernel: one source for the arithmetic.
"""

from __future__ import annotations

from typing import NamedTuple

from numba.extending import register_jitable

from model.config.parameters import Parameters, rate_path
from model.config.vocabulary import FIRST_RATES_YEAR, LAST_RATES_YEAR, year_label

TODAY = 2026  # tax year 2026/27: the rules used for months before the first published year
FROZEN_THRESHOLDS_UNTIL = 2027  # income tax and NI thresholds frozen to 2027/28
LCWRA_CHANGE = 2026 * 12 + 3  # April 2026, as a month index (year * 12 + month - 1)
CHILD_ELEMENT_CHANGE = (
    2017 * 12 + 3
)  # children born from April 2017: no higher first-child rate, two-child limit
WEEKS_PER_MONTH = 52 / 12


class Rules(NamedTuple):
    """Tax and benefit rules of one tax year: monthly UC and benefit amounts, annual tax and NI thresholds."""

    year: float
    sa_single_under_25: float
    sa_single_25_plus: float
    sa_couple_under_25: float
    sa_couple_25_plus: float
    child_first_pre_2017: float
    child_other: float
    two_child_limit: float  # 1 while the limit is law
    lcwra_new: float
    lcwra_protected: float
    work_allowance_housing: float
    work_allowance_no_housing: float
    taper: float
    non_dependant_deduction: float
    under_occupancy_one: float
    under_occupancy_two: float
    benefit_cap_single: float
    benefit_cap_family: float
    child_benefit_eldest: float  # monthly; counted towards the benefit cap only
    child_benefit_other: float
    personal_allowance: float
    basic_rate: float
    basic_band: float
    higher_rate: float
    additional_rate: float
    additional_threshold: float
    allowance_taper_threshold: float
    primary_threshold: float
    upper_earnings_limit: float
    employee_rate: float
    employee_additional_rate: float
    secondary_threshold: float
    employer_rate: float
    minimum_wage_16_17: float
    minimum_wage_18_20: float
    minimum_wage_21_plus: float

    @classmethod
    def for_year(cls, params: Parameters, year: int) -> Rules:
        """The rules of tax year ``year`` (its starting calendar year), uprated beyond the published years."""
        source = min(max(year, FIRST_RATES_YEAR), LAST_RATES_YEAR) if year >= FIRST_RATES_YEAR else TODAY
        label = year_label(source)

        def rate(key: str) -> float:
            return params[rate_path(label, key)]

        inflation = 1 + params["fiscal.uprating.inflation"]
        cash = inflation ** max(year - LAST_RATES_YEAR, 0)
        threshold = inflation ** max(year - max(FROZEN_THRESHOLDS_UNTIL, source), 0)
        uc = {
            key: rate(f"uc.{key}") * cash
            for key in (
                "child_first_pre_2017",
                "child_other",
                "work_allowance_housing",
                "non_dependant_deduction",
            )
        }
        return cls(
            year=float(year),
            sa_single_under_25=rate("uc.standard_allowance_under_25") * cash,
            sa_single_25_plus=rate("uc.standard_allowance_25_plus") * cash,
            sa_couple_under_25=rate("uc.couple_under_25") * cash,
            sa_couple_25_plus=rate("uc.couple_25_plus") * cash,
            two_child_limit=rate("uc.two_child_limit"),
            lcwra_new=rate("uc.lcwra_new_claim"),  # frozen
            lcwra_protected=rate("uc.lcwra_protected") * cash,
            work_allowance_no_housing=rate("uc.work_allowance_no_housing") * cash,
            taper=rate("uc.taper"),
            under_occupancy_one=rate("uc.under_occupancy_one"),
            under_occupancy_two=rate("uc.under_occupancy_two"),
            benefit_cap_single=rate("uc.benefit_cap_single"),  # frozen
            benefit_cap_family=rate("uc.benefit_cap_family"),
            child_benefit_eldest=rate("cb.eldest_weekly") * WEEKS_PER_MONTH * cash,
            child_benefit_other=rate("cb.other_weekly") * WEEKS_PER_MONTH * cash,
            personal_allowance=rate("it.personal_allowance") * threshold,
            basic_rate=rate("it.basic_rate"),
            basic_band=rate("it.basic_rate_band") * threshold,
            higher_rate=rate("it.higher_rate"),
            additional_rate=rate("it.additional_rate"),
            additional_threshold=rate("it.additional_rate_threshold") * threshold,
            allowance_taper_threshold=rate("it.allowance_taper_threshold") * threshold,
            primary_threshold=rate("ni.primary_threshold") * threshold,
            upper_earnings_limit=rate("ni.upper_earnings_limit") * threshold,
            employee_rate=rate("ni.employee_rate"),
            employee_additional_rate=rate("ni.employee_additional_rate"),
            secondary_threshold=rate("ni.secondary_threshold") * threshold,
            employer_rate=rate("ni.employer_rate"),
            minimum_wage_16_17=rate("wage.minimum_16_17") * cash,
            minimum_wage_18_20=rate("wage.minimum_18_20") * cash,
            minimum_wage_21_plus=rate("wage.minimum_21_plus") * cash,
            **uc,
        )


# -------------------------------------------------------------------------------------- tax and NI
# Scalar functions of plain floats, callable from Python and compiled in the ledger's kernel.


@register_jitable
def income_tax(annual: float, r: Rules) -> float:
    """Annual income tax on annual income (England, Wales and Northern Ireland rates)."""
    allowance = max(r.personal_allowance - max(annual - r.allowance_taper_threshold, 0.0) / 2, 0.0)
    taxable = max(annual - allowance, 0.0)
    basic = min(taxable, r.basic_band)
    higher = min(max(taxable - r.basic_band, 0.0), r.additional_threshold - r.basic_band)
    additional = max(taxable - r.additional_threshold, 0.0)
    return r.basic_rate * basic + r.higher_rate * higher + r.additional_rate * additional


@register_jitable
def employee_ni(annual: float, r: Rules) -> float:
    """Annual employee Class 1 NI on annual pay."""
    main = min(max(annual - r.primary_threshold, 0.0), r.upper_earnings_limit - r.primary_threshold)
    return r.employee_rate * main + r.employee_additional_rate * max(annual - r.upper_earnings_limit, 0.0)


@register_jitable
def employer_ni(annual: float, r: Rules) -> float:
    """Annual employer Class 1 NI on annual pay."""
    return r.employer_rate * max(annual - r.secondary_threshold, 0.0)


@register_jitable
def minimum_wage(age_years: int, r: Rules) -> float:
    """The National Minimum (Living) Wage for an age."""
    if age_years < 18:
        return r.minimum_wage_16_17
    if age_years < 21:
        return r.minimum_wage_18_20
    return r.minimum_wage_21_plus
