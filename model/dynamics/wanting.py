"""Wanting to work: who of the out of work wants a job, how it changes, and what it does to job finding.

- The ILO unemployed want work by definition; of the inactive, a share by reason wants a job: the LFS has
  23.3% of the long-term sick (June-August 2022, PQ HL2772) and 18.0% of the other inactive (derived from
  the LFS levels of 2022) in the stock (calibration/targets/wants_work.csv).
- A resident entering an inactive state wants work with that state's entry share
  (``employment.wants_work.share_inactive_sick``, ``share_inactive_other``: fitted in stage B so that the
  stocks hold the LFS shares, as those who want work leave faster); each month an inactive resident's wish is
  drawn again with probability ``turnover`` (assumption), so it changes over time; employed residents keep
  theirs (it is read only out of work). Wanting work also moves readiness (:mod:`model.dynamics.readiness`).
- Job entry: an inactive resident who wants work finds it at ``entry_hr`` (assumption) times the rate of one
  who does not. The state's intercept is divided by ``entry_hr`` x p + 1 - p, p its entry share, so that
  residents at that share keep the state's job-entry rate; calibration fits the intercepts with this in
  place. The factors are constants (not renormalised month by month): one resident's wish never moves
  another's job finding, so common random numbers hold.
- Programmes can require it (``eligibility.wants_work``); IPS does by default, as its fidelity scale does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from model.config.parameters import Parameters
from model.config.vocabulary import INACTIVE_OTHER, INACTIVE_SICK, STATES, UNEMPLOYED
from model.core.components import Month
from model.core.population import column
from model.core.streams import stream

column(
    "wants_work", np.uint8, "1 if the resident wants a job (always while unemployed; read only out of work)"
)
WANTING = stream("wants_work", "an inactive resident's wish to work, drawn on entry and at each turnover")


@dataclass(frozen=True)
class WantsRules:
    """Shares wanting work by employment state, the monthly turnover and the job-entry hazard ratio."""

    share: np.ndarray  # by state (float32): employed 0 (unused), unemployed 1, the inactive states' shares
    turnover: float
    entry_hr: float

    @classmethod
    def build(cls, params: Parameters) -> WantsRules:
        """The rules from the resolved parameters."""
        share = np.zeros(len(STATES), np.float32)
        share[UNEMPLOYED] = 1.0
        share[INACTIVE_SICK] = params["employment.wants_work.share_inactive_sick"]
        share[INACTIVE_OTHER] = params["employment.wants_work.share_inactive_other"]
        return cls(
            share,
            float(params["employment.wants_work.turnover"]),
            float(params["employment.wants_work.entry_hr"]),
        )

    def initial(self, state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Who wants work in a drawn population: each resident with their state's share."""
        return (rng.random(len(state)) < self.share[state]).astype(np.uint8)


def entry_factors(params: Parameters) -> np.ndarray:
    """Job-entry factors by (employment state, wants work): 1 for the employed and unemployed.

    For an inactive state with share p wanting work and hazard ratio r: 1 / (r p + 1 - p) for those who do
    not and r / (r p + 1 - p) for those who do (their mean at the share p is 1).
    """
    rules = WantsRules.build(params)
    out = np.ones((len(STATES), 2), np.float32)
    for s in (INACTIVE_SICK, INACTIVE_OTHER):
        p, r = float(rules.share[s]), rules.entry_hr
        out[s] = np.array([1.0, r]) / (r * p + 1 - p)
    return out


class WantsWork:
    """Wishes to work after the month's employment moves (stream ``wants_work``).

    Drawn for those entering an inactive state, set for the unemployed, and drawn again for each inactive
    resident with probability ``turnover``.
    """

    order: ClassVar[int] = 42

    def step(self, model: Any, month: Month) -> None:
        """Update ``wants_work`` in place (one slot-keyed uniform per inactive resident at most)."""
        from model.dynamics import kernels  # numba: imported with the simulation, not with validation

        pop, rules = model.population, model.context.wanting
        kernels.wanting(
            pop.state, month.before, pop.wants_work, rules.share, np.float32(rules.turnover),
            model.streams.key(WANTING, month.number),
        )  # fmt: skip
