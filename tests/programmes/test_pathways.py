"""Pathway decomposition: extra arms that switch a group of a programme's effects off, same random numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.config.vocabulary import EMPLOYED
from model.engine import simulate
from model.experiments import ensemble
from model.programmes.pathways import PATHWAY_ARMS, PATHWAY_METRICS
from tests.conftest import healthwork, small_scenario

JOB_ENTRY_ONLY = {
    "employment.job_entry": {"hazard_ratio": 3.0},
    "employment.job_exit": {"hazard_ratio": 1.0},
    "readiness.gain": {"gain_per_month": 0.0},
}


def scenario(effects=None, pathways=True):
    programme = {"name": "ips", "type": "ips", "staff_fte": 20, "referral": {"gp": 0.01}}
    if effects is not None:
        programme["effects"] = effects
    return small_scenario(
        population={"areas": ["Knowsley", "Halton"], "scale": 0.05},
        horizon_months=24,
        programmes=[programme],
        pathways=pathways,
    )


def rows(result, area="ALL"):
    s = result.summary
    picked = s[(s["arm"] == "impact") & (s["area"] == area)]
    total = picked[(picked["programme"] == "all") & (picked["metric"] == "additional_employed_person_months")]
    via = picked[picked["metric"].isin(PATHWAY_METRICS)].set_index("metric")["mean"]
    return float(total["mean"].iloc[0]), via


def test_the_arm_without_any_of_the_programmes_effects_is_the_counterfactual_to_the_bit():
    result = simulate(scenario(), replication=1)
    counterfactual = result.counts["counterfactual"].stocks[..., EMPLOYED]
    assert np.array_equal(result.pathways[0, PATHWAY_ARMS.index("all")], counterfactual)
    assert not np.array_equal(result.counts["scenario"].stocks[..., EMPLOYED], counterfactual)


def test_the_pathways_add_up_to_the_programmes_effect_in_every_area():
    result = ensemble.run(scenario())
    for area in ("Knowsley", "Halton", "ALL"):
        total, via = rows(result, area)
        assert via.sum() == pytest.approx(total, abs=1e-6)
    total, via = rows(result)
    assert via["additional_employed_person_months_via_job_search_and_in_work"] > 0 < total


def test_a_programme_acting_only_on_job_finding_works_only_through_job_search():
    total, via = rows(ensemble.run(scenario(JOB_ENTRY_ONLY)))
    assert total > 0
    assert via["additional_employed_person_months_via_health_and_readiness"] == 0
    assert via["additional_employed_person_months_via_both"] == pytest.approx(0, abs=1e-9)
    assert via["additional_employed_person_months_via_job_search_and_in_work"] == pytest.approx(total)


def test_without_pathways_no_extra_arms_run_and_the_results_are_the_same():
    plain, split = (ensemble.run(scenario(pathways=p)) for p in (False, True))
    assert not plain.summary["metric"].isin(PATHWAY_METRICS).any()
    same = split.summary[~split.summary["metric"].isin(PATHWAY_METRICS)].reset_index(drop=True)
    assert same.equals(plain.summary)


def test_run_pathways_from_the_command_line_reaches_summary_and_brief(tmp_path):
    (tmp_path / "p.yaml").write_text(
        "name: p\nstart: 2026-04\nhorizon_months: 18\nseed: 3\nreplications: 2\n"
        "population: {areas: [Knowsley], scale: 0.05}\nparameters: {simulation.burn_in_months: 12}\n"
        "programmes:\n  - {name: ips, type: ips, staff_fte: 10, referral: {gp: 0.01}}\n"
    )
    done = healthwork("run", tmp_path / "p.yaml", "--pathways", "--no-plots", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert set(summary[summary["programme"] == "ips"]["metric"]) >= set(PATHWAY_METRICS)
    brief = (tmp_path / "out" / "brief.html").read_text(encoding="utf-8")
    assert "through health and readiness gains" in brief and "Not run: healthwork run --pathways" not in brief
