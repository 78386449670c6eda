"""The engine against an earlier commit's: the same benchmark arm, separate processes, interleaved.

Run with ``.venv/bin/python benchmarks/against_commit.py COMMIT [--residents N] [--months M] [--repeats R]``.

Checks COMMIT out into a temporary git worktree and times ``benchmarks/engine.py``'s ``time_engine`` (one
recorded arm of N residents in households for M months, after a warm-up month) there and here, alternately,
each in its own process (numba caches its kernels beside each tree's source). A machine's other load only
ever adds time, so each side's best of R is kept; the ratio of the two bests is the cost of what changed.
The issue targets compare against the engine before an issue's first commit (README, Performance).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMER = (
    "import sys; sys.path.insert(0, {tree!r}); import os; os.chdir({tree!r}); "
    "from benchmarks.engine import time_engine; print(time_engine({residents}, {months})['seconds'])"
)


def seconds(tree: Path, residents: int, months: int) -> float:
    """One timing of the engine in ``tree``, in a fresh process."""
    code = TIMER.format(tree=str(tree), residents=residents, months=months)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit")
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.commit], check=True
        )
        try:
            runs: dict[str, list[float]] = {"before": [], "now": []}
            for _ in range(args.repeats):
                runs["before"].append(seconds(old, args.residents, args.months))
                runs["now"].append(seconds(ROOT, args.residents, args.months))
                print(f"before {runs['before'][-1]:.3f} s, now {runs['now'][-1]:.3f} s", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=True)
    before, now = min(runs["before"]), min(runs["now"])
    print(
        f"{args.residents} residents x {args.months} months, best of {args.repeats}: before {before:.3f} s, "
        f"now {now:.3f} s, ratio {now / before:.3f}"
    )


if __name__ == "__main__":
    main()
