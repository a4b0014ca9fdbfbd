"""Read a scenario file safely, apply ``--set`` overrides, validate, report every problem.

Problems are collected and raised together as one :class:`~twin.errors.ScenarioError`,
each with its dotted YAML path, the value given and what is allowed (the
mosaik habit of listing everything at once, so a user fixes a file in one go).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from twin.errors import Problem, ScenarioError
from twin.scenario.models import Scenario

__all__ = ["apply_overrides", "load_scenario", "parse_overrides", "validate_scenario_dict"]

MAX_FILE_BYTES = 1_000_000
FUTURE_SECTIONS: frozenset[str] = frozenset()


def load_scenario(
    path: str | Path,
    overrides: Iterable[str] = (),
    *,
    seed: int | None = None,
) -> Scenario:
    """Load, override and validate a scenario file.

    Parameters
    ----------
    path : str or pathlib.Path
        The scenario YAML file.
    overrides : iterable of str
        ``a.b=VALUE`` assignments; VALUE is read as YAML (``3``, ``true``, ``15min``).
    seed : int, optional
        Replaces the scenario's ``seed``.

    Returns
    -------
    Scenario
        The validated scenario, which remembers the file's folder
        (:attr:`Scenario.source`) for relative model paths.

    Raises
    ------
    ScenarioError
        Listing every problem with its YAML path.
    """
    file = Path(path)
    raw = read_yaml_mapping(file)
    data = apply_overrides(raw, parse_overrides(overrides, source=str(file)), source=str(file))
    if seed is not None:
        data["seed"] = seed
    return validate_scenario_dict(data, source=str(file)).read_from(file)


def read_yaml_mapping(file: Path) -> dict[str, Any]:
    """Read a YAML mapping with the safe loader, turning every failure into a ScenarioError."""
    source = str(file)
    if not file.exists():
        raise ScenarioError([Problem("", f"file {source!r} does not exist")], source)
    if not file.is_file():
        raise ScenarioError([Problem("", f"{source!r} is not a file")], source)
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ScenarioError(
            [Problem("", f"file is {file.stat().st_size:,} bytes; at most {MAX_FILE_BYTES:,}")],
            source,
        )
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem("", f"cannot read the file: {exc}")], source) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(
            [Problem("", f"not valid YAML{where}: {reason} (only plain YAML, no Python tags)")],
            source,
        ) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ScenarioError(
            [Problem("", f"the file holds a {kind} value; expected a mapping of sections")],
            source,
        )
    return data


def parse_overrides(overrides: Iterable[str], *, source: str = "") -> list[tuple[str, Any]]:
    """Split ``a.b=VALUE`` strings into (path, YAML value) pairs."""
    parsed: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key or any(not part for part in key.split(".")):
            problems.append(
                Problem(
                    "--set", f"given {item!r}; expected KEY.PATH=VALUE such as households.count=50"
                )
            )
            continue
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text
        parsed.append((key, value))
    if problems:
        raise ScenarioError(problems, source)
    return parsed


def apply_overrides(
    data: Mapping[str, Any], overrides: Iterable[tuple[str, Any]], *, source: str = ""
) -> dict[str, Any]:
    """Return a copy of ``data`` with each dotted path set to its value.

    A path part that is a whole number indexes a list (``faults.0.start``).
    """
    result: dict[str, Any] = copy.deepcopy(dict(data))
    problems: list[Problem] = []
    for path, value in overrides:
        parts = path.split(".")
        node: Any = result
        for depth in range(len(parts)):
            part, last = parts[depth], depth == len(parts) - 1
            where = ".".join(parts[: depth + 1])
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    problems.append(
                        Problem(
                            path,
                            f"{where!r} is not an item of a list of {len(node)}; "
                            f"expected an index from 0 to {len(node) - 1}",
                        )
                    )
                    break
                key: Any = int(part)
            elif isinstance(node, dict):
                key = part
            else:
                parent = ".".join(parts[:depth])
                problems.append(
                    Problem(
                        path, f"cannot set inside {parent!r}, which holds {node!r}, not a section"
                    )
                )
                break
            if last:
                node[key] = value
            else:
                if isinstance(node, dict) and node.get(key) is None:
                    node[key] = {}
                node = node[key]
    if problems:
        raise ScenarioError(problems, source)
    return result


def validate_scenario_dict(data: Mapping[str, Any], *, source: str = "") -> Scenario:
    """Validate a plain mapping into a :class:`Scenario`, collecting every problem."""
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise ScenarioError(_problems_from(exc, data), source) from None


def _problems_from(exc: ValidationError, data: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"] if not str(p).startswith(("function-", "literal["))]
        # pydantic puts union branch names in loc (int, literal['auto']); drop them
        loc = [p for p in loc if p not in {"int", "str", "float"}]
        path = ".".join(loc)
        problems.append(Problem(path, _message(err, loc, data)))
    # one problem per path and message
    unique: dict[tuple[str, str], Problem] = {}
    for p in problems:
        unique.setdefault((p.path, p.message), p)
    return list(unique.values())


def _message(err: Any, loc: list[str], data: Mapping[str, Any]) -> str:
    kind = err["type"]
    given = err.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        if len(loc) == 1 and loc[0] in FUTURE_SECTIONS:
            return (
                f"section {loc[0]!r} is not available in this version of gridtwin; "
                f"expected one of {allowed}"
            )
        return f"unknown key {loc[-1]!r}; expected one of {allowed}"
    if kind == "missing":
        return "is required but missing"
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if "given" in msg or isinstance(given, dict):
        return msg
    return f"given {given!r}: {msg[0].lower()}{msg[1:]}"


def _allowed_keys(parent: list[str]) -> list[str]:
    model: Any = Scenario
    for part in parent:
        if isinstance(model, dict):  # a mapping of named sections: any name, then its model
            model = model["value"]
            continue
        field = model.model_fields.get(part)
        model = _section_model(getattr(field, "annotation", None))
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _section_model(annotation: Any) -> Any:
    """The section model of a field's annotation: the model itself, of ``Model | None``,
    or ``{"value": Model}`` for ``dict[str, Model]`` (None if none)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is dict and len(args) == 2:
        inner = _section_model(args[1])
        return None if inner is None else {"value": inner}
    if len(args) == 1:
        return _section_model(args[0])
    return None
