"""The national economy a scenario assumes: a path of the UK unemployment rate over calendar months.

A path is a list of published rates, each placed at the middle month of the period it measures
(``model/data/national_path.csv``: ``uk_history``, ONS 2009-2024 as first published; ``obr_march_2026``, that
history, the latest outturn and the OBR's March 2026 forecast), linearly interpolated month by month and held
flat before the first and after the last point. A scenario's own mapping of year to rate extends
``uk_history`` with its years (each placed at July, an annual average). ``none`` is today's frozen economy.

The reference a path is read against is ``uk_history`` at July of the areas' data year: the economy in which
the area factors were fitted (see :func:`model.dynamics.employment.economy_factors`).

Local labour demand (``economy.labour_demand``) is one of :data:`LABOUR_DEMAND` (see
:mod:`model.dynamics.labour_demand`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from functools import cache

from model.config.parameters import read_data_csv

NONE = "none"
HISTORY = "uk_history"
ANNUAL_MONTH = 7  # a year's rate in a scenario's mapping is an annual average: placed at July

UNLIMITED, OPENINGS = "unlimited", "openings"
LABOUR_DEMAND = {  # what economy.labour_demand may say, and what it means
    UNLIMITED: "openings unlimited: participants take no job from anyone else; displacement is the fixed "
    "parameter appraisal.displacement",
    OPENINGS: "each area's job openings fitted to the counterfactual's hires, competed for by everyone out "
    "of work: displacement emerges",
}


def month_number(year: int, month: int) -> int:
    """Months since year 0 (the calendar index the engine's ``Month.index`` uses)."""
    return year * 12 + month - 1


@cache
def shipped_paths() -> dict[str, tuple[tuple[int, float], ...]]:
    """Every shipped path by name: (calendar month index, unemployment rate in percent), in order."""
    paths: dict[str, list[tuple[int, float]]] = {}
    for row in read_data_csv("national_path.csv"):
        point = (month_number(int(row["year"]), int(row["month"])), float(row["unemployment_rate"]))
        paths.setdefault(row["path"], []).append(point)
    return {name: tuple(sorted(points)) for name, points in paths.items()}


def path_names() -> tuple[str, ...]:
    """What ``economy.unemployment_path`` may name: ``none`` and the shipped paths."""
    return (NONE, *shipped_paths())


def points(path: str | Mapping[int, float]) -> tuple[tuple[int, float], ...]:
    """A path's points; a mapping of year to rate replaces ``uk_history`` from January of its first year."""
    if isinstance(path, str):
        return shipped_paths()[path]
    own = sorted((month_number(int(y), ANNUAL_MONTH), float(r)) for y, r in path.items())
    first_january = month_number(min(path), 1)
    return tuple(p for p in shipped_paths()[HISTORY] if p[0] < first_january) + tuple(own)


def rate_at(path: tuple[tuple[int, float], ...], month: int) -> float:
    """The path's rate in a calendar month: linear between points, flat outside them."""
    if month <= path[0][0]:
        return path[0][1]
    for (m0, r0), (m1, r1) in itertools.pairwise(path):
        if month <= m1:
            return r0 + (r1 - r0) * (month - m0) / (m1 - m0)
    return path[-1][1]


def reference_rate(data_year: int) -> float:
    """The national rate the area factors of ``data_year`` were fitted in: ``uk_history`` at its July."""
    return rate_at(shipped_paths()[HISTORY], month_number(data_year, ANNUAL_MONTH))
