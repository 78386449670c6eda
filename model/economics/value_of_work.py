"""The value of one job (``healthwork value-of-work``): the annual fiscal value of entering work, by payer."""

from __future__ import annotations

import numpy as np

from model.config.areas import AreaProfile
from model.config.parameters import Parameters
from model.dynamics.earnings import PayRules, earnings_index
from model.economics.rules import Rules, employee_ni, employer_ni, income_tax, uc_award


def value_of_work(
    profile: AreaProfile, params: Parameters, year: int, *, hours: float | None = None, lcwra: bool = False
) -> dict[str, float]:
    """Annual fiscal value of one person aged 25+ moving from out-of-work Universal Credit into work.

    Pay is the area's typical entry pay (the median of the model's entrant pay distribution, at least the
    minimum wage), full-time unless ``hours`` are given; ``lcwra`` adds the protected LCWRA element (and its
    work allowance) in and out of work. Amounts in the tax year's prices; positive = gain to the payer.
    """
    rules = Rules.for_year(params, year)
    pay = PayRules.build([profile], params)
    hours = hours or pay.full_time_hours
    hourly_2023 = float(np.exp(pay.log_median[0] + pay.entrant_z * pay.sigma[0])) / pay.full_time_hours
    hourly = max(hourly_2023 * earnings_index(year, params), rules.minimum_wage[2])
    annual = hourly * hours * 52
    tax, ee, er = (float(f(np.array(annual), rules)) for f in (income_tax, employee_ni, employer_ni))
    element = rules.lcwra_protected if lcwra else 0.0
    out_of_work = sum(float(x) for x in uc_award(rules.sa_25_plus, element, 0.0, rules)) * 12
    in_work = sum(float(x) for x in uc_award(rules.sa_25_plus, element, (annual - tax - ee) / 12, rules)) * 12
    return {
        "gross_pay": annual,
        "hourly_pay": hourly,
        "dwp_uc_out_of_work": out_of_work,
        "dwp_uc_in_work": in_work,
        "dwp_saving": out_of_work - in_work,
        "hmrc_income_tax": tax,
        "hmrc_employee_ni": ee,
        "hmrc_employer_ni": er,
        "exchequer_gain": out_of_work - in_work + tax + ee + er,
        "net_income_change": annual - tax - ee + in_work - out_of_work,
    }
