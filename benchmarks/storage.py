"""Storage benchmark: peak memory of a large ensemble against a small one, and Parquet against CSV sizes.

Run with ``make bench`` or ``.venv/bin/python benchmarks/storage.py [--runs N] [--scale S]``.

``healthwork run`` on ``scenarios/lcr_baseline.yaml`` (Halton only, 24 months, scale ``--scale`` 0.02) with
the serial executor, so the driver does everything and its peak RSS is the whole footprint: once with 20
replications and once with ``--runs`` (2,000). Each run is a fresh process measured by ``getrusage`` of its
own child. Flat memory means the large run's peak within 1.5x of the small one's. The 20-replication run is
repeated with ``--format csv``, and the long tables' sizes compared (Parquet at least 10x smaller). Written
to ``benchmarks/results/storage.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "storage.json"
LONG = ("monthly", "fiscal")
TARGET_MEMORY = 1.5  # peak RSS of the large ensemble at most this times the small one's
TARGET_SIZE = 10.0  # CSV long tables at least this times the Parquet ones

MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run(out: Path, replications: int, scale: float, fmt: str = "parquet") -> tuple[float, float]:
    """Peak RSS (MB) and wall seconds of one ``healthwork run`` in a fresh process."""
    command = [
        str(ROOT / ".venv" / "bin" / "healthwork"), "run", str(ROOT / "scenarios" / "lcr_baseline.yaml"),
        "--set", "population.areas=[Halton]", "--set", f"population.scale={scale}",
        "--set", "horizon_months=24", "--replications", str(replications), "--executor", "serial",
        "--out", str(out), "--format", fmt, "--no-plots", "--quiet",
    ]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1]) / 1024, time.perf_counter() - began


def main(argv: list[str] | None = None) -> dict:
    """Measure, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--scale", type=float, default=0.02)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small_mb, small_s = run(folder / "small", 20, args.scale)
        large_mb, large_s = run(folder / "large", args.runs, args.scale)
        run(folder / "csv", 20, args.scale, "csv")
        sizes = {
            name: {
                "parquet_bytes": (folder / "small" / f"{name}.parquet").stat().st_size,
                "csv_bytes": (folder / "csv" / f"{name}.csv").stat().st_size,
            }
            for name in LONG
        }
        run_file = next((folder / "small" / "runs").glob("draw-*.parquet")).stat().st_size
    for entry in sizes.values():
        entry["ratio"] = entry["csv_bytes"] / entry["parquet_bytes"]
    result = {
        "scenario": f"lcr_baseline, Halton, 24 months, scale {args.scale}, serial executor",
        "peak_rss_mb": {"20": small_mb, str(args.runs): large_mb},
        "seconds": {"20": small_s, str(args.runs): large_s},
        "memory_ratio": {"measured": large_mb / small_mb, "target": TARGET_MEMORY},
        "long_tables": sizes,
        "run_file_bytes": run_file,
    }
    result["memory_ratio"]["met"] = result["memory_ratio"]["measured"] <= TARGET_MEMORY
    result["size_met"] = all(e["ratio"] >= TARGET_SIZE for e in sizes.values())
    print(json.dumps(result, indent=2))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
