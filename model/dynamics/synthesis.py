"""Drawing residents: the initial synthetic population and the 16-year-olds who enter each month.

For each area the joint distribution follows its published figures and the model's own dynamics:

- age uniform over 16-64 (assumption: no single-year age data in the sources) and sex by
  ``demography.male_share``;
- employment state from the area's employment, unemployment, inactivity and sickness-inactivity rates;
- each health condition with its stationary probability for the resident's area, sex, age and employment
  state (so conditions are more common out of work, as the onset hazards imply);
- residents inactive through long-term sickness always have a work-limiting condition (conditions are
  redrawn until at least one is present); other residents with k conditions are work-limiting with
  probability 1 - (1 - q)^k, q the chance that a condition episode is work-limiting;
- time out of work and job tenure geometric at the state's reference exit hazard;
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
from model.core.population import AGES, ENTRY_AGE_YEARS, EXIT_AGE_YEARS, MAX_MONTHS, Population
from model.core.streams import stream
from model.dynamics.earnings import PayRules
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
    """Draw residents for the given area indices (ages uniform over 16-64 unless ``age_months`` is given)."""
    n = len(area)
    area = area.astype(np.uint8)
    if age_months is None:
        age_months = rng.integers(ENTRY_AGE_YEARS * 12, EXIT_AGE_YEARS * 12, n)
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
    wants_work = wanting.initial(state, rng)  # drawn last: every earlier draw is as before it existed
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
