"""Faults and hostile input at the command line: nothing a user runs is lost, nothing absurd passes.

Nothing is left running either. One test per case; faults are injected (a killed parent, Ctrl-C, an
unwritable or busy folder, a stale staging folder).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import model
from model import cli
from model.experiments import calibration, executors
from model.experiments.executors import Interrupted, SerialExecutor, cpus_available, make_executor
from model.io import writers
from model.io.writers import HOST, OutputFolder
from tests.conftest import FIXTURES, ROOT, assert_same_outputs, healthwork, small_scenario

BASE = FIXTURES / "good" / "base.yaml"
QUICK = ["--set", "simulation.burn_in_months=0", "--no-plots"]


# ------------------------------------------------------------------------------------- hangs and leaks


def test_billion_laughs_is_refused_at_once_from_the_command_line():
    began = time.perf_counter()
    done = healthwork("validate", FIXTURES / "bad" / "billion_laughs_areas.yaml", timeout=60)
    assert done.returncode == 2
    assert "aliases (*name) expand to more than 100,000 values" in done.stderr
    assert time.perf_counter() - began < 30


def test_no_message_quotes_more_than_a_line_of_a_value(tmp_path):
    bad = tmp_path / "long.yaml"
    bad.write_text(
        "name: [" + ", ".join(["word"] * 5000) + "]\nstart: 2027-04\nhorizon_months: 12\nseed: 1\n"
        "replications: 1\npopulation: {areas: [" + "x" * 20_000 + "]}\n"
    )
    done = healthwork("validate", bad)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert all(len(line) < len(str(bad)) + 400 for line in lines), [len(line) for line in lines]


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.skipif(cpus_available() < 2, reason="needs two CPUs for two workers")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "kill-TERM"])
def test_workers_exit_when_the_parent_is_killed(tmp_path, sig):
    parent = subprocess.Popen(
        [sys.executable, "-m", "model.cli", "run", str(BASE), "--workers", "2", "--replications", "8",
         "--set", "horizon_months=240", "--out", str(tmp_path / "out"), *QUICK],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline, children = time.monotonic() + 120, []
    while time.monotonic() < deadline and len(children) < 3:  # two workers and the resource tracker
        time.sleep(0.5)
        children = _children(parent.pid)
    assert len(children) >= 3, f"workers did not start: {children}"
    time.sleep(2)  # the workers are inside their first job
    parent.send_signal(sig)
    parent.wait(30)
    time.sleep(10)
    survivors = [pid for pid in children if _alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors == []


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.skipif(cpus_available() < 2, reason="needs two CPUs for two workers")
def test_kill_term_stops_the_workers_jobs_at_once(tmp_path):
    """Jobs already handed to the pool are stopped, not run to their end (each takes several seconds)."""
    parent = subprocess.Popen(
        [sys.executable, "-m", "model.cli", "run", str(BASE), "--workers", "2", "--replications", "4",
         "--set", "population={areas: [Liverpool], scale: 1.0}", "--set", "horizon_months=300",
         "--out", str(tmp_path / "out"), *QUICK],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline, children = time.monotonic() + 120, []
    while time.monotonic() < deadline and len(children) < 3:
        time.sleep(0.2)
        children = _children(parent.pid)
    time.sleep(3)  # the workers are inside their first (long) job
    began = time.monotonic()
    parent.terminate()
    assert parent.wait(60) == 130
    assert time.monotonic() - began < 5, "the parent waited for its workers' jobs to finish"
    time.sleep(1)
    assert [pid for pid in children if _alive(pid)] == []


def test_workers_are_capped_at_the_cpus_available(tmp_path):
    with make_executor(1000) as executor:
        assert executor.workers == cpus_available()
    done = healthwork("run", BASE, "--workers", 1000, "--replications", 1, "--out", tmp_path / "o", *QUICK)
    assert done.returncode == 0, done.stderr
    assert f"--workers 1000: using {cpus_available()}, the CPUs available" in done.stderr
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["workers"] <= cpus_available()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", BASE, "--workers", "0"], "must be at least 1, got 0"),
        (["run", BASE, "--workers", "-3"], "must be at least 1, got -3"),
        (["sensitivity", BASE, "--low", "nan"], "must be a finite number above 0, got 'nan'"),
        (["sensitivity", BASE, "--high", "inf"], "must be a finite number above 0, got 'inf'"),
        (["sensitivity", BASE, "--low", "-1"], "must be a finite number above 0, got '-1'"),
        (
            ["value-of-work", "--tax-year", "1999/00"],
            "1999/00 is outside the years the model holds rules for",
        ),
        (
            ["value-of-work", "--tax-year", "9999/00"],
            "9999/00 is outside the years the model holds rules for",
        ),
        (["calibrate", "--out", "x", "--install"], "not allowed with argument"),
        (
            ["sensitivity", BASE, "--parameter", "services.ips.dropout"],
            "none of the parameters can change this",
        ),
    ],
)
def test_absurd_command_line_values_exit_2(args, message):
    done = healthwork(*args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


# ------------------------------------------------------------------------------ results that are kept


def test_two_default_folders_claimed_in_the_same_second_differ(tmp_path):
    import datetime as dt

    now = dt.datetime(2026, 12, 2, 12, 0, 0)
    with (
        OutputFolder.claim_default(tmp_path, "x", now) as first,
        OutputFolder.claim_default(tmp_path, "x", now) as second,
    ):
        assert first.path != second.path
        assert second.path.name == first.path.name + "-2"


def test_two_runs_without_out_started_together_both_keep_their_results(tmp_path):
    command = [sys.executable, "-m", "model.cli", "run", str(BASE), "--replications", "1", *QUICK]
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]  # fmt: skip
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    folders = {out.strip() for out, _ in outputs}
    assert len(folders) == 2
    assert all((tmp_path / f / "monthly.parquet").is_file() for f in folders)


@pytest.mark.parametrize("where", ["under_a_file", "proc"])
def test_an_unwritable_out_is_refused_before_computing_naming_the_users_path(tmp_path, where):
    if where == "under_a_file":
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "run"
    else:
        out = Path("/proc/healthwork-test/run")
    done = healthwork("run", BASE, "--out", out, *QUICK)
    assert done.returncode == 2, done.stderr
    assert f"command line: --out: {out}: cannot be" in done.stderr
    assert "partial" not in done.stderr
    assert "Running" not in done.stderr  # refused before the computation began


def test_a_second_run_into_a_busy_out_is_refused_at_start(tmp_path):
    out = tmp_path / "busy"
    with OutputFolder.claim(out):  # another run (this process) is writing there
        done = healthwork("run", BASE, "--out", out, *QUICK)
    assert done.returncode == 2
    assert (
        f"{out} is being written by another healthwork process (pid {os.getpid()} on {HOST})" in done.stderr
    )


def test_staging_left_by_a_killed_run_is_removed_by_the_next_and_said(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".old.healthwork-partial-{dead.pid}@{HOST}"
    stale.mkdir()
    (stale / "monthly.csv").write_text("half")
    (tmp_path / ".old.healthwork-lock").write_text(f"{dead.pid}@{HOST}\n")
    elsewhere = tmp_path / f".shared.healthwork-partial-{dead.pid}@another-host"  # a run on another machine
    elsewhere.mkdir()
    (tmp_path / ".syncthing.lock").write_text(f"{dead.pid}\n")  # not healthwork's
    done = healthwork("run", BASE, "--replications", 1, "--out", tmp_path / "new", *QUICK)
    assert done.returncode == 0, done.stderr
    assert not stale.exists() and not (tmp_path / ".old.healthwork-lock").exists()
    assert f"removed {stale}, left by an interrupted run (process {dead.pid} is gone)" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [elsewhere.name, ".syncthing.lock", "new"]


def test_results_that_cannot_be_moved_into_place_are_kept_and_their_place_said(tmp_path):
    scenario = model.load_scenario(
        BASE, ["replications=1", "simulation.burn_in_months=0", "horizon_months=2"]
    )
    result = model.run(scenario)
    folder = OutputFolder.claim(tmp_path / "out")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("someone wrote here during the run")
    with pytest.raises(OSError, match="they are complete in") as caught:
        writers.write_run(result, folder, scenario_file=str(BASE))
    assert str(folder.staging) in str(caught.value)
    assert (folder.staging / "summary.csv").is_file() and (folder.staging / "manifest.json").is_file()
    assert not folder.lock.exists()


def _start_and_stop(
    tmp_path: Path, stop: signal.Signals, runs: int = 2, replications: int = 6
) -> tuple[Path, str]:
    """Start a run into ``tmp_path/out``, send ``stop`` once ``runs`` runs are kept."""
    out = tmp_path / "out"
    run = subprocess.Popen(
        [sys.executable, "-m", "model.cli", "run", str(BASE), "--executor", "serial", "--replications",
         str(replications), "--set", "horizon_months=120", "--out", str(out), *QUICK],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    staging = tmp_path / f".out.healthwork-partial-{run.pid}@{HOST}"
    deadline = time.monotonic() + 120
    while len(list((staging / "runs").glob("draw-*.parquet"))) < runs and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(stop)
    _, err = run.communicate(timeout=60)
    assert not out.exists(), "an interrupted run must not leave its output folder half written"
    return staging, f"{run.returncode}: {err}"


def test_kill_term_during_a_run_keeps_only_finished_runs_and_says_how_to_resume(tmp_path):
    staging, err = _start_and_stop(tmp_path, signal.SIGTERM)
    assert err.startswith("130: "), err
    assert "finished runs are kept: finish them with" in err and f"--resume {tmp_path / 'out'}" in err
    kept = sorted(p.name for p in (staging / "runs").iterdir())
    assert "manifest.json" in kept and all(k.startswith("draw-") for k in kept if k != "manifest.json")
    assert not (tmp_path / ".out.healthwork-lock").exists()


def test_resume_after_kill_9_runs_only_what_is_missing_and_gives_identical_bytes(tmp_path):
    staging, _ = _start_and_stop(tmp_path, signal.SIGKILL)
    kept = len(list((staging / "runs").glob("draw-*.parquet")))
    assert 2 <= kept < 6
    done = healthwork("run", BASE, "--set", "horizon_months=120", "--replications", 6, "--resume",
                      tmp_path / "out", *QUICK)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"Resuming {tmp_path / 'out'}: {kept} of 6 runs are kept" in done.stderr
    assert not staging.exists() and not (tmp_path / ".out.healthwork-lock").exists()
    fresh = healthwork("run", BASE, "--set", "horizon_months=120", "--replications", 6, "--workers", 2,
                       "--out", tmp_path / "fresh", *QUICK)  # fmt: skip
    assert fresh.returncode == 0, fresh.stderr
    assert_same_outputs(tmp_path / "out", tmp_path / "fresh")


def test_a_resume_refused_for_its_options_keeps_the_interrupted_runs(tmp_path):
    _start_and_stop(tmp_path, signal.SIGKILL)
    done = healthwork("run", BASE, "--set", "horizon_months=120", "--replications", 6, "--resume",
                      tmp_path / "out", "--scheduler", "tcp://127.0.0.1:1", *QUICK)  # fmt: skip
    assert done.returncode == 2 and "--scheduler: needs --executor dask" in done.stderr
    kept = [p for p in tmp_path.glob(".out.healthwork-partial-*") if (p / "runs" / "manifest.json").is_file()]
    assert len(kept) == 1 and len(list((kept[0] / "runs").glob("draw-*.parquet"))) >= 2


def test_resume_takes_the_interrupted_run_that_matches_and_later_drops_the_other(tmp_path):
    older, _ = _start_and_stop(tmp_path, signal.SIGKILL)
    newer, _ = _start_and_stop(tmp_path, signal.SIGKILL, replications=5)
    done = healthwork("run", BASE, "--set", "horizon_months=120", "--replications", 6, "--resume",
                      tmp_path / "out", *QUICK)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not older.exists() and newer.exists()  # the matching one was taken over; the other is left
    later = healthwork("run", BASE, "--replications", 1, "--out", tmp_path / "other", *QUICK)
    assert later.returncode == 0, later.stderr
    assert not newer.exists() and f"removed {newer}" in later.stderr  # its target is complete now


def test_a_later_run_beside_an_interrupted_one_keeps_it_for_resume(tmp_path):
    staging, _ = _start_and_stop(tmp_path, signal.SIGKILL)
    done = healthwork("run", BASE, "--replications", 1, "--out", tmp_path / "other", *QUICK)
    assert done.returncode == 0, done.stderr
    assert f"kept {staging}: an interrupted run; finish it with --resume {tmp_path / 'out'}" in done.stderr
    assert (staging / "runs" / "manifest.json").is_file()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (["--replications", "7"], "a different scenario (its file, --set or --replications differ)"),
        (["--replications", "6", "--draws", "2"], "a different --draws"),
        (["--replications", "6", "--seed", "99"], "a different scenario"),
    ],
)
def test_resume_refuses_a_different_command_naming_what_differs(tmp_path, change, reason):
    staging, _ = _start_and_stop(tmp_path, signal.SIGKILL)
    done = healthwork(
        "run", BASE, "--set", "horizon_months=120", *change, "--resume", tmp_path / "out", *QUICK
    )
    assert done.returncode == 2, done.stderr
    assert f"command line: --resume: {tmp_path / 'out'} was started with {reason}" in done.stderr
    assert (staging / "runs" / "manifest.json").is_file() or any(
        (p / "runs" / "manifest.json").is_file() for p in tmp_path.glob(".out.healthwork-partial-*")
    ), "a refused resume must keep the interrupted run"


def test_resume_with_nothing_to_resume_is_refused(tmp_path):
    done = healthwork("run", BASE, "--resume", tmp_path / "nothing", *QUICK)
    assert done.returncode == 2
    assert f"command line: --resume: {tmp_path / 'nothing'}: no interrupted run found there" in done.stderr
    complete = tmp_path / "complete"
    assert healthwork("run", BASE, "--replications", 1, "--out", complete, *QUICK).returncode == 0
    done = healthwork("run", BASE, "--replications", 1, "--resume", complete, *QUICK)
    assert done.returncode == 2
    assert f"{complete} is complete; there is nothing to resume" in done.stderr


class InterruptAfter(SerialExecutor):
    """Runs jobs in this process and raises Ctrl-C after ``jobs`` jobs in all (fault injection)."""

    def __init__(self, jobs: int):
        self.left = jobs

    def map(self, fn, jobs, progress=None):
        results = {}
        for i, job in enumerate(jobs):
            if self.left == 0:
                raise Interrupted(results, len(jobs))
            self.left -= 1
            results[i] = fn(job)
        return [results[i] for i in range(len(jobs))]


def _interrupt_after(monkeypatch, jobs: int) -> None:
    monkeypatch.setattr(cli, "_executor", lambda args, n: InterruptAfter(jobs))


def test_ctrl_c_during_sensitivity_keeps_the_finished_parameters(tmp_path, monkeypatch, capsys):
    # 2 replications per setting: base (2 jobs), then each parameter's low and high (4 jobs each)
    _interrupt_after(monkeypatch, 2 + 4 + 2)
    out = tmp_path / "sens"
    code = cli.main(
        ["sensitivity", str(BASE), "--parameter", "employment.duration.ratio", "--parameter",
         "health.cmd.incidence", "--out", str(out), "--set", "simulation.burn_in_months=0"]
    )  # fmt: skip
    assert code == 130
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["parameter"]) == {"employment.duration.ratio"}
    assert set(table["setting"]) == {"base", "low", "high"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert any("Interrupted (Ctrl-C) after 1 of 2 parameters" in n for n in manifest["notes"])
    assert "kept 1 of 2 parameters" in capsys.readouterr().err


def test_ctrl_c_during_a_trial_keeps_the_finished_replications(tmp_path, monkeypatch):
    scenario = tmp_path / "t.yaml"
    scenario.write_text(
        "name: t\nstart: 2026-04\nhorizon_months: 12\nseed: 3\nreplications: 4\n"
        "population: {areas: [Knowsley], scale: 0.05}\nparameters: {simulation.burn_in_months: 6}\n"
        "programmes:\n  - {name: ips, type: ips, staff_fte: 10, referral: {gp: 0.01}}\n"
    )
    _interrupt_after(monkeypatch, 3)
    out = tmp_path / "trial"
    code = cli.main(["trial", str(scenario), "--programme", "ips", "--months", "6", "--out", str(out)])
    assert code == 130
    table = pd.read_csv(out / "trial.csv")
    assert (table["replications"] <= 3).all() and (table["replications"] > 0).any()
    assert "after 3 of 4 replications" in " ".join(json.loads((out / "manifest.json").read_text())["notes"])


def test_ctrl_c_before_anything_finished_writes_nothing(tmp_path, monkeypatch, capsys):
    _interrupt_after(monkeypatch, 1)
    out = tmp_path / "sens"
    code = cli.main(["sensitivity", str(BASE), "--parameter", "employment.duration.ratio", "--out", str(out)])
    assert code == 130
    assert "nothing was written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_command_manifests_record_when_the_command_started(tmp_path, monkeypatch):
    import datetime as dt

    real = executors.SerialExecutor.map

    def slow(self, fn, jobs, progress=None):
        time.sleep(1.1)
        return real(self, fn, jobs, progress)

    monkeypatch.setattr(executors.SerialExecutor, "map", slow)
    out = tmp_path / "sens"
    code = cli.main(
        ["sensitivity", str(BASE), "--parameter", "employment.duration.ratio", "--out", str(out),
         "--workers", "1", "--set", "simulation.burn_in_months=0", "--set", "horizon_months=2"]
    )  # fmt: skip
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    started, finished = (dt.datetime.fromisoformat(manifest[k]) for k in ("started", "finished"))
    assert (finished - started).total_seconds() >= 2  # three settings, each at least 1.1 s


# ------------------------------------------------------------------------------------------- the rest


def test_sensitivity_skips_parameters_that_cannot_change_the_scenario(tmp_path):
    baseline = small_scenario()
    assert not baseline.affected_by("services.ips.engagement")
    assert not baseline.affected_by("appraisal.displacement")
    assert baseline.affected_by("employment.duration.ratio")
    done = healthwork(
        "sensitivity", BASE, "--parameter", "services.ips.engagement",
        "--parameter", "employment.duration.ratio", "--out", tmp_path / "s",
        "--set", "simulation.burn_in_months=0", "--set", "horizon_months=2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "skipped, as they cannot change this scenario: services.ips.engagement" in done.stderr
    assert re.search(r"the base setting took \d+ s; the other 2 should take about \d+ s", done.stderr)
    assert set(pd.read_csv(tmp_path / "s" / "sensitivity.csv")["parameter"]) == {"employment.duration.ratio"}


def test_set_merges_a_mapping_key_by_key_and_validate_prints_the_resolved_scenario():
    done = healthwork("validate", BASE, "--set", "population={areas: [Knowsley]}")
    assert done.returncode == 0, done.stderr
    assert "areas:\n  - Knowsley\n  scale: 0.01\n" in done.stdout  # the file's scale is kept


def test_calibration_writes_where_asked_and_leaves_unchanged_files_untouched(tmp_path, monkeypatch):
    package = tmp_path / "package"
    package.mkdir()
    for name in ("parameters.csv", "area_factors.csv"):
        (package / name).write_bytes((calibration.FITTED / name).read_bytes())
    (package / "fit_report.csv").write_bytes(calibration.REPORT.read_bytes())
    monkeypatch.setattr(calibration, "FITTED", package)
    monkeypatch.setattr(calibration, "REPORT", package / "fit_report.csv")
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in package.iterdir()}
    calibration.calibrate(stages=(), out=None, log=lambda text: None)  # --install, nothing refitted
    assert before == {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in package.iterdir()}
    out = tmp_path / "refit"
    calibration.calibrate(stages=(), out=out, log=lambda text: None)  # --out: the package's values, copied
    assert sorted(p.name for p in out.iterdir()) == ["area_factors.csv", "fit_report.csv", "parameters.csv"]
    assert (out / "fit_report.csv").read_bytes() == (package / "fit_report.csv").read_bytes()
    changed = calibration._write_fitted(out, {"employment.sickness_hr": 9.0}, {}, sample=1, seed=2, horizon=3)
    assert changed == [out / "parameters.csv"]
    assert "employment.sickness_hr,9\n" in (out / "parameters.csv").read_text()


def test_calibrate_out_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    def fake(*, out, **kwargs):
        (out / "parameters.csv").write_text("path,value\n")
        if out.name.startswith(".fail"):  # the staging folder of --out .../fail
            raise OSError("disk full")

    monkeypatch.setattr(calibration, "calibrate", fake)
    assert cli.main(["calibrate", "--out", str(tmp_path / "good"), "--executor", "serial"]) == 0
    assert sorted(p.name for p in (tmp_path / "good").iterdir()) == ["manifest.json", "parameters.csv"]
    assert cli.main(["calibrate", "--out", str(tmp_path / "fail"), "--executor", "serial"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good"]


def test_calibrate_refuses_an_out_that_holds_files(tmp_path):
    (tmp_path / "x").write_text("x")
    done = healthwork("calibrate", "--out", tmp_path, "--stage", "areas")
    assert done.returncode == 2
    assert "already exists and is not empty" in done.stderr


def test_readme_python_snippet_runs_as_a_script(tmp_path):
    readme = (ROOT / "README.md").read_text()
    snippet = re.search(r"```python\n(import model\n.*?)```", readme, flags=re.S).group(1)
    assert 'if __name__ == "__main__":' in snippet
    fast = snippet.replace(
        '"replications=5"', '"replications=2", "horizon_months=3", "simulation.burn_in_months=0"'
    )
    fast = fast.replace('"scenarios/', f'"{ROOT}/scenarios/')
    assert fast != snippet
    script = tmp_path / "script.py"
    script.write_text(fast)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
