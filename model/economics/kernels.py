"""Numba kernel of the ledger.

Every resident's pay, tax and NI and every benefit unit's UC and Council Tax Reduction in one month, summed by
area.

The rules are those of :mod:`model.economics.rules` and :mod:`model.economics.benefits` (the same functions,
compiled); which residents form a unit, and which items and household measures are recorded, are stated in
:mod:`model.economics.ledger`. Two passes: residents in slot order (pay, tax, LCWRA status, and the
single-adult units of non-dependants and sharers; family totals gathered by household), then households in
order (the family unit's UC, the household's Council Tax Reduction, the household measures).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from model.config.vocabulary import EMPLOYED
from model.dynamics.households import HEAD, NON_DEPENDANT, PARTNER, PRIVATE_RENT, SOCIAL_RENT
from model.economics.benefits import earnings_threshold, household_unit, uc_award
from model.economics.ledger import (
    CHILDREN_IN_WORKLESS,
    CTR,
    CTR_HOUSEHOLDS,
    EMPLOYEE_NI,
    EMPLOYER_NI,
    GROSS_EARNINGS,
    HOUSEHOLDS,
    INCOME_TAX,
    UC_CAP,
    UC_CHILD,
    UC_HOUSEHOLDS,
    UC_HOUSEHOLDS_CHILD,
    UC_HOUSEHOLDS_HOUSING,
    UC_HOUSEHOLDS_LCWRA,
    UC_HOUSING,
    UC_LCWRA,
    UC_STANDARD,
    UC_TAPER,
    WORKLESS_HOUSEHOLDS,
)
from model.economics.rules import CHILD_ELEMENT_CHANGE, employee_ni, employer_ni, income_tax, minimum_wage

MAX_BEDROOMS = 4  # the largest Local Housing Allowance category


@nb.njit(nogil=True)
def _add(parts, claim, area, totals, measures):
    """Add one unit's expected UC and CTR (take-up times the amounts) to the area's totals.

    A unit whose award is tapered away is not a claimant: no UC item counts it.
    """
    standard, child, housing, lcwra, taper, cap, ctr = parts
    if standard + child + housing + lcwra + taper + cap > 0:
        totals[area, UC_STANDARD] += claim * standard
        totals[area, UC_CHILD] += claim * child
        totals[area, UC_HOUSING] += claim * housing
        totals[area, UC_LCWRA] += claim * lcwra
        totals[area, UC_TAPER] += claim * taper
        totals[area, UC_CAP] += claim * cap
        measures[area, UC_HOUSEHOLDS] += claim
        if child > 0:
            measures[area, UC_HOUSEHOLDS_CHILD] += claim
        if housing > 0:
            measures[area, UC_HOUSEHOLDS_HOUSING] += claim
        if lcwra > 0:
            measures[area, UC_HOUSEHOLDS_LCWRA] += claim
    if ctr > 0:
        totals[area, CTR] += claim * ctr
        measures[area, CTR_HOUSEHOLDS] += claim


@nb.njit(cache=True, nogil=True)
def assess(
    r, month, earnings_index, take_up, delay, smi_value, lcwra_change,
    state, age_months, hourly_pay, hours, student, mental_health, work_limiting, months_limited,
    lcwra_paid, role, next_member,
    hh_area, head, first_member, tenure, rent, bedrooms, band, children, no_child, origin,
    lha, band_d, ctr_max, ctr_cap, housing_rules,
    totals, measures,
):  # fmt: skip
    """Assess one month (module docstring).

    Updates ``lcwra_paid`` and adds to ``totals`` and ``measures`` (``housing_rules``:
    :class:`model.economics.ledger.HousingRules`). Household by household, walking each one's residents
    (``first_member``, ``next_member``): no per-household arrays.
    """
    min_age = housing_rules.minimum_age
    for h in range(len(head)):
        if head[h] < 0:
            continue
        a = hh_area[h]
        earnings = 0.0  # the family's (head and partner's) net earnings, and the rest of the family unit
        adults = 0
        older = False
        claimant = False
        family_lcwra = 0.0
        head_age = 0
        non_dependants = 0
        deductions = 0
        young = 0
        young_before_2017 = 0
        working = False
        counted = 0  # adults counted for council tax (students disregarded)
        i = first_member[h]
        while i >= 0:
            age = age_months[i] // 12
            employed = state[i] == EMPLOYED
            net = 0.0
            if employed:
                hourly = max(hourly_pay[i] * earnings_index, minimum_wage(age, r))
                annual = hourly * hours[i] * 52.0
                tax, ee = income_tax(annual, r), employee_ni(annual, r)
                totals[a, INCOME_TAX] += tax / 12
                totals[a, EMPLOYEE_NI] += ee / 12
                totals[a, EMPLOYER_NI] += employer_ni(annual, r) / 12
                totals[a, GROSS_EARNINGS] += annual / 12
                net = (annual - tax - ee) / 12
            # LCWRA: paid after the assessment delay unless earning 16 hours at the claimant's minimum wage
            # (reg. 41) when it would start; once in payment it stays while the condition does.
            if work_limiting[i] == 0 or months_limited[i] < delay:
                lcwra_paid[i] = 0
            elif lcwra_paid[i] == 0 and net < earnings_threshold(minimum_wage(age, r)):
                lcwra_paid[i] = 1
            lcwra = 0.0
            if lcwra_paid[i] == 1:
                new_claim = month + 1 - months_limited[i] >= lcwra_change and mental_health[i] != smi_value
                lcwra = r.lcwra_new if new_claim else r.lcwra_protected
            eligible = age >= min_age and student[i] == 0
            working |= employed
            if student[i] == 0:
                counted += 1
            k = role[i]
            if k in (HEAD, PARTNER):
                earnings += net
                adults += 1
                older |= age >= 25
                claimant |= eligible
                family_lcwra = max(family_lcwra, lcwra)
                if k == HEAD:
                    head_age = age
            elif k == NON_DEPENDANT and student[i] == 1 and age < 20:
                young += 1  # a qualifying young person: a child of the family for UC
                if month - 12 * age < CHILD_ELEMENT_CHANGE:
                    young_before_2017 += 1
            elif k == NON_DEPENDANT:
                non_dependants += 1
                if eligible:
                    if age >= 21:
                        deductions += 1
                    parts = uc_award(r, False, age >= 25, 0, 0, lcwra, 0.0, net)
                    _add((*parts, 0.0), take_up, a, totals, measures)
            elif eligible:  # a sharer: their own unit, a room let privately and their share of council tax
                parts = household_unit(
                    r,
                    housing_rules,
                    lha[a],
                    band_d[a],
                    ctr_max[a],
                    ctr_cap[a],
                    False,
                    age >= 25,
                    age,
                    0,
                    0,
                    0,
                    lcwra,
                    tenure[h] == PRIVATE_RENT or tenure[h] == SOCIAL_RENT,
                    False,
                    rent[h],
                    0,
                    band[h],
                    0,
                    2,
                    housing_rules.sharer_liability_share,
                    net,
                )
                _add(parts, take_up, a, totals, measures)
            i = next_member[i]
        kids = 0
        kids_before_2017 = 0
        for c in range(children.shape[1]):
            if children[h, c] == no_child:
                break  # children are kept oldest first, then the free places
            kids += 1
            if children[h, c] + origin < CHILD_ELEMENT_CHANGE:
                kids_before_2017 += 1
        measures[a, HOUSEHOLDS] += 1
        if not working and counted > 0:
            measures[a, WORKLESS_HOUSEHOLDS] += 1
            measures[a, CHILDREN_IN_WORKLESS] += kids
        if adults == 0 or not claimant:  # a sharers' dwelling, or nobody in the family who can claim
            continue
        parts = household_unit(
            r,
            housing_rules,
            lha[a],
            band_d[a],
            ctr_max[a],
            ctr_cap[a],
            adults == 2,
            older,
            head_age,
            kids + young,
            kids_before_2017 + young_before_2017,
            non_dependants,
            family_lcwra,
            tenure[h] == PRIVATE_RENT,
            tenure[h] == SOCIAL_RENT,
            rent[h],
            np.int64(bedrooms[h]),
            band[h],
            deductions,
            counted,
            1.0,
            earnings,
        )
        _add(parts, take_up, a, totals, measures)
