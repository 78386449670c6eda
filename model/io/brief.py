"""``brief.html``: one self-contained page a planner can send (written by every run; ``healthwork brief``).

The question in the scenario's words, what was simulated, the headline impact with intervals and what each
number means, impact charts (inline SVG), programme delivery, fiscal impact by payer and year, distance
travelled, the assumptions that matter most with their sources, warnings, and the run's identity. Jinja2 with
autoescaping (scenario text is user input); no external assets; no dates or times, so re-rendering the same
run gives the same bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from model.config.areas import packaged_profiles
from model.config.parameters import FIXED_BASES
from model.config.scenario import Scenario
from model.config.vocabulary import ALL_AREAS, ALL_PROGRAMMES, IMPACT
from model.core.files import atomic_write_text
from model.core.metrics import METRICS
from model.experiments.appraisal import RATIOS
from model.experiments.ensemble import RunResult
from model.io import charts
from model.programmes.services import SUSTAIN_MONTHS
from model.programmes.types import extrapolations

TEMPLATE = "brief.html.j2"
HORIZON_FOR_SUSTAINMENT = max(SUSTAIN_MONTHS)  # months a start needs before the horizon for every outcome


@dataclass(frozen=True)
class Headline:
    """One headline row: a summary metric (or value-for-money measure), how it is shown, what it means."""

    metric: str
    label: str
    kind: str  # "people", "person_years", "gbp", "ratio", "month", "share"
    meaning: str


HEADLINES = (
    Headline("additional_job_starts", "Additional job starts", "people",
             "more people started a job than would have without the programmes (net of deadweight and "
             "displacement)"),
    Headline("additional_sustained_jobs_6m", "Additional sustained jobs (6 months)", "people",
             "more job starts lasted six months without a break"),
    Headline("additional_employed_person_months", "Additional employed person-years", "person_years",
             "more years spent in work, summed over residents and the horizon"),
    Headline("benefit_saving_gbp", "DWP benefit saving", "gbp", "less Universal Credit paid"),
    Headline("local_authority_saving_gbp", "Local authority saving", "gbp",
             "less Council Tax Reduction paid by the councils"),
    Headline("tax_ni_gain_gbp", "HMRC tax and NI gain", "gbp",
             "more income tax and National Insurance received"),
    Headline("nhs_saving_gbp", "NHS saving", "gbp", "lower NHS costs of the conditions and of inactivity"),
    Headline("programme_cost_gbp", "Programme cost", "gbp", "what the programmes' funders spend"),
    Headline("net_exchequer_gbp", "Net Exchequer impact", "gbp",
             "savings and receipts across DWP, councils, HMRC and the NHS, less the programme cost"),
    Headline("npv_net_exchequer_gbp", "Net present value (Exchequer)", "gbp",
             "the net Exchequer impact discounted at the Green Book rate (appraisal.discount_rate)"),
    Headline("bcr", "Benefit-cost ratio", "ratio",
             "present value of fiscal, economic and social benefits per pound of programme cost"),
    Headline("payback_month", "Payback", "month",
             "the month by which the discounted savings have repaid the cost"),
    Headline("cost_per_additional_job_gbp", "Cost per additional job", "gbp",
             "programme cost per additional job start"),
    Headline("cost_per_sustained_job_gbp", "Cost per additional sustained job", "gbp",
             "programme cost per additional job lasting six months"),
    Headline("displacement_share", "Displacement", "share",
             "share of the additional job starts that took openings others would have filled"),
)  # fmt: skip
DELIVERY = ("starts", "caseload", "waiting", "waiting_time_months", "dropouts", "completions",
            "participant_job_starts", *(f"sustained_{k}m" for k in SUSTAIN_MONTHS))  # fmt: skip


def number(value: float, kind: str) -> str:
    """A value as the brief shows it (the page's numbers; tests compare them with summary.csv)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "never" if kind == "month" and value > 0 else ("infinite" if value > 0 else "-infinite")
    if kind == "gbp":
        return f"-£{abs(value):,.0f}" if value < 0 else f"£{value:,.0f}"
    if kind == "ratio":
        return f"{value:.2f}"
    if kind == "month":
        return f"month {value:.0f}"
    if kind == "share":
        return f"{100 * value:.1f}%"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def headline_rows(result: RunResult) -> list[dict]:
    """The headline table at ``ALL``: each measure's raw and shown statistics and what it means."""
    s, v = result.summary, result.value_for_money
    impact = s[(s["arm"] == IMPACT) & (s["area"] == ALL_AREAS) & (s["programme"] == ALL_PROGRAMMES)]
    impact = impact.set_index("metric")
    vfm = v[v["area"] == ALL_AREAS].set_index("measure")
    rows = []
    for h in HEADLINES:
        frame = vfm if h.metric in vfm.index else impact
        if h.metric not in frame.index:
            continue
        r = frame.loc[h.metric]
        scale = 1 / 12 if h.kind == "person_years" else 1
        stats = {k: float(r[k]) * scale for k in ("mean", "p05", "p95")}
        shown = {k: number(x, h.kind) for k, x in stats.items()}
        meaning = h.meaning
        if h.metric == "bcr" and r.get("band"):
            meaning += f" ({r['band']} value for money)"
        jobs = RATIOS.get(h.metric, (None, None))[1]
        if jobs is not None and impact.loc[jobs, "p05"] <= 0:
            shown["mean"] = "not defined"
            meaning += "; not defined, as the 90% interval of the jobs it divides by reaches zero"
        rows.append(
            {
                "metric": h.metric,
                "label": h.label,
                "raw": {k: float(r[k]) for k in ("mean", "p05", "p95")},
                "shown": shown,
                "meaning": meaning,
                "crosses_zero": stats["p05"] < 0 < stats["p95"] and h.kind not in ("month", "share"),
            }
        )
    return rows


def _programmes(result: RunResult) -> list[dict]:
    scenario = result.scenario
    params = scenario.resolved_parameters()
    profiles = {a: packaged_profiles()[(a, scenario.population.data_year)] for a in scenario.population.areas}
    out = []
    for spec in scenario.programmes:
        first, last = spec.window(scenario)
        staff = spec.staff_by_area(scenario, profiles)
        caseload = spec.caseload(params)
        e = spec.eligibility.model_dump(exclude_none=True)
        out.append(
            {
                "name": spec.name,
                "type": spec.type,
                "areas": ", ".join(spec.areas or scenario.population.areas),
                "staff": sum(staff.values()),
                "caseload": caseload,
                "places": sum(staff.values()) * caseload,
                "open": f"months {first} to {last}",
                "eligibility": "; ".join(f"{k}: {v}" for k, v in e.items() if v not in ([], {}, ""))
                or "defaults",
            }
        )
    return out


def _delivery(result: RunResult) -> list[dict]:
    s = result.summary
    rows = s[(s["arm"] == "scenario") & (s["area"] == ALL_AREAS) & (s["programme"] != ALL_PROGRAMMES)]
    rows = rows[rows["metric"].isin(DELIVERY)]
    return [
        {
            "programme": r["programme"],
            "metric": r["metric"],
            "meaning": METRICS[r["metric"]].definition,
            "shown": {k: number(float(r[k]), "people") for k in ("mean", "p05", "p95")},
        }
        for _, r in rows.iterrows()
    ]


PATHWAY_LABELS = {  # how the brief names each pathway metric
    "additional_employed_person_months_via_health_and_readiness": "through health and readiness gains",
    "additional_employed_person_months_via_job_search_and_in_work": "through job search and in-work support",
    "additional_employed_person_months_via_both": "needing both together",
}


def _pathways(result: RunResult) -> list[dict]:
    """Each programme's additional employed person-years by pathway (runs with ``pathways``), else none."""
    s = result.summary
    rows = s[(s["arm"] == IMPACT) & (s["area"] == ALL_AREAS) & s["metric"].isin(list(PATHWAY_LABELS))]
    return [
        {
            "programme": r["programme"],
            "pathway": PATHWAY_LABELS[r["metric"]],
            "metric": r["metric"],
            "shown": {k: number(float(r[k]) / 12, "person_years") for k in ("mean", "p05", "p95")},
        }
        for _, r in rows.iterrows()
    ]


def _fiscal(result: RunResult) -> tuple[list[str], list[dict]]:
    by = result.fiscal_by_payer
    if by is None:
        return [], []
    payers = list(by.columns)
    return payers, [
        {"year": year, "values": [number(float(by.loc[year, p]), "gbp") for p in payers]} for year in by.index
    ]


def _assumptions(result: RunResult) -> tuple[str, list[dict]]:
    """The assumptions that matter most: ranked by effect across draws, else those the programmes rest on."""
    scenario = result.scenario
    records = {r["path"]: r for r in scenario.resolved_parameters().as_records()}
    effect: dict[str, float] = {}
    drawn = (result.uncertainty or {}).get("draws.csv")
    if drawn is not None and result.draws >= 3 and scenario.has_programmes() and result.at_all:
        npv = result.at_all[(IMPACT, "npv_net_exchequer_gbp")].reshape(result.draws, -1).mean(axis=1)
        values = drawn.pivot(index="draw", columns="parameter", values="value")
        ranks = values.rank().corrwith(pd.Series(npv, index=values.index).rank())
        effect = ranks.dropna().abs().sort_values(ascending=False, kind="stable").head(8).to_dict()
        how = (
            f"Ranked by how closely the net Exchequer NPV follows each parameter across the {result.draws} "
            "parameter draws (absolute rank correlation; 1 = the NPV rises or falls with it in every draw; "
            "with few draws chance correlations are large: use 50 or more to rank with confidence)."
        )
        paths = list(effect)
    else:
        kinds = {p.type for p in scenario.programmes}
        paths = [
            path
            for path, r in records.items()
            if r["status"] == "assumption"
            and r["distribution_basis"] not in FIXED_BASES
            and scenario.affected_by(path)
            and (
                path.split(".")[1] in kinds if path.startswith("services.") else path.startswith("appraisal.")
            )
        ]
        how = (
            "Not ranked: the run has fewer than three parameter draws. These are the uncertain assumptions "
            "(no published source) the programmes' results rest on; run with --draws K to rank every "
            "uncertain parameter by its effect."
        )
    return how, [
        {
            "path": p,
            "value": records[p]["value"],
            "unit": records[p]["unit"],
            "source": records[p]["source"],
            "grade": f"{records[p]['status']}; {records[p]['distribution_basis'] or 'fitted'}",
            "distribution": records[p]["distribution"],
            "effect": f"{effect[p]:.2f}" if p in effect else "",
        }
        for p in paths
    ]


def _warnings(result: RunResult, headline: list[dict]) -> list[str]:
    scenario = result.scenario
    found = list(extrapolations(scenario))
    found += [
        f"{r['label']}: the 90% interval ({r['shown']['p05']} to {r['shown']['p95']}) includes zero, so the "
        "run cannot tell a gain from a loss."
        for r in headline
        if r["crosses_zero"]
    ]
    for spec in scenario.programmes:
        _, last = spec.window(scenario)
        if last + HORIZON_FOR_SUSTAINMENT > scenario.horizon_months:
            found.append(
                f"{spec.name} admits people until month {last} of {scenario.horizon_months}: job outcomes at "
                f"{HORIZON_FOR_SUSTAINMENT} months of those starting in the last {HORIZON_FOR_SUSTAINMENT} "
                "months fall beyond the horizon and are not counted."
            )
    if not result.draws:
        found.append(
            "Intervals cover the run's random variation (replications) only, not the uncertainty in the "
            "parameters: run with --draws K for intervals that cover both."
        )
    return found


def _templates() -> jinja2.Environment:
    """The brief's templates, autoescaped (scenario text is user input)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("model.io", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(result: RunResult, identity: dict) -> str:
    """The brief's HTML for a finished run; ``identity`` is its runs/manifest.json."""
    scenario: Scenario = result.scenario
    headline = headline_rows(result) if charts.has_impact(result) else []
    payers, fiscal = _fiscal(result)
    how, assumptions = _assumptions(result)
    figures = {}
    if headline:
        figures = {
            "by_month": charts.svg(charts.impact_by_month(result)),
            "by_area": charts.svg(charts.impact_by_area(result)),
        }
        if result.fiscal_by_payer is not None:
            figures["fiscal"] = charts.svg(charts.fiscal_by_year(result))
    distance = result.distance if result.distance is not None else pd.DataFrame()
    return (
        _templates()
        .get_template(TEMPLATE)
        .render(
            scenario=scenario,
            economy=scenario.economy.label(),
            programmes=_programmes(result),
            headline=headline,
            figures=figures,
            delivery=_delivery(result),
            pathways=_pathways(result),
            payers=payers,
            fiscal=fiscal,
            distance=distance.to_dict("records"),
            distance_columns=list(distance.columns),
            assumptions_how=how,
            assumptions=assumptions,
            warnings=_warnings(result, headline),
            identity=json.dumps(identity, indent=2, sort_keys=True),
            draws=result.draws,
            digest=scenario.digest(),
        )
    )


def write_brief(result: RunResult, folder: Path, identity: dict) -> Path:
    """Write ``brief.html`` into a run folder, atomically."""
    path = folder / "brief.html"
    atomic_write_text(path, render(result, identity))
    return path


def headline_numbers(result: RunResult) -> list[str]:
    """The three numbers a run ends by printing: additional job starts, Exchequer NPV, benefit-cost ratio."""
    rows = {r["metric"]: r for r in headline_rows(result)} if charts.has_impact(result) else {}
    wanted = ("additional_job_starts", "npv_net_exchequer_gbp", "bcr")
    shown = [(rows[m]["label"], rows[m]["shown"]) for m in wanted if m in rows]
    return [f"{label}: {s['mean']} (90% interval {s['p05']} to {s['p95']})" for label, s in shown]


def render_comparison(names: Sequence[str], results: Sequence[RunResult], table: pd.DataFrame) -> str:
    """The comparison's brief: the scenarios, and each headline impact with its paired difference."""
    kinds = {h.metric: h for h in HEADLINES}
    first = results[0].scenario
    short = {name: Path(name).name or name for name in names}
    if len(set(short.values())) < len(names):
        short = {name: name for name in names}
    runs = [
        {
            "name": name,
            "shown": short[name],
            "scenario": r.scenario.name,
            "description": r.scenario.description,
            "programmes": "; ".join(f"{p['name']} ({p['type']}, {p['staff']:g} FTE)" for p in _programmes(r))
            or "none",
        }
        for name, r in zip(names, results, strict=True)
    ]
    rows = []
    for _, t in table.iterrows():
        h = kinds.get(t["metric"])
        kind, label = (
            (h.kind, h.label) if h else ("gbp" if t["metric"].endswith("_gbp") else "people", t["metric"])
        )
        scale = 1 / 12 if kind == "person_years" else 1

        def shown(x: float, kind: str = kind, scale: float = scale) -> str:
            return number(x * scale, kind)

        reference = t["run"] == names[0]
        difference = (
            ""
            if reference
            else f"{shown(t['difference_mean'])} ({shown(t['difference_p05'])} to "
            f"{shown(t['difference_p95'])})"
        )
        better = "" if reference else f"{100 * t['share_better']:.0f}%"
        if reference:
            sentence = "the reference"
        elif t["difference_p05"] == t["difference_p95"] == 0:
            sentence = "the same in every replication"
        elif t["difference_p05"] <= 0 <= t["difference_p95"]:
            sentence = f"no clear difference: better in {better} of replications"
        else:
            side = "better" if t["share_better"] >= 0.5 else "worse"
            sentence = f"{side} than the reference in {better} of replications"
        rows.append(
            {
                "metric": t["metric"],
                "label": label,
                "run": t["run"],
                "shown": short[t["run"]],
                "raw_mean": float(t["mean"]),
                "mean": shown(t["mean"]),
                "interval": f"{shown(t['p05'])} to {shown(t['p95'])}",
                "difference": difference,
                "better": better,
                "sentence": sentence,
            }
        )
    shared = (
        f"{', '.join(first.population.areas)} at scale {first.population.scale:g}, {first.horizon_months} "
        f"months from {first.start}, seed {first.seed}, {first.replications} replication(s), economy "
        f"{first.economy.label()}"
    )
    return (
        _templates()
        .get_template("compare.html.j2")
        .render(names=list(names), runs=runs, rows=rows, shared=shared)
    )


def write_comparison(
    names: Sequence[str], results: Sequence[RunResult], table: pd.DataFrame, folder: Path
) -> Path:
    """Write the comparison's ``brief.html`` into ``folder``, atomically."""
    path = folder / "brief.html"
    atomic_write_text(path, render_comparison(names, results, table))
    return path
