"""Local authority areas: their published figures and their names.

Figures come from ``model/data/areas.csv`` (one row per area, data year and figure, each with unit, period,
geography, status and source). ``status`` is ``sourced``, ``derived`` (formula in ``derivation``) or
``fallback`` (a regional or national figure used where the local one was not found, said in ``note``).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

DATA_YEARS = (2010, 2023)
REQUIRED = (
    "population_16_64",
    "employment_rate",
    "unemployment_rate",
    "inactivity_rate",
    "inactive_sick_rate",
    "depression_register_index",
)
OPTIONAL = ("earnings_weekly_median", "earnings_weekly_lower_quartile", "activity_rate")

# Names people use for the pilot sites, with the published area that contains them.
ALIASES = {
    "Workington": "Allerdale",
    "Barrow": "Barrow-in-Furness",
    "St. Helens": "St Helens",
    "Sthelens": "St Helens",
}


@dataclass(frozen=True)
class AreaProfile:
    """Published figures for one area in one data year (rates in percent, as published)."""

    name: str
    code: str
    data_year: int
    population_16_64: float
    employment_rate: float
    unemployment_rate: float
    inactivity_rate: float
    inactive_sick_rate: float
    depression_register_index: float
    earnings_weekly_median: float | None = None
    earnings_weekly_lower_quartile: float | None = None
    activity_rate: float | None = None

    def state_shares(self) -> tuple[float, float, float, float]:
        """Shares of residents employed, unemployed, inactive sick and inactive other (summing to 1).

        Employment and inactivity rates are taken as published; unemployment is the remainder, so that the
        published unemployment rate (of the active) is met up to the rounding of the published figures.
        """
        e = self.employment_rate / 100
        i = self.inactivity_rate / 100
        s = min(self.inactive_sick_rate / 100, i)
        u = max(1.0 - e - i, 0.0)
        return e, u, s, i - s


def read_profiles(path: Path | None = None) -> dict[tuple[str, int], AreaProfile]:
    """Read area profiles from an areas-format CSV (the packaged one by default)."""
    if path is None:
        text = resources.files("model").joinpath("data", "areas.csv").read_text(encoding="utf-8")
        source = "model/data/areas.csv"
    else:
        text = Path(path).read_text(encoding="utf-8")
        source = str(path)
    figures: dict[tuple[str, int], dict[str, object]] = {}
    for row in csv.DictReader(text.splitlines()):
        key = (row["area"], int(row["data_year"]))
        figures.setdefault(
            key, {"name": row["area"], "code": row["code"], "data_year": int(row["data_year"])}
        )
        if row["key"] in REQUIRED + OPTIONAL:
            figures[key][row["key"]] = float(row["value"])
    profiles = {}
    for key, values in figures.items():
        missing = [k for k in REQUIRED if k not in values]
        if missing:
            raise ValueError(f"{source}: {key[0]} {key[1]} lacks {', '.join(missing)}")
        profiles[key] = AreaProfile(**values)
    return profiles


@cache
def packaged_profiles() -> Mapping[tuple[str, int], AreaProfile]:
    """The area profiles shipped with the package."""
    return read_profiles()


def area_names() -> list[str]:
    """Names of the areas a scenario may use."""
    return sorted({name for name, _ in packaged_profiles()})
