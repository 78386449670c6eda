"""Local parallelism: a function over jobs in spawned worker processes, results in job order.

Workers only decide where a job runs; each job is a pure function of its arguments, so results do not
depend on the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context


def parallel_map[Job, Result](
    fn: Callable[[Job], Result],
    jobs: Sequence[Job],
    workers: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """``fn`` over ``jobs`` in up to ``workers`` processes (``fn`` top-level, so picklable).

    ``progress(done, total)`` is called as jobs finish; results come back in job order.
    """
    results: list[Result | None] = [None] * len(jobs)
    if workers <= 1 or len(jobs) <= 1:
        for i, job in enumerate(jobs):
            results[i] = fn(job)
            if progress:
                progress(i + 1, len(jobs))
        return results
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        for done, future in enumerate(as_completed(futures), 1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(jobs))
    return results
