"""The value of one job (``healthwork value-of-work``): the annual fiscal value of entering work, by payer.

One adult (the claimant) moves from no work to a job at the area's typical entry pay (the median of the
model's entrant pay, at least the minimum wage) or at the minimum wage, in one of four households (UC and
Council Tax Reduction assessed by the ledger's own rules, :func:`model.economics.benefits.household_unit`):

- ``single-renter``: a single adult renting, no children;
- ``single-owner``: a single adult owning their home (no housing costs), no children;
- ``couple-one-earner``: a couple renting, the partner out of work, no children unless ``children``;
- ``lone-parent``: a lone parent renting with two children (born after April 2017) unless ``children``.

Rent: the area's median private rent for the household's bedroom entitlement (VOA, grown as the ledger does),
or the social rent for it; council tax Band A (the commonest band in these areas) unless ``band``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config.areas import AreaProfile, HousingProfile
from model.config.parameters import Parameters
from model.dynamics.earnings import PayRules, earnings_index
from model.dynamics.household_synthesis import rents
from model.dynamics.households import PRIVATE_RENT, SOCIAL_RENT
from model.economics.benefits import entitlement, household_unit
from model.economics.ledger import rules_of_year
from model.economics.nhs import inactivity_cost_per_year
from model.economics.rules import CHILD_ELEMENT_CHANGE, employee_ni, employer_ni, income_tax, minimum_wage


@dataclass(frozen=True)
class Household:
    """A household type for the value of one job."""

    couple: bool
    renting: bool
    children: int


HOUSEHOLDS = {
    "single-renter": Household(couple=False, renting=True, children=0),
    "single-owner": Household(couple=False, renting=False, children=0),
    "couple-one-earner": Household(couple=True, renting=True, children=0),
    "lone-parent": Household(couple=False, renting=True, children=2),
}
TENURES = {"private": PRIVATE_RENT, "social": SOCIAL_RENT, "owner": 0}
PAY = ("typical", "minimum")
PENNY = 0.01  # an award below a penny a year is none (the taper leaves rounding dust)
BANDS = ("A", "B", "C")


def value_of_work(
    profile: AreaProfile,
    housing: HousingProfile,
    params: Parameters,
    year: int,
    *,
    household: str = "single-renter",
    tenure: str | None = None,
    hours: float | None = None,
    lcwra: bool = False,
    age: int = 30,
    children: int | None = None,
    band: str = "A",
    pay: str = "typical",
) -> dict[str, float]:
    """Annual fiscal value of the claimant moving into work (module docstring), in the tax year's prices.

    ``tenure`` defaults to private renting for renting households and owning for ``single-owner``;
    ``lcwra`` gives the claimant the protected LCWRA element, in payment before they start work and so kept in
    work. Positive values are gains to the payer.
    """
    kind = HOUSEHOLDS[household]
    tenure = tenure or ("private" if kind.renting else "owner")
    kids = kind.children if children is None else children
    rules, areas, housing_rules = rules_of_year(params, [housing], year)
    rates = PayRules.build([profile], params)
    hours = hours or rates.full_time_hours
    hourly_2023 = (
        float(np.exp(rates.log_median[0] + rates.entrant_z * rates.sigma[0])) / rates.full_time_hours
    )
    floor = minimum_wage(age, rules)
    hourly = floor if pay == "minimum" else max(hourly_2023 * earnings_index(int(rules.year), params), floor)
    annual = hourly * hours * 52
    tax, ee, er = income_tax(annual, rules), employee_ni(annual, rules), employer_ni(annual, rules)
    code = TENURES[tenure]
    rent = float(
        rents(np.zeros(1, int), np.array([code]), np.array([1 + (kids + 1) // 2]), [housing], params)[0]
    )
    born = int(rules.year) * 12 + 3 - 5 * 12  # children aged about five: born after April 2017
    before_2017 = kids if born < CHILD_ELEMENT_CHANGE else 0

    rooms = entitlement(housing_rules, kind.couple, age, kids, 0)[1]  # the dwelling fits the household

    def assess(net_earnings: float) -> tuple[float, ...]:
        return household_unit(
            rules,
            housing_rules,
            areas.lha[0],
            float(areas.band_d[0]),
            float(areas.ctr_max[0]),
            int(areas.ctr_cap[0]),
            kind.couple,
            age >= 25,
            age,
            kids,
            before_2017,
            0,
            rules.lcwra_protected if lcwra else 0.0,
            code == PRIVATE_RENT,
            code == SOCIAL_RENT,
            rent,
            rooms,
            BANDS.index(band),
            0,
            2 if kind.couple else 1,
            1.0,
            net_earnings,
        )

    out_of_work, in_work = assess(0.0), assess((annual - tax - ee) / 12)
    uc_out, uc_in = 12 * sum(out_of_work[:6]), 12 * sum(in_work[:6])
    # The housing element counts as paid when there is an award left after the taper (as in the ledger).
    ctr_out, ctr_in = 12 * out_of_work[6], 12 * in_work[6]
    dwp, local = uc_out - uc_in, ctr_out - ctr_in
    return {
        "gross_pay": annual,
        "hourly_pay": hourly,
        "dwp_uc_out_of_work": uc_out,
        "dwp_uc_in_work": uc_in,
        "dwp_saving": dwp,
        "hmrc_income_tax": tax,
        "hmrc_employee_ni": ee,
        "hmrc_employer_ni": er,
        "exchequer_gain": dwp + tax + ee + er,
        "net_income_change": annual - tax - ee - dwp - local,
        "housing_element_out_of_work": 12 * out_of_work[2] if uc_out > PENNY else 0.0,
        "housing_element_in_work": 12 * in_work[2] if uc_in > PENNY else 0.0,
        "ctr_out_of_work": ctr_out,
        "ctr_in_work": ctr_in,
        "local_authority_saving": local,
        # A claimant with the LCWRA element is taken as inactive through ill health before the job (README).
        "nhs_saving": inactivity_cost_per_year(params, int(rules.year)) if lcwra else 0.0,
    }
