"""The step protocol: the month's typed state, and the component each dynamic implements.

A month is a loop over components in their declared ``order`` (Vivarium components; Starsim modules). Each
reads and writes the population and the :class:`Month`, which carries what one component hands the next
(who left at 65, programme modifiers, the state before employment moved, who started or left a job), so no
component calls another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from model.core.modifiers import Modifiers


def _no_slots() -> np.ndarray:
    return np.zeros(0, np.intp)


@dataclass
class Month:
    """What components hand each other during one month.

    Attributes:
        number: the month's number (1 = the scenario's first month; burn-in months are 0 and below).
        index: calendar month index (year x 12 + month - 1).
        mods: programme effects on named rates, published by the programmes for the dynamics.
        leavers: slots whose residents reached 65 (new 16-year-olds now hold them).
        became_work_limiting: residents whose health made them work-limiting this month.
        before: employment state before this month's employment transitions.
        started: slots that started a job this month; ``left``: slots that left one.
        households: the month's household measures by area (``recording.HOUSEHOLD_MEASURES``), from the
            ledger.
        job_search: each area's job search before employment moved (with competed openings only).

    """

    number: int
    index: int
    mods: Modifiers
    leavers: np.ndarray = field(default_factory=_no_slots)
    became_work_limiting: np.ndarray | None = None
    before: np.ndarray | None = None
    started: np.ndarray = field(default_factory=_no_slots)
    left: np.ndarray = field(default_factory=_no_slots)
    households: np.ndarray | None = None
    job_search: np.ndarray | None = None


class Component(Protocol):
    """One dynamic of the monthly step, run in ``order`` (lower first)."""

    order: ClassVar[int]

    def step(self, model: Any, month: Month) -> None:
        """Advance this dynamic by one month (``model`` gives the population, context and streams)."""
