"""Scenario loading and validation: one bad-YAML fixture per rule; messages name file, key and reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from model.config.errors import InputError
from model.config.loading import COMMAND_LINE, load_scenario, parse_set
from model.config.parameters import default_parameters
from model.config.scenario import Scenario
from tests.conftest import FIXTURES, ROOT

BAD = sorted(p for p in (FIXTURES / "bad").glob("*.yaml"))


def expectation(path: Path) -> tuple[str, str]:
    sidecar = path.with_suffix(".expect")
    header = sidecar.read_text() if sidecar.exists() else path.read_text(encoding="utf-8").splitlines()[0]
    key, reason = header.removeprefix("# expect:").split("|", 1)
    return key.strip(), reason.strip()


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_each_bad_fixture_is_rejected_with_file_key_and_reason(path):
    key, reason = expectation(path)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    problems = caught.value.problems
    assert any(p.key == key and reason in p.reason for p in problems), [str(p) for p in problems]
    assert all(Path(p.file).name.startswith(path.stem.rsplit("_", 1)[0]) for p in problems)


@pytest.mark.parametrize("name", ["unknown_key", "python_tag", "malformed", "unknown_area"])
def test_cli_validate_exits_2_with_one_line_per_problem_and_no_traceback(name):
    path = FIXTURES / "bad" / f"{name}.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "model.cli", "validate", str(path)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    key, reason = expectation(path)
    assert f"{path}: {key}: {reason}" in done.stderr if key else f"{path}: {reason}" in done.stderr


def test_python_tag_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "tag.yaml"
    bad.write_text(f'name: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(InputError):
        load_scenario(bad)
    assert not marker.exists()


def test_several_problems_are_all_reported(tmp_path):
    bad = tmp_path / "many.yaml"
    bad.write_text(
        "name: x\nstart: 2026-04\nhorizon_months: 0\nseed: 1\nreplications: 1\n"
        "population: {areas: [Nowhere], scale: 25}\nparameters: {employment.duration.ratio: -1}\n"
    )
    with pytest.raises(InputError) as caught:
        load_scenario(bad)
    keys = {p.key for p in caught.value.problems}
    assert keys == {
        "horizon_months",
        "population.areas",
        "population.scale",
        "parameters.employment.duration.ratio",
    }


def test_error_in_extended_file_names_that_file():
    with pytest.raises(InputError) as caught:
        load_scenario(FIXTURES / "bad_parent" / "child.yaml")
    (problem,) = caught.value.problems
    assert problem.file.endswith("parent.yaml")
    assert problem.key == "population.scael"
    assert "did you mean 'scale'" in problem.reason


def test_extends_merges_mappings_and_replaces_lists():
    child = load_scenario(FIXTURES / "good" / "child.yaml")
    assert child.name == "fixture child"
    assert child.horizon_months == 3
    assert child.seed == 7  # from the parent
    assert child.population.areas == ["Halton", "Knowsley"]  # list replaced
    assert child.population.scale == 0.01  # mapping merged
    assert child.parameters == {"employment.duration.ratio": 2.5}
    assert child.resolved_parameters()["employment.duration.ratio"] == 2.5


def test_set_overrides_scenario_keys_and_parameters():
    s = load_scenario(
        FIXTURES / "good" / "base.yaml",
        [
            "population.scale=0.05",
            "horizon_months=24",
            "employment.duration.ratio=2",
            "parameters.readiness.reversion=0.1",
        ],
    )
    assert s.population.scale == 0.05
    assert s.horizon_months == 24
    assert s.parameters == {"employment.duration.ratio": 2, "readiness.reversion": 0.1}


@pytest.mark.parametrize(
    ("item", "key", "reason"),
    [
        ("population.scale=0", "population.scale", "must be greater than 0"),
        ("horizon_months=abc", "horizon_months", "expected a whole number"),
        ("employment.nope=1", "parameters.employment.nope", "unknown parameter"),
        ("health.cmd.prevalence=2", "parameters.health.cmd.prevalence", "must be at most 1"),
    ],
)
def test_bad_set_values_name_the_command_line(item, key, reason):
    with pytest.raises(InputError) as caught:
        load_scenario(FIXTURES / "good" / "base.yaml", [item])
    (problem,) = caught.value.problems
    assert (problem.file, problem.key) == (COMMAND_LINE, key)
    assert reason in problem.reason


def test_set_without_equals_is_rejected():
    with pytest.raises(InputError) as caught:
        parse_set(["population.scale"])
    assert "expected KEY=VALUE" in caught.value.problems[0].reason


def test_start_accepts_a_yaml_date_and_normalises_it(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text((FIXTURES / "good" / "base.yaml").read_text().replace("2026-04", "2027-04-01"))
    assert load_scenario(f).start == "2027-04"


def test_parameter_namespace_never_collides_with_scenario_keys():
    heads = {path.split(".")[0] for path in default_parameters()}
    assert heads.isdisjoint(set(Scenario.model_fields) - {"parameters"})


def test_shipped_scenarios_validate():
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert load_scenario(path).name


def test_digest_changes_with_any_parameter(scenario_factory):
    a = scenario_factory()
    b = scenario_factory(parameters={"readiness.reversion": 0.06})
    assert a.digest() == scenario_factory().digest()
    assert a.digest() != b.digest()


def test_the_readme_examples_are_valid_scenarios(tmp_path):
    import re
    import shutil

    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    scenario, programmes = blocks[0], blocks[1]
    shutil.copy(ROOT / "scenarios" / "lcr_baseline.yaml", tmp_path / "lcr_baseline.yaml")
    path = tmp_path / "example.yaml"
    path.write_text(scenario + programmes)
    loaded = load_scenario(path)
    assert loaded.population.areas == ["Knowsley", "Liverpool"]
    assert loaded.programmes[0].name == "ips_primary_care"
    assert loaded.programmes[0].effects["employment.job_exit"].while_ == "in_work"
