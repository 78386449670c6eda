"""Household synthesis: every resident placed in a household after the burn-in, per area.

From national figures in ``households.*`` and the area's housing figures (:class:`HousingProfile`):

1. each resident's living arrangement is drawn by age and sex: with parents (ONS 2011/2013 for 20-34), alone
   (Census 2011 for 16-24 and 50-64), sharing (ONS 2011 for 20-34), lone parent (ONS 2011 for women 20-34), or
   in a couple (the rest); living alone and lone parenthood are more likely out of work (fitted odds ratios);
2. couples pair men and women by the quantile of a latent that ranks age band first and, within it, employment
   with weight ``households.partner_employment_correlation`` (fitted to the UK share of workless households),
   so that workless households are concentrated as in the data; unmatched residents live alone;
3. couples (by the woman's age) and lone parents get dependent children (counts from the UK 2024 shares),
   aged uniformly between 0 and 15 (no older than the parent's age less 17);
4. residents under 35 living with parents join a family household whose head is at least 18 years older;
   sharers pair into dwellings of two;
5. tenure is drawn from the area's shares with social renting tilted towards workless households
   (``households.social_rent_odds_workless``, fitted); rent from the area's private rent for the dwelling's
   size (VOA 2021-22, grown by ``housing.private_rent_growth``) or the social rent; council tax band A or B
   by the area's dwelling shares, otherwise C;
6. residents aged 16-24 are full-time students with the shares by employment state (House of Commons
   Library, 2013); student status ends at 25.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from model.config.areas import ROOM_SIZES, HousingProfile
from model.config.parameters import Parameters
from model.config.vocabulary import EMPLOYED, INACTIVE_OTHER, UNEMPLOYED
from model.core.population import Population
from model.core.streams import stream
from model.dynamics.households import (
    MAX_CHILDREN,
    MONTH_ORIGIN,
    MORTGAGE,
    NO_CHILD,
    NON_DEPENDANT,
    OWNED_OUTRIGHT,
    PARTNER,
    PRIVATE_RENT,
    SHARER,
    SOCIAL_RENT,
    STUDENT_UNTIL,
    Households,
)

HOUSEHOLDS = stream("synthesis.households", "living arrangements, pairing, children, tenure and bands")

# Living arrangements drawn in synthesis.
WITH_PARENTS, ALONE, SHARING, LONE_PARENT, COUPLE = range(5)


def age_band(age_years: np.ndarray, edges: Sequence[int]) -> np.ndarray:
    """Index of each age's band between ``edges`` (0 below the first)."""
    return np.searchsorted(np.asarray(edges), age_years, side="right")


def arrangement_probabilities(age: np.ndarray, male: np.ndarray, params: Parameters) -> np.ndarray:
    """Probability of each living arrangement (residents, 5), from ``households.*`` (module docstring)."""
    years = np.arange(16, 65)
    table = _arrangements(np.concatenate([years, years]), np.repeat([0, 1], len(years)), params)
    return table.reshape(2, len(years), 5)[male, np.asarray(age) - 16]


def _arrangements(age: np.ndarray, male: np.ndarray, params: Parameters) -> np.ndarray:
    p = params
    n = len(age)
    probs = np.zeros((n, 5))
    parents = np.select(
        [age < 20, age < 25, age < 30, age < 35],
        [p[f"households.with_parents.age_{b}"] for b in ("16_19", "20_24", "25_29", "30_34")],
        0.0,
    )
    r = p["households.with_parents.male_ratio"]
    probs[:, WITH_PARENTS] = np.minimum(parents * np.where(male == 1, 2 * r / (1 + r), 2 / (1 + r)), 0.99)
    probs[:, ALONE] = np.select(
        [age < 25, age < 50],
        [p["households.living_alone.age_16_24"], p["households.living_alone.age_25_49"]],
        p["households.living_alone.age_50_64"],
    )
    young = (age >= 20) & (age < 35)
    probs[:, SHARING] = np.where(
        young,
        np.where(male == 1, p["households.sharing.age_20_34_men"], p["households.sharing.age_20_34_women"]),
        np.where(age < 20, 0.0, p["households.sharing.other_ages"]),
    )
    women = np.select(
        [age < 20, age < 35, age < 50, age < 55],
        [0.0, p["households.lone_parent.women_20_34"], p["households.lone_parent.women_35_49"], 0.03],
        0.0,
    )
    fathers = p["households.lone_parent.father_share"]
    probs[:, LONE_PARENT] = np.where(male == 1, women * fathers / (1 - fathers), women)
    probs[:, COUPLE] = np.maximum(1 - probs[:, :COUPLE].sum(axis=1), 0.0) * (age >= 18)
    return probs / probs.sum(axis=1, keepdims=True)


def _arrangement_table(age: np.ndarray, male: np.ndarray, employed: np.ndarray, params: Parameters):
    """Cumulative arrangement probabilities by sex, single year of age (16-64) and employment (2, 49, 2, 5).

    Living alone and lone parenthood are more likely out of work (odds ratios
    ``households.alone_odds_workless`` and ``households.lone_parent_odds_workless``), keeping each age and
    sex's shares as :func:`arrangement_probabilities` gives them; the other arrangements share the rest in
    their proportions. The residents (``age`` in years, ``male``, ``employed``) give each cell's share out of
    work.
    """
    years = np.arange(16, 65)
    base = arrangement_probabilities(np.tile(years, 2), np.repeat([0, 1], len(years)), params)
    cell = male.astype(np.int64) * len(years) + age - 16
    residents = np.bincount(cell, minlength=2 * len(years))
    out_share = np.bincount(cell, ~employed, minlength=2 * len(years)) / np.maximum(residents, 1)
    table = np.empty((2 * len(years), 2, 5))
    others = [WITH_PARENTS, SHARING, COUPLE]
    for c in range(2 * len(years)):
        rest = np.ones(2)
        for kind, odds in ((ALONE, "alone"), (LONE_PARENT, "lone_parent")):
            p_out, p_in = _tilted(base[c, kind], out_share[c], params[f"households.{odds}_odds_workless"])
            table[c, :, kind] = (p_out, p_in)  # by employed: 0 out of work, 1 in work
            rest -= table[c, :, kind]
        total = base[c, others].sum()
        for kind in others:
            table[c, :, kind] = rest * (base[c, kind] / total if total > 0 else 0.0)
    return np.cumsum(table, axis=2).reshape(2, len(years), 2, 5)


def matching_latent(employed: np.ndarray, u: np.ndarray, params: Parameters) -> np.ndarray:
    """The latent partners are paired on, within an age band, in (0, 1).

    A standard normal correlated ``households.partner_employment_correlation`` with (standardised)
    employment, through its CDF.
    """
    rho = params["households.partner_employment_correlation"]
    z = ndtri(np.clip(np.asarray(u, np.float64), 1e-12, 1 - 1e-12))
    return ndtr(rho * (2 * employed - 1) + np.sqrt(1 - rho**2) * z) * (1 - 1e-9)


def _pair(men: np.ndarray, women: np.ndarray, key_m: np.ndarray, key_w: np.ndarray) -> tuple:
    """Pair by the quantile of a sorting key; the longer list's unmatched members are returned last."""
    men, women = men[np.argsort(key_m, kind="stable")], women[np.argsort(key_w, kind="stable")]
    short, long_ = (men, women) if len(men) <= len(women) else (women, men)
    k = len(short)
    if k == 0:
        return men[:0], women[:0], long_
    at = (np.arange(k) * len(long_)) // k
    matched = np.zeros(len(long_), bool)
    matched[at] = True
    partners = long_[at]
    pairs = (short, partners) if len(men) <= len(women) else (partners, short)
    return pairs[0], pairs[1], long_[~matched]


def _children_counts(n: int, params: Parameters, rng: np.random.Generator) -> np.ndarray:
    one, two = params["households.children.one"], params["households.children.two"]
    three = (1 - one - two) * params["households.children.three_share_of_three_plus"]
    cum = np.cumsum([one, two, three])
    return 1 + (rng.random(n)[:, None] >= cum).sum(axis=1)


def _tilted(share: float, workless: float, odds: float) -> tuple[float, float]:
    """Probabilities for the workless and for the others that give ``share`` overall.

    When a ``workless`` fraction of the group has ``odds`` times the others' odds.
    """
    if share <= 0 or share >= 1 or workless <= 0 or workless >= 1:
        return share, share

    def overall(p_working: float) -> float:
        o = odds * p_working / (1 - p_working)
        return workless * o / (1 + o) + (1 - workless) * p_working - share

    p_working = brentq(overall, 1e-9, 1 - 1e-9)
    o = odds * p_working / (1 - p_working)
    return o / (1 + o), p_working


def synthesise(
    pop: Population,
    housing: Sequence[HousingProfile],
    params: Parameters,
    rng: np.random.Generator,
    month_index: int,
) -> Households:
    """Group every resident into a household (sets household, role, partner, student) and build them."""
    n = len(pop)
    age = pop.age_months // 12
    employed = pop.state == EMPLOYED
    cumulative = _arrangement_table(age.astype(np.int64), pop.male, employed, params)
    u = rng.random(n)
    arrangement = np.zeros(n, np.int8)
    for kind in range(4):  # one category at a time: no (residents, arrangements) temporaries
        arrangement += u >= cumulative[pop.male, age - 16, employed.view(np.int8), kind]
    del u
    heads, partners, kinds = [], [], []  # per family household: head slot, partner slot (-1), kind
    for a in range(len(housing)):
        here = np.flatnonzero(pop.area == a)
        couple = here[arrangement[here] == COUPLE]
        latent = matching_latent(employed[couple], rng.random(len(couple)), params)
        is_man = pop.male[couple] == 1
        men, women = couple[is_man], couple[~is_man]
        # Age band (men a couple of years older) first, then the employment latent within it.
        key_m = age_band(age[men] - 2, range(20, 65, 5)) + latent[is_man]
        key_w = age_band(age[women], range(20, 65, 5)) + latent[~is_man]
        m, w, single = _pair(men, women, key_m, key_w)
        arrangement[single] = ALONE
        heads.append(m)
        partners.append(w)
        kinds.append(np.full(len(m), COUPLE))
        for kind in (LONE_PARENT, ALONE):
            who = here[arrangement[here] == kind]
            heads.append(who)
            partners.append(np.full(len(who), -1))
            kinds.append(np.full(len(who), kind))
        # Adults of 35 and over living with (pensioner) parents head a one-adult household.
        older = here[(arrangement[here] == WITH_PARENTS) & (age[here] >= 35)]
        arrangement[older] = ALONE
        heads.append(older)
        partners.append(np.full(len(older), -1))
        kinds.append(np.full(len(older), ALONE))
    head = np.concatenate(heads).astype(np.int64)
    partner = np.concatenate(partners).astype(np.int64)
    kind = np.concatenate(kinds)
    family = len(head)

    # Children: couples by the woman's age, lone parents always; ages uniform up to 15 (parent's age - 17).
    mother = np.where(partner >= 0, partner, head)
    mother_age = age[mother]
    p_children = np.select(
        [mother_age < 30, mother_age < 45, mother_age < 55],
        [params[f"households.children.couple_with_children_{b}"] for b in ("16_29", "30_44", "45_54")],
        0.0,
    )
    has = np.where(kind == LONE_PARENT, True, (kind == COUPLE) & (rng.random(family) < p_children))
    count = np.where(has, _children_counts(family, params, rng), 0)
    months = (np.clip(mother_age - 17, 0, 15).astype(np.float32) + 1) * 12  # oldest possible child, in months
    del mother, mother_age, p_children, has
    children = (rng.random((family, MAX_CHILDREN), np.float32) * months[:, None]).astype(np.int16)  # ages
    np.subtract(np.int16(month_index - MONTH_ORIGIN), children, out=children)  # birth months
    children[np.arange(MAX_CHILDREN)[None, :] >= count[:, None]] = NO_CHILD
    children.sort(axis=1)
    del months, count

    # Young adults with parents join a family household whose head is at least 18 years older; sharers pair.
    household = np.full(n, -1, np.int32)
    role = np.zeros(n, np.uint8)
    household[head] = np.arange(family)
    household[partner[partner >= 0]] = np.flatnonzero(partner >= 0)
    role[partner[partner >= 0]] = PARTNER
    parent_homes = np.flatnonzero(kind != ALONE)
    next_id = family
    extra_heads, extra_kinds = [], []
    for a in range(len(housing)):
        homes = parent_homes[pop.area[head[parent_homes]] == a]
        homes = homes[np.argsort(age[head[homes]], kind="stable")]
        home_age = age[head[homes]]
        young = np.flatnonzero((pop.area == a) & (arrangement == WITH_PARENTS) & (household < 0))
        lowest = np.searchsorted(home_age, age[young] + 18)
        found = lowest < len(homes)
        pick = lowest + np.floor(rng.random(len(young)) * (len(homes) - lowest)).astype(np.int64)
        household[young[found]] = homes[pick[found]]
        role[young[found]] = NON_DEPENDANT
        alone = young[~found]  # no household old enough to be their parents': they live alone
        household[alone] = next_id + np.arange(len(alone))
        next_id += len(alone)
        extra_heads.append(alone)
        extra_kinds.append(np.full(len(alone), ALONE))
        sharers = np.flatnonzero((pop.area == a) & (arrangement == SHARING))
        sharers = sharers[rng.permutation(len(sharers))]
        first, second = sharers[0::2], sharers[1::2]  # two to a dwelling; an odd one out alone
        household[first] = next_id + np.arange(len(first))
        household[second] = next_id + np.arange(len(second))
        role[sharers] = SHARER
        next_id += len(first)
        extra_heads.append(first)
        extra_kinds.append(np.full(len(first), SHARING))
    extra = np.concatenate(extra_heads).astype(np.int64)
    head = np.concatenate([head, extra])
    kind = np.concatenate([kind, np.concatenate(extra_kinds)])
    children = np.concatenate([children, np.full((len(extra), MAX_CHILDREN), NO_CHILD, np.int16)])
    total = len(head)
    partner_of = np.full(n, -1, np.int32)
    couples = np.flatnonzero(partner >= 0)
    partner_of[head[couples]] = partner[couples]
    partner_of[partner[couples]] = head[couples]

    area = pop.area[head].astype(np.uint8)
    adults = np.bincount(household, minlength=total)
    in_work = np.bincount(household, employed, minlength=total)
    workless = in_work == 0
    share = np.bincount(area, workless, len(housing)) / np.maximum(
        np.bincount(area, minlength=len(housing)), 1
    )
    tenure = draw_tenure(area, kind, workless, housing, params, rng, share)
    nondeps = np.bincount(household, role == NON_DEPENDANT, minlength=total)
    kids = (children != NO_CHILD).sum(axis=1)
    bedrooms = np.where(kind == SHARING, 0, np.minimum(1 + nondeps + (kids + 1) // 2, 4)).astype(np.int64)
    rent = rents(area, tenure, bedrooms, housing, params)
    u = rng.random(total)
    a_share = np.array([h.band_a_share for h in housing])[area]
    b_share = np.array([h.band_b_share for h in housing])[area]
    band = np.where(u < a_share, 0, np.where(u < a_share + b_share, 1, 2))
    pop.student[:] = draw_students(age, pop.state, params, rng)
    # Members of a household take neighbouring slots (within their area's block), households numbered in
    # slot order: the monthly passes then read and write households nearly in sequence.
    order = np.lexsort((household, pop.area)).astype(np.int32)
    inverse = np.empty(n, np.int32)
    inverse[order] = np.arange(n)
    for _, column_values in pop.columns():
        column_values[:] = column_values[order]
    household, role, partner_of = household[order], role[order], partner_of[order]
    partner_of = np.where(partner_of >= 0, inverse[np.maximum(partner_of, 0)], -1)
    starts = np.concatenate([[True], household[1:] != household[:-1]])
    old_ids = household[starts]  # in slot order
    renumber = np.empty(total, np.int64)
    renumber[old_ids] = np.arange(total)
    household = renumber[household]
    head = inverse[head[old_ids]]
    area, tenure, band, bedrooms, rent = (
        area[old_ids],
        tenure[old_ids],
        band[old_ids],
        bedrooms[old_ids],
        rent[old_ids],
    )
    adults, in_work, children = adults[old_ids], in_work[old_ids], children[old_ids]
    pop.household[:] = household
    pop.role[:] = role
    pop.partner[:] = partner_of
    slots = np.arange(n)
    pop.next_member[:] = np.where(np.append(household[1:] == household[:-1], False), slots + 1, -1)
    capacity = int(total * 1.1) + 16  # room for households formed later (entrants heading their own)
    grow = capacity - total
    first_member = np.full(capacity, -1, np.int64)
    first_member[household[starts]] = slots[starts]
    return Households(
        area=np.concatenate([area, np.zeros(grow, np.uint8)]),
        tenure=np.concatenate([tenure, np.zeros(grow, np.uint8)]).astype(np.uint8),
        band=np.concatenate([band, np.zeros(grow)]).astype(np.uint8),
        bedrooms=np.concatenate([bedrooms, np.zeros(grow)]).astype(np.uint8),
        rent=np.concatenate([rent, np.zeros(grow)]).astype(np.float32),
        head=np.concatenate([head, np.full(grow, -1)]).astype(np.int32),
        adults=np.concatenate([adults, np.zeros(grow)]).astype(np.uint8),
        workers=np.concatenate([in_work, np.zeros(grow)]).astype(np.uint8),
        children=np.concatenate([children, np.full((grow, MAX_CHILDREN), NO_CHILD, np.int16)]),
        first_member=first_member.astype(np.int32),
    )


def draw_students(
    age: np.ndarray, state: np.ndarray, params: Parameters, rng: np.random.Generator
) -> np.ndarray:
    """Full-time students among residents aged 16-24, with the shares by employment state."""
    by_state = np.zeros(4, np.float32)
    for state_index, name in (
        (INACTIVE_OTHER, "inactive"),
        (EMPLOYED, "employed"),
        (UNEMPLOYED, "unemployed"),
    ):
        by_state[state_index] = params[f"households.students.{name}_16_24"]
    return ((age < STUDENT_UNTIL) & (rng.random(len(age), np.float32) < by_state[state])).astype(np.uint8)


def draw_tenure(area, kind, workless, housing, params, rng, workless_share) -> np.ndarray:
    """Tenure per household.

    The area's shares, social renting tilted towards workless households (the area's share of which is
    ``workless_share``).
    """
    odds = params["households.social_rent_odds_workless"]
    tenure = np.empty(len(area), np.int64)
    u = rng.random(len(area))
    for a, profile in enumerate(housing):
        here = area == a
        owned, mortgage, social, private = profile.tenure
        total = owned + mortgage + social + private
        p_workless, p_working = _tilted(social / total, workless_share[a], odds)
        p_social = np.where(workless[here], p_workless, p_working)
        rest = np.cumsum(np.array([owned, mortgage, private]) / (owned + mortgage + private))[:-1]
        other = np.array([OWNED_OUTRIGHT, MORTGAGE, PRIVATE_RENT])[
            (rng.random(here.sum())[:, None] >= rest).sum(axis=1)
        ]
        tenure[here] = np.where(u[here] < p_social, SOCIAL_RENT, other)
    return np.where(kind == SHARING, PRIVATE_RENT, tenure)


def rents(area, tenure, bedrooms, housing, params) -> np.ndarray:
    """Monthly rent at 2024/25 prices: private by the dwelling's size, social by bedrooms; owners none."""
    growth = (1 + params["housing.private_rent_growth"]) ** 3  # 2021-22 to 2024/25
    private = np.array([h.private_rent for h in housing]) * growth  # (areas, sizes)
    private_rent = private[area, np.minimum(bedrooms, len(ROOM_SIZES) - 1)]
    step = params["housing.social_rent_bedroom_step"]
    social_rent = params["housing.social_rent_weekly"] * 52 / 12 * (1 + step * (np.maximum(bedrooms, 1) - 2))
    return np.select([tenure == PRIVATE_RENT, tenure == SOCIAL_RENT], [private_rent, social_rent], 0.0)
