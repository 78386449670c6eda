"""Household change month by month, keeping each area's household make-up steady.

A resident reaching 65 leaves their household (a partner left behind becomes a single head; a household left
without adults is emptied); the 16-year-old who takes the slot joins, as a non-dependant, a household of the
area whose child turned 16 that month (the child grows into the resident), or else heads a one-adult
household; children leave the count at 16. Then, per area: as many couples form among single heads as
leavers' couples dissolved; young adults living with parents move out (everyone by 35) while more live with
parents than at the start of the run, as many of them into shared dwellings as sharers left; and as many
children are born to women heading or partnering a family as turned 16. Who is chosen is weighted by age
(the arrangement shares, the with-parents shares, a normal fertility curve) through exponential races
(:func:`_races`). So numbers of couples, children, sharers and young adults at home hold steady: households
age and turn over, but the structure is stationary. Separation and re-partnering beyond that balance are not
modelled.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.config.areas import HousingProfile
from model.config.parameters import Parameters
from model.config.vocabulary import EMPLOYED
from model.core.population import Population
from model.core.streams import stream
from model.dynamics.household_synthesis import (
    ALONE,
    COUPLE,
    SHARING,
    age_band,
    arrangement_probabilities,
    draw_students,
    draw_tenure,
    matching_latent,
    rents,
)
from model.dynamics.households import (
    HEAD,
    MONTH_ORIGIN,
    NO_CHILD,
    NON_DEPENDANT,
    SHARER,
    workless_share,
)

RACES = (  # the month's household events, each an exponential race over its pool (see _races)
    stream("demography.partnering.men", "which single men form a couple (weighted by age)"),
    stream("demography.partnering.women", "which single women form a couple (weighted by age)"),
    stream("demography.leaving_home", "which young adults living with parents move out (weighted by age)"),
    stream("demography.births", "which women give birth (weighted by age)"),
)
RACE_SAMPLE = stream("demography.household_events", "the slots sampled for the month's household races")
MATCHING = stream("demography.partnering.match", "who pairs with whom among those forming couples")


def _leaving_weight(age: np.ndarray, params: Parameters) -> np.ndarray:
    """Relative chance that a young adult living with parents moves out, by age.

    The share of each age band's stayers gone by the next band (``households.with_parents.*``); everyone
    by 35, as synthesis assumes.
    """
    shares = [params[f"households.with_parents.age_{b}"] for b in ("16_19", "20_24", "25_29", "30_34")] + [
        0.0
    ]
    gone = [(a - b) / a if a > 0 else 1.0 for a, b in itertools.pairwise(shares)]
    return np.select([age < 18, age < 20, age < 25, age < 30, age < 35], [0.0, *gone], np.inf)


def _mothers_weight(age: np.ndarray, params: Parameters) -> np.ndarray:
    """Relative chance of a birth by the woman's age (normal shape, ``households.fertility.*``), 16-49."""
    mean, sd = params["households.fertility.mean_age"], params["households.fertility.sd_age"]
    return np.exp(-0.5 * ((age + 0.5 - mean) / sd) ** 2) * ((age >= 16) & (age < 50))


@dataclass
class Balance:
    """What keeps the households' make-up steady month to month, by area.

    Residents living with parents above the level they started the run at (young adults move out), and
    sharers below it (movers share); and the race pools' weights and the share of workless households by
    area, counted yearly (for the races' thresholds and new households' tenure).
    """

    at_home: np.ndarray
    sharers: np.ndarray
    pool_weights: np.ndarray | None = None
    workless_share: np.ndarray | None = None
    blocks: tuple[np.ndarray, np.ndarray] | None = None  # each area's slots (contiguous): starts, ends

    @classmethod
    def zero(cls, areas: int) -> Balance:
        """Both at their level."""
        return cls(np.zeros(areas, np.int64), np.zeros(areas, np.int64))


def _pool_weights(params: Parameters) -> np.ndarray:
    """Race weights by pool and single year of age (16-64).

    The share of the age and sex living in a couple (single men, single women), the leaving-home weight
    (living with parents, 18-34), the birth weight.
    """
    years = np.arange(16, 65)
    couple = arrangement_probabilities(np.concatenate([years, years]), np.repeat([1, 0], len(years)), params)
    leaving = _leaving_weight(years, params)
    return np.stack(
        [
            couple[: len(years), COUPLE],
            couple[len(years) :, COUPLE],
            np.where(np.isinf(leaving), 0.0, leaving),
            _mothers_weight(years, params),
        ]
    )


def _races(pop: Population, streams, number: int, params: Parameters, needed: np.ndarray, balance: Balance):
    """Per pool, the residents chosen by area.

    Slots in area order, each area's in race order, up to ``needed[pool, area]`` (fewer where the pool is
    smaller).

    Each pool runs an exponential race: a member with weight w (:func:`_pool_weights`, by age) has key
    -log(u) / w, and each area's smallest keys win (weighted sampling without replacement). Only keys
    below a threshold t matter, kept with probability 1 - exp(-w t), so the races are run over one lottery
    sample (stream ``demography.household_events``, probability the largest of those in each area) with
    each pool's u (stream ``<pool>``) drawn above the sample's cut: the same races, at the cost of the
    sample (:func:`model.dynamics.kernels.races`). t keeps about the residents needed plus a Poisson
    margin (from the pool's weight by area, counted yearly); where too few are kept it widens, finally to
    the whole pool.
    """
    from model.dynamics import kernels  # numba: imported with the simulation, not with validation

    weights = _pool_weights(params)
    pools, areas = len(RACES), needed.shape[1]
    if balance.blocks is None:  # areas hold contiguous blocks of slots
        starts = np.searchsorted(pop.area, np.arange(areas, dtype=pop.area.dtype))
        balance.blocks = (starts, np.append(starts[1:], len(pop)))
    starts, ends = balance.blocks
    if balance.pool_weights is None or number % 12 == 1:
        members = np.zeros((pools, areas, weights.shape[1]), np.int64)
        kernels.pool_members(pop.area, pop.male, pop.age_months, pop.role, pop.partner, members)
        balance.pool_weights = (members * weights[:, None, :]).sum(axis=2)
        balance.workless_share = workless_share(pop.households, areas)
    keys = np.array([streams.key(name, number) for name in RACES], np.uint64)
    needed = needed.astype(np.float64)
    widen = np.ones(pools)  # per pool: 1, 4, 16, then the whole pool
    chosen: list[np.ndarray | None] = [None] * pools
    while any(c is None for c in chosen):
        kept = needed + 4 * np.sqrt(needed) + 4 * (needed > 0)  # a Poisson margin: rarely too few
        finite = np.where(np.isinf(widen), 1.0, widen)
        threshold = finite[:, None] * kept / np.maximum(balance.pool_weights, 1e-12)
        threshold[np.isinf(widen)] = np.inf
        top = np.where(np.isinf(widen)[:, None], 1.0, -np.expm1(-threshold * weights.max(axis=1)[:, None]))
        pending = np.array([c is None for c in chosen])
        top = top[pending].max(axis=0)  # one sample for the pools still racing: the largest probability
        width = len(pop) if np.isinf(widen).any() else int(2 * (widen[:, None] * kept).sum(axis=1).max()) + 64
        out_slot, out_key, out_n = (
            np.empty((pools, width), np.int64),
            np.empty((pools, width)),
            np.zeros(pools, np.int64),
        )
        kernels.races(
            streams.key(RACE_SAMPLE, number),
            keys,
            starts,
            ends,
            top,
            np.where(pending[:, None], threshold, -1.0),
            weights,
            pop.area,
            pop.male,
            pop.age_months,
            pop.role,
            pop.partner,
            out_slot,
            out_key,
            out_n,
        )
        for p in np.flatnonzero(pending):
            n = out_n[p]
            slots = out_slot[p, :n][np.lexsort((out_key[p, :n], pop.area[out_slot[p, :n]]))]
            have = np.bincount(pop.area[slots], minlength=areas)
            if ((have >= needed[p]).all() and n < width) or np.isinf(widen[p]):
                chosen[p] = _first_per_area(slots, pop.area, needed[p].astype(np.int64))
            else:
                widen[p] = widen[p] * 4 if widen[p] < 16 else np.inf
    return chosen


def _first_per_area(slots: np.ndarray, area: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The first ``counts[a]`` of ``slots`` (in area order) in each area a."""
    where = area[slots].astype(np.int64)
    return slots[np.arange(len(slots)) - np.searchsorted(where, where) < counts[where]]


def leave(pop: Population, slots: np.ndarray, areas: int, balance: Balance) -> np.ndarray:
    """Residents in ``slots`` (reaching 65) leave their households, before their slots are reused.

    Returns the couples so dissolved, by area (and keeps ``balance``).
    """
    from model.dynamics import kernels  # numba: imported with the simulation, not with validation

    changes = np.zeros((areas, 3), np.int64)
    kernels.leave_households(
        slots.astype(np.int64), pop.area, pop.state, *pop.households.links(pop), NO_CHILD, changes
    )
    balance.at_home -= changes[:, 1]
    balance.sharers -= changes[:, 2]
    return changes[:, 0]


def change(
    pop: Population,
    entrants: np.ndarray,
    dissolved: np.ndarray,
    forced: np.ndarray,
    balance: Balance,
    housing: Sequence[HousingProfile],
    params: Parameters,
    streams,
    number: int,
    index: int,
    rng: np.random.Generator,
) -> None:
    """A month of household change after the entrants took the leavers' slots (module docstring).

    Children reaching 16 leave the count and entrants join those households, as many couples form as
    leavers dissolved, non-dependants reaching 35 (``forced``) and young adults move out until as many
    live with parents as at the start of the run, as many of them share as sharers left (``balance`` keeps
    both), and as many children are born as turned 16.
    """
    from model.dynamics import kernels  # numba: imported with the simulation, not with validation

    hh = pop.households
    areas = len(housing)
    turned = np.empty(len(hh), np.int64)
    turned_area = np.empty(len(hh), np.int64)
    n_turned = kernels.age_children(
        hh.children, hh.area, hh.head, index, NO_CHILD, MONTH_ORIGIN, turned, turned_area
    )
    births = np.bincount(turned_area[:n_turned], minlength=areas)
    joined = np.zeros(areas, np.int64)
    free = np.flatnonzero(hh.head < 0)  # records for new households this month
    wanted = len(entrants) + int(dissolved.sum()) + len(forced) + areas * 64
    if len(free) < wanted:
        hh = pop.households = hh.reserve(wanted, free)
        free = np.flatnonzero(hh.head < 0)
    if len(entrants):
        entrant_age = pop.age_months[entrants].astype(np.int64) // 12
        pop.student[entrants] = draw_students(entrant_age, pop.state[entrants], params, rng)
        used = kernels.join_households(
            entrants.astype(np.int64),
            pop.area,
            pop.state,
            turned[:n_turned],
            turned_area[:n_turned],
            areas,
            free,
            *hh.links(pop),
            NO_CHILD,
            hh.tenure,
            hh.rent,
            hh.bedrooms,
            hh.band,
            hh.area,
            joined,
        )
        free = free[used:]
        balance.at_home += joined

    def age(slots: np.ndarray) -> np.ndarray:
        return pop.age_months[slots].astype(np.int64) // 12

    def employed(slots: np.ndarray) -> np.ndarray:
        return pop.state[slots] == EMPLOYED

    forced = forced[pop.role[forced] == NON_DEPENDANT]
    forced_by_area = np.bincount(pop.area[forced], minlength=areas)
    needed = np.stack([dissolved, dissolved, np.maximum(balance.at_home - forced_by_area, 0), births])
    single_men, single_women, at_home, mothers = _races(pop, streams, number, params, needed, balance)

    # Partnering: as many couples form per area as leavers dissolved, between adults heading a home alone.
    pairs = np.minimum(
        np.bincount(pop.area[single_men], minlength=areas),
        np.bincount(pop.area[single_women], minlength=areas),
    )
    men, women = _first_per_area(single_men, pop.area, pairs), _first_per_area(single_women, pop.area, pairs)
    if len(men):
        match = streams.uniform_at(MATCHING, number, np.concatenate([men, women]))
        key_m = age_band(age(men) - 2, range(20, 65, 5)) + matching_latent(
            employed(men), match[: len(men)], params
        )
        key_w = age_band(age(women), range(20, 65, 5)) + matching_latent(
            employed(women), match[len(men) :], params
        )
        promoted = np.zeros(areas, np.int64)
        kernels.pair_up(
            men[np.lexsort((key_m, pop.area[men]))].astype(np.int64),
            women[np.lexsort((key_w, pop.area[women]))].astype(np.int64),
            pop.area,
            pop.state,
            *hh.links(pop),
            NO_CHILD,
            promoted,
        )
        balance.at_home -= promoted

    # Leaving home: everyone living with parents at 35, and young adults while more live with parents than
    # at the start of the run; as many of them share as sharers have left.
    at_home = at_home[pop.role[at_home] == NON_DEPENDANT]  # (partnering may have made one a head)
    leaving = _first_per_area(at_home, pop.area, np.maximum(balance.at_home - forced_by_area, 0))
    movers = np.concatenate([forced, leaving])
    movers = movers[np.argsort(pop.area[movers], kind="stable")]
    where = pop.area[movers]
    sharing = np.arange(len(movers)) - np.searchsorted(where, where) < np.maximum(-balance.sharers, 0)[where]
    balance.at_home -= np.bincount(where, minlength=areas)
    balance.sharers += np.bincount(where[sharing], minlength=areas)
    if len(movers):
        if len(free) < len(movers):
            hh = pop.households = hh.reserve(len(movers), free)
            free = np.flatnonzero(hh.head < 0)
        kind = np.where(sharing, SHARING, ALONE)
        tenure = draw_tenure(where, kind, ~employed(movers), housing, params, rng, balance.workless_share)
        bedrooms = np.where(sharing, 0, 1)
        kernels.move_out(
            movers.astype(np.int64),
            pop.area,
            pop.state,
            *hh.links(pop),
            NO_CHILD,
            free,
            hh.area,
            hh.tenure,
            hh.rent,
            hh.bedrooms,
            hh.band,
            np.where(sharing, SHARER, HEAD).astype(np.uint8),
            tenure.astype(np.uint8),
            rents(where, tenure, bedrooms, housing, params).astype(np.float32),
            bedrooms.astype(np.uint8),
        )

    # Births: as many per area as children turned 16, to women heading or partnering a family.
    kernels.give_birth(mothers.astype(np.int64), hh.children, pop.household, index, NO_CHILD, MONTH_ORIGIN)
