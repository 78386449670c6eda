"""Plots of a run: rates over time per area with 90% intervals across replications."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from model.ensemble import RunResult

RATES = {
    "employment_rate": "Employment rate (% of 16-64)",
    "unemployment_rate": "Unemployment rate (% of active)",
    "inactivity_rate": "Inactivity rate (% of 16-64)",
}
COLOURS = {"counterfactual": "#4d4d4d", "scenario": "#1f77b4"}


def bands(monthly: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean and 5th/95th percentiles across replications by arm, area and month."""
    rows = monthly[(monthly["metric"] == metric) & (monthly["programme"] == "all")]
    grouped = rows.groupby(["arm", "area", "month", "date"])["value"]
    return pd.DataFrame(
        {"mean": grouped.mean(), "p05": grouped.quantile(0.05), "p95": grouped.quantile(0.95)}
    ).reset_index()


def plot_rates(result: RunResult, folder: Path) -> list[str]:
    """One figure per area: employment, unemployment and inactivity rates with 90% intervals."""
    areas = list(dict.fromkeys(result.monthly["area"]))
    data = {metric: bands(result.monthly, metric) for metric in RATES}
    arms = ["counterfactual", "scenario"] if result.scenario_simulated else ["counterfactual"]
    names = []
    for area in areas:
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), constrained_layout=True)
        for ax, (metric, label) in zip(axes, RATES.items(), strict=True):
            for arm in arms:
                d = data[metric]
                d = d[(d["arm"] == arm) & (d["area"] == area)]
                ax.fill_between(d["month"], d["p05"], d["p95"], color=COLOURS[arm], alpha=0.2, linewidth=0)
                ax.plot(d["month"], d["mean"], color=COLOURS[arm], label=f"{arm} (mean, 90% interval)")
            ax.set_title(label, fontsize=10)
            ax.set_xlabel(f"month from {result.scenario.start}")
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=8, loc="best")
        fig.suptitle(f"{result.scenario.name}: {area}", fontsize=11)
        name = f"rates_{area.lower().replace(' ', '_').replace('-', '_')}.png"
        fig.savefig(folder / name, dpi=110, metadata={"Software": None})
        plt.close(fig)
        names.append(name)
    return names
