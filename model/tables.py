"""Tidy tables and summaries across replications, shared by every output table."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


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


def describe(values: np.ndarray, method: str = "linear") -> list[float]:
    """Mean and 5th, 50th and 95th percentiles across replications of the defined (not NaN) values.

    All NaN when none is defined; the mean is NaN when a value is infinite (percentiles still count it).
    """
    values = values[~np.isnan(values)]
    if not len(values):
        return [np.nan] * 4
    mean = values.mean() if np.isfinite(values).all() else np.nan
    return [mean, *np.percentile(values, [5, 50, 95], method=method)]
