"""healthwork compare: runs sharing a counterfactual side by side, with paired differences."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from model.io.storage import RUN_FORMAT
from tests.conftest import healthwork

BASE = """name: {name}
start: 2026-04
horizon_months: 24
seed: {seed}
replications: 4
population: {{areas: [Knowsley, Halton], scale: 0.05}}
parameters: {{simulation.burn_in_months: 12}}
programmes:
  - {{name: ips, type: ips, staff_fte: {staff}, areas: [Knowsley], eligibility: {{states: [unemployed]}},
     referral: {{gp: 0.01}}}}
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    for name, seed, staff in (("a", 5, 10), ("b", 5, 20), ("other_seed", 6, 10)):
        scenario = folder / f"{name}.yaml"
        scenario.write_text(BASE.format(name=name, seed=seed, staff=staff))
        done = healthwork("run", scenario, "--out", folder / name, "--no-plots", "--workers", 1)
        assert done.returncode == 0, done.stderr
    return folder


def test_compare_pairs_the_impacts_by_replication(runs):
    out = runs / "ab"
    done = healthwork("compare", runs / "a", runs / "b", "--out", out)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "compare.csv").set_index(["metric", "run"])
    a, b = str(runs / "a"), str(runs / "b")
    cost_a, cost_b = table.loc[("programme_cost_gbp", a)], table.loc[("programme_cost_gbp", b)]
    assert cost_b["mean"] == pytest.approx(2 * cost_a["mean"])  # twice the staff, the same cost per FTE
    assert cost_b["difference_mean"] == pytest.approx(cost_a["mean"])
    assert cost_b["share_better"] == 0  # a higher cost is never better
    assert cost_b["versus"] == a and pd.isna(cost_a["share_better"])
    summary_a = pd.read_csv(runs / "a" / "summary.csv")
    jobs = summary_a[(summary_a["arm"] == "impact") & (summary_a["area"] == "ALL")]
    jobs = jobs[jobs["metric"] == "additional_job_starts"].iloc[0]
    assert table.loc[("additional_job_starts", a), "mean"] == pytest.approx(jobs["mean"])


def test_a_programme_leaves_the_areas_it_does_not_serve_exactly_as_they_were(runs):
    """Scenario files differing in one programme: everything it does not touch is equal to the bit."""
    a, b = (pd.read_csv(runs / name / "summary.csv") for name in ("a", "b"))
    halton = (a["area"] == "Halton") & (a["programme"] == "all")
    pd.testing.assert_frame_equal(a[halton].reset_index(drop=True), b[halton].reset_index(drop=True))
    knowsley = (a["area"] == "Knowsley") & (a["metric"] == "programme_cost_gbp")
    assert not a[knowsley].equals(b[knowsley])  # where it serves, it changes things (here its cost)


def test_runs_without_the_same_counterfactual_are_refused(runs):
    done = healthwork("compare", runs / "a", runs / "other_seed")
    assert done.returncode == 2
    other, reference = runs / "other_seed", runs / "a"
    assert f"{other} differs from {reference} in seed: not the same counterfactual" in done.stderr
    done = healthwork("compare", runs / "a", runs)
    assert done.returncode == 2 and "not a finished run folder" in done.stderr
    done = healthwork("compare", runs / "a")
    assert done.returncode == 2 and "at least two run folders" in done.stderr


def test_run_with_several_scenarios_runs_each_and_compares_them(runs, tmp_path):
    """``run a.yaml b.yaml``: each run as if alone (same bytes), then compare.csv and a comparison brief."""
    out = tmp_path / "set"
    done = healthwork("run", runs / "a.yaml", runs / "b.yaml", "--out", out, "--no-plots", "--workers", 1)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["a", "b", "compare"]
    for name in ("a", "b"):
        assert (out / name / "summary.csv").read_bytes() == (runs / name / "summary.csv").read_bytes()
    table = pd.read_csv(out / "compare" / "compare.csv")
    assert set(table["run"]) == {str(out / "a"), str(out / "b")}
    text = (out / "compare" / "brief.html").read_text(encoding="utf-8")
    shown = dict(re.findall(r'data-metric="([^"]+)" data-run="[^"]+/b" data-mean="([^"]+)"', text))
    b = table[table["run"] == str(out / "b")].set_index("metric")["mean"]
    assert shown and all(float(v) == pytest.approx(b[m], rel=1e-8) for m, v in shown.items())
    assert "Brief of the differences:" in done.stderr


def test_a_set_that_does_not_share_a_counterfactual_is_refused_before_anything_runs(runs, tmp_path):
    out = tmp_path / "set"
    done = healthwork("run", runs / "a.yaml", runs / "other_seed.yaml", "--out", out)
    assert done.returncode == 2 and "differs from" in done.stderr and "in seed" in done.stderr
    assert not out.exists() or not any(out.iterdir())
    done = healthwork("run", runs / "a.yaml", runs / "a.yaml", "--out", out)
    assert done.returncode == 2 and "give the scenarios distinct names" in done.stderr
    done = healthwork("run", runs / "a.yaml", runs / "b.yaml", "--resume", out)
    assert done.returncode == 2 and "--resume" in done.stderr and "Traceback" not in done.stderr


def test_a_set_is_refused_up_front_for_a_baseline_parameter_or_a_taken_folder(runs, tmp_path):
    other = runs / "b_other_readiness.yaml"
    other.write_text(
        (runs / "b.yaml")
        .read_text()
        .replace("name: b", "name: b2")
        .replace(
            "{simulation.burn_in_months: 12}",
            "{simulation.burn_in_months: 12, employment.readiness_effect: 0.9}",
        )
    )
    out = tmp_path / "set"
    done = healthwork("run", runs / "a.yaml", other, "--out", out)
    assert done.returncode == 2 and "in parameter employment.readiness_effect" in done.stderr
    assert not out.exists() or not any(out.iterdir())
    (out / "b").mkdir(parents=True)
    (out / "b" / "mine.txt").write_text("kept")
    done = healthwork("run", runs / "a.yaml", runs / "b.yaml", "--out", out)
    assert done.returncode == 2 and "is not empty" in done.stderr and not (out / "a").exists()
    assert (out / "b" / "mine.txt").read_text() == "kept"


def test_a_run_folder_of_an_older_layout_is_refused_in_one_line(runs, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(runs / "a", old)
    manifest = old / "runs" / "manifest.json"
    text = manifest.read_text()
    assert f'"format": {RUN_FORMAT}' in text
    manifest.write_text(text.replace(f'"format": {RUN_FORMAT}', f'"format": {RUN_FORMAT - 1}'))
    done = healthwork("brief", old)
    assert done.returncode == 2 and "older layout" in done.stderr and "Traceback" not in done.stderr
