"""Local authority areas: their published figures and their names.

Labour-market figures come from ``model/data/areas.csv`` (one row per area, data year and figure, each with
unit, period, geography, status and source); housing and council tax figures from ``model/data/housing.csv``
(the same for every data year). Age figures (persons by five-year band, ``age_16_19`` to ``age_60_64``) are
optional: an area without them has ages uniform over 16-64. ``status`` is ``sourced``, ``derived`` (formula in
``derivation`` or ``note``), ``fallback`` (a wider-area or neighbouring figure used where the local one was
not found, said in ``note``) or ``assumption``.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
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
# Five-year age bands (first and last year) of the mid-year estimates: figures age_16_19 ... age_60_64.
AGE_BANDS = ((16, 19), *((a, a + 4) for a in range(20, 65, 5)))
AGE_KEYS = tuple(f"age_{first}_{last}" for first, last in AGE_BANDS)
AGE_YEARS = AGE_BANDS[-1][1] - AGE_BANDS[0][0] + 1  # single years 16-64

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
    ages: tuple[float, ...] | None = None  # persons by AGE_BANDS (None: ages uniform over 16-64)

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

    def age_weights(self) -> tuple[float, ...]:
        """The share of residents at each single year of age 16-64.

        Each band's share is spread evenly over its years; uniform where the area has no age figures.
        """
        if self.ages is None:
            return (1 / AGE_YEARS,) * AGE_YEARS
        total = sum(self.ages)
        return tuple(
            n / total / (last - first + 1)
            for n, (first, last) in zip(self.ages, AGE_BANDS, strict=True)
            for _ in range(first, last + 1)
        )


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
        if row["key"] in REQUIRED + OPTIONAL + AGE_KEYS:
            figures[key][row["key"]] = float(row["value"])
    profiles = {}
    for key, values in figures.items():
        missing = [k for k in REQUIRED if k not in values]
        present = [k for k in AGE_KEYS if k in values]
        if present and len(present) != len(AGE_KEYS):
            missing += [k for k in AGE_KEYS if k not in values]
        if missing:
            raise ValueError(f"{source}: {key[0]} {key[1]} lacks {', '.join(missing)}")
        ages = tuple(values.pop(k) for k in present)
        profiles[key] = AreaProfile(**values, ages=ages or None)
    return profiles


@cache
def packaged_profiles() -> Mapping[tuple[str, int], AreaProfile]:
    """The area profiles shipped with the package."""
    return read_profiles()


def area_sizes(profiles: Sequence[AreaProfile], scale: float) -> list[int]:
    """Simulated residents per area: the published 16-64 population times ``scale``, at least one."""
    return [max(round(p.population_16_64 * scale), 1) for p in profiles]


def area_names() -> list[str]:
    """Names of the areas a scenario may use."""
    return sorted({name for name, _ in packaged_profiles()})


TENURES = ("owned_outright", "mortgage", "social_rent", "private_rent")
ROOM_SIZES = ("room", "1bed", "2bed", "3bed", "4bed")  # private rents; LHA: shared (a room), 1 to 4 bedrooms


@dataclass(frozen=True)
class HousingProfile:
    """Housing and council tax figures for one area (rents and rates in the units of housing.csv).

    Attributes:
        tenure: shares of households owning outright, with a mortgage, renting socially, renting privately.
        private_rent: median monthly private rent by size (a room, 1 to 4 bedrooms), 2021-22.
        lha: weekly Local Housing Allowance by size (shared accommodation, 1 to 4 bedrooms).
        band_d: annual Band D council tax; band_a_share and band_b_share of dwellings.
        ctr_max_support: the largest share of liability Council Tax Reduction pays (working age);
            ctr_band_cap: the highest band supported (0 none, 1 A, 2 B).
        households_all_ages: Census 2021 households (all ages).

    """

    name: str
    tenure: tuple[float, float, float, float]
    private_rent: tuple[float, ...]
    lha: tuple[float, ...]
    band_d: float
    band_a_share: float
    band_b_share: float
    ctr_max_support: float
    ctr_band_cap: int
    households_all_ages: float


def read_housing(path: Path | None = None) -> dict[str, HousingProfile]:
    """Read housing profiles by area from a housing-format CSV (the packaged one by default)."""
    source = path or resources.files("model").joinpath("data", "housing.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    values: dict[str, dict[str, float]] = {}
    for row in rows:
        values.setdefault(row["area"], {})[row["key"]] = float(row["value"])
    profiles = {}
    for area, v in values.items():
        try:
            profiles[area] = HousingProfile(
                name=area,
                tenure=tuple(v[f"tenure_{t}"] for t in TENURES),
                private_rent=tuple(v[f"private_rent_{s}"] for s in ROOM_SIZES),
                lha=tuple(v[f"lha_{s}"] for s in ("shared", *ROOM_SIZES[1:])),
                band_d=v["council_tax_band_d"],
                band_a_share=v["council_tax_band_a_share"],
                band_b_share=v["council_tax_band_b_share"],
                ctr_max_support=v["ctr_max_support"],
                ctr_band_cap=int(v["ctr_band_cap"]),
                households_all_ages=v["households_all_ages"],
            )
        except KeyError as missing:
            raise ValueError(f"{source}: {area} lacks {missing}") from None
    return profiles


@cache
def packaged_housing() -> Mapping[str, HousingProfile]:
    """The housing profiles shipped with the package, by area name."""
    return read_housing()
