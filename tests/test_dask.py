"""The Dask executor against a real cluster on loopback: a scheduler and two one-thread workers.

Outputs are byte-identical across the serial, process and Dask executors; a worker killed mid-run is
replaced by the other (its jobs retried) and the outputs do not change.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, assert_same_outputs, healthwork

pytest.importorskip("distributed")

BASE = FIXTURES / "good" / "base.yaml"
DASK = Path(sys.executable).with_name("dask")
LONG = [
    "--replications",
    "6",
    "--set",
    "horizon_months=240",
    "--set",
    "simulation.burn_in_months=0",
    "--no-plots",
]


def _start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(DASK), *args], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler file and the two worker processes (each in its own process group)."""
    root = tmp_path_factory.mktemp("dask")
    file = root / "scheduler.json"
    scheduler = _start(
        ["scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(file), "--no-dashboard"],
        root / "scheduler.log",
    )
    options = ["--scheduler-file", str(file), "--nworkers", "1", "--nthreads", "1", "--no-dashboard"]
    workers = [
        _start(["worker", *options, "--local-directory", str(root / f"w{i}")], root / f"worker{i}.log")
        for i in range(2)
    ]
    from distributed import Client

    deadline = time.monotonic() + 90
    while not file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    with Client(scheduler_file=str(file), timeout="60s") as client:
        client.wait_for_workers(2, timeout=90)
    yield file, workers
    for process in [*workers, scheduler]:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)


def test_outputs_are_byte_identical_on_serial_process_and_dask_executors(cluster, tmp_path):
    file, _ = cluster
    runs = {
        "serial": ["--executor", "serial"],
        "process": ["--executor", "process", "--workers", "2"],
        "dask": ["--executor", "dask", "--scheduler-file", file],
    }
    for name, options in runs.items():
        done = healthwork("run", BASE, "--replications", 4, "--no-plots", "--out", tmp_path / name, *options)
        assert done.returncode == 0, done.stderr
    assert_same_outputs(tmp_path / "serial", tmp_path / "process")
    assert_same_outputs(tmp_path / "serial", tmp_path / "dask")


def test_a_worker_killed_mid_run_changes_nothing(cluster, tmp_path):
    file, _ = cluster
    done = healthwork("run", BASE, *LONG, "--executor", "serial", "--out", tmp_path / "serial")
    assert done.returncode == 0, done.stderr
    run = subprocess.Popen(
        [sys.executable, "-m", "model.cli", "run", str(BASE), *LONG, "--executor", "dask", "--scheduler-file",
         str(file), "--out", str(tmp_path / "dask")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    from distributed import Client

    with Client(scheduler_file=str(file), timeout="30s") as client:
        deadline, busy = time.monotonic() + 120, []
        while not busy and time.monotonic() < deadline:  # a worker inside one of the run's jobs
            busy = [w for w, keys in client.processing().items() if any("healthwork" in str(k) for k in keys)]
            time.sleep(0.05)
        assert busy, "no job of the run was seen running"
        pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
    os.killpg(os.getpgid(pid), signal.SIGKILL)  # the worker and its nanny: the job must be retried elsewhere
    assert run.poll() is None, "the run ended before its worker was killed"
    _, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    assert_same_outputs(tmp_path / "serial", tmp_path / "dask")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--executor", "dask"], "dask needs --scheduler ADDRESS or --scheduler-file FILE"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler: needs --executor dask"),
        (["--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"], "cannot reach the Dask scheduler"),
    ],
)
def test_bad_dask_options_exit_2(args, message, tmp_path):
    done = healthwork("run", BASE, "--out", tmp_path / "o", *args, timeout=120)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_abc_calibration_runs_on_the_cluster_with_pyabcs_dask_sampler(cluster, tmp_path):
    pytest.importorskip("pyabc")
    file, _ = cluster
    done = healthwork(
        "calibrate", "--method", "abc", "--problem", "toy", "--particles", "16", "--generations", "2",
        "--draws", "100", "--predictive", "4", "--executor", "dask", "--scheduler-file", file,
        "--out", tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    facts = json.loads((tmp_path / "toy.json").read_text())
    assert facts["generations"] == 2 and facts["final_temperature"] == 1.0
