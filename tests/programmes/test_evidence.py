"""Extrapolation warnings: a programme run outside its effects' evidence runs, and says so, one line each."""

from __future__ import annotations

import json

from model.programmes.types import extrapolations
from tests.conftest import FIXTURES, healthwork, small_scenario

IPS = {"name": "ips", "type": "ips", "staff_fte": 10, "referral": {"gp": 0.002}}
WANTING = {"wants_work": True}  # the trials enrolled people who wanted work


def scenario(*programmes, areas=("Halton",)):
    return small_scenario(population={"areas": list(areas), "scale": 0.05}, programmes=list(programmes))


def test_a_programme_inside_its_evidence_says_nothing():
    inside = {**IPS, "eligibility": {"states": ["unemployed", "inactive_sick"], **WANTING}}
    assert extrapolations(scenario(inside)) == []


def test_each_way_out_of_the_evidence_is_one_line_naming_the_programme_and_what_is_outside():
    wide = {**IPS, "eligibility": {"states": ["unemployed", "inactive_other"], **WANTING}}
    (line,) = extrapolations(scenario(wide))
    assert line.startswith("programme 'ips' (ips) uses effects from IPS trials")
    assert line.endswith("but also enrols residents who are inactive_other")
    busy = {**IPS, "eligibility": {"states": ["unemployed"], **WANTING}, "caseload_per_fte": 35}
    (line,) = extrapolations(scenario(busy))
    assert line.endswith("but at 35 participants per FTE (the evidence's: 20)")
    assert (
        extrapolations(scenario({**IPS, "eligibility": {"states": ["unemployed"]}})) == []
    )  # IPS requires it
    (line,) = extrapolations(
        scenario({**IPS, "eligibility": {"states": ["unemployed"], "wants_work": False}})
    )
    assert line.endswith("but also enrols residents who do not want work")
    elsewhere = {"name": "hiw", "type": "households_into_work", "staff_fte": 5}
    elsewhere["referral"] = {"jobcentre": 0.01}
    (line,) = extrapolations(scenario(elsewhere, areas=("Barrow-in-Furness", "Knowsley")))
    assert line.endswith("but runs in Barrow-in-Furness")  # Knowsley is in the pilot's city region


def test_the_evidence_caseload_is_the_packaged_default_not_an_override():
    busy = small_scenario(
        population={"areas": ["Halton"], "scale": 0.05},
        programmes=[{**IPS, "eligibility": {"states": ["unemployed"], **WANTING}}],
        parameters={"services.ips.caseload_per_fte": 30},
    )
    assert extrapolations(busy) == [
        "programme 'ips' (ips) uses effects from IPS trials of people out of work with health conditions who "
        "wanted work, at fidelity caseloads, but at 30 participants per FTE (the evidence's: 20)"
    ]


def test_a_programme_with_its_own_value_for_every_effect_is_not_checked():
    own = {
        **IPS,
        "caseload_per_fte": 40,
        "effects": {
            "employment.job_entry": {"hazard_ratio": 1.5, "while": "pre_employment"},
            "employment.job_exit": {"hazard_ratio": 0.8, "while": "in_work"},
            "readiness.gain": {"gain_per_month": 0.01},
        },
    }
    assert extrapolations(scenario(own)) == []


def test_the_console_and_the_manifest_say_it(tmp_path):
    programme = tmp_path / "p.yaml"
    base = (FIXTURES / "good" / "base.yaml").read_text()
    programme.write_text(
        base + "programmes:\n  - {name: ips, type: ips, staff_fte: 10, caseload_per_fte: 25, "
        "eligibility: {states: [unemployed], wants_work: true}, referral: {gp: 0.002}}\n"
    )
    out = tmp_path / "out"
    done = healthwork("run", programme, "--replications", 1, "--no-plots", "--out", out,
                      "--set", "population.scale=0.05", "--set", "horizon_months=3")  # fmt: skip
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if line.startswith("healthwork: warning: ")]
    assert len(warned) == 1 and warned[0].endswith("but at 25 participants per FTE (the evidence's: 20)")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["extrapolation_warnings"] == [warned[0].removeprefix("healthwork: warning: ")]
