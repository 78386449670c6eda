"""Reading scenario files: strict YAML, ``extends:``, ``--set`` overrides, and plain-words errors.

A scenario may ``extends:`` another scenario file (mappings merge key by key, lists are replaced), and
``--set dotted.key=value`` overrides apply on top. Unknown keys, wrong types, impossible values, unknown
areas, malformed YAML, empty files, duplicate keys and YAML tags that construct objects are all rejected with
one line per problem naming the file, the key path and the reason (:class:`model.config.errors.InputError`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from model.config.errors import InputError, Problem, did_you_mean, shown
from model.config.parameters import default_parameters
from model.config.scenario import (
    DISTRIBUTION_MESSAGE,
    CostSpec,
    EconomySpec,
    EffectSpec,
    EligibilitySpec,
    HouseholdEligibilitySpec,
    Lognormal,
    PopulationSpec,
    PosteriorSpec,
    ProgrammeSpec,
    Scenario,
    SupportSpec,
    Uniform,
    WaitingListSpec,
    cross_key_problems,
)
from model.config.vocabulary import RATES

COMMAND_LINE = "command line --set"


class _StrictLoader(yaml.SafeLoader):
    """Safe loader that also rejects duplicate keys (PyYAML keeps the last one silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str) and (isinstance(key, bool) or not isinstance(key, int)):
            raise yaml.constructor.ConstructorError(  # whole numbers pass: years (the schema types each key)
                None, None, f"keys must be text, found {key!r}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


MAX_EXPANDED_NODES = 100_000  # a scenario is a few hundred values; aliases may not multiply it beyond this


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes ``node`` stands for once every alias is expanded (a shared node once per use)."""
    if id(node) not in sizes:
        sizes[id(node)] = 0  # a node reached again while being counted is a recursive alias: counted once
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        sizes[id(node)] = min(1 + sum(_expanded_size(c, sizes) for c in children), MAX_EXPANDED_NODES + 1)
    return sizes[id(node)]


def parse_yaml(text: str, file: str) -> Any:
    """Parse YAML text with the strict safe loader; raise :class:`InputError` naming the file on failure.

    Aliases are resolved without copying, but a file whose aliases would expand past
    ``MAX_EXPANDED_NODES`` values (the "billion laughs" pattern) is refused before anything reads it.
    """
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_EXPANDED_NODES:
            reason = (
                f"its aliases (*name) expand to more than {MAX_EXPANDED_NODES:,} values; "
                "a scenario needs far fewer: write the values out or reduce the nesting of aliases"
            )
            raise InputError([Problem(file, "", reason)])
        return loader.construct_document(node)
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
    finally:
        loader.dispose()


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
        raise InputError([Problem(str(path), "extends", f"expected a file name, got {shown(parent_ref)}")])
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


def _target(key: str) -> list[str]:
    """The path in scenario data a ``--set`` key addresses: a scenario key, or ``parameters`` and a path."""
    head, _, rest = key.partition(".")
    if head not in Scenario.model_fields:
        return ["parameters", key]
    return ["parameters", rest] if head == "parameters" and rest else key.split(".")


def apply_overrides(data: dict[str, Any], overrides: Sequence[tuple[str, Any]]) -> list[Problem]:
    """Apply parsed ``--set`` overrides to raw scenario data in place; return problems found.

    A key that is not a scenario key is a parameter path. A mapping given to a key that holds a mapping
    merges into it key by key, as ``extends:`` does (``--set 'population={areas: [Halton]}'`` keeps the
    file's scale); any other value replaces the key's.
    """
    problems = []
    for key, value in overrides:
        parts = _target(key)
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                problems.append(Problem(COMMAND_LINE, key, f"'{part}' is not a mapping"))
                break
        else:
            last = parts[-1]
            if isinstance(value, Mapping) and isinstance(node.get(last), Mapping):
                value = _merge(dict(node[last]), value)
            node[last] = value
    return problems


# ------------------------------------------------------------------------------------------ validation

_MODELS: dict[str, type[BaseModel]] = {
    "": Scenario,
    "population": PopulationSpec,
    "economy": EconomySpec,
    "programmes": ProgrammeSpec,
    "eligibility": EligibilitySpec,
    "household": HouseholdEligibilitySpec,
    "waiting_list": WaitingListSpec,
    "support_months": SupportSpec,
    "cost": CostSpec,
    "effects": EffectSpec,
    "lognormal": Lognormal,
    "uniform": Uniform,
    "posterior": PosteriorSpec,
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
        if len(loc) >= 2 and loc[-2] in RATES:
            model = EffectSpec
        allowed = [f.alias or name for name, f in model.model_fields.items()]
        return "unknown key" + did_you_mean(str(loc[-1]), allowed) + f"; allowed keys: {', '.join(allowed)}"
    words = {
        "missing": "required key is missing",
        "int_type": f"expected a whole number, got {shown(value)}",
        "float_type": f"expected a number, got {shown(value)}",
        "bool_type": f"expected true or false, got {shown(value)}",
        "bool_parsing": f"expected true or false, got {shown(value)}",
        "finite_number": f"must be a finite number, got {shown(value)}",
        "string_type": f"expected text, got {shown(value)}",
        "list_type": f"expected a list, got {shown(value)}",
        "dict_type": f"expected a mapping of keys to values, got {shown(value)}",
        "model_type": f"expected a mapping of keys to values, got {shown(value)}",
        "literal_error": f"must be {ctx.get('expected')}, got {shown(value)}",
        "greater_than": f"must be greater than {ctx.get('gt')}, got {shown(value)}",
        "greater_than_equal": f"must be at least {ctx.get('ge')}, got {shown(value)}",
        "less_than": f"must be less than {ctx.get('lt')}, got {shown(value)}",
        "less_than_equal": f"must be at most {ctx.get('le')}, got {shown(value)}",
        "too_short": f"must have at least {ctx.get('min_length')} item(s)",
        "string_too_short": "must not be empty",
        "string_too_long": f"must be at most {ctx.get('max_length')} characters",
        "string_pattern_mismatch": f"expected a fiscal year such as 2025/26, got {shown(value)}",
        "value_error": str(ctx.get("error", err["msg"])),
        "distribution": f"{DISTRIBUTION_MESSAGE}, got {shown(value)}",
        "union_tag_invalid": f"expected a number or a mapping, got {shown(value)}",
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
        single_posterior = isinstance(data.get("posterior"), Mapping)  # named as written, not as a list
        for e in err.errors():
            key = _key_path(e["loc"])
            if single_posterior:
                key = re.sub(r"^posterior\[0\]", "posterior", key)
            problems.append(Problem(_origin(key, origins, file), key, _describe(e)))
        scenario = None
    overrides = data.get("parameters")
    if isinstance(overrides, Mapping):
        for p in default_parameters().problems(overrides, file):
            problems.append(Problem(_origin(p.key, origins, file), p.key, p.reason))
    if not problems:
        params = scenario.resolved_parameters()
        # The schema keeps programmes in name order; name the one a problem concerns by its place in the file.
        names = [p["name"] for p in data.get("programmes") or []]
        written = sorted(range(len(names)), key=lambda i: names[i])
        for key, reason in cross_key_problems(scenario, params):
            key = re.sub(r"^programmes\[(\d+)\]", lambda m: f"programmes[{written[int(m.group(1))]}]", key)
            problems.append(Problem(_origin(key, origins, file), key, reason))
    if problems:
        raise InputError(problems)
    return scenario


def _checked_posteriors(scenario: Scenario, origins: Mapping[str, str], file: str) -> Scenario:
    """The scenario with its posteriors' files made absolute, once checked.

    Each file must exist, have the sha256 the scenario gives and have one column per known parameter, every
    draw within the parameter's bounds; two posteriors may not calibrate the same parameter (each is drawn
    independently of the others). Each refusal names the file and key.
    """
    checked, seen = [], {}
    single = len(scenario.posterior) == 1
    for index, spec in enumerate(scenario.posterior):
        key = "posterior" if single else f"posterior[{index}]"
        where = _origin(f"{key}.file", origins, file)
        resolved, columns = _checked_posterior(spec, Path(where), key)
        for name in columns:
            if name in seen:
                reason = f"{spec.file} and {seen[name]} both calibrate {name}: one posterior per parameter"
                raise InputError([Problem(where, f"{key}.file", reason)])
            seen[name] = spec.file
        checked.append(spec.model_copy(update={"file": str(resolved)}))
    return scenario.model_copy(update={"posterior": checked})


def _checked_posterior(spec: PosteriorSpec, named_in: Path, key: str) -> tuple[Path, list[str]]:
    """One posterior's absolute path and columns, once its file, hash, columns and draws are checked."""
    import hashlib

    import pyarrow.parquet as pq

    where = str(named_in)
    resolved = (named_in.parent / spec.file).resolve()
    if not resolved.is_file():
        raise InputError([Problem(where, f"{key}.file", f"posterior file not found: {resolved}")])
    digest = hashlib.sha256(resolved.read_bytes()).hexdigest()
    if digest != spec.sha256:
        reason = (
            f"{spec.file} has sha256 {digest}, not the {spec.sha256} given: the posterior changed since the "
            "scenario named it; check it, then give its new hash"
        )
        raise InputError([Problem(where, f"{key}.sha256", reason)])
    try:
        table = pq.read_table(resolved)
    except Exception:  # any unreadable file gets the same plain-words refusal
        raise InputError([Problem(where, f"{key}.file", f"{spec.file} is not a parquet file")]) from None
    known = default_parameters()
    unknown = [c for c in table.column_names if c not in known]
    if unknown or not table.column_names:
        reason = f"{spec.file}: {', '.join(unknown) or 'no columns'}: not parameters of the model"
        raise InputError([Problem(where, f"{key}.file", reason)])
    if table.num_rows == 0:
        raise InputError([Problem(where, f"{key}.file", f"{spec.file} has no draws")])
    for name in table.column_names:
        entry = known.entry(name)
        low = -math.inf if entry.min is None else entry.min
        high = math.inf if entry.max is None else entry.max
        for value in table.column(name).to_pylist():
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                reason = (
                    f"{spec.file}: {name} has {shown(value)}; each draw must be a number in {low:g}-{high:g}"
                )
                raise InputError([Problem(where, f"{key}.file", reason)])
    return resolved, table.column_names


def load_scenario(path: str | Path, overrides: Sequence[str] = (), *, max_scale: float = 1.0) -> Scenario:
    """Read, merge (``extends:``), override (``--set``) and validate a scenario file.

    Args:
        path: the scenario YAML file.
        overrides: ``dotted.key=value`` strings, as given to ``--set``.
        max_scale: the largest ``population.scale`` accepted: 1 (the published population) unless a Python
            caller asks for a larger synthetic population (up to 20), each simulated resident then standing
            for less than one.

    Raises:
        InputError: listing every problem, each naming its file, key path and reason.

    """
    path = Path(path)
    data, origins = _load_chain(path)
    parsed = parse_set(overrides)
    problems = apply_overrides(data, parsed)
    set_by: dict[str, str] = {}  # parameter path -> the --set item that set it last
    for item, (key, value) in zip(overrides, parsed, strict=True):  # parse_set keeps every item, in order
        target = ".".join(_target(key))
        origins[target] = COMMAND_LINE
        nested = {f"{target}.{k}": item for k in _paths(value)} if isinstance(value, Mapping) else {}
        origins.update(dict.fromkeys(nested, COMMAND_LINE))
        for path in [target, *nested]:
            if path.startswith("parameters."):
                set_by[path.removeprefix("parameters.")] = item
    if problems:
        raise InputError(problems)
    scenario = validate(data, origins, str(path))
    if scenario.posterior:
        scenario = _checked_posteriors(scenario, origins, str(path))
    if scenario.population.scale > max_scale:
        key = "population.scale"
        reason = (
            f"must be at most {max_scale:g} (the areas' published populations), "
            f"got {scenario.population.scale:g}; a larger synthetic population runs through the Python API: "
            "load_scenario(..., max_scale=20)"
        )
        raise InputError([Problem(_origin(key, origins, str(path)), key, reason)])
    return scenario.with_parameter_sources(
        {
            p: f"user override on the command line (--set {set_by[p]})"
            if p in set_by
            else f"user override in {_origin(f'parameters.{p}', origins, str(path))}"
            for p in scenario.parameters
        }
    )
