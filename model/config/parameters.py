"""Parameters with provenance, layered: defaults -> fitted values -> scenario overrides.

Defaults live in ``model/data/parameters.yaml`` (value, unit, status, source, bounds per leaf). Values set
by ``healthwork calibrate`` live in ``model/data/fitted/`` and replace the defaults' values, keeping their
metadata.
Scenario overrides replace values again and are validated against each leaf's bounds. Every parameter is
addressed by its dotted path, the same path that ``parameters:`` in a scenario and ``--set`` use
(policyengine-core parameter files; Vivarium layered configuration).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from model.config.errors import Problem, did_you_mean, shown

STATUSES = ("sourced", "derived", "fallback", "assumption", "fitted")
# How a leaf's distribution was chosen (parameters.yaml's header says what each means).
DISTRIBUTION_BASES = (
    "published_interval",
    "sampling",
    "judgement",
    "half_to_double",
    "survey_estimate",
    "setting",
    "statutory",
    "convention",
)
FIXED_BASES = ("survey_estimate", "setting", "statutory", "convention")  # held at the value
SOURCED_BASES = ("published_interval", "sampling", "survey_estimate")  # state their distribution_source
AREA_FACTORS = ("job_entry", "unemployment", "sickness")


@dataclass(frozen=True)
class Parameter:
    """One parameter: its value and where the value comes from."""

    path: str
    value: float
    unit: str
    status: str
    source: str
    min: float | None = None
    max: float | None = None
    integer: bool = False
    note: str = ""
    url: str = ""
    layer: str = "default"
    distribution: Mapping[str, Mapping[str, float]] | str | None = (
        None  # e.g. {uniform: {low, high}}, "fixed"
    )
    distribution_basis: str = ""  # one of DISTRIBUTION_BASES: how the distribution was chosen
    distribution_source: str = ""  # the interval, sample size or bracket it comes from, or why it is fixed

    def check(self, value: object) -> str | None:
        """Return why ``value`` is not acceptable for this parameter, or None."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, got {shown(value)}"
        if not math.isfinite(value):
            return f"expected a finite number, got {shown(value)}"
        if self.integer and float(value) != int(value):
            return f"expected a whole number, got {shown(value)}"
        if self.min is not None and value < self.min:
            return f"must be at least {self.min:g} ({self.unit}), got {shown(value)}"
        if self.max is not None and value > self.max:
            return f"must be at most {self.max:g} ({self.unit}), got {shown(value)}"
        return None


class Parameters(Mapping[str, float]):
    """Resolved parameter values by dotted path, with provenance for each."""

    def __init__(self, entries: Mapping[str, Parameter]):
        self._entries = dict(entries)

    def __getitem__(self, path: str) -> float:
        return self._entries[path].value

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, path: str) -> Parameter:
        """The full record of one parameter."""
        return self._entries[path]

    def problems(
        self, overrides: Mapping[str, object], file: str, prefix: str = "parameters"
    ) -> list[Problem]:
        """Why each override is not acceptable (unknown path, wrong type, out of bounds)."""
        found = []
        for path, value in overrides.items():
            key = f"{prefix}.{path}" if prefix else path
            if path not in self._entries:
                found.append(Problem(file, key, "unknown parameter" + did_you_mean(path, self._entries)))
                continue
            reason = self._entries[path].check(value)
            if reason:
                found.append(Problem(file, key, reason))
        return found

    def with_overrides(
        self, overrides: Mapping[str, float], layer: str, sources: Mapping[str, str] | None = None
    ) -> Parameters:
        """A copy with ``overrides`` applied; call :meth:`problems` first to validate them.

        With ``sources`` (a user's overrides: where each was set), an overridden parameter's source becomes
        that place and its note keeps the value and source it replaced; its status (sourced, assumption...)
        stays the default's, so a parameter labelled an assumption is still varied by ``sensitivity``.
        """
        entries = dict(self._entries)
        for path, value in overrides.items():
            old = entries[path]
            entries[path] = replace(old, value=float(value), layer=layer)
            if sources is not None:
                entries[path] = replace(
                    entries[path],
                    source=sources[path],
                    url="",
                    note=f"replaces {old.value:g} ({old.layer}, {old.status}; source: {old.source})",
                )
        return Parameters(entries)

    def as_records(self) -> list[dict[str, object]]:
        """Every parameter as a plain dict with its provenance and bounds, for manifests and listings."""
        return [
            {
                "path": p.path,
                "value": p.value,
                "unit": p.unit,
                "status": p.status,
                "layer": p.layer,
                "source": p.source,
                "url": p.url,
                "note": p.note,
                "min": p.min,
                "max": p.max,
                "integer": p.integer,
                "distribution": _described(p.distribution),
                "distribution_basis": p.distribution_basis,
                "distribution_source": p.distribution_source,
            }
            for p in self._entries.values()
        ]


def _described(distribution: Mapping[str, Mapping[str, float]] | str | None) -> str:
    """A distribution in one cell: ``uniform(low=0.4, high=0.45)``, ``fixed``, or empty (fitted values)."""
    if not isinstance(distribution, Mapping):
        return distribution or ""
    ((kind, spec),) = distribution.items()
    return f"{kind}({', '.join(f'{k}={v:g}' for k, v in spec.items())})"


def _flatten(tree: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, Mapping[str, object]]]:
    for key, node in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if not isinstance(node, Mapping):
            raise ValueError(f"parameters.yaml: {path}: expected a mapping")
        if "value" in node:
            yield path, node
        else:
            yield from _flatten(node, path)


def _data_file(*parts: str):
    return resources.files("model").joinpath("data", *parts)


@cache
def _read_defaults() -> dict[str, Parameter]:
    tree = yaml.safe_load(_data_file("parameters.yaml").read_text(encoding="utf-8"))
    entries = {}
    for path, node in _flatten(tree):
        if node.get("status") not in STATUSES:
            raise ValueError(f"parameters.yaml: {path}: status must be one of {STATUSES}")
        if node["status"] == "derived" and not node.get("note"):
            raise ValueError(f"parameters.yaml: {path}: a derived parameter states its derivation in note")
        reason = _distribution_problem(node)
        if reason:
            raise ValueError(f"parameters.yaml: {path}: {reason}")
        entries[path] = Parameter(
            path=path,
            value=float(node["value"]),
            unit=str(node["unit"]),
            status=str(node["status"]),
            source=str(node["source"]),
            min=None if node.get("min") is None else float(node["min"]),
            max=None if node.get("max") is None else float(node["max"]),
            integer=bool(node.get("integer", False)),
            note=str(node.get("note", "")),
            url=str(node.get("url", "")),
            distribution=node.get("distribution"),
            distribution_basis=str(node.get("distribution_basis", "")),
            distribution_source=str(node.get("distribution_source", "")),
        )
    return entries


def _distribution_problem(node: Mapping[str, object]) -> str | None:
    """Why a leaf's uncertainty is not stated properly, or None.

    Every leaf but a fitted one states it (a fitted value's uncertainty is the calibration's).
    """
    dist, basis = node.get("distribution"), node.get("distribution_basis")
    if dist is None:
        return None if node["status"] == "fitted" else "states its distribution and distribution_basis"
    if basis not in DISTRIBUTION_BASES:
        return f"distribution_basis must be one of {DISTRIBUTION_BASES}, got {basis!r}"
    if basis in SOURCED_BASES and not node.get("distribution_source"):
        return f"a {basis} distribution states its distribution_source"
    if (dist == "fixed") != (basis in FIXED_BASES):
        return f"a value is fixed exactly when its basis is one of {FIXED_BASES}"
    if dist == "fixed":
        return None
    if not isinstance(dist, Mapping) or len(dist) != 1:
        return "distribution must be fixed, {uniform|loguniform: {low, high}} or {lognormal: {median, p95}}"
    ((kind, spec),) = dist.items()
    lo, hi = node.get("min"), node.get("max")
    if kind == "loguniform" and set(spec) == {"low", "high"} and not 0 < spec["low"] < spec["high"]:
        return f"a log-uniform range must be above 0, got {dist!r}"
    if kind in ("uniform", "loguniform") and set(spec) == {"low", "high"} and spec["low"] < spec["high"]:
        if (lo is not None and spec["low"] < lo) or (hi is not None and spec["high"] > hi):
            return "the uniform range goes beyond the leaf's bounds"
        return None
    if kind == "lognormal" and set(spec) == {"median", "p95"} and 0 < spec["median"] < spec["p95"]:
        return None
    return f"malformed distribution {dist!r}"


def read_csv_rows(source: Path | Traversable) -> list[dict[str, str]]:
    """Rows of a CSV file whose lines starting with ``#`` are comments (provenance headers)."""
    with source.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def read_data_csv(*parts: str) -> list[dict[str, str]]:
    """Rows of a packaged data file, ``model/data/<parts>``."""
    return read_csv_rows(_data_file(*parts))


def rate_path(tax_year: str, key: str) -> str:
    """Dotted path of a statutory rate, e.g. ``rates.2026_27.uc.taper`` for tax year 2026/27."""
    return f"rates.{tax_year.replace('/', '_')}.{key}"


def area_factor_path(area: str, data_year: int, factor: str) -> str:
    """Dotted path of a fitted area factor, e.g. ``area_factors.St Helens.2023.job_entry``."""
    return f"area_factors.{area}.{data_year}.{factor}"


_REGISTERED: dict[str, Parameter] = {}


def register_defaults(entries: Mapping[str, Parameter]) -> None:
    """Add default parameters declared in code (a plug-in's programme type or condition)."""
    if not entries:
        return
    clash = sorted(set(entries) & (set(_REGISTERED) | set(_read_defaults())))
    if clash:
        raise ValueError(f"parameters already declared: {', '.join(clash)}")
    _REGISTERED.update(entries)
    default_parameters.cache_clear()


@cache
def default_parameters() -> Parameters:
    """Defaults (the data file and registered entries) with the fitted values of ``model/data/fitted/``."""
    entries = _read_defaults() | _REGISTERED
    for row in read_data_csv("fitted", "parameters.csv"):
        path = row["path"]
        if path not in entries or entries[path].status != "fitted":
            raise ValueError(f"fitted/parameters.csv: {path} is not a parameter declared as fitted")
        entries[path] = replace(entries[path], value=float(row["value"]), layer="fitted")
    for row in read_data_csv("tax_benefit_rates.csv"):
        path = rate_path(row["tax_year"], row["key"])
        share = row["unit"].startswith("share")
        entries[path] = Parameter(
            path=path,
            value=float(row["value"]),
            unit=f"{row['unit']}, {row['tax_year']}",
            status=row["status"],
            source=row["source"],
            min=0.0,
            max=1.0 if share else 10_000_000.0,
            note=row["note"],
            url=row["url"],
        )
    for row in read_data_csv("fitted", "area_factors.csv"):
        path = area_factor_path(row["area"], int(row["data_year"]), row["factor"])
        entries[path] = Parameter(
            path=path,
            value=float(row["value"]),
            unit=f"multiplier on the {row['factor'].replace('_', ' ')} hazard in {row['area']}",
            status="fitted",
            source=f"healthwork calibrate, to the area's published rates for {row['data_year']}",
            min=0.01,
            max=100.0,
            layer="fitted",
        )
    return Parameters(entries)
