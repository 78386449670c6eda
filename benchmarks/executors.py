"""Executor benchmark: the same ensemble through the serial, process and Dask executors, ratios in one run.

Run with ``make bench`` or ``.venv/bin/python benchmarks/executors.py [--replications R] [--scale S]``.

The ensemble is ``scenarios/lcr_baseline.yaml`` at ``--scale`` (0.05) for 60 months with R (16) replications,
run through ``model.run`` with: the serial executor; a local process pool of 2 workers; a Dask
``LocalCluster`` of 2 worker processes with 1 thread each on loopback. Each is timed after a warm-up map
(pools started, numba's cache loaded), best of ``--repeats`` (2). Throughput is replications per second;
the ratios to serial are what carry between machines. Written to ``benchmarks/results/executors.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import model  # noqa: E402
from model.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "executors.json"
TARGET_PROCESS_2 = 1.7  # the process executor on 2 workers: at least this times the serial throughput


def timed(scenario, executor, repeats: int) -> float:
    """Best wall time of ``model.run`` through ``executor`` after one warm-up run."""
    model.run(scenario.model_copy(update={"replications": 2}), executor=executor)
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        model.run(scenario, executor=executor)
        best = min(best, time.perf_counter() - began)
    return best


def main(argv: list[str] | None = None) -> dict:
    """Time the three executors and print and save the throughputs and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=16)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    scenario = model.load_scenario(
        ROOT / "scenarios" / "lcr_baseline.yaml",
        [f"population.scale={args.scale}", f"replications={args.replications}", "horizon_months=60"],
    )
    from distributed import LocalCluster

    seconds = {"serial": timed(scenario, SerialExecutor(), args.repeats)}
    with ProcessExecutor(2) as pool:
        seconds["process_2"] = timed(scenario, pool, args.repeats)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        DaskExecutor(cluster.scheduler_address) as dask,
    ):
        seconds["dask_2"] = timed(scenario, dask, args.repeats)
    result = {
        "replications": args.replications,
        "scale": args.scale,
        "seconds": seconds,
        "replications_per_second": {k: args.replications / v for k, v in seconds.items()},
        "ratio_to_serial": {k: seconds["serial"] / v for k, v in seconds.items()},
        "cpus": os.cpu_count(),
    }
    ratio = result["ratio_to_serial"]["process_2"]
    result["target_process_2"] = {
        "measured": ratio,
        "target": TARGET_PROCESS_2,
        "met": ratio >= TARGET_PROCESS_2,
    }
    for name, value in seconds.items():
        print(f"{name}: {value:.1f} s, {result['ratio_to_serial'][name]:.2f} x serial throughput")
    verdict = "met" if result["target_process_2"]["met"] else "missed"
    print(f"process on 2 workers: {ratio:.2f} x serial (target >= {TARGET_PROCESS_2}: {verdict})")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
