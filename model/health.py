"""Health conditions: monthly onset and recovery, and work-limiting status.

Conditions (a resident can have several): common mental disorder (CMD) or severe mental illness (SMI) in one
``mental_health`` state, musculoskeletal (back pain), and other long-term conditions.

Rates are derived from published prevalence and incidence so that each area's prevalence is stationary:

- Recovery is area-independent: CMD recovery = incidence / prevalence (Dykxhoorn et al. 2023 incidence, APMS
  2014 prevalence, about 0.47 a year); SMI exit likewise (Hardoon et al. 2013; QOF 2019/20); back pain from
  the 25% completely recovered at 12 months (Croft et al. 1998); other conditions by assumption.
- Onset is solved per area, sex and single year of age so that the stationary prevalence, averaged over the
  area's employed and out-of-work residents (onset raised by ``onset_hr_workless`` out of work), equals the
  target: national prevalence x the area's depression-register index (CMD), x the sex gradient (CMD, MSK), x
  the age gradient (MSK, with the cohort drift along the gradient added to onset).
- Work-limiting status: a new condition episode makes a resident work-limiting with probability
  ``health.work_limiting.onset_probability`` (fitted to the 24% disabled share of the working-age population);
  it ends when the resident has no condition left.

Programme effects multiply the recovery probabilities of the residents they touch (``recovery``, sparse).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from model.areas import AreaProfile
from model.modifiers import combine
from model.parameters import Parameters
from model.population import AGES, EMPLOYED, ENTRY_AGE_YEARS, MAX_MONTHS, MH_CMD, MH_NONE, MH_SMI, Population

CONDITIONS = ("cmd", "smi", "msk", "other")


def _prob(monthly_hazard: float | np.ndarray) -> float | np.ndarray:
    return -np.expm1(-np.asarray(monthly_hazard, dtype=float))


def solve_onset(target: np.ndarray, recovery: np.ndarray, employed_share: np.ndarray, hr_workless: float):
    """Monthly onset probability (employed) making the stationary prevalence equal ``target``.

    For a two-state condition with onset probability b (employed), h*b (out of work) and recovery probability
    r, the stationary prevalence averaged over employed share e is e*b/(b+r) + (1-e)*hb/(hb+r). Setting it to
    P gives h(1-P) b^2 + r(e + (1-e)h - P(1+h)) b - P r^2 = 0, whose positive root is returned.
    """
    target = np.clip(np.asarray(target, dtype=float), 1e-9, 1 - 1e-9)
    e = np.asarray(employed_share, dtype=float)
    r = np.asarray(recovery, dtype=float)
    h = float(hr_workless)
    a = h * (1 - target)
    b = r * (e + (1 - e) * h - target * (1 + h))
    c = -target * r**2
    return (-b + np.sqrt(b**2 - 4 * a * c)) / (2 * a)


@dataclass(frozen=True)
class HealthRates:
    """Monthly health transition probabilities.

    Onset and prevalence tables have shape (areas, sex, single year of age, out of work) and are indexed with
    :func:`group_index`. Prevalence tables give the stationary probability of each condition, used to draw
    the initial population.
    """

    onset: Mapping[str, np.ndarray]
    prevalence: Mapping[str, np.ndarray]
    recovery: Mapping[str, float]
    work_limiting_onset: float
    onset_by_group: np.ndarray  # (groups, 4): onset of CONDITIONS in order, one gather per month

    @classmethod
    def build(cls, profiles: Sequence[AreaProfile], params: Parameters) -> HealthRates:
        """Derive the rates for the run's areas (see the module docstring for the derivation)."""
        n = len(profiles)
        male = params["demography.male_share"]
        ages = np.arange(ENTRY_AGE_YEARS, ENTRY_AGE_YEARS + AGES, dtype=float)
        shape = (n, 2, AGES, 2)
        employed = np.array([p.state_shares()[0] for p in profiles])[:, None, None]

        # Targets by area, sex and age (before the out-of-work split), and cohort drift per month.
        cmd = params["health.cmd.prevalence"]
        women, men = params["health.cmd.prevalence_women"], params["health.cmd.prevalence_men"]
        cmd_sex = np.array([women, men]) / ((1 - male) * women + male * men)
        index = np.array([p.depression_register_index for p in profiles])
        targets = {
            "cmd": cmd * index[:, None, None] * cmd_sex[None, :, None] * np.ones((n, 2, AGES)),
            "smi": np.full((n, 2, AGES), params["health.smi.prevalence"]),
        }
        lo, hi = (
            params["health.msk.broad_prevalence_age_20_34"],
            params["health.msk.broad_prevalence_age_75_84"],
        )
        slope = (hi - lo) / (79.5 - 27.0)
        age_shape = lo + slope * (ages - 27.0)
        bw, bm = params["health.msk.broad_prevalence_women"], params["health.msk.broad_prevalence_men"]
        msk_sex = np.array([bw, bm]) / ((1 - male) * bw + male * bm)
        msk_scale = params["health.msk.prevalence"] / age_shape.mean()
        targets["msk"] = msk_scale * msk_sex[None, :, None] * age_shape[None, None, :] * np.ones((n, 1, 1))
        drift = {"msk": msk_scale * msk_sex[None, :, None] * slope / 12 * np.ones((n, 1, AGES))}
        other = 1 - (1 - params["health.other.any_condition_prevalence"]) / (
            (1 - cmd) * (1 - params["health.msk.prevalence"])
        )
        targets["other"] = np.full((n, 2, AGES), max(other, 0.0))

        recovery = {
            "cmd": float(_prob(params["health.cmd.incidence"] / cmd / 12)),
            "smi": float(_prob(params["health.smi.incidence"] / params["health.smi.prevalence"] / 12)),
            "msk": 1 - (1 - params["health.msk.recovery_12m"]) ** (1 / 12),
            "other": 1 - (1 - params["health.other.recovery_per_year"]) ** (1 / 12),
        }
        onset, prevalence = {}, {}
        for c in CONDITIONS:
            hr = params[f"health.{c}.onset_hr_workless"]
            target = np.clip(targets[c], 1e-9, 0.95)
            # Cohort drift: onset must also supply the rise in prevalence with age (zero where flat).
            effective_recovery = recovery[c] + drift.get(c, 0.0) / target
            base = solve_onset(target, effective_recovery, employed, hr)
            on = np.empty(shape)
            on[..., 0], on[..., 1] = base, np.minimum(base * hr, 1.0)
            onset[c] = on.astype(np.float32)
            prevalence[c] = on / (on + effective_recovery[..., None])
        stacked = np.stack([onset[c].ravel() for c in CONDITIONS], axis=1)
        return cls(onset, prevalence, recovery, params["health.work_limiting.onset_probability"], stacked)


def group_index(pop: Population) -> np.ndarray:
    """Flat index into the (area, sex, age, out-of-work) tables for every resident (computed in place)."""
    g = pop.area.astype(np.int32)
    g *= 2
    g += pop.male
    g *= AGES
    g += pop.age_months // 12
    g -= ENTRY_AGE_YEARS
    g *= 2
    g += pop.state != EMPLOYED
    return g


def step(
    pop: Population,
    rates: HealthRates,
    draws: Mapping[str, np.ndarray],
    recovery: Mapping[str, Sequence[tuple[np.ndarray, np.ndarray]]] | None = None,
) -> np.ndarray:
    """Advance every resident's health by one month.

    Args:
        pop: the population, changed in place.
        rates: the run's health rates.
        draws: one uniform per resident for each of "mental", "msk", "other", "work_limiting".
        recovery: programme effects as (slots, multipliers) on recovery probabilities, by condition ("cmd",
            "msk", "other"); everyone else recovers at the condition's rate.

    Returns:
        Mask of residents who became work-limiting this month.

    """
    effects = {name: combine(list(v)) for name, v in (recovery or {}).items() if v}
    onset_p = np.take(rates.onset_by_group, group_index(pop), axis=0)
    mh = pop.mental_health
    u = draws["mental"]
    p_cmd, p_smi = onset_p[:, 0], onset_p[:, 1]
    p_cmd_rec, p_smi_exit = np.float32(rates.recovery["cmd"]), np.float32(rates.recovery["smi"])
    none, cmd, smi = mh == MH_NONE, mh == MH_CMD, mh == MH_SMI
    to_cmd = none & (u < p_cmd)
    cmd_to_smi = cmd & (u >= p_cmd_rec) & (u < p_cmd_rec + p_smi)
    recovered = (cmd & (u < p_cmd_rec)) | (smi & (u < p_smi_exit))
    if "cmd" in effects:
        slots, factor = effects["cmd"]
        p = np.minimum(p_cmd_rec * factor, np.float32(1))
        c, uu = cmd[slots], u[slots]
        recovered[slots] = (c & (uu < p)) | (smi[slots] & (uu < p_smi_exit))
        cmd_to_smi[slots] = c & (uu >= p) & (uu < p + p_smi[slots])
    to_smi = (none & ~to_cmd & (u < p_cmd + p_smi)) | cmd_to_smi
    mh[to_cmd] = MH_CMD
    mh[to_smi] = MH_SMI
    mh[recovered] = MH_NONE
    onset = to_cmd | to_smi

    for k, name, column in ((2, "msk", pop.msk), (3, "other", pop.other_condition)):
        u = draws[name]
        has = column.astype(bool)
        p_on = onset_p[:, k]
        p_rec = np.float32(rates.recovery[name])
        starts = ~has & (u < p_on)
        ends = has & (u < p_rec)
        if name in effects:
            slots, factor = effects[name]
            ends[slots] = has[slots] & (u[slots] < np.minimum(p_rec * factor, np.float32(1)))
        column[starts] = 1
        column[ends] = 0
        onset |= starts

    became = onset & (pop.work_limiting == 0) & (draws["work_limiting"] < rates.work_limiting_onset)
    pop.work_limiting[became] = 1
    pop.work_limiting &= pop.any_condition().astype(np.uint8)
    pop.months_limited[:] = np.minimum(pop.months_limited + 1, MAX_MONTHS) * pop.work_limiting
    return became
