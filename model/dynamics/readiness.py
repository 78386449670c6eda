"""Readiness for work: a latent 0-1 index of confidence, self-efficacy and skills.

Assumptions (no source; listed in the README and covered by sensitivity tests): readiness reverts each month
towards a target that depends on the employment state, closing ``readiness.reversion`` of the gap; initial
readiness is Beta-distributed around the state's target with concentration ``readiness.concentration``; an
inactive resident who wants a job reverts to a target moved ``readiness.wants_work_shift`` of the way towards
the unemployed's;
job entry rises by ``employment.readiness_effect`` on the log scale per unit of readiness. Programmes add
readiness gains (their "distance travelled") that then decay by the same reversion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from model.config.parameters import Parameters
from model.config.vocabulary import EMPLOYED, STATES, UNEMPLOYED
from model.core.components import Month
from model.core.modifiers import Modifiers, rate
from model.core.population import Population, column

column("readiness", np.float32, "latent 0-1 distance from work (confidence, self-efficacy, skills)")
GAIN = rate("readiness.gain", "gain", "monthly addition to readiness (a programme's distance travelled)")


@dataclass(frozen=True)
class ReadinessRules:
    """Targets by employment state and wanting work, monthly reversion and the spread of initial readiness."""

    target: np.ndarray  # (states, wants): float32
    reversion: float
    concentration: float

    @classmethod
    def build(cls, params: Parameters) -> ReadinessRules:
        """Read the rules from the resolved parameters."""
        by_state = np.array([params[f"readiness.target_{s}"] for s in STATES])
        wanting = by_state + params["readiness.wants_work_shift"] * (by_state[UNEMPLOYED] - by_state)
        wanting[[EMPLOYED, UNEMPLOYED]] = by_state[[EMPLOYED, UNEMPLOYED]]  # the unemployed want work anyway
        target = np.stack([by_state, wanting], axis=1).astype(np.float32)
        return cls(target, params["readiness.reversion"], params["readiness.concentration"])

    def initial(self, state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Draw initial readiness for residents in ``state``."""
        t = np.clip(self.target[state, 0].astype(float), 1e-3, 1 - 1e-3)
        return rng.beta(t * self.concentration, (1 - t) * self.concentration).astype(np.float32)


def step(pop: Population, rules: ReadinessRules, mods: Modifiers | None = None) -> None:
    """Revert readiness towards the target of the state and wish, add programme gains, keep within [0, 1]."""
    from model.dynamics import kernels  # numba: imported with the simulation, not with validation

    gain = mods.get(GAIN.name) if mods is not None else None
    kernels.readiness(
        pop.state,
        pop.wants_work,
        pop.readiness,
        rules.target,
        np.float32(rules.reversion),
        _ZERO if gain is None else gain,
        gain is not None,
    )


_ZERO = np.zeros(1, np.float32)  # stands in for a gain array no programme touched


class Readiness:
    """The monthly readiness step."""

    order: ClassVar[int] = 60

    def step(self, model: Any, month: Month) -> None:
        """Revert towards the state's target and add programme gains."""
        step(model.population, model.context.readiness, month.mods)
