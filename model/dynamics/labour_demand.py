"""Local labour demand: each area's job openings each month, competed for by everyone out of work there.

With ``economy.labour_demand: openings`` an area's out-of-work residents compete for its openings (urn-ball
matching): an area whose residents bring job search S (the sum of their monthly job-entry hazards, so every
resident's readiness, duration out of work, health and programme support counts) to O openings fills
O (1 - exp(-S~/O)) of them, S~ being S in applications. Openings are fitted to the flows: in the
counterfactual they are whatever makes its job search give exactly the expected job starts (the sum of the
hazards) its LFS-fitted hazards give, so the counterfactual (and every baseline) is unchanged. In the
scenario arm the same area and month has the same openings; a programme that adds job search lowers
everyone's job-finding per unit of search, by

    f = (1 - exp(-x r)) / ((1 - exp(-x)) r),    r = S_scenario / S_counterfactual,

and some of its participants' extra job starts are openings others would have filled: displacement emerges,
per area and month. x (the counterfactual's applications per opening) follows from the elasticity alpha of
hires with respect to job search at fixed openings, alpha = x / (e^x - 1) (``employment.demand.
hires_elasticity``; the matching-function literature's elasticity with respect to job seekers). alpha = 1 is
openings without limit (x = 0, f = 1): nobody displaces anyone.

Areas are separate labour markets (no commuting between them); only residents out of work compete (job-to-job
moves are not modelled); openings do not respond to the programme (vacancies created because hiring got
easier are not modelled, so this is the short-run displacement).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import lambertw

from model.config.parameters import Parameters
from model.config.scenario import Scenario


def crowding(elasticity: float) -> float:
    """Applications per opening x at which hires have elasticity ``elasticity`` to job search.

    Solves x / (e^x - 1) = alpha: x = -W_{-1}(-alpha e^-alpha) - alpha (Lambert W, lower branch); 0 at
    alpha = 1.
    """
    if elasticity >= 1:
        return 0.0
    return float(-lambertw(-elasticity * np.exp(-elasticity), k=-1).real - elasticity)


@dataclass(frozen=True)
class LabourDemand:
    """Competition for each area's openings: ``crowding`` x, the counterfactual's applications per opening."""

    crowding: float

    @classmethod
    def build(cls, scenario: Scenario, params: Parameters) -> LabourDemand | None:
        """The scenario's labour demand, or None when openings are unlimited."""
        if not scenario.economy.competed:
            return None
        return cls(crowding(params["employment.demand.hires_elasticity"]))

    def hires(self, search: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """Expected job starts from job search ``search`` where the counterfactual brought ``reference``.

        Openings are fitted so that the reference search gives the reference's own starts.
        """
        x = self.crowding
        if x == 0:
            return np.asarray(search, float)
        with np.errstate(invalid="ignore", divide="ignore"):
            openings = reference / -np.expm1(-x)
            ratio = np.where(reference > 0, search / reference, 0.0)
            return np.where(reference > 0, openings * -np.expm1(-x * ratio), search)

    def entry_factor(self, search: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """Each area's multiplier f on job-entry hazards (float32): expected starts per unit of search."""
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(search > 0, self.hires(search, reference) / search, 1.0)
        return f.astype(np.float32)


def displaced(
    demand: LabourDemand, search: np.ndarray, reference: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(gross, displaced) additional job starts: search added over the reference, and what others lose.

    ``gross`` = S_scenario - S_counterfactual, what the programme's extra search would bring with openings
    unlimited; ``displaced`` = gross minus the extra hires the fixed openings allow.
    """
    gross = search - reference
    return gross, gross - (demand.hires(search, reference) - reference)
