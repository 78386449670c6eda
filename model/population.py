"""Residents aged 16-64 as a struct of numpy arrays (one slot per resident), and their ageing.

Residents are rows of arrays, not Python objects: one Mesa agent per resident runs about 90 times slower and
rules out full-scale runs and ensembles (DESIGN.md). A slot keeps its area for the whole run: when a resident
reaches 65 they leave and a 16-year-old entrant takes the slot, so every area keeps its size (an open
population with a stationary age structure).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

STATES = ("employed", "unemployed", "inactive_sick", "inactive_other")
EMPLOYED, UNEMPLOYED, INACTIVE_SICK, INACTIVE_OTHER = range(4)
MENTAL_HEALTH = ("none", "common_mental_disorder", "severe_mental_illness")
MH_NONE, MH_CMD, MH_SMI = range(3)

ENTRY_AGE_YEARS = 16
EXIT_AGE_YEARS = 65
AGES = EXIT_AGE_YEARS - ENTRY_AGE_YEARS  # single years of age 16..64
# Bands used by age modifiers: 16-24, 25-49, 50-64.
AGE_BAND_OF_YEAR = np.array(
    [0 if a < 25 else 1 if a < 50 else 2 for a in range(ENTRY_AGE_YEARS, EXIT_AGE_YEARS)]
)
AGE_BANDS = ("16_24", "25_49", "50_64")
MAX_MONTHS = 32_000  # duration counters saturate here (int16)


@dataclass
class Population:
    """Resident attributes, one array element per slot.

    Attributes:
        area: index into the run's list of areas.
        age_months: age in completed months (16*12 .. 65*12 - 1).
        male: 1 for men, 0 for women.
        state: employment state, an index into ``STATES``.
        months_out_of_work: months in the current spell out of work, this month included (0 if employed).
        job_tenure: months in the current job, the current month included (0 if not employed).
        mental_health: index into ``MENTAL_HEALTH``.
        msk: 1 with a musculoskeletal condition (back pain).
        other_condition: 1 with another long-term condition.
        work_limiting: 1 if a health condition limits the work the resident can do.
        readiness: latent 0-1 distance from work (confidence, self-efficacy, skills); raises job finding.
        months_limited: months in the current work-limiting spell, this month included (0 if not limited).
        hourly_pay: hourly pay in the current job, in 2023 money (0 if not employed).
        hours: weekly hours of the current job (0 if not employed).

    """

    area: np.ndarray
    age_months: np.ndarray
    male: np.ndarray
    state: np.ndarray
    months_out_of_work: np.ndarray
    job_tenure: np.ndarray
    mental_health: np.ndarray
    msk: np.ndarray
    other_condition: np.ndarray
    work_limiting: np.ndarray
    readiness: np.ndarray
    months_limited: np.ndarray
    hourly_pay: np.ndarray
    hours: np.ndarray

    def __len__(self) -> int:
        return len(self.area)

    def copy(self) -> Population:
        """An independent copy (used to start the two arms from one population)."""
        return Population(**{f.name: getattr(self, f.name).copy() for f in fields(self)})

    def take(self, slots: np.ndarray) -> Population:
        """A new population of the residents in ``slots`` (in that order)."""
        return Population(**{f.name: getattr(self, f.name)[slots] for f in fields(self)})

    def assign(self, slots: np.ndarray, other: Population) -> None:
        """Overwrite the residents in ``slots`` with the residents of ``other`` (same length as slots)."""
        for f in fields(self):
            getattr(self, f.name)[slots] = getattr(other, f.name)

    def age_years(self) -> np.ndarray:
        """Completed years of age."""
        return self.age_months // 12

    def any_condition(self) -> np.ndarray:
        """True where the resident has at least one health condition."""
        return (self.mental_health > 0) | (self.msk > 0) | (self.other_condition > 0)

    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))


DTYPES = {
    "area": np.uint8,
    "age_months": np.int16,
    "male": np.uint8,
    "state": np.uint8,
    "months_out_of_work": np.int16,
    "job_tenure": np.int16,
    "mental_health": np.uint8,
    "msk": np.uint8,
    "other_condition": np.uint8,
    "work_limiting": np.uint8,
    "readiness": np.float32,
    "months_limited": np.int16,
    "hourly_pay": np.float32,
    "hours": np.float32,
}


def age_one_month(pop: Population) -> np.ndarray:
    """Age everyone by a month; return the slots of residents who reached 65 and so leave."""
    pop.age_months += 1
    return np.flatnonzero(pop.age_months >= EXIT_AGE_YEARS * 12)
