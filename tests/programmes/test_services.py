"""Programmes: capacity, waiting lists, eligibility, one per type, common random numbers, effects."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from model.config.loading import load_scenario
from model.config.vocabulary import EMPLOYED
from model.core.modifiers import Modifiers
from model.core.streams import Streams
from model.engine import HealthWorkModel, RunContext, burned_in_population, simulate
from model.experiments import ensemble
from model.experiments.appraisal import COST_METRICS
from model.programmes.programme import COMPLETED, DROPPED, IN_WORK, PRE_EMPLOYMENT, WAITING
from model.programmes.services import COUNTS, Services
from tests.conftest import POPULATION_METRICS, ROOT, small_scenario, step_both_arms

AREAS = ["Knowsley", "Liverpool"]


def ips(**changes):
    spec = {
        "name": "ips",
        "type": "ips",
        "staff_fte": 10,
        "referral": {"gp": 0.002},
        "start": "2026-04",
        "end": "2027-09",
    }
    spec.update(changes)
    return spec


def scenario(programmes, **changes):
    return small_scenario(
        population={"areas": AREAS, "scale": 0.05}, horizon_months=24, programmes=programmes, **changes
    )


def model_with_programmes(sc):
    """The scenario arm's model over a burned-in population, before its first month."""
    context = RunContext.build(sc, sc.resolved_parameters())
    pop = burned_in_population(context, Streams(1, 0))
    return context, HealthWorkModel(context, pop, Streams(1, 0), arm="s", programmes=context.programmes)


def counts(result, name):
    return result.programmes.counts[..., COUNTS.index(name)]


def test_caseload_never_exceeds_capacity_and_waiting_list_forms_when_demand_exceeds_it():
    sc = scenario([ips(referral={"gp": 0.01})])
    context = RunContext.build(sc, sc.resolved_parameters())
    capacity = context.programmes[0].capacity
    result = simulate(sc)
    caseload, waiting = counts(result, "caseload")[:, 0], counts(result, "waiting")[:, 0]
    assert (caseload <= capacity).all()
    assert (caseload[3:18] == capacity).all()  # full while demand exceeds places
    assert waiting[6:18].min() > 0
    waited = counts(result, "waited_months")[1:19].sum()
    assert waited / counts(result, "starts")[1:19].sum() > 1


@pytest.mark.parametrize("staff", [2.0, 4.0, 8.0])
def test_places_follow_staff(staff):
    """Places are staff x caseload x sample, rounded, never raised to one (0.0001 FTE is refused)."""
    sc = scenario([ips(staff_fte={"Knowsley": staff, "Liverpool": 2 * staff})])
    context = RunContext.build(sc, sc.resolved_parameters())
    prog = context.programmes[0]
    sample = np.array(context.sizes) / np.array([p.population_16_64 for p in context.profiles])
    expected = np.array([staff, 2 * staff]) * prog.caseload_per_fte * sample
    assert np.array_equal(prog.capacity, np.round(expected))
    assert (np.abs(prog.capacity - expected) <= 0.5).all()


def test_no_waiting_list_when_places_exceed_demand():
    result = simulate(scenario([ips(referral={"gp": 0.0002}, staff_fte=50)]))
    assert counts(result, "waiting").max() == 0
    assert counts(result, "waited_months").sum() == 0
    assert counts(result, "starts").sum() > 0


def test_nobody_ineligible_starts(monkeypatch):
    started = []
    original = Services._start

    def spy(self, k, prog, slots, month, pop):
        started.append(prog.eligible(pop, slots).copy())
        return original(self, k, prog, slots, month, pop)

    monkeypatch.setattr(Services, "_start", spy)
    sc = scenario(
        [
            ips(
                referral={"gp": 0.01},
                eligibility={
                    "states": ["unemployed"],
                    "conditions": ["common_mental_disorder"],
                    "min_months_out_of_work": 3,
                },
            )
        ]
    )
    simulate(sc)
    assert started and all(ok.all() for ok in started)
    assert sum(len(ok) for ok in started) >= 10


def test_nobody_is_in_two_programmes_of_the_same_type_at_once():
    sc = scenario([ips(name="a", referral={"gp": 0.02}), ips(name="b", referral={"gp": 0.02})])
    both = 0
    for _, _, sm in step_both_arms(sc, 18):
        busy = [np.isin(s, (WAITING, PRE_EMPLOYMENT, IN_WORK)) for s in sm.services.status]
        assert not (busy[0] & busy[1]).any()
        both += busy[1].sum()
    assert both > 0  # the second programme did take people


def test_different_types_may_overlap():
    sc = scenario(
        [
            ips(referral={"gp": 0.03}, staff_fte=400),  # places for a good share of the eligible
            {"name": "ht", "type": "health_trainer", "staff_fte": 400, "referral": {"self": 0.03}},
        ]
    )
    overlap = 0
    for _, _, sm in step_both_arms(sc, 12):
        active = [np.isin(s, (PRE_EMPLOYMENT, IN_WORK)) for s in sm.services.status]
        overlap += (active[0] & active[1]).sum()
    assert overlap > 0


def test_residents_never_started_have_identical_histories_in_both_arms():
    """Unless they live with someone who started: a housemate's job changes their household's job entry."""
    sc = scenario([ips(referral={"gp": 0.01})])
    ever_started = ever_touched = None
    same = None
    for _, cf, sm in step_both_arms(sc, 18):
        status = sm.services.status[0]
        now = np.isin(status, (PRE_EMPLOYMENT, IN_WORK, COMPLETED, DROPPED))
        ever_started = now if ever_started is None else ever_started | now
        touched = now.copy()
        for pop in (cf.population, sm.population):
            touched |= np.isin(pop.household, pop.household[now])
        ever_touched = touched if ever_touched is None else ever_touched | touched
        equal = np.ones(len(status), bool)
        for column in (
            "state",
            "mental_health",
            "msk",
            "other_condition",
            "work_limiting",
            "readiness",
            "months_out_of_work",
            "job_tenure",
        ):
            equal &= getattr(cf.population, column) == getattr(sm.population, column)
        same = equal if same is None else same & equal
    untouched = ~ever_touched
    assert untouched.sum() > 0.9 * len(untouched)
    assert same[untouched].all()
    assert not same[ever_started].all()  # participants' histories did change


def test_neutral_effects_give_exactly_zero_impact_on_every_metric():
    neutral = {
        "employment.job_entry": {"hazard_ratio": 1.0},
        "employment.job_exit": {"hazard_ratio": 1.0},
        "readiness.gain": {"gain_per_month": 0.0},
        "health.mental_health.recovery": {"hazard_ratio": 1.0},
    }
    sc = scenario(
        [
            ips(referral={"gp": 0.01}, effects=neutral),
            {
                "name": "ht",
                "type": "health_trainer",
                "staff_fte": 20,
                "referral": {"self": 0.01},
                "effects": {
                    "readiness.gain": {"gain_per_month": 0.0},
                    "health.mental_health.recovery": {"hazard_ratio": 1.0},
                    "health.msk.recovery": {"hazard_ratio": 1.0},
                },
            },
        ]
    )
    run = ensemble.run(sc)
    assert run.programmes is not None and run.programmes["value"].sum() > 0  # the programmes did run
    impact = run.summary[(run.summary["arm"] == "impact") & ~run.summary["metric"].isin(COST_METRICS)]
    assert len(impact) > 3 * len(POPULATION_METRICS)
    assert (impact[["mean", "p05", "p50", "p95"]].to_numpy() == 0).all()


def test_effects_change_outcomes_for_participants():
    result = simulate(scenario([ips(referral={"gp": 0.01}, staff_fte=40)]))
    cf, sc = result.counts["counterfactual"], result.counts["scenario"]
    assert sc.stocks[1:, :, EMPLOYED].sum() > cf.stocks[1:, :, EMPLOYED].sum()  # employed person-months


def test_support_is_time_limited_to_job_search_plus_in_work_months():
    sc = scenario(
        [
            ips(
                referral={"gp": 0.05},
                staff_fte=100,  # enough participants that some find work and use in-work support
                support_months={"pre_employment": 3, "in_work": 2},
                dropout=0.0,
            )
        ]
    )
    longest = 0
    for _, _, sm in step_both_arms(sc, 20):
        active = np.isin(sm.services.status[0], (PRE_EMPLOYMENT, IN_WORK))
        months = sm.services.months[0][active]
        longest = max(longest, int(months.max()) if months.size else 0)
        in_work = sm.services.in_work[0][active]
        assert (months - in_work <= 3).all() and (in_work <= 2).all()
    assert 3 <= longest <= 5


def test_waiting_list_rules_order_admissions():
    sc = scenario([ips(waiting_list={"rule": "longest_out_of_work"})])
    context, model = model_with_programmes(sc)
    agent = model.services.agents[0][0]
    agent.capacity, agent.caseload = 5, 0
    pop = model.population
    queue = np.flatnonzero((pop.state != EMPLOYED) & (pop.area == 0))[:50]
    admitted = agent.admit(queue, pop, model.services.status[0], model.services.months[0])
    assert len(admitted) == 5
    assert pop.months_out_of_work[admitted].min() >= np.sort(pop.months_out_of_work[queue])[-5]
    # First come first served: the longest waiting first.
    waited = model.services.months[0]
    waited[queue] = np.arange(len(queue))
    agent.programme = replace(context.programmes[0], rule="fifo")
    admitted = agent.admit(queue, pop, model.services.status[0], waited)
    assert set(admitted) == set(queue[-5:])
    # Lowest readiness first.
    agent.programme = replace(context.programmes[0], rule="lowest_readiness")
    admitted = agent.admit(queue, pop, model.services.status[0], waited)
    assert pop.readiness[admitted].max() <= np.sort(pop.readiness[queue])[4]


def test_effects_decay_after_exit_with_the_half_life():
    sc = scenario([ips(effects={"employment.job_entry": {"hazard_ratio": 4.0, "decay_half_life_months": 2}})])
    _, model = model_with_programmes(sc)
    services = model.services
    slots = np.flatnonzero(model.population.state != EMPLOYED)[:3]
    services.status[0][slots] = COMPLETED
    services.months[0][slots] = [0, 2, 4]
    services.response[0][slots] = 1.0
    services.exited[0] = slots
    mods = Modifiers(len(model.population))
    services._publish(model.population, mods)
    factor = mods.get("employment.job_entry")
    np.testing.assert_allclose(factor[slots], [4.0, 2.0, 4.0**0.25], rtol=1e-5)
    untouched = np.ones(len(factor), bool)
    untouched[slots] = False
    assert (factor[untouched] == 1.0).all()  # exactly neutral for everyone the programme does not touch
    mods.reset()
    assert (factor == 1.0).all()


@pytest.mark.slow
def test_participants_travel_further_with_health_trainer_readiness_gains():
    sc = scenario(
        [
            {
                "name": "ht",
                "type": "health_trainer",
                "staff_fte": 30,
                "referral": {"self": 0.01},
                "dropout": 0.0,
            }
        ],
        replications=2,
    )
    run = ensemble.run(sc)
    d = run.distance.set_index(["area", "measure"])
    assert d.loc[("ALL", "readiness_change"), "mean"] > 0.03
    assert d.loc[("ALL", "readiness_change"), "exits"] > 50
    assert 0.6 < d.loc[("ALL", "readiness_change"), "share_improved"] <= 1.0


def test_sustainment_is_continuous_so_longer_sustainment_never_exceeds_shorter():
    from model.core.recording import JobStartCohorts

    pop = SimpleNamespace(
        state=np.zeros(3, np.uint8), job_tenure=np.array([4, 2, 1], np.int16), area=np.zeros(3, np.uint8)
    )
    cohorts = JobStartCohorts((3,))
    cohorts.sustained(1, np.array([0, 1, 2]), pop, 1)  # three job starts in month 1
    # In month 4: slot 0 has held the job since month 1; slot 1 left and started again in month 3; slot 2
    # started again this month. Only slot 0's job lasted 3 months.
    assert cohorts.sustained(4, np.zeros(0, np.intp), pop, 1)[3].tolist() == [1]

    for path in ("lcr_ips_expansion", "lcr_combined", "lcr_employment_support"):
        sc = load_scenario(
            ROOT / "scenarios" / f"{path}.yaml",
            ["population.scale=0.03", "replications=2", "horizon_months=48", "simulation.burn_in_months=12"],
        )
        run = ensemble.run(sc)
        total = (
            run.programmes.groupby(["replication", "area", "programme", "metric"])["value"].sum().unstack()
        )
        assert (total["sustained_12m"] <= total["sustained_6m"] + 1e-9).all(), path
        assert (total["sustained_6m"] <= total["sustained_3m"] + 1e-9).all(), path
        assert (total["sustained_3m"] <= total["participant_job_starts"] + 1e-9).all(), path
        assert total["sustained_12m"].sum() > 0


def test_a_plug_in_programme_type_registered_from_outside_runs_end_to_end(tmp_path):
    """tests/plugins/toy_programme.py registers 'peer_mentoring' with its own parameters; the CLI imports it
    with --plugin, the worker processes import it too, and its effects reach the outputs."""
    import subprocess
    import sys

    import pandas as pd

    spec = tmp_path / "mentoring.yaml"
    spec.write_text(
        "name: mentoring\nstart: 2026-04\nhorizon_months: 18\nseed: 3\nreplications: 2\n"
        "population: {areas: [Knowsley], scale: 0.05}\nparameters: {simulation.burn_in_months: 6}\n"
        "programmes:\n  - {name: mentors, type: peer_mentoring, staff_fte: 10}\n"
    )
    command = [sys.executable, "-m", "model.cli", "run", str(spec), "--workers", "2", "--no-plots"]
    refused = subprocess.run(
        [*command, "--out", str(tmp_path / "a")], capture_output=True, text=True, cwd=ROOT
    )
    assert (
        refused.returncode == 2
        and "programmes[0].type" in refused.stderr
        and "peer_mentoring" in refused.stderr
    )
    plugin = ["--plugin", "tests.plugins.toy_programme"]
    done = subprocess.run(
        [*command, *plugin, "--out", str(tmp_path / "b")], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "b" / "summary.csv").set_index(["arm", "area", "programme", "metric"])
    assert summary.loc[("scenario", "ALL", "mentors", "starts"), "mean"] > 0
    assert summary.loc[("impact", "ALL", "all", "additional_job_starts"), "mean"] > 0
    parameters = pd.read_csv(tmp_path / "b" / "parameters.csv").set_index("path")
    assert (
        parameters.loc["services.peer_mentoring.job_entry_hr", "source"]
        == "test plug-in (illustrative values)"
    )
