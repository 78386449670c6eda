"""Residents aged 16-64 as a struct of numpy arrays (one slot per resident), with a column registry.

Residents are rows of arrays, not Python objects: one Mesa agent per resident runs about 100 times slower
(``benchmarks/``) and rules out full-scale runs and ensembles. A slot keeps its area for the whole run: when a
resident reaches 65 they leave and a 16-year-old entrant takes the slot, so every area keeps its size (an
open population with a stationary age structure).

Columns are registered (:data:`COLUMNS`) by the module that owns them, each with its dtype and meaning, so a
new attribute is one registration plus its initial value in synthesis, not edits in five files (Starsim
modules declaring their states).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.config.registry import Registry

ENTRY_AGE_YEARS = 16
EXIT_AGE_YEARS = 65
AGES = EXIT_AGE_YEARS - ENTRY_AGE_YEARS  # single years of age 16..64
# Bands used by age modifiers: 16-24, 25-49, 50-64.
AGE_BANDS = ("16_24", "25_49", "50_64")
AGE_BAND_OF_YEAR = np.array(
    [0 if a < 25 else 1 if a < 50 else 2 for a in range(ENTRY_AGE_YEARS, EXIT_AGE_YEARS)]
)
MAX_MONTHS = 32_000  # duration counters saturate here (int16)


@dataclass(frozen=True)
class Column:
    """One per-resident attribute: its name, dtype and meaning."""

    name: str
    dtype: type
    doc: str


COLUMNS: Registry[Column] = Registry("population column")


def column(name: str, dtype: type, doc: str) -> Column:
    """Register a population column (called once, by the module that owns the attribute)."""
    return COLUMNS.register(Column(name, dtype, doc))


column("area", np.uint8, "index into the run's list of areas")
column("age_months", np.int16, "age in completed months (16*12 .. 65*12 - 1)")
column("male", np.uint8, "1 for men, 0 for women")


class Population:
    """Resident attributes, one array per registered column, one element per slot.

    Columns are attributes (``pop.state``); :data:`COLUMNS` lists them with their dtypes and meanings. A
    registered column not given starts at zero for everyone.
    """

    households: Any = None  # the households entity (model.dynamics.households), when synthesised

    def __init__(self, **arrays: np.ndarray):
        unknown = sorted(set(arrays) - set(COLUMNS.names()))
        if unknown:
            raise ValueError(f"not registered population columns: {', '.join(unknown)}")
        n = len(arrays["area"])
        for c in COLUMNS:
            value = arrays.get(c.name)
            setattr(self, c.name, np.zeros(n, c.dtype) if value is None else np.asarray(value, dtype=c.dtype))

    def __len__(self) -> int:
        return len(self.area)

    def columns(self) -> Iterator[tuple[str, np.ndarray]]:
        """(name, array) of every column, in registration order."""
        return ((c.name, getattr(self, c.name)) for c in COLUMNS)

    def copy(self) -> Population:
        """An independent copy, households included (used to start the two arms from one population)."""
        out = Population(**{name: a.copy() for name, a in self.columns()})
        out.households = None if self.households is None else self.households.copy()
        return out

    def take(self, slots: np.ndarray) -> Population:
        """A new population of the residents in ``slots`` (in that order), without their households."""
        return Population(**{name: a[slots] for name, a in self.columns()})

    def assign(self, slots: np.ndarray, other: Population) -> None:
        """Overwrite the residents in ``slots`` with the residents of ``other`` (same length as slots)."""
        for name, a in self.columns():
            a[slots] = getattr(other, name)

    def age_years(self) -> np.ndarray:
        """Completed years of age."""
        return self.age_months // 12

    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return sum(a.nbytes for _, a in self.columns())
