"""CRD-create-time checks that a version's ``openAPIV3Schema`` is structural and usable.

apiextensions.k8s.io/v1 rejects CRDs whose schemas are not structural (every node typed, value
validations free of types and defaults, ``metadata`` limited to name and generateName) or use
features it forbids (``uniqueItems: true``, ``additionalProperties: false``, bad patterns, invalid
defaults). The local server must reject the same CRDs, or a CRD that works in CI would fail on a
real cluster. Only the rules a hand-written or generated CRD is likely to break are covered, as
FieldErrors in the real server's words with fields under ``path``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from localkube.apiserver.field_errors import (
    FORBIDDEN,
    INVALID,
    NOT_SUPPORTED,
    REQUIRED,
    FieldError,
    field_error,
)
from localkube.apiserver.schema_values import ValueValidator

_TYPES = ["array", "boolean", "integer", "number", "object", "string"]
_LIST_TYPES = ["atomic", "map", "set"]
_NOT_STRUCTURAL = (
    "type",
    "additionalProperties",
    "nullable",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
)
_VALUE_VALIDATIONS = ("allOf", "anyOf", "oneOf")
_METADATA = (
    "must not specify anything other than name and generateName, but metadata is implicitly "
    "specified"
)
_QUADRATIC = "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"

Problems = Iterator[FieldError]


def structural_errors(
    schema: Mapping[str, Any], *, path: str = "openAPIV3Schema"
) -> list[FieldError]:
    """Why ``schema`` would be rejected at CRD create or update; empty when it is acceptable.

    ``path`` names the schema root; pass ``spec.versions[i].schema.openAPIV3Schema``.
    """
    return [*_root(schema, path), *_node(schema, path, level="root")]


def check_structural(schema: Mapping[str, Any], *, path: str = "openAPIV3Schema") -> list[str]:
    """``structural_errors`` as "<field>: <message>" lines."""
    return [e.detail() for e in structural_errors(schema, path=path)]


def _supported(values: list[str]) -> str:
    return "supported values: " + ", ".join(f'"{v}"' for v in values)


def _root(schema: Mapping[str, Any], path: str) -> Problems:
    type_ = schema.get("type")
    if not type_:
        yield field_error(REQUIRED, f"{path}.type", detail="must not be empty at the root")
    elif type_ != "object":
        yield field_error(INVALID, f"{path}.type", type_, "must be object at the root")
    metadata = (schema.get("properties") or {}).get("metadata")
    if isinstance(metadata, Mapping):
        extra = set(metadata.get("properties") or {}) - {"name", "generateName"}
        rest = set(metadata) - {"type", "properties", "description"}
        if extra or rest:
            yield field_error(FORBIDDEN, f"{path}.properties[metadata]", detail=_METADATA)


def _node(node: Mapping[str, Any], path: str, *, level: str) -> Problems:
    yield from _type_problems(node, path, level=level)
    yield from _shape_problems(node, path)
    yield from _list_problems(node, path)
    yield from _value_validation_problems(node, path)
    yield from _default_problems(node, path)
    for name, sub in (node.get("properties") or {}).items():
        if isinstance(sub, Mapping):
            yield from _node(sub, f"{path}.properties[{name}]", level="field")
    additional = node.get("additionalProperties")
    if isinstance(additional, Mapping):
        yield from _node(additional, f"{path}.additionalProperties", level="field")
    items = node.get("items")
    if isinstance(items, Mapping):
        yield from _node(items, f"{path}.items", level="item")


def _type_problems(node: Mapping[str, Any], path: str, *, level: str) -> Problems:
    type_ = node.get("type")
    field = f"{path}.type"
    if type_ and type_ not in _TYPES:
        yield field_error(NOT_SUPPORTED, field, type_, _supported(_TYPES))
    if node.get("x-kubernetes-embedded-resource") and type_ != "object":
        detail = "must be object if x-kubernetes-embedded-resource is true"
        if type_:
            yield field_error(INVALID, field, type_, detail)
        else:
            yield field_error(REQUIRED, field, detail=detail)
    elif not type_ and level != "root" and not _untyped_allowed(node):
        where = "array items" if level == "item" else "object fields"
        yield field_error(REQUIRED, field, detail=f"must not be empty for specified {where}")


def _untyped_allowed(node: Mapping[str, Any]) -> bool:
    return bool(
        node.get("x-kubernetes-int-or-string") or node.get("x-kubernetes-preserve-unknown-fields")
    )


def _shape_problems(node: Mapping[str, Any], path: str) -> Problems:
    if node.get("type") == "array" and "items" not in node:
        yield field_error(REQUIRED, f"{path}.items", detail="must be specified")
    if isinstance(node.get("items"), list):
        detail = "items must be a schema object and not an array"
        yield field_error(FORBIDDEN, f"{path}.items", detail=detail)
    additional = node.get("additionalProperties")
    if additional is not None and node.get("properties"):
        detail = "additionalProperties and properties are mutual exclusive"
        yield field_error(FORBIDDEN, f"{path}.additionalProperties", detail=detail)
    if additional is False:
        yield field_error(FORBIDDEN, f"{path}.additionalProperties", detail="must not be false")
    if node.get("uniqueItems"):
        yield field_error(FORBIDDEN, f"{path}.uniqueItems", detail=_QUADRATIC)
    pattern = node.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as e:
            detail = f"must be a valid regular expression, but isn't: {e}"
            yield field_error(INVALID, f"{path}.pattern", pattern, detail)


def _list_problems(node: Mapping[str, Any], path: str) -> Problems:
    list_type = node.get("x-kubernetes-list-type")
    keys = node.get("x-kubernetes-list-map-keys")
    if list_type is not None and list_type not in _LIST_TYPES:
        field = f"{path}.x-kubernetes-list-type"
        yield field_error(NOT_SUPPORTED, field, list_type, _supported(_LIST_TYPES))
    if list_type == "map" and not keys:
        detail = "must not be empty if x-kubernetes-list-type is map"
        yield field_error(REQUIRED, f"{path}.x-kubernetes-list-map-keys", detail=detail)
    if keys and list_type != "map":
        detail = "must be map if x-kubernetes-list-map-keys is non-empty"
        yield field_error(INVALID, f"{path}.x-kubernetes-list-type", list_type or "", detail)
    items = node.get("items")
    item_props = (items.get("properties") if isinstance(items, Mapping) else None) or {}
    for i, key in enumerate(keys or ()):
        if list_type == "map" and key not in item_props:
            detail = "entries must all be names of item properties"
            yield field_error(INVALID, f"{path}.x-kubernetes-list-map-keys[{i}]", key, detail)


def _value_validation_problems(node: Mapping[str, Any], path: str) -> Problems:
    int_or_string = bool(node.get("x-kubernetes-int-or-string"))
    for key in _VALUE_VALIDATIONS:
        for i, sub in enumerate(node.get(key) or ()):
            if int_or_string and key == "anyOf" and set(sub) == {"type"}:
                continue
            yield from _nested(sub, f"{path}.{key}[{i}]")
    negated = node.get("not")
    if isinstance(negated, Mapping):
        yield from _nested(negated, f"{path}.not")


def _nested(sub: Mapping[str, Any], path: str) -> Problems:
    for name in _NOT_STRUCTURAL:
        if name in sub:
            yield field_error(FORBIDDEN, f"{path}.{name}", detail="must be empty to be structural")
    if "default" in sub:
        yield field_error(FORBIDDEN, f"{path}.default", detail="must be undefined to be structural")
    for name, prop in (sub.get("properties") or {}).items():
        if isinstance(prop, Mapping):
            yield from _nested(prop, f"{path}.properties[{name}]")
    items = sub.get("items")
    if isinstance(items, Mapping):
        yield from _nested(items, f"{path}.items")


def _default_problems(node: Mapping[str, Any], path: str) -> Problems:
    if "default" not in node:
        return
    validator = ValueValidator()
    validator.node(node["default"], node, "default")
    for error in validator.errors:
        yield FieldError(error.type, f"{path}.default", error.message)
