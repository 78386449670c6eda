"""The impact charts a brief shows (and ``plots/`` keeps as PNG): effects, not two arms drawn over each other.

Each function returns a matplotlib figure; :func:`svg` turns one into inline SVG whose bytes depend on the
results only (fixed hash salt, no date, text kept as text).
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from model.config.vocabulary import ALL_AREAS, ALL_PROGRAMMES, IMPACT
from model.experiments.ensemble import RunResult

BLUE, GREY = "#1f5f99", "#4d4d4d"
SVG_SALT = "healthwork"  # matplotlib's SVG ids are hashed with this salt: same figure, same bytes


def impact_by_month(result: RunResult) -> plt.Figure:
    """Additional residents in work (scenario minus counterfactual) by month, all areas, with the 90% band."""
    b = result.bands
    d = b[(b["arm"] == IMPACT) & (b["metric"] == "employed") & (b["area"] == ALL_AREAS)]
    d = d[(d["programme"] == ALL_PROGRAMMES) & (d["month"] > 0)]
    fig, ax = plt.subplots(figsize=(7.2, 3.0), constrained_layout=True)
    ax.fill_between(d["month"], d["p05"], d["p95"], color=BLUE, alpha=0.2, linewidth=0, label="90% interval")
    ax.plot(d["month"], d["mean"], color=BLUE, label="mean")
    ax.axhline(0, color=GREY, linewidth=0.8)
    ax.set_xlabel(f"month from {result.scenario.start}")
    ax.set_ylabel("additional residents in work")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def impact_by_area(result: RunResult) -> plt.Figure:
    """Additional employed person-years by area over the horizon, mean and 90% interval."""
    s = result.summary
    rows = s[(s["arm"] == IMPACT) & (s["metric"] == "additional_employed_person_months")]
    rows = rows[rows["area"] != ALL_AREAS].iloc[::-1]
    mean, low, high = (rows[k].to_numpy(float) / 12 for k in ("mean", "p05", "p95"))
    fig, ax = plt.subplots(figsize=(7.2, 0.45 * len(rows) + 1.0), constrained_layout=True)
    y = np.arange(len(rows))
    ax.barh(y, mean, color=BLUE, alpha=0.8)
    # The interval drawn from its ends: a skewed ensemble's mean may lie outside its 5th-95th percentiles.
    ax.hlines(y, low, high, color=GREY, linewidth=1)
    ax.plot(np.concatenate([low, high]), np.concatenate([y, y]), "|", color=GREY, markersize=8)
    ax.set_yticks(y, rows["area"])
    ax.axvline(0, color=GREY, linewidth=0.8)
    ax.set_xlabel("additional employed person-years (mean, 90% interval)")
    ax.grid(alpha=0.3, axis="x")
    return fig


def fiscal_by_year(result: RunResult) -> plt.Figure:
    """Net Exchequer impact by fiscal year and payer (GBP at 2024/25 prices, mean over replications)."""
    from model.io.workbook import EXCHEQUER_SIGN  # the sign convention, declared once

    by = result.fiscal_by_payer
    years = list(by.index)
    fig, ax = plt.subplots(figsize=(7.2, 3.4), layout="constrained")
    x = np.arange(len(years))
    bottom_pos, bottom_neg = np.zeros(len(years)), np.zeros(len(years))
    colours = plt.get_cmap("tab10")
    for i, (payer, sign) in enumerate(EXCHEQUER_SIGN.items()):
        if payer not in by.columns:
            continue
        v = sign * by[payer].to_numpy(float) / 1e6
        base = np.where(v >= 0, bottom_pos, bottom_neg)
        ax.bar(x, v, bottom=base, color=colours(i), label=payer.replace("_", " "), width=0.7)
        bottom_pos, bottom_neg = bottom_pos + np.maximum(v, 0), bottom_neg + np.minimum(v, 0)
    ax.plot(x, bottom_pos + bottom_neg, "k.-", linewidth=1, label="net Exchequer")
    ax.axhline(0, color=GREY, linewidth=0.8)
    ax.set_xticks(x, years, rotation=45, fontsize=8)
    ax.set_ylabel("GBP million, 2024/25 prices")
    ax.grid(alpha=0.3, axis="y")
    fig.legend(fontsize=7, ncols=6, loc="outside lower center")
    return fig


def svg(fig: plt.Figure) -> str:
    """The figure as an inline ``<svg>`` element (no XML prologue), deterministic, and the figure closed."""
    buffer = io.StringIO()
    with plt.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def has_impact(result: RunResult) -> bool:
    """Whether the run has an impact to chart: programmes, so a simulated scenario arm, and a ledger."""
    return result.scenario.has_programmes() and result.value_for_money is not None
