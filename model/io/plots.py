"""Plots of a run: rates per area, the impact by month, programme caseloads and waiting lists, job starts."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from model.config.scenario import slug
from model.config.vocabulary import ALL_AREAS, ALL_PROGRAMMES, ARMS
from model.experiments.ensemble import RunResult
from model.io import charts

RATES = {
    "employment_rate": "Employment rate (% of 16-64)",
    "unemployment_rate": "Unemployment rate (% of active)",
    "inactivity_rate": "Inactivity rate (% of 16-64)",
}
COLOURS = {"counterfactual": "#4d4d4d", "scenario": "#1f77b4"}


def bands(result: RunResult, metric: str, programme: str = ALL_PROGRAMMES) -> pd.DataFrame:
    """A plotted series' mean and 90% interval across replications by arm, area and month."""
    b = result.bands
    return b[(b["metric"] == metric) & (b["programme"] == programme)]


def plot_rates(result: RunResult, folder: Path) -> list[str]:
    """One figure: employment, unemployment and inactivity rates by area, with the 90% interval for ALL.

    Each area's line is the scenario arm's mean across replications; ALL (population-weighted) also shows
    its interval and, when programmes ran, the counterfactual (dashed).
    """
    areas = [*result.scenario.population.areas, ALL_AREAS]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    colours = plt.get_cmap("tab10")
    for ax, (metric, label) in zip(axes, RATES.items(), strict=True):
        data = bands(result, metric)
        for i, area in enumerate(areas):
            d = data[(data["area"] == area) & (data["arm"] == ARMS[1])]
            if area == ALL_AREAS:
                _band(ax, d, "black", f"{ALL_AREAS} (mean, 90% interval)")
                if result.scenario_simulated:
                    cf = data[(data["area"] == area) & (data["arm"] == ARMS[0])]
                    ax.plot(cf["month"], cf["mean"], "k--", linewidth=1, label=f"{ALL_AREAS}, {ARMS[0]}")
            else:
                ax.plot(d["month"], d["mean"], color=colours(i % 10), linewidth=1, label=area)
        _label(ax, label, result)
    axes[0].legend(fontsize=7, loc="best")
    fig.suptitle(
        f"{result.scenario.name}: rates by area; economy {result.scenario.economy.label()}", fontsize=11
    )
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.13, top=0.86, wspace=0.22)
    return [_save(fig, folder, "rates.png")]


def _label(ax, title: str, result: RunResult) -> None:
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(f"month from {result.scenario.start}")
    ax.grid(alpha=0.3)


def _save(fig, folder: Path, name: str) -> str:
    fig.savefig(folder / name, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return name


def _band(ax, frame: pd.DataFrame, colour: str, label: str) -> None:
    ax.fill_between(frame["month"], frame["p05"], frame["p95"], color=colour, alpha=0.2, linewidth=0)
    ax.plot(frame["month"], frame["mean"], color=colour, label=label)


def plot_programmes(result: RunResult, folder: Path) -> list[str]:
    """Per programme: caseload (with capacity) and waiting list over time, per area and in total."""
    names = []
    for spec in result.scenario.programmes:
        areas = [*(spec.areas or result.scenario.population.areas), ALL_AREAS]
        fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), constrained_layout=True)
        colours = plt.get_cmap("tab10")
        for metric, ax in zip(("caseload", "waiting"), axes, strict=True):
            data = bands(result, metric, spec.name)
            for i, area in enumerate(areas):
                _band(ax, data[data["area"] == area], colours(i), area)
            _label(ax, f"{'Caseload' if metric == 'caseload' else 'Waiting list'} (people)", result)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"{result.scenario.name}: {spec.name} ({spec.type}), mean and 90% interval", fontsize=11)
        names.append(_save(fig, folder, f"programme_{slug(spec.name)}.png"))
    return names


def plot_job_starts(result: RunResult, folder: Path) -> list[str]:
    """Job starts per month in each arm, per area and in total."""
    data = bands(result, "job_starts")
    areas = [*result.scenario.population.areas, ALL_AREAS]
    fig, axes = plt.subplots(
        1, len(areas), figsize=(3.6 * len(areas), 3.4), constrained_layout=True, squeeze=False
    )
    for ax, area in zip(axes[0], areas, strict=True):
        for arm in ARMS:
            _band(ax, data[(data["arm"] == arm) & (data["area"] == area)], COLOURS[arm], arm)
        _label(ax, f"{area}: job starts per month", result)
    axes[0][0].legend(fontsize=8)
    return [_save(fig, folder, "job_starts.png")]


def plot_fiscal(result: RunResult, folder: Path) -> list[str]:
    """Impact by payer and fiscal year (2024/25 prices, net of displacement, mean over replications)."""
    by = result.fiscal_by_payer
    gain = {  # positive = better for the public purse
        "DWP (benefit saving)": -by.get("dwp", 0.0),
        "HMRC (tax and NI gain)": by.get("hmrc", 0.0),
        "NHS (saving)": -by.get("nhs", 0.0),
        "Programme cost": -by.get("programme_funder", 0.0),
    }
    years = list(by.index)
    x = np.arange(len(years))
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(years) + 3), 4.2), constrained_layout=True)
    up, down = np.zeros(len(years)), np.zeros(len(years))
    for (label, values), colour in zip(
        gain.items(), ("#2ca02c", "#1f77b4", "#9467bd", "#d62728"), strict=True
    ):
        v = np.asarray(values, dtype=float) / 1e6
        base = np.where(v >= 0, up, down)
        ax.bar(x, v, bottom=base, color=colour, label=label)
        up, down = up + np.maximum(v, 0), down + np.minimum(v, 0)
    ax.plot(x, up + down, "k.-", label="Net to the Exchequer")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, years, rotation=45, ha="right")
    ax.set_ylabel("GBP million, 2024/25 prices")
    ax.set_title(
        f"{result.scenario.name}: fiscal impact by payer and year (all areas, net of displacement)",
        fontsize=10,
    )
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return [_save(fig, folder, "fiscal_by_payer.png")]


def plot_run(result: RunResult, folder: Path) -> list[str]:
    """Every plot of a run."""
    names = plot_rates(result, folder)
    if charts.has_impact(result):
        names.append(_save(charts.impact_by_month(result), folder, "impact.png"))
    if result.scenario.has_programmes():
        names += plot_programmes(result, folder) + plot_job_starts(result, folder)
        if result.fiscal_by_payer is not None:
            names += plot_fiscal(result, folder)
    if result.uncertainty and "ce_plane.csv" in result.uncertainty:
        names += plot_decision(result.uncertainty, folder)
    return names


def plot_decision(tables: dict[str, pd.DataFrame], folder: Path) -> list[str]:
    """The cost-effectiveness plane (one point per parameter draw) and the acceptability curve with EVPI."""
    ce, curve = tables["ce_plane.csv"], tables["ceac.csv"]
    fig, ax = plt.subplots(figsize=(6.5, 5))
    ax.scatter(ce["additional_employed_person_years"], ce["net_cost_gbp"] / 1e6, s=14, alpha=0.7)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.scatter([ce["additional_employed_person_years"].mean()], [ce["net_cost_gbp"].mean() / 1e6], marker="x",
               color="black", s=60, label="mean")  # fmt: skip
    ax.set_xlabel("additional employed person-years")
    ax.set_ylabel("net cost to the Exchequer (GBP million, NPV; below 0: it saves)")
    ax.set_title("Cost-effectiveness plane: one point per parameter draw", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    names = [_save(fig, folder, "ce_plane.png")]
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    wtp = curve["wtp_gbp_per_employed_person_year"] / 1000
    ax.plot(wtp, curve["probability_cost_effective"], marker="o", markersize=3, label="P(net benefit > 0)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("willingness to pay (GBP thousand per additional employed person-year)")
    ax.set_ylabel("probability that funding is worth it")
    other = ax.twinx()
    other.plot(wtp, curve["evpi_gbp"] / 1e6, color="#d62728", linestyle="--", label="EVPI (GBP million)")
    other.set_ylabel("EVPI (GBP million)", color="#d62728")
    ax.set_title("Cost-effectiveness acceptability curve and the value of perfect information", fontsize=10)
    handles = [*ax.get_legend_handles_labels()[0], *other.get_legend_handles_labels()[0]]
    ax.legend(handles=handles, loc="center right", fontsize=8)
    fig.tight_layout()
    names.append(_save(fig, folder, "ceac.png"))
    return names


def plot_indices(indices: pd.DataFrame, method: str, folder: Path) -> list[str]:
    """Global sensitivity: per output, Morris mu* against sigma, or Sobol' S1 and ST bars, with intervals.

    Morris: parameters far to the right matter; high sigma (above the diagonal's neighbourhood) means
    non-linear effects or interactions. Sobol': S1 is the share of variance a parameter explains alone, ST
    with its interactions; bars show the 95% bootstrap intervals.
    """
    written = []
    for output, rows in indices.groupby("output", sort=False):
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 2.5))
        if method == "morris":
            ax.errorbar(rows["mu_star"], rows["sigma"], xerr=rows["mu_star_conf"], fmt="o", capsize=3)
            for _, r in rows.iterrows():
                ax.annotate(r["parameter"], (r["mu_star"], r["sigma"]), fontsize=7, xytext=(4, 2),
                            textcoords="offset points")  # fmt: skip
            top = max(rows["mu_star"].max(), rows["sigma"].max()) * 1.1 or 1
            ax.plot([0, top], [0, top], color="grey", linewidth=0.8, linestyle=":", label="sigma = mu*")
            ax.set_xlabel("mu* (mean absolute elementary effect)")
            ax.set_ylabel("sigma (spread of elementary effects)")
            ax.legend(loc="upper left", fontsize=8)
        else:
            y = np.arange(len(rows))
            ax.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label="S1 (first order)", capsize=2)
            ax.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label="ST (total)", capsize=2)
            ax.set_yticks(y, rows["parameter"], fontsize=8)
            ax.set_xlabel("share of the output's variance")
            ax.legend(loc="lower right", fontsize=8)
        ax.set_title(f"{method}: {output}", fontsize=10)
        fig.tight_layout()
        written.append(_save(fig, folder, f"{method}_{slug(output)}.png"))
    return written
