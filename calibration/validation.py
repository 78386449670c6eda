"""Validation tables for the README: the baseline against what it was fitted to, on seeds the fit never used.

Run ``.venv/bin/python calibration/validation.py [table ...]`` (tables: ``areas``, ``flows``; default both);
prints Markdown. The same properties are asserted by ``tests/experiments/test_baseline_fit.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.config.areas import packaged_profiles, read_profiles
from model.config.loading import load_scenario
from model.config.parameters import default_parameters
from model.engine import simulate
from model.experiments.calibration import flow_rates, stock_rates
from model.experiments.fitting import TARGETS, read_targets, reference_housing

ROOT = Path(__file__).resolve().parents[1]
SEED = 424242  # not the calibration seed
RUNS = (  # (areas, data year, scale), as in the baseline-fit test
    (["Halton", "Knowsley", "Liverpool", "Sefton", "St Helens", "Wirral"], 2023, 0.5),
    (["Barrow-in-Furness", "Allerdale"], 2023, 1.0),
    (["Sefton", "Barrow-in-Furness", "Allerdale"], 2010, 1.0),
)
METRICS = ("employment_rate", "unemployment_rate", "inactivity_rate")


def _scenario(areas: list[str], data_year: int, scale: float, horizon: int = 120):
    sets = [
        f"population.areas={areas}",
        f"population.data_year={data_year}",
        f"population.scale={scale}",
        f"horizon_months={horizon}",
        f"seed={SEED}",
        "replications=1",
    ]
    return load_scenario(ROOT / "scenarios" / "lcr_baseline.yaml", sets)


def areas_table() -> str:
    """Published rate / simulated mean of months 1-120 / largest deviation in any month, per area."""
    lines = [
        "| area | data year | employment rate | unemployment rate | inactivity rate |",
        "|---|---|---|---|---|",
    ]
    for areas, year, scale in RUNS:
        rates = stock_rates(simulate(_scenario(areas, year, scale), ledger=False).counts["counterfactual"])
        for i, area in enumerate(areas):
            profile = packaged_profiles()[(area, year)]
            cells = []
            for metric in METRICS:
                series = rates[metric][1:, i]
                target = getattr(profile, metric)
                cells.append(f"{target:.1f} / {series.mean():.1f} / {np.abs(series - target).max():.2f}")
            lines.append(f"| {area} | {year} | {' | '.join(cells)} |")
    return "\n".join(lines)


def flows_table() -> str:
    """LFS 2013 monthly gross flow rates against a UK 2013 population on a seed the fit never used."""
    reference = read_profiles(TARGETS / "reference_populations.csv")[("United Kingdom", 2013)]
    scenario = _scenario(["Halton"], 2023, 0.1, horizon=60)
    population = scenario.population.model_copy(
        update={"areas": [reference.name], "scale": 150_000 / reference.population_16_64}
    )
    counts = simulate(
        scenario.model_copy(update={"population": population}),
        params=default_parameters(),
        profiles=[reference],
        housing=[reference_housing(reference)],
        ledger=False,
    ).counts["counterfactual"]
    achieved = flow_rates(counts)
    lines = ["| flow (monthly) | LFS 2013 | model | difference |", "|---|---|---|---|"]
    for name, row in read_targets("national_flows.csv", TARGETS).items():
        key = name.removeprefix("flow.")
        target = float(row["value"])
        lines.append(
            f"| {key.replace('_', '→')} | {100 * target:.2f}% | {100 * achieved[key]:.2f}% | "
            f"{100 * (achieved[key] / target - 1):+.1f}% |"
        )
    return "\n".join(lines)


TABLES = {"areas": areas_table, "flows": flows_table}

if __name__ == "__main__":
    for name in sys.argv[1:] or TABLES:
        print(TABLES[name]())
        print()
