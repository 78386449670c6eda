"""Calibration with a posterior (ABC-SMC, pyabc): coverage, purity, resume, the frozen result, the command."""

from __future__ import annotations

import functools
import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest

from model.cli import main
from model.config.errors import InputError
from model.experiments import abc
from tests.conftest import healthwork

pytest.importorskip("pyabc")


def test_simulation_based_calibration_covers_the_true_values_near_the_nominal_rate(tmp_path):
    """SBC on the toy problem: 8 data sets simulated at values drawn from the prior, each calibrated.

    Each parameter's 90% posterior interval should cover its true value about 90% of the time and the 50%
    interval about half the time. Tolerances: the 16 intervals' coverage within its binomial 99% range.
    """
    rng = np.random.default_rng(2024)
    covered = {0.9: [], 0.5: []}
    base = abc.toy_problem()
    for k in range(8):
        truth = {p.path: float(p.frozen().rvs(random_state=rng)) for p in base.priors}
        problem = abc.toy_problem(truth, seed=100 + k)
        history = abc.run(
            problem, tmp_path / f"{k}.db", particles=60, generations=4, seed=k, log=lambda _: None
        )
        posterior = abc.posterior_draws(history, problem, 2000, seed=k)
        for level, found in covered.items():
            found += abc.interval_covers(posterior, truth, level).values()
    assert 0.62 <= np.mean(covered[0.9]) <= 1.0, np.mean(covered[0.9])
    assert 0.18 <= np.mean(covered[0.5]) <= 0.82, np.mean(covered[0.5])


def test_a_simulation_is_a_pure_function_of_the_parameter_values():
    problem = abc.toy_problem()
    values = {"toy.employed_share": 0.4, "toy.entry_hr": 1.3}
    model = abc._Model(problem)
    shorts = abc._short(problem)
    first = model({shorts[k]: v for k, v in values.items()})
    assert first == model({shorts[k]: v for k, v in reversed(values.items())})  # order does not matter
    assert abc.seed_of("toy", values) != abc.seed_of("toy", {**values, "toy.entry_hr": 1.3000001})
    assert abc.seed_of("toy", values) != abc.seed_of("ips", values)


def test_an_interrupted_calibration_resumes_cooling_from_where_it_stopped(tmp_path, monkeypatch, capsys):
    """A run planned for 5 generations stopped after 2 (as by Ctrl-C) resumes to 5, cooling on to 1.

    Frozen before then, it is refused: its last generation is not the posterior. A new run over the history
    and a resume without one are refused too.
    """
    import pyabc

    problem, db = abc.toy_problem(), tmp_path / "toy" / "history.db"
    run = pyabc.ABCSMC.run
    with monkeypatch.context() as patch:  # stop after two generations
        patch.setattr(pyabc.ABCSMC, "run", lambda self, max_nr_populations: run(self, max_nr_populations=2))
        stopped = abc.run(problem, db, particles=40, generations=5, log=lambda _: None)
    assert stopped.max_t == 1 and abc.summary(stopped)["final_temperature"] > 1
    args = ["calibrate", "--method", "abc", "--problem", "toy", "--out", str(tmp_path), "--resume"]
    assert main([*args, "--generations", "2", "--particles", "40"]) == 2
    assert "not the posterior; continue with: healthwork calibrate" in capsys.readouterr().err
    history = abc.run(problem, db, particles=40, generations=5, resume=True, log=lambda _: None)
    temperatures = list(history.get_all_populations().query("t >= 0")["epsilon"])
    assert len(temperatures) == 5 and temperatures[-1] == 1.0
    assert all(a > b for a, b in itertools.pairwise(temperatures))  # cooled on, no jump
    assert temperatures[2] > 1
    with pytest.raises(InputError, match="holds a calibration"):
        abc.run(problem, db, particles=40, generations=3, log=lambda _: None)
    with pytest.raises(InputError, match="no history to resume"):
        abc.run(problem, tmp_path / "none.db", particles=40, generations=3, resume=True, log=lambda _: None)


def test_the_frozen_posterior_is_equal_weight_draws_with_a_manifest_and_diagnostics(tmp_path):
    problem = abc.toy_problem()
    history = abc.run(problem, tmp_path / "h.db", particles=60, generations=3, log=lambda _: None)
    parquet, manifest = abc.freeze([history], problem, "toy", tmp_path, draws=500, seed=7)
    frame = pd.read_parquet(parquet)
    assert list(frame.columns) == [p.path for p in problem.priors] and len(frame) == 500
    again, _ = abc.freeze([history], problem, "again", tmp_path, draws=500, seed=7)
    assert parquet.read_bytes() == again.read_bytes()  # seeded resampling
    facts = json.loads(manifest.read_text())
    assert facts["generations"] == 3 and facts["final_temperature"] == 1.0
    assert len(facts["acceptance"]) == 3 and 0 < facts["effective_sample_size"] <= 60
    assert facts["synthetic_truth"] == abc.TOY_TRUTH and facts["posterior_sha256"]
    assert {"priors_sha256", "target_files_sha256", "code", "versions"} <= set(facts)
    written = abc.diagnostics(problem, frame, tmp_path / "toy", predictive=10)
    prior_posterior = pd.read_csv(written[0])
    assert (prior_posterior["variance_removed"] > 0.8).all()  # both parameters identified by the toy data
    checks = pd.read_csv(written[1])
    assert checks["observed_within_90"].all() and len(checks) == len(problem.targets)
    assert all(path.stat().st_size > 0 for path in written)


def test_the_command_writes_the_posterior_and_refuses_what_does_not_apply(tmp_path, capsys):
    done = healthwork(
        "calibrate", "--method", "abc", "--problem", "toy", "--particles", "20", "--generations", "3",
        "--draws", "200", "--predictive", "5", "--workers", "1", "--out", tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(pd.read_parquet(tmp_path / "toy.parquet")) == 200
    assert (tmp_path / "toy" / "history.db").exists() and (tmp_path / "toy" / "predictive.png").exists()
    resumed = healthwork(
        "calibrate", "--method", "abc", "--problem", "toy", "--particles", "20", "--generations", "4",
        "--draws", "200", "--predictive", "5", "--workers", "1", "--out", tmp_path, "--resume",
    )  # fmt: skip
    # A finished calibration (at temperature 1) has nothing to continue: resumed, it adds no generation.
    assert resumed.returncode == 0 and json.loads((tmp_path / "toy.json").read_text())["generations"] == 3
    for args, message in (
        (["--problem", "toy"], "--problem: applies to --method abc only"),
        (["--method", "abc", "--stage", "ips"], "--stage: applies to --method solve only"),
        (["--se-scale", "2"], "--se-scale: applies to --method abc only"),
        (["--method", "abc", "--problem", "toy", "--name", "../x"], "--name: '../x'"),
        (["--method", "abc", "--problem", "areas-2032"], "(did you mean 'areas-2023'?); problems: toy"),
        (["--method", "abc", "--problem", "toy", "--out", tmp_path], "holds a calibration"),
        (
            ["--method", "abc", "--pilot", abc.PILOT_EXAMPLE],
            "a pilot needs --pilot, --scenario and --programme",
        ),
    ):
        assert main(["calibrate", *map(str, args)]) == 2
        assert message in capsys.readouterr().err


def test_draws_take_parameter_sets_from_the_scenarios_posterior_and_the_rest_from_priors(tmp_path):
    from model.config.loading import load_scenario
    from model.core.files import sha256
    from model.experiments import uncertainty
    from tests.conftest import FIXTURES

    table = pd.read_parquet(FIXTURES / "posterior" / "ips.parquet")
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: p\nstart: 2026-04\nhorizon_months: 12\nseed: 3\nreplications: 1\n"
        "population: {areas: [Knowsley], scale: 0.05}\n"
        "programmes: [{name: ips, type: ips, staff_fte: 5}]\n"
        f"posterior: {{file: {FIXTURES / 'posterior' / 'ips.parquet'}, "
        f"sha256: {sha256(FIXTURES / 'posterior' / 'ips.parquet')}}}\n"
    )
    scenario = load_scenario(path)
    smi = "services.ips.job_entry_hr.severe_mental_illness"
    rows = set()
    for draw in range(12):
        _, values = uncertainty.draw_scenario(scenario, draw)
        row = table[np.isclose(table[smi], values[smi])]
        assert len(row) == 1 and values[f"{smi}_p95"] == values[smi]  # the posterior replaces the lognormal
        cmd = "services.ips.job_entry_hr.common_mental_disorder"
        assert values[cmd] == pytest.approx(row[cmd].iloc[0])  # the same row for every column
        assert "services.ips.engagement" in values  # a parameter the posterior lacks: from its prior
        rows.add(row.index[0])
    assert len(rows) > 4  # draws spread over the rows
    assert smi not in uncertainty.drawn_paths(scenario)


def test_a_scenario_may_name_several_posteriors_each_drawn_independently(tmp_path):
    from model.config.loading import load_scenario
    from model.core.files import sha256
    from model.experiments import uncertainty
    from tests.conftest import FIXTURES

    ips = FIXTURES / "posterior" / "ips.parquet"
    factor = "area_factors.Knowsley.2023.job_entry"
    areas = tmp_path / "areas.parquet"
    pd.DataFrame({factor: np.linspace(1.0, 3.0, 21)}).to_parquet(areas, index=False)
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: p\nstart: 2026-04\nhorizon_months: 12\nseed: 3\nreplications: 1\n"
        "population: {areas: [Knowsley], scale: 0.05}\n"
        "programmes: [{name: ips, type: ips, staff_fte: 5}]\n"
        f"posterior:\n  - {{file: {ips}, sha256: {sha256(ips)}}}\n"
        f"  - {{file: {areas}, sha256: {sha256(areas)}}}\n"
    )
    scenario = load_scenario(path)
    smi = "services.ips.job_entry_hr.severe_mental_illness"
    ips_rows = pd.read_parquet(ips)[smi].tolist()
    pairs = set()
    for draw in range(30):
        values = uncertainty.posterior_values(scenario, draw)
        assert 1.0 <= values[factor] <= 3.0 and values[smi] in ips_rows
        pairs.add((ips_rows.index(values[smi]), round((values[factor] - 1.0) * 10)))
    # Independent rows: the pairs are not one row index shared by both (tables of 21 rows each).
    assert len({a - b for a, b in pairs}) > 10
    assert factor not in uncertainty.drawn_paths(scenario)


def test_the_pilot_template_ships_empty_and_the_worked_example_is_the_models_own_output(tmp_path):
    from model.config.loading import load_scenario

    template = abc.PILOT_EXAMPLE.parent / "pilot_template.csv"
    assert template.read_text().strip() == ",".join(abc.PILOT_FIELDS)
    with pytest.raises(InputError, match="the template ships empty"):
        abc.read_pilot(template)
    scenario = load_scenario(abc.PILOT_EXAMPLE_SCENARIO)
    frame = abc.synthetic_pilot(scenario, abc.PILOT_EXAMPLE_PROGRAMME, abc.PILOT_EXAMPLE_TRUTH)
    assert frame.to_csv(index=False, lineterminator="\n") == abc.PILOT_EXAMPLE.read_text()


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (lambda f: f.drop(columns="starts"), "starts", "missing field"),
        (lambda f: f.assign(extra=1), "extra", "unknown field"),
        (
            lambda f: f.assign(job_entries=f["starts"] + 1),
            "row 2.job_entries",
            "more job entries than starts",
        ),
        (lambda f: f.assign(starts="many"), "row 2.starts", "expected a number >= 0, got 'many'"),
        (lambda f: f.assign(followup_months=[12, 6, 12]), "followup_months", "one follow-up for every row"),
        (
            lambda f: f.assign(distance_scale_max=0),
            "row 2.distance_scale_max",
            "not above the scale's minimum",
        ),
        (
            lambda f: f.assign(site=["Sefton", None, "Allerdale"]),
            "row 3.site",
            "expected the site's area name",
        ),
        (lambda f: f.assign(distance_n=0), "distance_n", "no client's distance travelled was scored"),
    ],
)
def test_a_bad_pilot_file_is_refused_naming_file_field_and_reason(tmp_path, change, key, message):
    bad = tmp_path / "pilot.csv"
    change(pd.read_csv(abc.PILOT_EXAMPLE)).to_csv(bad, index=False)
    with pytest.raises(InputError) as caught:
        abc.read_pilot(bad)
    assert any(p.key == key and message in p.reason and p.file == str(bad) for p in caught.value.problems), [
        str(p) for p in caught.value.problems
    ]


def test_a_pilot_calibration_recovers_the_effect_its_synthetic_data_were_generated_with(tmp_path):
    """The worked example: pilot outcomes the model generated at readiness_gain 0.03; the posterior's 90%
    interval must cover it, and the data must narrow the prior."""
    from model.config.loading import load_scenario

    scenario = load_scenario(abc.PILOT_EXAMPLE_SCENARIO)
    problem = abc.pilot_problem(abc.PILOT_EXAMPLE, scenario, abc.PILOT_EXAMPLE_PROGRAMME)
    assert problem.synthetic == abc.PILOT_EXAMPLE_TRUTH
    history = abc.run(problem, tmp_path / "h.db", particles=20, generations=3, log=lambda _: None)
    posterior = abc.posterior_draws(history, problem, 2000, seed=1)
    assert all(abc.interval_covers(posterior, abc.PILOT_EXAMPLE_TRUTH).values())
    gain = posterior["services.health_trainer.readiness_gain"]
    prior = problem.priors[0]
    assert gain.quantile(0.95) - gain.quantile(0.05) < 0.5 * (prior.b - prior.a)


def test_the_conditions_problem_fits_the_odds_ratios_stage_b_fits_from_their_rows():
    """Its targets are conditions.csv's employment.condition.* rows; its simulation gives their moments, which
    move with the odds ratio (lower odds, fewer residents with SMI employed)."""
    problem = abc.conditions_problem(sample=20_000)
    assert [t.name for t in problem.targets] == [
        "employment_rate_smi",
        "employment_rate_work_limiting_cmd",
        "employment_rate_work_limiting_msk",
    ]
    assert problem.priors[-1].path == "employment.condition.entry_share"  # not identified by stocks alone
    values = {p.path: p.frozen().median() for p in problem.priors}
    low = {
        **values,
        "employment.condition.smi_employment_or": values["employment.condition.smi_employment_or"] / 8,
    }
    base, lower = problem.simulate(values, 1), problem.simulate(low, 1)
    assert set(base) == {t.name for t in problem.targets}
    assert lower["employment_rate_smi"] < base["employment_rate_smi"]


def test_the_area_targets_carry_the_published_intervals_and_their_method_checks_against_inactivity():
    """Every packaged area and year has its three stocks with standard errors, the values its profile's.

    The unemployment and sickness rows take the effective sample size the employment rate's published
    interval implies; applied to the inactivity rate, that size must give its published interval's standard
    error within 5% (a check on data the method did not use).
    """
    from model.config.areas import packaged_profiles

    rows = abc.area_standard_errors()
    for (name, year), profile in packaged_profiles().items():
        shares = dict(zip(abc.AREA_MOMENTS, profile.state_shares()[:3], strict=True))
        for moment, value in shares.items():
            row = rows[(name, year, moment)]
            assert float(row["value"]) == pytest.approx(value, abs=1e-6) and float(row["se"]) > 0
            assert (
                row["source"] and row["derivation"] and row["status"] in {"sourced", "derived", "assumption"}
            )
        e, se_e = shares["employment_rate"], float(rows[(name, year, "employment_rate")]["se"])
        n = e * (1 - e) / se_e**2
        inactivity = rows[(name, year, "inactivity_rate")]
        i = float(inactivity["value"])
        assert math.sqrt(i * (1 - i) / n) == pytest.approx(float(inactivity["se"]), rel=0.05), (name, year)


def test_an_areas_fitted_factors_reproduce_its_stocks_within_their_standard_errors():
    problem = abc.PROBLEMS["areas-2023"]()
    part = next(p for p in problem.parts if p.name == "area-knowsley-2023")
    from model.config.parameters import default_parameters

    fitted = {p.path: default_parameters()[p.path] for p in part.priors}
    simulated = part.simulate(fitted, 99)  # a seed the fit never used
    for target in part.targets:
        assert abs(simulated[target.name] - target.value) <= 2 * target.se, target.name


def _identity(values, seed, *, name):
    """A toy part: its one target is its one parameter; its check, twice that."""
    return {f"{name}.y": values[f"{name}.x"], f"{name}.twice": 2 * values[f"{name}.x"]}


def _joint_toy() -> abc.CalibrationProblem:
    parts = tuple(
        abc.CalibrationProblem(
            name, "toy part", (abc.Prior(f"{name}.x", "uniform", 0.0, 1.0),),
            (abc.Target(f"{name}.y", observed, 0.05, "synthetic"),),
            functools.partial(_identity, name=name), 0.0,
            checks=(abc.Target(f"{name}.twice", 2 * observed, 0.1, "synthetic"),) if name == "a" else (),
        )
        for name, observed in (("a", 0.3), ("b", 0.7))
    )  # fmt: skip
    return abc.joint_problem("joint", "two independent toys", parts)


def test_a_problem_of_independent_parts_runs_one_abc_each_and_freezes_their_draws_side_by_side(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(abc.PROBLEMS, "joint", _joint_toy)
    args = [
        "calibrate", "--method", "abc", "--problem", "joint", "--particles", "30", "--generations", "3",
        "--draws", "300", "--predictive", "4", "--workers", "1", "--out", str(tmp_path),
    ]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    frame = pd.read_parquet(tmp_path / "joint.parquet")
    assert list(frame.columns) == ["a.x", "b.x"] and len(frame) == 300
    assert frame["a.x"].median() == pytest.approx(0.3, abs=0.08)
    assert frame["b.x"].median() == pytest.approx(0.7, abs=0.08)
    assert abs(np.corrcoef(frame["a.x"], frame["b.x"])[0, 1]) < 0.2  # resampled independently
    facts = json.loads((tmp_path / "joint.json").read_text())
    assert set(facts["parts"]) == {"a", "b"} and facts["simulations"] == sum(
        part["simulations"] for part in facts["parts"].values()
    )
    assert (tmp_path / "joint" / "a" / "history.db").exists() and (
        tmp_path / "joint" / "b" / "history.db"
    ).exists()
    predictive = pd.read_csv(tmp_path / "joint" / "predictive.csv")
    assert list(predictive["target"]) == ["a.y", "b.y", "a.twice"]  # the check compared, not fitted
    assert list(predictive["role"]) == ["likelihood", "likelihood", "check"]
    assert set(abc._Model(_joint_toy().parts[0])({"p0": 0.4})) == {"a.y"}  # pyabc sees the targets only
    assert main([*args, "--resume"]) == 0  # both parts finished: nothing to add
    assert json.loads((tmp_path / "joint.json").read_text())["simulations"] == facts["simulations"]
    assert main(args) == 2 and "holds a calibration" in capsys.readouterr().err
    other = [*args[:-1], str(tmp_path / "none"), "--resume"]  # nothing begun there: refused, not started
    assert main(other) == 2 and "no history to resume" in capsys.readouterr().err


def test_the_ips_problems_trial_arm_levels_are_checks_the_simulator_reports():
    """Arm levels (trial_arms.csv) are simulated beside the risk ratios but left out of the likelihood."""
    from model.config.parameters import default_parameters

    problem = abc.ips_problem(sample=40_000)
    assert {c.name for c in problem.checks} == {
        f"ips.arm.{g}.{arm}"
        for g in ("severe_mental_illness", "common_mental_disorder")
        for arm in ("programme", "usual")
    }
    assert abc.TARGETS / "trial_arms.csv" in problem.files
    values = {p.path: default_parameters()[p.path] for p in problem.priors}
    simulated = problem.simulate(values, 5)
    for group in ("severe_mental_illness", "common_mental_disorder"):
        treated, usual = simulated[f"ips.arm.{group}.programme"], simulated[f"ips.arm.{group}.usual"]
        assert 0 <= usual < treated <= 1
        rr = next(t.name for t in problem.targets if t.name.endswith(group))
        assert simulated[rr] == pytest.approx(math.log(treated / usual))


def test_the_households_into_work_problem_matches_the_pilots_gross_outcome_by_its_job_entry_effect():
    problem = abc.PROBLEMS["households-into-work"]()
    (prior,) = problem.priors
    (target,) = problem.targets
    assert prior.path == "services.households_into_work.job_entry_hr" and target.value == 0.11
    assert target.se == pytest.approx(math.sqrt(0.11 * 0.89 / 834), rel=1e-3)  # the households as clients
    shares = [problem.simulate({prior.path: hr}, 3)[target.name] for hr in (0.5, 1.15, 2.0)]
    assert shares[0] < shares[1] < shares[2]  # the emulated starters find work faster with the effect


def test_the_flows_problem_is_stage_as_targets_and_its_fitted_values_reproduce_them():
    from model.config.parameters import default_parameters
    from model.experiments.calibration import FLOWS

    problem = abc.PROBLEMS["flows"]()
    assert [t.name for t in problem.targets] == [*(f"flow.{k}" for k in FLOWS), "sick_share_of_inactive"]
    assert all(t.se == 0.05 for t in problem.targets)  # the stated assumption, on the log scale
    fitted = {p.path: default_parameters()[p.path] for p in problem.priors}
    simulated = problem.simulate(fitted, 4242)  # a seed the fit never used
    for target in problem.targets:
        assert abs(simulated[target.name] - target.value) <= 2 * target.se, target.name


def test_a_sensitivity_run_scales_every_standard_error_of_targets_checks_and_parts(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["calibrate", "--method", "abc", "--se-scale", "0"])
    assert (
        stopped.value.code == 2 and "--se-scale: must be a finite number above 0" in capsys.readouterr().err
    )
    scaled = abc.with_standard_errors_scaled(_joint_toy(), 2.0)
    assert [t.se for t in scaled.targets] == [0.1, 0.1]  # the whole's, which the diagnostics compare
    assert [t.se for part in scaled.parts for t in part.targets] == [0.1, 0.1]
    assert [c.se for c in scaled.parts[0].checks] == [0.2] and scaled.description.endswith("x 2")
    ips = abc.with_standard_errors_scaled(abc.ips_problem(), 2.0)
    assert [c.se for c in ips.checks] == [2 * c.se for c in abc.ips_problem().checks]
