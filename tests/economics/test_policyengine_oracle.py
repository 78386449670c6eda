"""The benefit and tax arithmetic against an independent implementation: PolicyEngine UK.

A grid of benefit units (single or couple, 0-3 children either side of April 2017, no rent or a social rent,
0 to 40 hours a week at the National Living Wage) in tax years 2025/26 (two-child limit) and 2026/27
(abolished): monthly Universal Credit, annual income tax and employee NI must agree to a few pence. Private
rents are left out: their cap is the Local Housing Allowance of a Broad Rental Market Area, data rather than
arithmetic (PolicyEngine looks it up by region). The optional ``oracle`` extra installs policyengine-uk;
``make test`` installs it.
"""

from __future__ import annotations

import itertools

import pytest

from model.config.parameters import default_parameters
from model.economics.benefits import child_elements, housing_element, uc_award
from model.economics.rules import CHILD_ELEMENT_CHANGE, Rules, employee_ni, income_tax

policyengine_uk = pytest.importorskip("policyengine_uk")

FAMILIES = {  # (couple, children's ages)
    "single": (False, ()),
    "lone parent, one child": (False, (4,)),
    "lone parent, three children": (False, (2, 4, 10)),
    "couple": (True, ()),
    "couple, two children": (True, (2, 4)),
    "couple, three children": (True, (2, 4, 12)),
}
RENTS = (0.0, 500.0)  # monthly social rent
HOURS = (0.0, 8.0, 16.0, 24.0, 30.0, 37.5, 40.0)
YEARS = (2025, 2026)
CASES = list(itertools.product(FAMILIES, RENTS, HOURS))
PENCE = 0.05  # per month (UC) or per year (tax, NI)


def situation(year: int) -> dict:
    """Every case of the grid as its own household in one PolicyEngine situation."""
    people, benunits, households = {}, {}, {}
    nlw = Rules.for_year(default_parameters(), year).minimum_wage_21_plus
    for k, (family, rent, hours) in enumerate(CASES):
        couple, ages = FAMILIES[family]
        members = [f"adult{k}"]
        people[f"adult{k}"] = {"age": {year: 30}, "employment_income": {year: nlw * hours * 52}}
        if couple:
            members.append(f"partner{k}")
            people[f"partner{k}"] = {"age": {year: 30}}
        for c, age in enumerate(ages):
            members.append(f"child{k}_{c}")
            people[f"child{k}_{c}"] = {"age": {year: age}}
        # Couples are not taken to be married (no Marriage Allowance); North West (the cap outside London).
        benunits[f"unit{k}"] = {
            "members": members,
            "would_claim_uc": {year: True},
            "is_married": {year: False},
        }
        households[f"home{k}"] = {
            "members": members,
            "rent": {year: rent * 12},
            "tenure_type": {year: "RENT_FROM_COUNCIL" if rent else "OWNED_OUTRIGHT"},
            "region": {year: "NORTH_WEST"},
        }
    return {"people": people, "benunits": benunits, "households": households}


@pytest.fixture(scope="module", params=YEARS)
def policyengine(request):
    """(year, monthly UC per case, annual income tax and NI of each case's adult) from PolicyEngine UK."""
    year = request.param
    people = situation(year)["people"]
    adult = [list(people).index(f"adult{k}") for k in range(len(CASES))]
    sim = policyengine_uk.Simulation(situation=situation(year))
    uc = sim.calculate("universal_credit", year) / 12
    tax, ni = sim.calculate("income_tax", year)[adult], sim.calculate("national_insurance", year)[adult]
    return year, uc, tax, ni


def ours(year: int, family: str, rent: float, hours: float) -> tuple[float, float, float]:
    """Our monthly UC and annual income tax and employee NI for one case."""
    r = Rules.for_year(default_parameters(), year)
    couple, ages = FAMILIES[family]
    annual = r.minimum_wage_21_plus * hours * 52
    tax, ni = income_tax(annual, r), employee_ni(annual, r)
    born = [year * 12 + 3 - 12 * age for age in ages]  # month index of birth, roughly
    before = sum(b < CHILD_ELEMENT_CHANGE for b in born)
    housing = housing_element(r, False, rent, 0.0, 0, 0)
    uc = sum(uc_award(r, couple, True, len(ages), before, 0.0, housing, (annual - tax - ni) / 12))
    return uc, tax, ni


def test_universal_credit_tax_and_ni_agree_with_policyengine(policyengine):
    year, uc, tax, ni = policyengine
    differences = []
    for k, case in enumerate(CASES):
        mine = ours(year, *case)
        for name, ours_value, theirs in zip(
            ("UC", "income tax", "NI"), mine, (uc[k], tax[k], ni[k]), strict=True
        ):
            if abs(ours_value - theirs) > PENCE:
                differences.append(f"{year} {case}: {name} ours {ours_value:.2f}, PolicyEngine {theirs:.2f}")
    assert not differences, "\n".join(differences)


def test_the_grid_exercises_the_two_child_limit_and_the_benefit_cap():
    r = Rules.for_year(default_parameters(), 2025)
    assert child_elements(r, 3, 1) == pytest.approx(r.child_first_pre_2017 + r.child_other)  # limited to two
    capped = uc_award(r, True, True, 3, 1, 0.0, 500.0, 0.0)
    assert capped[5] < 0  # a workless couple with three children and rent is capped
    assert uc_award(r, True, True, 3, 1, 0.0, 500.0, 1_500.0)[5] == 0  # earnings lift the cap
