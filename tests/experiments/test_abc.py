"""Calibration with a posterior (ABC-SMC, pyabc): coverage, purity, resume, the frozen result, the command."""

from __future__ import annotations

import itertools
import json

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
    parquet, manifest = abc.freeze(history, problem, "toy", tmp_path, draws=500, seed=7)
    frame = pd.read_parquet(parquet)
    assert list(frame.columns) == [p.path for p in problem.priors] and len(frame) == 500
    again, _ = abc.freeze(history, problem, "again", tmp_path, draws=500, seed=7)
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
        (["--method", "abc", "--problem", "toy", "--name", "../x"], "--name: '../x'"),
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
