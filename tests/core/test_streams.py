"""Named random streams: ids are stable hashes; programme order and unrelated programmes change nothing."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from model.config.loading import load_scenario
from model.core.streams import STREAMS, Streams, programme_stream, stream_id
from model.experiments import ensemble
from model.io.writers import stream_ids, write_csv
from tests.conftest import ROOT

SMALL = ["population.scale=0.02", "replications=2", "horizon_months=30", "simulation.burn_in_months=12"]


def test_stream_ids_are_stable_hashes_of_names():
    assert stream_id("employment") == 7260662810503942405  # the first 8 bytes of SHA-256, >> 1
    assert stream_id("employment") != stream_id("employment.sickness")
    assert stream_id(programme_stream("ips", "referral")) != stream_id(programme_stream("ips2", "referral"))
    assert all(0 <= stream_id(name) < 2**63 for name in STREAMS.names())


def test_positional_draws_do_not_depend_on_which_other_slots_are_drawn():
    streams = Streams(5, 1)
    everyone = streams.uniform_at("employment", 3, np.arange(1000))
    some = streams.uniform_at("employment", 3, np.array([7, 500, 999]))
    assert np.array_equal(some, everyone[[7, 500, 999]])
    assert abs(everyone.mean() - 0.5) < 0.05


def test_the_manifest_lists_every_stream_by_name_with_its_id():
    scenario = load_scenario(ROOT / "scenarios" / "lcr_combined.yaml")
    ids = stream_ids(scenario)
    assert {"synthesis", "entry", "employment", "health.mental", "health.work_limiting"} <= set(ids)
    assert "programme.ips_knowsley_liverpool.referral" in ids
    assert "programme.health_trainers_lcr.dropout" in ids
    assert json.loads(json.dumps(ids)) == ids


def tables(result) -> dict[str, str]:
    out = {}
    for name in ("monthly", "summary", "programmes", "distance", "fiscal", "value_for_money"):
        buffer = io.StringIO()
        write_csv(getattr(result, name), buffer)
        out[name] = buffer.getvalue()
    return out


@pytest.fixture(scope="module")
def combined():
    return tables(ensemble.run(load_scenario(ROOT / "scenarios" / "lcr_combined.yaml", SMALL)))


def test_listing_the_programmes_in_another_order_gives_byte_identical_outputs(combined, tmp_path):
    text = (ROOT / "scenarios" / "lcr_combined.yaml").read_text()
    head, programmes = text.split("programmes:\n")
    first, second = programmes.split("  - name: health_trainers_lcr\n")
    reordered = tmp_path / "reordered.yaml"
    reordered.write_text(
        head.replace("extends: lcr_baseline.yaml", f"extends: {ROOT}/scenarios/lcr_baseline.yaml")
        + "programmes:\n  - name: health_trainers_lcr\n"
        + second
        + first
    )
    scenario = load_scenario(reordered, SMALL)
    assert [p.name for p in scenario.programmes] == ["health_trainers_lcr", "ips_knowsley_liverpool"]
    assert tables(ensemble.run(scenario)) == combined


def test_a_programme_nobody_is_eligible_for_changes_nothing_of_the_others(combined):
    nobody = "{name: aaa_first_by_name, type: employment_support, staff_fte: 50, referral: {jobcentre: 0.1},"
    nobody += " eligibility: {conditions: [none], work_limiting: true}}"  # work-limiting needs a condition
    base = load_scenario(ROOT / "scenarios" / "lcr_combined.yaml")
    programmes = [p.model_dump(mode="json", by_alias=True, exclude_none=True) for p in base.programmes]
    listed = "[" + ", ".join(json.dumps(p) for p in programmes) + ", " + nobody + "]"
    result = ensemble.run(
        load_scenario(ROOT / "scenarios" / "lcr_combined.yaml", [*SMALL, f"programmes={listed}"])
    )
    with_third = tables(result)
    assert with_third["monthly"] == combined["monthly"]
    for name in ("programmes", "distance"):
        frame = pd.read_csv(io.StringIO(with_third[name]))
        frame = frame[frame["programme"] != "aaa_first_by_name"]
        assert frame.to_csv(index=False) == pd.read_csv(io.StringIO(combined[name])).to_csv(index=False)
    assert (
        result.programmes.query("programme == 'aaa_first_by_name' and metric == 'starts'")["value"].sum() == 0
    )


def test_a_lottery_draws_each_slot_with_its_probability_and_depends_on_nothing_else():
    streams = Streams(5, 1)
    winners = streams.lottery("programme.x.referral", 3, 1_000_000, 0.004)
    assert np.array_equal(winners, streams.lottery("programme.x.referral", 3, 1_000_000, 0.004))
    assert np.all(np.diff(winners) > 0) and winners.max() < 1_000_000
    expected, sd = 4000, np.sqrt(1_000_000 * 0.004 * 0.996)
    assert abs(len(winners) - expected) < 4.5 * sd
    # slots spread evenly: a tenth of the population holds about a tenth of the winners
    assert abs(np.sum(winners < 100_000) - expected / 10) < 4.5 * np.sqrt(expected / 10)
    assert len(streams.lottery("programme.x.referral", 3, 10, 0.0)) == 0
    assert np.array_equal(streams.lottery("programme.x.referral", 3, 10, 1.0), np.arange(10))
