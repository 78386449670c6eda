"""Tax and benefit rules by tax year: income tax, employee and employer NI, Universal Credit.

Rates are those of the tax year a month falls in (``model/data/tax_benefit_rates.csv``: 2024/25-2026/27, each
row with its source; overridable as ``rates.2026_27.uc.taper`` and so on); later years uprate cash amounts by
``fiscal.uprating.inflation``, except income tax and NI thresholds, frozen to 2027/28, and the new-claim LCWRA
rate, frozen. Months before 2024/25 (the pilot replications) use the 2026/27 rules: today's rules and prices,
as their outputs say.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config.parameters import Parameters, rate_path
from model.economics.prices import year_label

FIRST_RATES_YEAR, LAST_RATES_YEAR = 2024, 2026  # tax years with published rates: 2024/25 .. 2026/27
TODAY = 2026  # tax year 2026/27: the rules used for months before the first published year
FROZEN_THRESHOLDS_UNTIL = 2027  # income tax and NI thresholds frozen to 2027/28
LCWRA_CHANGE = 2026 * 12 + 3  # April 2026, as a month index (year * 12 + month - 1)


@dataclass(frozen=True)
class Rules:
    """Tax and benefit rules of one tax year (monthly UC amounts; annual tax and NI thresholds)."""

    year: int
    sa_under_25: float
    sa_25_plus: float
    lcwra_new: float
    lcwra_protected: float
    work_allowance: float
    taper: float
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
    minimum_wage: tuple[float, float, float]  # 16-17, 18-20, 21+

    @classmethod
    def for_year(cls, params: Parameters, year: int) -> Rules:
        """The rules of tax year ``year`` (its starting calendar year), uprated beyond the published years."""
        source = min(max(year, FIRST_RATES_YEAR), LAST_RATES_YEAR) if year >= FIRST_RATES_YEAR else TODAY
        label = year_label(source)

        def rate(key: str) -> float:
            return params[rate_path(label, key)]

        steps = max(year - LAST_RATES_YEAR, 0)
        cash = (1 + params["fiscal.uprating.inflation"]) ** steps
        threshold = (1 + params["fiscal.uprating.inflation"]) ** max(
            year - max(FROZEN_THRESHOLDS_UNTIL, source), 0
        )
        return cls(
            year=year,
            sa_under_25=rate("uc.standard_allowance_under_25") * cash,
            sa_25_plus=rate("uc.standard_allowance_25_plus") * cash,
            lcwra_new=rate("uc.lcwra_new_claim"),  # frozen
            lcwra_protected=rate("uc.lcwra_protected") * cash,
            work_allowance=rate("uc.work_allowance_no_housing") * cash,
            taper=rate("uc.taper"),
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
            minimum_wage=(
                rate("wage.minimum_16_17") * cash,
                rate("wage.minimum_18_20") * cash,
                rate("wage.minimum_21_plus") * cash,
            ),
        )


# -------------------------------------------------------------------------------------- tax, NI, UC


def income_tax(annual: np.ndarray, r: Rules) -> np.ndarray:
    """Annual income tax on annual income (England, Wales and Northern Ireland rates)."""
    annual = np.asarray(annual, dtype=float)
    allowance = np.maximum(r.personal_allowance - np.maximum(annual - r.allowance_taper_threshold, 0) / 2, 0)
    taxable = np.maximum(annual - allowance, 0)
    basic = np.minimum(taxable, r.basic_band)
    higher = np.clip(taxable - r.basic_band, 0, r.additional_threshold - r.basic_band)
    additional = np.maximum(taxable - r.additional_threshold, 0)
    return r.basic_rate * basic + r.higher_rate * higher + r.additional_rate * additional


def employee_ni(annual: np.ndarray, r: Rules) -> np.ndarray:
    """Annual employee Class 1 NI on annual pay."""
    annual = np.asarray(annual, dtype=float)
    main = np.clip(annual - r.primary_threshold, 0, r.upper_earnings_limit - r.primary_threshold)
    return r.employee_rate * main + r.employee_additional_rate * np.maximum(
        annual - r.upper_earnings_limit, 0
    )


def employer_ni(annual: np.ndarray, r: Rules) -> np.ndarray:
    """Annual employer Class 1 NI on annual pay."""
    return r.employer_rate * np.maximum(np.asarray(annual, dtype=float) - r.secondary_threshold, 0)


def uc_award(
    standard: np.ndarray, lcwra: np.ndarray, net_monthly: np.ndarray, r: Rules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly Universal Credit as (standard allowance, LCWRA element, earnings taper as a negative amount).

    The taper takes ``taper`` of net earnings above the work allowance (LCWRA claimants only; 0 otherwise),
    down to a zero award.
    """
    allowance = np.where(np.asarray(lcwra) > 0, r.work_allowance, 0.0)
    maximum = np.asarray(standard, dtype=float) + lcwra
    reduction = np.minimum(r.taper * np.maximum(np.asarray(net_monthly, dtype=float) - allowance, 0), maximum)
    return np.asarray(standard, dtype=float), np.asarray(lcwra, dtype=float), -reduction


# ---------------------------------------------------------------------------------------------- pay
