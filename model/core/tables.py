"""Tidy tables, and the one summary across replications that every table, the trial and the plots use."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

STATISTICS = ("mean", "p05", "p50", "p95")


def tidy(values: np.ndarray, columns: Mapping[str, object], value: str = "value") -> pd.DataFrame:
    """One row per element of ``values`` (C order), with a column per entry of ``columns``, then ``value``.

    An entry ``(axis, labels)`` labels each row by its position along that axis; any other entry is a
    constant column.
    """
    index = np.indices(values.shape).reshape(values.ndim, -1)
    data = {}
    for name, spec in columns.items():
        if isinstance(spec, tuple):
            axis, labels = spec
            data[name] = np.asarray(labels)[index[axis]]
        else:
            data[name] = spec
    data[value] = values.ravel()
    return pd.DataFrame(data)


def summarise(
    values: np.ndarray, *, level: float = 0.90, method: str = "linear"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean, lower, median and upper central-``level`` percentiles across replications (axis 0), and count.

    One rule for every table, the trial and the plots:

    - NaN means "not defined in this replication" (a ratio with nothing to divide by) and is left out; the
      count says how many replications defined the value; where none did, every statistic is NaN.
    - An infinite value is an outcome (no payback within the horizon, no job added): percentiles count it;
      the mean is NaN when any replication is infinite (ratios replace it by the ratio of means).

    ``method`` is numpy's percentile method (``inverted_cdf`` for outcomes that must be observed values).
    """
    values = np.asarray(values, dtype=float)
    tail = 100 * (1 - level) / 2
    defined = ~np.isnan(values)
    count = defined.sum(axis=0)
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.where(np.isinf(values).any(axis=0), np.nan, np.nanmean(values, axis=0))
        if defined.all():
            lower, median, upper = np.percentile(values, [tail, 50, 100 - tail], axis=0, method=method)
        else:
            lower, median, upper = np.nanpercentile(values, [tail, 50, 100 - tail], axis=0, method=method)
    return mean, lower, median, upper, count


def describe(values: np.ndarray, method: str = "linear") -> list[float]:
    """:func:`summarise` of one value across replications: [mean, p05, p50, p95]."""
    return [float(x) for x in summarise(values, method=method)[:4]]
