"""Scenarios: strict YAML files, validated into a frozen :class:`Scenario`.

A scenario is defaults plus a validated diff (policyengine-core reforms; Vivarium layered configuration). It
may ``extends:`` another scenario file (mappings merge key by key, lists are replaced), and ``--set
dotted.key=value`` overrides apply on top. Unknown keys, wrong types, impossible values, unknown areas,
malformed YAML, empty files, duplicate keys and YAML tags that construct objects are all rejected with one
line per problem naming the file, the key path and the reason (:class:`model.errors.InputError`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator

from model.areas import ALIASES, area_names
from model.errors import InputError, Problem, did_you_mean
from model.parameters import Parameters, default_parameters

COMMAND_LINE = "command line --set"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PopulationSpec(_Strict):
    """Which areas to simulate, from which data year, and at what sample scale."""

    areas: list[str] = Field(min_length=1)
    scale: float = Field(default=1.0, gt=0, le=1)
    data_year: Literal[2010, 2023] = 2023

    @field_validator("areas")
    @classmethod
    def _known_areas(cls, areas: list[str]) -> list[str]:
        known = area_names()
        problems = []
        for name in areas:
            if name in known:
                continue
            if name in ALIASES:
                problems.append(f"'{name}' is not a published area name; use '{ALIASES[name]}'")
            else:
                problems.append(
                    f"unknown area '{name}'{did_you_mean(name, known)}; known areas: {', '.join(known)}"
                )
        duplicates = sorted({a for a in areas if areas.count(a) > 1})
        if duplicates:
            problems.append(f"listed more than once: {', '.join(duplicates)}")
        if problems:
            raise ValueError("; ".join(problems))
        return areas


PROGRAMME_TYPES = ("health_trainer", "ips", "employment_support")
REFERRAL_ROUTES = ("gp", "jobcentre", "self")
STATE_NAMES = ("employed", "unemployed", "inactive_sick", "inactive_other")
CONDITION_NAMES = (
    "any",
    "none",
    "common_mental_disorder",
    "severe_mental_illness",
    "musculoskeletal",
    "other_condition",
)
EFFECT_RATES = (
    "employment.job_entry",
    "employment.job_exit",
    "health.mental_health.recovery",
    "health.msk.recovery",
    "health.other.recovery",
    "readiness.gain",
)
MENTAL_HEALTH_GROUPS = ("none", "common_mental_disorder", "severe_mental_illness")
NonNegative = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]


class _Lognormal(_Strict):
    median: float = Field(gt=0)
    p95: float = Field(gt=0)


class LognormalDistribution(_Strict):
    """A lognormal uncertainty distribution given by its median and 95th percentile."""

    lognormal: _Lognormal


class _Uniform(_Strict):
    low: float
    high: float


class UniformDistribution(_Strict):
    """A uniform uncertainty distribution between ``low`` and ``high``."""

    uniform: _Uniform


def _shape(value: Any) -> str | None:
    """Union tag from the input's shape (tags start with ~ so that error paths can leave them out)."""
    if isinstance(value, Mapping):
        for key in ("lognormal", "uniform"):
            if key in value:
                return f"~{key}"
        return "~mapping"
    if isinstance(value, BaseModel):
        return {LognormalDistribution: "~lognormal", UniformDistribution: "~uniform"}.get(
            type(value), "~mapping"
        )
    return "~number"


_DISTRIBUTION_MESSAGE = "expected a number, {lognormal: {median: M, p95: P}} or {uniform: {low: L, high: H}}"
Distribution = Annotated[
    Annotated[float, Tag("~number")]
    | Annotated[LognormalDistribution, Tag("~lognormal")]
    | Annotated[UniformDistribution, Tag("~uniform")],
    Discriminator(_shape, custom_error_type="distribution", custom_error_message=_DISTRIBUTION_MESSAGE),
]
StaffFTE = Annotated[
    Annotated[NonNegative, Tag("~number")] | Annotated[dict[str, NonNegative], Tag("~mapping")],
    Discriminator(_shape),
]


class EffectSpec(_Strict):
    """A programme's modifier on one named rate: a value or a distribution drawn once per replication."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    hazard_ratio: Distribution | None = None
    by_mental_health: dict[Literal[MENTAL_HEALTH_GROUPS], Distribution] | None = None
    gain_per_month: Distribution | None = None
    while_: Literal["active", "pre_employment", "in_work"] = Field(default="active", alias="while")
    decay_half_life_months: float = Field(default=0.0, ge=0)


class EligibilitySpec(_Strict):
    """Who may be referred: employment states, conditions (any of), work-limiting, ages, time out of work."""

    states: list[Literal[STATE_NAMES]] | None = Field(default=None, min_length=1)
    conditions: list[Literal[CONDITION_NAMES]] | None = Field(default=None, min_length=1)
    exclude_conditions: list[Literal[CONDITION_NAMES[2:]]] | None = None
    work_limiting: bool | None = None
    min_age: int | None = Field(default=None, ge=16, le=64)
    max_age: int | None = Field(default=None, ge=16, le=64)
    min_months_out_of_work: int | None = Field(default=None, ge=0)
    max_months_out_of_work: int | None = Field(default=None, ge=0)


class WaitingListSpec(_Strict):
    """How the waiting list is ordered and how many give up each month."""

    rule: Literal["fifo", "longest_out_of_work", "lowest_readiness"] = "fifo"
    monthly_leaving: float | None = Field(default=None, ge=0, le=1)


class SupportSpec(_Strict):
    """Time-limited support: months of pre-employment support, months of in-work support."""

    pre_employment: int | None = Field(default=None, ge=1, le=120)
    in_work: int | None = Field(default=None, ge=0, le=120)


class CostSpec(_Strict):
    """Programme costs: per staff FTE-year and per participant start, in GBP at ``price_year`` prices."""

    per_fte_year_gbp: float | None = Field(default=None, ge=0)
    per_start_gbp: float = Field(default=0.0, ge=0)
    price_year: str | None = Field(default=None, pattern=r"^\d{4}/\d{2}$")


class ProgrammeSpec(_Strict):
    """One programme in a scenario (unset fields take the type's defaults, ``services.<type>.*``)."""

    name: str = Field(min_length=1, max_length=100)
    type: Literal[PROGRAMME_TYPES]
    areas: list[str] | None = Field(default=None, min_length=1)
    start: str | None = None
    end: str | None = None
    staff_fte: StaffFTE
    caseload_per_fte: float | None = Field(default=None, gt=0)
    eligibility: EligibilitySpec = Field(default_factory=EligibilitySpec)
    referral: dict[str, Probability] | None = None
    engagement: float | None = Field(default=None, ge=0, le=1)
    waiting_list: WaitingListSpec = Field(default_factory=WaitingListSpec)
    support_months: SupportSpec = Field(default_factory=SupportSpec)
    dropout: float | None = Field(default=None, ge=0, le=1)
    effects: dict[Literal[EFFECT_RATES], EffectSpec] = Field(default_factory=dict)
    cost: CostSpec = Field(default_factory=CostSpec)

    _month = field_validator("start", "end", mode="before")(lambda cls, v: _parse_month(v))

    def window(self, scenario: Scenario) -> tuple[int, int]:
        """First and last simulated month (1 = the scenario's start month) in which it accepts people."""
        start = month_index(scenario.start)
        first = month_index(self.start) - start + 1 if self.start else 1
        last = month_index(self.end) - start + 1 if self.end else scenario.horizon_months
        return first, last

    def caseload(self, params: Parameters) -> float:
        """Caseload per FTE: the scenario's, or the type's default."""
        return self.caseload_per_fte or params[f"services.{self.type}.caseload_per_fte"]

    def referral_probabilities(self, params: Parameters) -> dict[str, float]:
        """Monthly referral probability by route: the scenario's, or the type's defaults."""
        if self.referral is not None:
            return dict(self.referral)
        return {route: params[f"services.{self.type}.referral_{route}"] for route in REFERRAL_ROUTES}


def _parse_month(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"expected a month as YYYY-MM (e.g. 2027-04), got {value!r}")
        return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
    return value


def slug(text: str) -> str:
    """File-system-safe form of a name: lower case, runs of other characters as one underscore."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def month_index(month: str) -> int:
    """Months since year 0 of a YYYY-MM month, for comparing and differencing months."""
    year, m = month.split("-")
    return int(year) * 12 + int(m) - 1


class Scenario(_Strict):
    """A validated scenario (see the README for the annotated format)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    start: str
    horizon_months: int = Field(gt=0, le=1200)
    seed: int = Field(ge=0, lt=2**63)
    replications: int = Field(ge=1, le=100_000)
    population: PopulationSpec
    programmes: list[ProgrammeSpec] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)

    _month = field_validator("start", mode="before")(lambda cls, v: _parse_month(v))

    @property
    def start_month(self) -> tuple[int, int]:
        """(year, month) of the first simulated month."""
        year, month = self.start.split("-")
        return int(year), int(month)

    def has_programmes(self) -> bool:
        """Whether the scenario arm can differ from the counterfactual."""
        return bool(self.programmes)

    def resolved_parameters(self) -> Parameters:
        """Default and fitted parameters with this scenario's overrides applied."""
        return default_parameters().with_overrides(self.parameters, layer=f"scenario {self.name}")

    def slug(self) -> str:
        """File-system-safe form of the name, used for the output folder."""
        return slug(self.name) or "scenario"

    def canonical(self) -> dict[str, Any]:
        """The resolved scenario as plain JSON-able data."""
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """SHA-256 of the resolved scenario (with parameter values) in canonical JSON."""
        payload = {
            "scenario": self.canonical(),
            "parameters": dict(sorted(self.resolved_parameters().items())),
        }
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------- YAML reading


class _StrictLoader(yaml.SafeLoader):
    """Safe loader that also rejects duplicate keys (PyYAML keeps the last one silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"keys must be text, found {key!r}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, file: str) -> Any:
    """Parse YAML text with the strict safe loader; raise :class:`InputError` naming the file on failure."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.constructor.ConstructorError as err:
        reason = err.problem or "cannot be read"
        if "could not determine a constructor" in reason:
            tag = reason.split("'")[1] if reason.count("'") >= 2 else reason
            tag = tag.replace("tag:yaml.org,2002:", "!!")
            reason = f"YAML tag {tag} is not allowed: scenarios are plain YAML (no tags constructing objects)"
        raise InputError([Problem(file, _where(err.problem_mark), reason)]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        reason = f"malformed YAML: {getattr(err, 'problem', None) or err}"
        context, context_mark = getattr(err, "context", None), getattr(err, "context_mark", None)
        if context and context_mark is not None:
            reason += f" ({context} at {_where(context_mark)})"
        raise InputError([Problem(file, _where(mark), reason)]) from None


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _read_file(path: Path) -> dict[str, Any]:
    file = str(path)
    if not path.exists():
        raise InputError([Problem(file, "", "file not found")])
    if not path.is_file():
        raise InputError([Problem(file, "", "not a file")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError([Problem(file, "", "not a text file (expected UTF-8 YAML)")]) from None
    data = parse_yaml(text, file)
    if data is None:
        raise InputError(
            [
                Problem(
                    file,
                    "",
                    "the file is empty; a scenario needs at least name, start, "
                    "horizon_months, seed, replications and population",
                )
            ]
        )
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise InputError(
            [Problem(file, "", f"the top level must be a mapping of keys to values, got a {kind}")]
        )
    return data


def _paths(data: Mapping[str, Any], prefix: str = "") -> Iterable[str]:
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        yield path
        if isinstance(value, Mapping) and key != "parameters":
            yield from _paths(value, path)
        elif isinstance(value, Mapping):
            yield from (f"{path}.{k}" for k in value)


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _load_chain(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[str, str]]:
    """Read a scenario file and the files it extends; return merged data and the file each key came from."""
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise InputError([Problem(str(chain[-1]), "extends", f"circular extends: {cycle}")])
    data = _read_file(path)
    parent_ref = data.pop("extends", None)
    data_origins = {p: str(path) for p in _paths(data)}
    if parent_ref is None:
        return data, data_origins
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise InputError([Problem(str(path), "extends", f"expected a file name, got {parent_ref!r}")])
    parent_path = (
        (path.parent / parent_ref).resolve() if not Path(parent_ref).is_absolute() else Path(parent_ref)
    )
    if not parent_path.exists():
        raise InputError([Problem(str(path), "extends", f"extended file not found: {parent_ref}")])
    parent, origins = _load_chain(parent_path, (*chain, resolved))
    origins.update(data_origins)
    return _merge(parent, data), origins


# ------------------------------------------------------------------------------------------- overrides


def parse_set(items: Sequence[str]) -> list[tuple[str, Any]]:
    """Parse ``--set dotted.key=value`` items; values are read as YAML scalars (numbers, text, lists)."""
    parsed, problems = [], []
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(Problem(COMMAND_LINE, item, "expected KEY=VALUE, e.g. population.scale=0.1"))
            continue
        try:
            parsed.append((key, parse_yaml(text, COMMAND_LINE)))
        except InputError as err:
            problems.extend(Problem(COMMAND_LINE, key, p.reason) for p in err.problems)
    if problems:
        raise InputError(problems)
    return parsed


def apply_overrides(data: dict[str, Any], overrides: Sequence[tuple[str, Any]]) -> list[Problem]:
    """Apply parsed ``--set`` overrides to raw scenario data in place; return problems found."""
    top_level = set(Scenario.model_fields) - {"parameters"}
    problems = []
    for key, value in overrides:
        head, _, rest = key.partition(".")
        if head == "parameters":
            data.setdefault("parameters", {})[rest] = value
        elif head in top_level:
            node = data
            parts = key.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    problems.append(Problem(COMMAND_LINE, key, f"'{part}' is not a mapping"))
                    break
            else:
                node[parts[-1]] = value
        else:
            data.setdefault("parameters", {})[key] = value
    return problems


# ------------------------------------------------------------------------------------------ validation

_MODELS: dict[str, type[BaseModel]] = {
    "": Scenario,
    "population": PopulationSpec,
    "programmes": ProgrammeSpec,
    "eligibility": EligibilitySpec,
    "waiting_list": WaitingListSpec,
    "support_months": SupportSpec,
    "cost": CostSpec,
    "effects": EffectSpec,
    "lognormal": _Lognormal,
    "uniform": _Uniform,
}


def _key_path(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, str) and (part.startswith("~") or part == "[key]"):
            continue  # a union member's tag or pydantic's marker for a mapping key, not a key
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(err: Mapping[str, Any]) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    loc = err["loc"]
    if kind == "extra_forbidden":
        names = [p for p in loc[:-1] if isinstance(p, str) and p in _MODELS]
        model = _MODELS[names[-1]] if names else Scenario
        if len(loc) >= 2 and loc[-2] in EFFECT_RATES:
            model = EffectSpec
        allowed = [f.alias or name for name, f in model.model_fields.items()]
        return "unknown key" + did_you_mean(str(loc[-1]), allowed) + f"; allowed keys: {', '.join(allowed)}"
    if loc and loc[-1] == "[key]" and kind == "literal_error":
        allowed = [a.strip(" '") for a in str(ctx.get("expected", "")).replace(" or ", ", ").split(",")]
        return f"unknown name '{value}'{did_you_mean(str(value), allowed)}; allowed: {', '.join(allowed)}"
    words = {
        "missing": "required key is missing",
        "int_type": f"expected a whole number, got {value!r}",
        "float_type": f"expected a number, got {value!r}",
        "string_type": f"expected text, got {value!r}",
        "list_type": f"expected a list, got {value!r}",
        "dict_type": f"expected a mapping of keys to values, got {value!r}",
        "model_type": f"expected a mapping of keys to values, got {value!r}",
        "literal_error": f"must be {ctx.get('expected')}, got {value!r}",
        "greater_than": f"must be greater than {ctx.get('gt')}, got {value!r}",
        "greater_than_equal": f"must be at least {ctx.get('ge')}, got {value!r}",
        "less_than": f"must be less than {ctx.get('lt')}, got {value!r}",
        "less_than_equal": f"must be at most {ctx.get('le')}, got {value!r}",
        "too_short": f"must have at least {ctx.get('min_length')} item(s)",
        "string_too_short": "must not be empty",
        "string_too_long": f"must be at most {ctx.get('max_length')} characters",
        "string_pattern_mismatch": f"expected a fiscal year such as 2025/26, got {value!r}",
        "value_error": str(ctx.get("error", err["msg"])),
        "distribution": f"{_DISTRIBUTION_MESSAGE}, got {value!r}",
        "union_tag_invalid": f"expected a number or a mapping, got {value!r}",
    }
    return words.get(kind, err["msg"])


def _origin(key: str, origins: Mapping[str, str], default: str) -> str:
    """The file a key path came from: the nearest enclosing key that a file set."""
    while key:
        if key in origins:
            return origins[key]
        if key.endswith("]"):
            key = key[: key.rindex("[")]
        elif "." in key:
            key = key.rsplit(".", 1)[0]
        else:
            key = ""
    return default


def validate(data: Mapping[str, Any], origins: Mapping[str, str], file: str) -> Scenario:
    """Validate merged scenario data; raise :class:`InputError` listing every problem."""
    problems: list[Problem] = []
    try:
        scenario = Scenario.model_validate(dict(data))
    except ValidationError as err:
        for e in err.errors():
            key = _key_path(e["loc"])
            problems.append(Problem(_origin(key, origins, file), key, _describe(e)))
        scenario = None
    overrides = data.get("parameters")
    if isinstance(overrides, Mapping):
        for p in default_parameters().problems(overrides, file):
            problems.append(Problem(_origin(p.key, origins, file), p.key, p.reason))
    if not problems:
        params = scenario.resolved_parameters()
        for key, reason in programme_problems(scenario, params):
            problems.append(Problem(_origin(key, origins, file), key, reason))
    if problems:
        raise InputError(problems)
    return scenario


def programme_problems(scenario: Scenario, params: Parameters) -> list[tuple[str, str]]:
    """Rules that span several keys: names, areas, dates, capacity, referral totals, ages, distributions."""
    found = []
    names = [p.name for p in scenario.programmes]
    for i, prog in enumerate(scenario.programmes):
        key = f"programmes[{i}]"
        if names.count(prog.name) > 1:
            found.append((f"{key}.name", f"'{prog.name}' is used by more than one programme"))
        areas = prog.areas or scenario.population.areas
        for area in prog.areas or []:
            if area not in scenario.population.areas:
                found.append(
                    (
                        f"{key}.areas",
                        f"'{area}' is not one of the scenario's areas "
                        f"({', '.join(scenario.population.areas)})",
                    )
                )
        if isinstance(prog.staff_fte, dict):
            for area in prog.staff_fte:
                if area not in areas:
                    found.append(
                        (
                            f"{key}.staff_fte",
                            f"'{area}' is not one of the programme's areas ({', '.join(areas)})",
                        )
                    )
        first, last = prog.window(scenario)
        if first > last:
            found.append(
                (
                    f"{key}.end",
                    f"the programme ends ({prog.end}) before it starts ({prog.start or scenario.start})",
                )
            )
        if first < 1:
            found.append(
                (
                    f"{key}.start",
                    f"the programme starts ({prog.start}) before the scenario ({scenario.start})",
                )
            )
        if first > scenario.horizon_months:
            found.append(
                (f"{key}.start", f"the programme starts ({prog.start}) after the scenario's last month")
            )
        staff = sum(prog.staff_fte.values()) if isinstance(prog.staff_fte, dict) else prog.staff_fte
        referral = prog.referral_probabilities(params)
        if staff * prog.caseload(params) == 0 and any(v > 0 for v in referral.values()):
            found.append(
                (
                    f"{key}.staff_fte",
                    "capacity is 0 (staff_fte x caseload_per_fte) but residents are "
                    "referred; give it staff or set its referral rates to 0",
                )
            )
        if sum(referral.values()) > 1:
            found.append(
                (
                    f"{key}.referral",
                    f"monthly referral probabilities add up to {sum(referral.values()):g}, more than 1",
                )
            )
        e = prog.eligibility
        if e.min_age is not None and e.max_age is not None and e.min_age > e.max_age:
            found.append(
                (f"{key}.eligibility.max_age", f"max_age ({e.max_age}) is below min_age ({e.min_age})")
            )
        if (
            e.min_months_out_of_work is not None
            and e.max_months_out_of_work is not None
            and e.min_months_out_of_work > e.max_months_out_of_work
        ):
            found.append(
                (
                    f"{key}.eligibility.max_months_out_of_work",
                    "max_months_out_of_work is below min_months_out_of_work",
                )
            )
        if e.conditions and "none" in e.conditions and len(e.conditions) > 1:
            found.append((f"{key}.eligibility.conditions", "'none' cannot be combined with other conditions"))
        for rate, effect in prog.effects.items():
            ekey = f"{key}.effects.{rate}"
            is_gain = rate == "readiness.gain"
            if is_gain and (effect.hazard_ratio is not None or effect.by_mental_health is not None):
                found.append((ekey, "readiness.gain takes gain_per_month, not a hazard ratio"))
            if not is_gain and effect.gain_per_month is not None:
                found.append((ekey, f"{rate} takes hazard_ratio or by_mental_health, not gain_per_month"))
            if not is_gain and effect.hazard_ratio is None and effect.by_mental_health is None:
                found.append((ekey, "give hazard_ratio and/or by_mental_health"))
            if is_gain and effect.gain_per_month is None:
                found.append((ekey, "give gain_per_month"))
            values = [effect.hazard_ratio, effect.gain_per_month, *(effect.by_mental_health or {}).values()]
            for value in values:
                reason = _distribution_problem(value, gain=is_gain)
                if reason:
                    found.append((ekey, reason))
    return found


def _distribution_problem(value: Distribution | None, gain: bool) -> str | None:
    if value is None:
        return None
    if isinstance(value, LognormalDistribution):
        if value.lognormal.p95 <= value.lognormal.median:
            lognormal = value.lognormal
            return f"lognormal p95 ({lognormal.p95:g}) must be above its median ({lognormal.median:g})"
        return None
    if isinstance(value, UniformDistribution):
        if value.uniform.high < value.uniform.low:
            return "uniform high is below low"
        low = value.uniform.low
        if gain:
            return None if low >= 0 else "uniform low must be at least 0 for a readiness gain"
        return None if low > 0 else "uniform low must be above 0 for a hazard ratio"
    if gain:
        return (
            None
            if -1 <= value <= 1
            else f"a readiness gain per month must be between -1 and 1, got {value:g}"
        )
    return None if value > 0 else f"a hazard ratio must be above 0, got {value:g}"


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, merge (``extends:``), override (``--set``) and validate a scenario file.

    Args:
        path: the scenario YAML file.
        overrides: ``dotted.key=value`` strings, as given to ``--set``.

    Raises:
        InputError: listing every problem, each naming its file, key path and reason.

    """
    path = Path(path)
    data, origins = _load_chain(path)
    parsed = parse_set(overrides)
    problems = apply_overrides(data, parsed)
    for key, _ in parsed:
        head = key.partition(".")[0]
        origins[key if head in Scenario.model_fields else f"parameters.{key}"] = COMMAND_LINE
    if problems:
        raise InputError(problems)
    return validate(data, origins, str(path))
