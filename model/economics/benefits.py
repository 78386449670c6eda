"""Universal Credit and Council Tax Reduction for one benefit unit in one month.

A *benefit unit* is a single adult or a couple, with the dependent children they are responsible for. These
are scalar functions of plain numbers: :func:`model.economics.kernels.assess` compiles the same functions to
assess every unit of the population each month, and ``healthwork value-of-work`` calls them directly, so the
arithmetic has one source. Rates are :class:`model.economics.rules.Rules` (sources in
``model/data/tax_benefit_rates.csv``); the rules applied, with their regulations:

- standard allowance by single/couple and age (UC Regs 2013 reg. 36); minimum age 18 and full-time students
  excluded (regs. 8, 12-14; the narrow exceptions are not modelled) - the caller does not assess them;
- child element per child, the higher first-child rate only when the eldest was born before April 2017, and
  the two-child limit while it is law (reg. 24A; abolished from April 2026) with children born before April
  2017 exempt;
- LCWRA element, one per unit (reg. 27); whether it is in payment is the caller's (assessment delay and the
  earnings rule of reg. 41, see :mod:`model.economics.ledger`);
- housing element: private rent capped at the Local Housing Allowance for the unit's bedroom entitlement
  (the shared-accommodation rate for a single person under 35 without children), social rent less 14% / 25%
  for one / two or more bedrooms above the size criteria (Sch. 4 para. 36), less a housing cost contribution
  for each non-dependant aged 21 or over (Sch. 4 paras. 13-16, exemptions other than age not modelled);
- work allowance for units with children or LCWRA, lower with a housing element; 55% taper on the unit's
  net earnings above it (reg. 22);
- benefit cap outside London (reg. 79-83): single or family level against UC plus Child Benefit, not applied
  when the unit's net earnings reach 16 hours at the National Living Wage or the award has LCWRA.

Council Tax Reduction (working-age schemes are local): the area's maximum share of liability, liability
limited to the scheme's band cap, less ``housing.ctr_taper`` of income above the applicable amount. Income is
net earnings plus UC other than the housing element, the applicable amount the UC maximum other than housing
(an assumption: schemes define both in their own terms).
"""

from __future__ import annotations

from numba.extending import register_jitable

from model.economics.rules import WEEKS_PER_MONTH, Rules

BENEFIT_CAP_HOURS = 16.0  # hours at the National Living Wage that lift the cap (reg. 82) and LCW (reg. 41)


@register_jitable
def earnings_threshold(hourly_minimum: float) -> float:
    """Monthly earnings of 16 hours a week at an hourly minimum wage (reg. 41 and reg. 82 thresholds)."""
    return BENEFIT_CAP_HOURS * hourly_minimum * WEEKS_PER_MONTH


@register_jitable
def child_elements(r: Rules, children: int, born_before_2017: int) -> float:
    """Monthly child elements for ``children`` of whom ``born_before_2017`` were born before April 2017."""
    if children <= 0:
        return 0.0
    paid = children
    if r.two_child_limit > 0:
        paid = born_before_2017 + min(children - born_before_2017, max(2 - born_before_2017, 0))
    if paid <= 0:
        return 0.0
    first = r.child_first_pre_2017 if born_before_2017 > 0 else r.child_other
    return first + (paid - 1) * r.child_other


@register_jitable
def child_benefit(r: Rules, children: int) -> float:
    """Monthly Child Benefit (counted only towards the benefit cap)."""
    if children <= 0:
        return 0.0
    return r.child_benefit_eldest + (children - 1) * r.child_benefit_other


@register_jitable
def housing_element(
    r: Rules,
    private: bool,
    rent: float,
    lha: float,
    excess_bedrooms: int,
    non_dependants_21_plus: int,
) -> float:
    """Monthly housing element for a renting unit (0 for owners: pass ``rent`` 0).

    ``lha`` is the Local Housing Allowance for the unit's entitlement (private renters); ``excess_bedrooms``
    are the dwelling's bedrooms above the size criteria (social renters).
    """
    if rent <= 0:
        return 0.0
    if private:
        eligible = min(rent, lha)
    elif excess_bedrooms >= 2:
        eligible = rent * (1 - r.under_occupancy_two)
    elif excess_bedrooms == 1:
        eligible = rent * (1 - r.under_occupancy_one)
    else:
        eligible = rent
    return max(eligible - non_dependants_21_plus * r.non_dependant_deduction, 0.0)


@register_jitable
def uc_award(
    r: Rules,
    couple: bool,
    any_25_plus: bool,
    children: int,
    born_before_2017: int,
    lcwra: float,
    housing: float,
    net_earnings: float,
) -> tuple[float, float, float, float, float, float]:
    """Monthly Universal Credit of one unit, itemised.

    Returns (standard allowance, child elements, housing element, LCWRA element, earnings taper, benefit cap)
    with the last two negative; their sum is the award (never below 0).
    """
    if couple:
        standard = r.sa_couple_25_plus if any_25_plus else r.sa_couple_under_25
    else:
        standard = r.sa_single_25_plus if any_25_plus else r.sa_single_under_25
    child = child_elements(r, children, born_before_2017)
    maximum = standard + child + housing + lcwra
    allowance = 0.0
    if children > 0 or lcwra > 0:
        allowance = r.work_allowance_housing if housing > 0 else r.work_allowance_no_housing
    taper = min(r.taper * max(net_earnings - allowance, 0.0), maximum)
    award = maximum - taper
    cap = 0.0
    if lcwra <= 0 and net_earnings < earnings_threshold(r.minimum_wage_21_plus):
        level = r.benefit_cap_family if (couple or children > 0) else r.benefit_cap_single
        cap = min(max(award + child_benefit(r, children) - level, 0.0), award)
    return standard, child, housing, lcwra, -taper, -cap


@register_jitable
def council_tax_reduction(
    liability: float, supported: float, max_share: float, taper: float, excess_income: float
) -> float:
    """Monthly Council Tax Reduction.

    ``max_share`` of the ``supported`` liability (limited to the scheme's band cap), less ``taper`` of
    income above the applicable amount, within the liability.
    """
    return min(max(max_share * supported - taper * max(excess_income, 0.0), 0.0), liability)


@register_jitable
def entitlement(hr, couple: bool, head_age: int, children: int, non_dependants: int) -> tuple[int, int]:
    """Bedroom entitlement (size criteria).

    One for the single person or couple, one per non-dependant, one per two children (the same-sex and age
    rules simplified), at most four; and the Local Housing Allowance category that applies (0 the shared-
    accommodation rate, for a single person under 35 without children or non-dependants, else the
    bedrooms).
    """
    bedrooms = min(1 + non_dependants + (children + 1) // 2, 4)
    shared = not couple and children == 0 and non_dependants == 0 and head_age < hr.shared_accommodation_age
    return (0 if shared else bedrooms), bedrooms


@register_jitable
def household_unit(
    r: Rules,
    hr,
    lha_rates,
    band_d: float,
    ctr_max: float,
    ctr_cap: int,
    couple: bool,
    any_25_plus: bool,
    head_age: int,
    children: int,
    born_before_2017: int,
    non_dependants: int,
    lcwra: float,
    private: bool,
    social: bool,
    rent: float,
    bedrooms: int,
    band: int,
    deductions: int,
    counted_adults: int,
    liability_share: float,
    net_earnings: float,
) -> tuple[float, float, float, float, float, float, float]:
    """Monthly UC (itemised as :func:`uc_award`) and Council Tax Reduction of a unit liable for a dwelling.

    ``hr`` are the year's housing rules (:class:`model.economics.ledger.HousingRules`); ``lha_rates`` the
    area's monthly Local Housing Allowance by category, of which the unit's (:func:`entitlement`, from the
    head's age, the children and the ``non_dependants``) caps a private rent; ``band_d`` the area's monthly
    Band D council tax, ``ctr_max`` and ``ctr_cap`` its scheme's maximum support and band cap (0 none, 1 A,
    2 B). ``rent`` is at 2024/25 prices; ``deductions`` the non-dependants whose housing cost contribution
    applies; ``counted_adults`` the dwelling's adults counted for council tax (one: the single-person
    discount); ``liability_share`` the unit's share of its council tax (a sharer's).
    Scalars only: the kernel calls it per household.
    """
    category, entitled = entitlement(hr, couple, head_age, children, non_dependants)
    housing = 0.0
    if private:
        housing = housing_element(r, True, rent * hr.private_rent_factor, lha_rates[category], 0, deductions)
    elif social:
        excess = max(bedrooms - entitled, 0)
        housing = housing_element(r, False, rent * hr.social_rent_factor, 0.0, excess, deductions)
    standard, child, housing, lcwra, taper, cap = uc_award(
        r, couple, any_25_plus, children, born_before_2017, lcwra, housing, net_earnings
    )
    ctr = 0.0
    if counted_adults > 0:
        ratios = (hr.band_a_ratio, hr.band_b_ratio, hr.band_c_ratio)
        share = liability_share * (1 - hr.single_person_discount if counted_adults == 1 else 1.0)
        liability = band_d * ratios[band] * share
        supported = liability
        if ctr_cap > 0 and band >= ctr_cap:
            supported = band_d * ratios[ctr_cap - 1] * share
        income = net_earnings + standard + child + lcwra + taper + cap  # UC other than housing, and earnings
        ctr = council_tax_reduction(
            liability, supported, ctr_max, hr.ctr_taper, income - (standard + child + lcwra)
        )
    return standard, child, housing, lcwra, taper, cap, ctr
