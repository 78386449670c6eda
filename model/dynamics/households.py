"""Households: who lives with whom, with their children and their housing (the entities).

Entities (policyengine-core style): a *resident* (16-64) belongs to one *household* (a dwelling) with a role -
``HEAD`` of the family, ``PARTNER``, ``NON_DEPENDANT`` adult (a grown-up child), or ``SHARER`` (unrelated
adults sharing a dwelling, each their own benefit unit). A *benefit unit* is a head with their partner and the
household's dependent children, or a non-dependant or sharer alone. Children under 16 are not residents: each
household holds their birth months. Households are synthesised after the burn-in
(:mod:`model.dynamics.household_synthesis`) and change month by month
(:mod:`model.dynamics.household_change`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from model.config.areas import TENURES
from model.config.vocabulary import EMPLOYED
from model.core.population import Population, column

HEAD, PARTNER, NON_DEPENDANT, SHARER = range(4)
ROLES = ("head", "partner", "non_dependant", "sharer")
OWNED_OUTRIGHT, MORTGAGE, SOCIAL_RENT, PRIVATE_RENT = range(len(TENURES))
MAX_CHILDREN = 6
NO_CHILD = np.int16(32767)  # after any birth month, so that each household's children sort oldest first
MONTH_ORIGIN = 2000 * 12  # children's birth months are stored as months since January 2000 (int16)
STUDENT_UNTIL = 25

column("household", np.int32, "index of the resident's household (a dwelling)")
column("role", np.uint8, "role in the household: head, partner, non_dependant or sharer")
column("partner", np.int32, "slot of the resident's partner, -1 without one")
column("student", np.uint8, "1 while a full-time student (ends at 25)")
column("next_member", np.int32, "slot of the next resident of the same household, -1 for the last")


@dataclass
class Households:
    """Household (dwelling) attributes, one element per household record; empty records have head -1.

    Attributes:
        area: run area index.
        tenure: index into ``TENURES``.
        band: council tax band (0 A, 1 B, 2 C and above).
        bedrooms: 0 for a sharer's room, else 1-4 (the family's entitlement when synthesised).
        rent: monthly rent at 2024/25 prices (0 for owners); for a sharer dwelling, each sharer's.
        head: slot of the family head (or a sharer), -1 for an empty record.
        adults: residents living there; workers: those of them in work (kept up to date by the dynamics).
        children: birth months of dependent children (months since January 2000), oldest first, then
            ``NO_CHILD`` in the free places.
        first_member: slot of the first resident (the rest follow ``next_member``), -1 when empty.

    """

    area: np.ndarray
    tenure: np.ndarray
    band: np.ndarray
    bedrooms: np.ndarray
    rent: np.ndarray
    head: np.ndarray
    adults: np.ndarray
    workers: np.ndarray
    children: np.ndarray
    first_member: np.ndarray

    def __len__(self) -> int:
        return len(self.head)

    def copy(self) -> Households:
        """An independent copy (the two arms start from the same households)."""
        return Households(**{f.name: getattr(self, f.name).copy() for f in fields(self)})

    def links(self, pop: Population) -> tuple:
        """(resident links, household arrays) as the household kernels take them."""
        return (
            (pop.household, pop.role, pop.partner, pop.next_member),
            (self.first_member, self.head, self.adults, self.workers, self.children),
        )

    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))

    def reserve(self, free: int, empty: np.ndarray | None = None) -> Households:
        """These households, with at least ``free`` empty records (a larger copy when there are fewer).

        ``empty``, when given, lists the empty records now.
        """
        missing = free - (len(empty) if empty is not None else int((self.head < 0).sum()))
        if missing <= 0:
            return self
        grow = max(missing, len(self) // 10)
        empty = {"head": -1, "first_member": -1, "children": NO_CHILD}
        return Households(
            **{
                f.name: np.concatenate(
                    [a := getattr(self, f.name), np.full((grow, *a.shape[1:]), empty.get(f.name, 0), a.dtype)]
                )
                for f in fields(self)
            }
        )

    def has_children(self) -> np.ndarray:
        """Whether each household has a dependent child (under 16)."""
        return (self.children != NO_CHILD).any(axis=1)


def workless_share(hh: Households, areas: int) -> np.ndarray:
    """Share of each area's households where nobody is in work."""
    from model.dynamics import kernels  # numba: imported with the simulation, not with validation

    counts = np.zeros((areas, 2), np.int64)
    kernels.workless_by_area(hh.area, hh.head, hh.workers, counts)
    return counts[:, 1] / np.maximum(counts[:, 0], 1)


def moments(pop: Population) -> dict[str, float]:
    """Household moments the calibration matches or checks.

    The share of households where nobody works (all-student households excluded, as ONS does), lone
    mothers' employment rate, the share of children living in workless households and the share of social-
    renting family heads in work.
    """
    hh = pop.households
    size = len(hh)
    working = np.bincount(pop.household, pop.state == EMPLOYED, minlength=size) > 0
    students_only = np.bincount(pop.household, pop.student == 0, minlength=size) == 0
    counted = (hh.head >= 0) & ~students_only
    heads = np.flatnonzero(pop.role == HEAD)
    social = heads[hh.tenure[pop.household[heads]] == SOCIAL_RENT]
    kids = (hh.children != NO_CHILD).sum(axis=1)
    mothers = heads[(pop.male[heads] == 0) & (pop.partner[heads] < 0) & (kids[pop.household[heads]] > 0)]
    return {
        "workless_household_share": float((~working[counted]).mean()),
        "lone_mother_employment_rate": float((pop.state[mothers] == EMPLOYED).mean()),
        "children_in_workless_share": float(kids[counted & ~working].sum() / max(kids.sum(), 1)),
        "social_head_employed_share": float((pop.state[social] == EMPLOYED).mean()),
    }
