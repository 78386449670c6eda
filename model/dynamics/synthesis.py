"""Drawing residents: the initial synthetic population and the 16-year-olds who enter each month.

For each area the joint distribution follows its published figures and the model's own dynamics:

- age by the area's five-year bands from the mid-year estimates, even within a band (uniform over 16-64
  where an area has none), as it is to be at the scenario's start: a resident is drawn that much younger than
  the burn-in's months, or, where that is under 16, as old as someone leaving at 65 during the burn-in, whose
  slot's entrant then reaches that age; sex by ``demography.male_share`` (the source gives persons only);
- employment state from the area's employment, unemployment, inactivity and sickness-inactivity rates;
- each health condition with its stationary probability for the resident's area, sex, age and employment
  state (so conditions are more common out of work, as the onset hazards imply);
- residents inactive through long-term sickness always have a work-limiting condition (conditions are
  redrawn until at least one is present); other residents with k conditions are work-limiting with
  probability 1 - (1 - q)^k, q the chance that a condition episode is work-limiting;
- time out of work and job tenure geometric at the state's reference exit hazard; for the long-term sick,
  the stationary stock's distribution under that hazard with their duration dependence (:func:`sick_months`),
  at most their months since 16;
- readiness Beta-distributed around the state's target;
- pay for those in work from the area's ASHE 2023 distribution (lognormal through the median and lower
  quartile), hours part-time with the part-time share (:mod:`model.dynamics.earnings`);
- wanting work with the state's share (:mod:`model.dynamics.wanting`).

The burn-in months that follow (``simulation.burn_in_months``) let durations, health and work-limiting status
settle into the joint distribution the dynamics imply before the scenario starts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model.config.areas import AreaProfile
from model.config.parameters import Parameters
from model.config.vocabulary import CONDITIONS, EMPLOYED, INACTIVE_SICK, MH_CMD, MH_SMI
from model.core.population import AGES, ENTRY_AGE_YEARS, MAX_MONTHS, Population
from model.core.streams import stream
from model.dynamics.earnings import PayRules
from model.dynamics.employment import sick_exit_profile
from model.dynamics.health import CMD, SMI, HealthRates
from model.dynamics.readiness import ReadinessRules
from model.dynamics.wanting import WantsRules


def draw_residents(
    area: np.ndarray,
    profiles: Sequence[AreaProfile],
    params: Parameters,
    health: HealthRates,
    readiness: ReadinessRules,
    pay: PayRules,
    wanting: WantsRules,
    rng: np.random.Generator,
    age_months: np.ndarray | None = None,
) -> Population:
    """Draw residents for the given area indices (ages by the area's age bands unless ``age_months``)."""
    n = len(area)
    area = area.astype(np.uint8)
    if age_months is None:
        u, years = rng.random(n), np.empty(n, np.int64)
        for k, profile in enumerate(profiles):
            here = area == k
            years[here] = np.searchsorted(np.cumsum(profile.age_weights()), u[here], side="right")
        at_start = np.minimum(years, AGES - 1) * 12 + rng.integers(0, 12, n)  # months past 16 at the start
        burn_in = int(params["simulation.burn_in_months"])
        age_months = ENTRY_AGE_YEARS * 12 + (at_start - burn_in) % (AGES * 12)
    male = (rng.random(n) < params["demography.male_share"]).astype(np.uint8)

    cum = np.cumsum([p.state_shares() for p in profiles], axis=1)
    cum[:, -1] = 1.0
    state = (rng.random(n)[:, None] >= cum[area]).sum(axis=1).astype(np.uint8)

    group = ((area.astype(np.int64) * 2 + male) * AGES + (age_months // 12 - ENTRY_AGE_YEARS)) * 2
    group = group + (state != EMPLOYED)
    held = _draw_conditions(group, health, rng)
    sick = np.flatnonzero(state == INACTIVE_SICK)
    for _ in range(1000):
        none = sick[np.logical_and.reduce([column[sick] == 0 for column in held.values()])]
        if len(none) == 0:
            break
        for name, column in _draw_conditions(group[none], health, rng).items():
            held[name][none] = column
    else:
        raise RuntimeError("could not draw a health condition for every long-term sick resident")
    k = sum((column > 0).astype(int) for column in held.values())
    q = health.work_limiting_onset
    work_limiting = (rng.random(n) < 1 - (1 - q) ** k).astype(np.uint8)
    work_limiting[sick] = 1

    e_exit = params["employment.rates.E_U"] + params["employment.rates.E_I"]
    u_exit = params["employment.rates.U_E"] + params["employment.rates.U_I"]
    i_exit = params["employment.rates.I_E"] + params["employment.rates.I_U"]
    exit_hazard = np.array([e_exit, u_exit, i_exit, i_exit])[state]
    months = np.minimum(rng.geometric(-np.expm1(-exit_hazard)), MAX_MONTHS)
    employed = state == EMPLOYED
    initial_readiness = readiness.initial(state, rng)
    hourly, hours = pay.draw(area, work_limiting, rng.random(n), rng.random(n), entrant=False)
    wants_work = wanting.initial(state, rng)
    months[sick] = np.minimum(
        sick_months(i_exit, sick_exit_profile(params), rng.random(len(sick))),
        age_months[sick] - ENTRY_AGE_YEARS * 12 + 1,
    )
    return Population(
        area=area,
        age_months=age_months,
        male=male,
        state=state,
        months_out_of_work=np.where(employed, 0, months),
        job_tenure=np.where(employed, months, 0),
        work_limiting=work_limiting,
        readiness=initial_readiness,
        hourly_pay=np.where(employed, hourly, 0),
        hours=np.where(employed, hours, 0),
        wants_work=wants_work,
        **held,
    )


def _draw_conditions(
    group: np.ndarray, health: HealthRates, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Each condition column at its stationary probability.

    Mental health (CMD or SMI) with one uniform, then every condition with a column of its own, in registry
    order.
    """
    p = {c.key: health.prevalence[c.key].ravel()[group] for c in CONDITIONS}
    u = rng.random(len(group))
    held = {
        "mental_health": np.where(
            u < p[SMI.key], MH_SMI, np.where(u < p[SMI.key] + p[CMD.key], MH_CMD, 0)
        ).astype(np.uint8)
    }
    for c in CONDITIONS:
        if c.column != "mental_health":
            held[c.column] = (rng.random(len(group)) < p[c.key]).astype(np.uint8)
    return held


SYNTHESIS = stream("synthesis", "the initial population: ages, sexes, states, conditions, durations, pay")


def area_sizes(profiles: Sequence[AreaProfile], scale: float) -> list[int]:
    """Simulated residents per area: the published 16-64 population times ``scale``, at least one."""
    return [max(round(p.population_16_64 * scale), 1) for p in profiles]


def sick_months(exit_hazard: float, profile: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Months out of work of residents drawn inactive through long-term sickness (inverse transform of u).

    A stationary stock holds spells of length d in proportion to their survival S(d) = exp(-sum of the exit
    hazards of months 1..d-1); the hazard of month k is ``exit_hazard`` x ``profile[min(k, last)]`` (their
    duration dependence, :func:`model.dynamics.employment.sick_exit_profile`). Spells are cut at 100 years
    (the caller caps them at age).
    """
    d = np.arange(1, 1201)
    hazard = exit_hazard * profile[np.minimum(d, len(profile) - 1)]
    survival = np.exp(-np.concatenate([[0.0], np.cumsum(hazard)[:-1]]))
    cdf = np.cumsum(survival)
    return 1 + np.searchsorted(cdf / cdf[-1], u)
