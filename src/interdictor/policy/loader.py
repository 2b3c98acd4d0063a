"""Read policy YAML into a validated :class:`PolicySpec`, resolving ``extends``.

Every problem becomes a :class:`PolicyError` whose message names the file and the
field path (``jurisdictions.US-CO.rules[0].action``), one line per problem.
"""

from __future__ import annotations

import difflib
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from interdictor.policy.schema import PolicySpec, RuleSpec, SectionSpec

BUILTIN_PREFIX = "builtin:"
_FIELDS = sorted({f for model in (PolicySpec, SectionSpec, RuleSpec) for f in model.model_fields})


class PolicyError(ValueError):
    """A policy that cannot be read or is invalid; the message is shown to the user."""


class _StrictLoader(yaml.SafeLoader):
    """Refuses repeated keys, where PyYAML would silently keep the last (two ``US-CO``
    sections would otherwise lose one without a word)."""


def _mapping_without_repeats(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            repeated = key in seen
        except TypeError:  # an unhashable key; construct_mapping reports it
            continue
        if repeated:
            raise yaml.constructor.ConstructorError(None, None, f"repeated key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":  # a bad jurisdiction code: the code itself is the path's end
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _message(err: ErrorDetails) -> str:
    if err["type"] == "extra_forbidden":
        key = str(err["loc"][-1])
        close = difflib.get_close_matches(key, _FIELDS, n=1)
        return f"unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else "")
    msg = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    if err["type"] != "value_error" and isinstance(value, str | int | float | bool):
        msg += f" (got {value!r})"
    return msg


def format_errors(source: str, exc: ValidationError) -> str:
    return "\n".join(f"{source}: {_path(tuple(e['loc']))}: {_message(e)}" for e in exc.errors())


def builtin_names() -> list[str]:
    """Names of the policies shipped in ``interdictor/policy/data``."""
    folder = resources.files(__package__).joinpath("data")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_text(name: str) -> str:
    if name not in builtin_names():
        raise PolicyError(f"no builtin policy {name!r}; builtins: {', '.join(builtin_names())}")
    return resources.files(__package__).joinpath("data").joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def parse(text: str, source: str) -> PolicySpec:
    """Validate policy YAML; with ``extends``, merge in the builtin it names."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader: plain data only
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: a policy is a YAML mapping (name, version, mode, jurisdictions)")
    try:
        spec = PolicySpec.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(format_errors(source, exc)) from None
    if spec.extends is None:
        return spec
    try:
        parent = parse(builtin_text(spec.extends), BUILTIN_PREFIX + spec.extends)
    except PolicyError as exc:
        raise PolicyError(f"{source}: extends: {exc}") from None
    try:
        return PolicySpec.model_validate(spec.extending_data(parent))
    except ValidationError as exc:
        raise PolicyError(
            f"{format_errors(source, exc)}\n{source}: (with the rules inherited from {spec.extends!r})"
        ) from None
