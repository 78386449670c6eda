"""Health conditions (a registry), their monthly onset and recovery, and work-limiting status.

Each condition is one registered :class:`Condition`: where it is held, how its target prevalence varies by
area, sex and age, and its monthly recovery. Its parameters live under ``health.<key>.*``; the ledger prices
it from ``fiscal.nhs.<key>_per_year`` and ``fiscal.nhs.gp_visits_<key>`` and appraisal values it from
``appraisal.utility.<key>_decrement`` when those parameters exist. Built in:

- common mental disorder (CMD) and severe mental illness (SMI), one ``mental_health`` state per resident: CMD
  recovery = incidence / prevalence (Dykxhoorn et al. 2023 incidence, APMS 2014 prevalence, about 0.47 a
  year); SMI exit likewise (Hardoon et al. 2013; QOF 2019/20); prevalence x the area's depression-register
  index and the sex gradient (CMD);
- musculoskeletal (back pain): 25% completely recovered at 12 months (Croft et al. 1998), with the age and sex
  gradients of all MSK conditions (the cohort drift along the age gradient added to onset);
- other long-term conditions: prevalence derived from the share with any condition, recovery an assumption.

Onset is solved per area, sex and single year of age so that the stationary prevalence, averaged over the
area's employed and out-of-work residents (onset raised by ``onset_hr_workless`` out of work), equals the
target. A new condition episode makes a resident work-limiting with probability
``health.work_limiting.onset_probability`` (fitted to the 24% disabled share of the working-age population);
work-limiting status ends when the resident has no condition left. Programme effects multiply a condition's
recovery for the residents they touch (its named rate, e.g. ``health.msk.recovery``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from model.config.areas import AreaProfile
from model.config.parameters import Parameters
from model.config.vocabulary import CONDITIONS, MH_CMD, MH_SMI
from model.core.components import Month
from model.core.modifiers import Modifiers, rate
from model.core.population import AGES, ENTRY_AGE_YEARS, Population, column
from model.core.streams import Streams, stream

column("mental_health", np.uint8, "index into MENTAL_HEALTH: none, common mental disorder, SMI")
column("msk", np.uint8, "1 with a musculoskeletal condition (back pain)")
column("other_condition", np.uint8, "1 with another long-term condition")
column("work_limiting", np.uint8, "1 if a health condition limits the work the resident can do")
column(
    "months_limited", np.int16, "months in the current work-limiting spell, this month included (0 if not)"
)

MENTAL = stream("health.mental", "onset, recovery or escalation of a common mental disorder or SMI")
WORK_LIMITING = stream("health.work_limiting", "whether a new condition episode limits the work one can do")
Targets = tuple[np.ndarray, np.ndarray | None]  # prevalence (areas, sex, age) and its drift per month


@dataclass(frozen=True)
class Condition:
    """A registered health condition.

    Attributes:
        name: the name used in eligibility rules and outputs.
        key: parameter prefix (``health.<key>.*``) and, for conditions with a column of their own, the
            random stream ``health.<key>``.
        column: the population column holding it; ``value`` is the column's value when present and
            ``levels`` how many values the column takes.
        target: target prevalence by (area, sex, single year of age), and the monthly drift of prevalence
            along the age gradient (or None), from the run's areas and parameters.
        recovery: monthly probability of recovering.
        recovery_rate: the named rate programmes may modify (None: not modifiable).

    """

    name: str
    key: str
    column: str
    target: Callable[[Sequence[AreaProfile], Parameters], Targets]
    recovery: Callable[[Parameters], float]
    value: int = 1
    levels: int = 2
    recovery_rate: str | None = None


def condition(**fields) -> Condition:
    """Register a condition, its random stream and (when programmes may modify it) its recovery rate."""
    entry = Condition(**fields)
    if entry.column != "mental_health":
        stream(f"health.{entry.key}", f"onset or recovery of {entry.name.replace('_', ' ')}")
    if entry.recovery_rate:
        rate(entry.recovery_rate, "hazard_ratio", f"monthly recovery from {entry.name.replace('_', ' ')}")
    return CONDITIONS.register(entry, depth=2)


def _prob(monthly_hazard: float | np.ndarray) -> float | np.ndarray:
    return -np.expm1(-np.asarray(monthly_hazard, dtype=float))


def _sex_gradient(params: Parameters, women: str, men: str) -> np.ndarray:
    """Relative prevalence of women and men, averaging 1 over the population's sex mix."""
    male = params["demography.male_share"]
    w, m = params[women], params[men]
    return np.array([w, m]) / ((1 - male) * w + male * m)


def _cmd_target(profiles: Sequence[AreaProfile], params: Parameters) -> Targets:
    sex = _sex_gradient(params, "health.cmd.prevalence_women", "health.cmd.prevalence_men")
    index = np.array([p.depression_register_index for p in profiles])
    shape = np.ones((len(profiles), 2, AGES))
    return params["health.cmd.prevalence"] * index[:, None, None] * sex[None, :, None] * shape, None


def _smi_target(profiles: Sequence[AreaProfile], params: Parameters) -> Targets:
    return np.full((len(profiles), 2, AGES), params["health.smi.prevalence"]), None


def _msk_target(profiles: Sequence[AreaProfile], params: Parameters) -> Targets:
    """Age gradient linear between the midpoints of the 20-34 and 75-84 bands (27 and 79.5)."""
    ages = np.arange(ENTRY_AGE_YEARS, ENTRY_AGE_YEARS + AGES, dtype=float)
    lo = params["health.msk.broad_prevalence_age_20_34"]
    hi = params["health.msk.broad_prevalence_age_75_84"]
    slope = (hi - lo) / (79.5 - 27.0)
    age_shape = lo + slope * (ages - 27.0)
    sex = _sex_gradient(params, "health.msk.broad_prevalence_women", "health.msk.broad_prevalence_men")
    scale = params["health.msk.prevalence"] / age_shape.mean()
    n = len(profiles)
    target = scale * sex[None, :, None] * age_shape[None, None, :] * np.ones((n, 1, 1))
    drift = scale * sex[None, :, None] * slope / 12 * np.ones((n, 1, AGES))
    return target, drift


def _other_target(profiles: Sequence[AreaProfile], params: Parameters) -> Targets:
    """What is left of the share with any condition once CMD and MSK are accounted for (independence)."""
    other = 1 - (1 - params["health.other.any_condition_prevalence"]) / (
        (1 - params["health.cmd.prevalence"]) * (1 - params["health.msk.prevalence"])
    )
    return np.full((len(profiles), 2, AGES), max(other, 0.0)), None


CMD = condition(
    name="common_mental_disorder",
    key="cmd",
    column="mental_health",
    value=MH_CMD,
    levels=3,
    target=_cmd_target,
    recovery=lambda p: float(_prob(p["health.cmd.incidence"] / p["health.cmd.prevalence"] / 12)),
    recovery_rate="health.mental_health.recovery",
)
SMI = condition(
    name="severe_mental_illness",
    key="smi",
    column="mental_health",
    value=MH_SMI,
    levels=3,
    target=_smi_target,
    recovery=lambda p: float(_prob(p["health.smi.incidence"] / p["health.smi.prevalence"] / 12)),
)
MSK = condition(
    name="musculoskeletal",
    key="msk",
    column="msk",
    target=_msk_target,
    recovery=lambda p: 1 - (1 - p["health.msk.recovery_12m"]) ** (1 / 12),
    recovery_rate="health.msk.recovery",
)
OTHER = condition(
    name="other_condition",
    key="other",
    column="other_condition",
    target=_other_target,
    recovery=lambda p: 1 - (1 - p["health.other.recovery_per_year"]) ** (1 / 12),
    recovery_rate="health.other.recovery",
)


def has(pop: Population, name: str, slots: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Whether each resident in ``slots`` has condition ``name``."""
    c = CONDITIONS[name]
    return getattr(pop, c.column)[slots] == c.value


def any_condition(pop: Population, slots: np.ndarray | slice = slice(None)) -> np.ndarray:
    """True where the resident has at least one health condition."""
    columns = dict.fromkeys(c.column for c in CONDITIONS)
    return np.logical_or.reduce([getattr(pop, name)[slots] > 0 for name in columns])


def count_conditions(pop: Population, slots: np.ndarray) -> np.ndarray:
    """Number of health conditions per resident: the health side of distance travelled."""
    return sum((has(pop, c.name, slots) for c in CONDITIONS), np.zeros(len(slots), np.uint8)).astype(np.uint8)


def solve_onset(target: np.ndarray, recovery: np.ndarray, groups: Sequence[tuple[np.ndarray, float]]):
    """Monthly onset probability b (of the reference group) making the stationary prevalence equal ``target``.

    ``groups``: (weight, onset multiplier h) pairs whose weights sum to 1 in every cell. A two-state condition
    with onset h*b and recovery r has stationary prevalence h*b / (h*b + r); the weighted sum rises with b,
    so it is solved by bisection (to double precision) in every cell at once.
    """
    target = np.clip(np.asarray(target, dtype=float), 1e-9, 1 - 1e-9)
    r = np.asarray(recovery, dtype=float)
    lo, hi = np.zeros(np.broadcast(target, r).shape), np.ones(np.broadcast(target, r).shape)
    for _ in range(64):
        b = (lo + hi) / 2
        prevalence = sum(w * (h * b) / (h * b + r) for w, h in groups)
        below = prevalence < target
        lo, hi = np.where(below, b, lo), np.where(below, hi, b)
    return (lo + hi) / 2


@dataclass(frozen=True)
class HealthRates:
    """Monthly health transition probabilities, per registered condition (by key).

    Onset and prevalence tables have shape (areas, sex, single year of age, out of work) and are indexed with
    :func:`group_index`. Prevalence tables give the stationary probability of each condition, used to draw
    the initial population.
    """

    onset: Mapping[str, np.ndarray]
    prevalence: Mapping[str, np.ndarray]
    recovery: Mapping[str, float]
    work_limiting_onset: float
    onset_by_group: np.ndarray  # (groups, conditions): onset in registry order, one gather per month
    recovery_by_condition: np.ndarray  # float32, registry order
    cmd_onset_by_msk: np.ndarray  # float32 [without back pain, with]: comorbidity's factor on CMD onset

    @classmethod
    def build(cls, profiles: Sequence[AreaProfile], params: Parameters) -> HealthRates:
        """Derive the rates for the run's areas (see the module docstring for the derivation)."""
        shape = (len(profiles), 2, AGES, 2)
        employed = np.array([p.state_shares()[0] for p in profiles])[:, None, None]
        comorbidity = np.array([1.0, params["health.cmd.onset_hr_msk"]])
        onset, prevalence, recovery = {}, {}, {}
        for c in sorted(CONDITIONS, key=lambda c: c is CMD):  # CMD last: its onset depends on back pain
            target, drift = c.target(profiles, params)
            recovery[c.key] = c.recovery(params)
            hr = params[f"health.{c.key}.onset_hr_workless"]
            target = np.clip(target, 1e-9, 0.95)
            # Cohort drift: onset must also supply the rise in prevalence with age (zero where flat).
            effective_recovery = recovery[c.key] + (0.0 if drift is None else drift) / target
            # Groups by employment (onset x hr out of work) and back pain (x the comorbidity ratio, CMD only;
            # for the others no resident is counted as having it, so their groups are by employment alone).
            with_msk = prevalence[MSK.key] if c is CMD else np.zeros(shape)
            by_msk = comorbidity if c is CMD else np.ones(2)
            groups = [
                (share * (m if k else 1 - m), hr_w * by_msk[k])
                for share, m, hr_w in (
                    (employed, with_msk[..., 0], 1.0),
                    (1 - employed, with_msk[..., 1], hr),
                )
                for k in (0, 1)
            ]
            base = solve_onset(target, effective_recovery, groups)
            on = np.empty(shape)
            on[..., 0], on[..., 1] = base, np.minimum(base * hr, 1.0)
            onset[c.key] = on.astype(np.float32)
            # Stationary prevalence by (area, sex, age, out of work), over back pain (to draw the population).
            r = effective_recovery[..., None]
            prevalence[c.key] = sum(
                (with_msk if k else 1 - with_msk) * on * by_msk[k] / (on * by_msk[k] + r) for k in (0, 1)
            )
        if CONDITIONS.names()[:2] != (CMD.name, SMI.name):
            raise ValueError("the mental-health conditions must come first in the condition registry")
        stacked = np.stack([onset[c.key].ravel() for c in CONDITIONS], axis=1)
        by_condition = np.array([recovery[c.key] for c in CONDITIONS], np.float32)
        return cls(
            onset,
            prevalence,
            recovery,
            params["health.work_limiting.onset_probability"],
            stacked,
            by_condition,
            comorbidity.astype(np.float32),
        )


def step(
    pop: Population,
    rates: HealthRates,
    streams: Streams,
    month: int,
    mods: Modifiers | None = None,
    became: np.ndarray | None = None,
) -> np.ndarray:
    """Advance every resident's health by one month; return who became work-limiting (``became``, reused).

    Mental health (CMD or SMI) shares one draw: onset of either, recovery, or CMD escalating to SMI; each
    condition in a column of its own has one draw for onset or recovery; a new episode makes a resident
    work-limiting with the onset probability (its draw taken only for those residents); work-limiting status
    ends with the last condition. Programme hazard ratios multiply the recovery of the residents they touch.
    """
    from model.dynamics import kernels  # numba: imported with the simulation, not with validation

    binary = _binary_conditions()
    keys = np.array(
        [
            streams.key(MENTAL, month),
            *(streams.key(f"health.{c.key}", month) for c in binary),
            streams.key(WORK_LIMITING, month),
        ],
        np.uint64,
    )
    mods = mods or Modifiers(len(pop))
    multipliers = [mods.get(c.recovery_rate) if c.recovery_rate else None for c in (CMD, *binary)]
    became = np.empty(len(pop), np.bool_) if became is None else became
    kernels.health(
        pop.area,
        pop.male,
        pop.age_months,
        pop.state,
        pop.mental_health,
        tuple(getattr(pop, c.column) for c in binary),
        pop.work_limiting,
        pop.months_limited,
        rates.onset_by_group,
        rates.recovery_by_condition,
        rates.cmd_onset_by_msk,
        pop.msk,
        np.float32(rates.work_limiting_onset),
        keys,
        tuple(_ONE if m is None else m for m in multipliers),
        np.array([m is not None for m in multipliers]),
        became,
    )
    return became


_ONE = np.ones(1, np.float32)  # stands in for a modifier array no programme touched


def _binary_conditions() -> list[Condition]:
    """Conditions held in a column of their own, in registry order (after CMD and SMI)."""
    return [c for c in CONDITIONS if c.column != "mental_health"]


class Health:
    """The monthly health step (streams ``health.mental``, ``health.<key>``, ``health.work_limiting``)."""

    order: ClassVar[int] = 30

    def __init__(self) -> None:
        self.became: np.ndarray | None = None

    def step(self, model: Any, month: Month) -> None:
        """Advance everyone's health."""
        if self.became is None:
            self.became = np.empty(len(model.population), np.bool_)
        month.became_work_limiting = step(
            model.population, model.context.health, model.streams, month.number, month.mods, self.became
        )
