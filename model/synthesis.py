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
  quartile), hours part-time with the part-time share (model/fiscal.py).

The burn-in months that follow (``simulation.burn_in_months``) let durations, health and work-limiting status
settle into the joint distribution the dynamics imply before the scenario starts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model.areas import AreaProfile
from model.fiscal import PayRules
from model.health import HealthRates
from model.parameters import Parameters
from model.population import (
    AGES,
    DTYPES,
    EMPLOYED,
    ENTRY_AGE_YEARS,
    EXIT_AGE_YEARS,
    INACTIVE_SICK,
    MAX_MONTHS,
    MH_CMD,
    MH_SMI,
    Population,
)
from model.readiness import ReadinessRules


def draw_residents(
    area: np.ndarray,
    profiles: Sequence[AreaProfile],
    params: Parameters,
    health: HealthRates,
    readiness: ReadinessRules,
    pay: PayRules,
    rng: np.random.Generator,
    age_months: np.ndarray | None = None,
) -> Population:
    """Draw residents for the given area indices (ages uniform over 16-64 unless ``age_months`` is given)."""
    n = len(area)
    area = area.astype(DTYPES["area"])
    if age_months is None:
        age_months = rng.integers(ENTRY_AGE_YEARS * 12, EXIT_AGE_YEARS * 12, n)
    male = (rng.random(n) < params["demography.male_share"]).astype(np.uint8)

    cum = np.cumsum([p.state_shares() for p in profiles], axis=1)
    cum[:, -1] = 1.0
    state = (rng.random(n)[:, None] >= cum[area]).sum(axis=1).astype(np.uint8)

    group = ((area.astype(np.int64) * 2 + male) * AGES + (age_months // 12 - ENTRY_AGE_YEARS)) * 2
    group = group + (state != EMPLOYED)
    mental, msk, other = _draw_conditions(group, health, rng)
    sick = np.flatnonzero(state == INACTIVE_SICK)
    for _ in range(1000):
        none = sick[(mental[sick] == 0) & (msk[sick] == 0) & (other[sick] == 0)]
        if len(none) == 0:
            break
        mental[none], msk[none], other[none] = _draw_conditions(group[none], health, rng)
    else:
        raise RuntimeError("could not draw a health condition for every long-term sick resident")
    k = (mental > 0).astype(int) + msk + other
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
    hourly, hours = pay.draw(area, work_limiting, rng.random(n), rng.random(n), entrant=False)  # drawn last
    columns = {
        "area": area,
        "age_months": age_months,
        "male": male,
        "state": state,
        "months_out_of_work": np.where(employed, 0, months),
        "job_tenure": np.where(employed, months, 0),
        "mental_health": mental,
        "msk": msk,
        "other_condition": other,
        "work_limiting": work_limiting,
        "readiness": initial_readiness,
        "months_limited": np.zeros(n),
        "hourly_pay": np.where(employed, hourly, 0),
        "hours": np.where(employed, hours, 0),
    }
    return Population(**{k: np.asarray(v, dtype=DTYPES[k]) for k, v in columns.items()})


def _draw_conditions(group: np.ndarray, health: HealthRates, rng: np.random.Generator):
    p = {c: health.prevalence[c].ravel()[group] for c in ("cmd", "smi", "msk", "other")}
    u = rng.random(len(group))
    mental = np.where(u < p["smi"], MH_SMI, np.where(u < p["smi"] + p["cmd"], MH_CMD, 0)).astype(np.uint8)
    msk = (rng.random(len(group)) < p["msk"]).astype(np.uint8)
    other = (rng.random(len(group)) < p["other"]).astype(np.uint8)
    return mental, msk, other


def area_sizes(profiles: Sequence[AreaProfile], scale: float) -> list[int]:
    """Simulated residents per area: the published 16-64 population times ``scale``, at least one."""
    return [max(round(p.population_16_64 * scale), 1) for p in profiles]
