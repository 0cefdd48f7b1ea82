"""Structural-schema validation, defaulting and pruning of custom resources for the local server.

kube-apiserver runs every custom-resource write through three steps, and so does the local server,
in the same order: ``prune`` (drop fields the schema does not know), ``apply_defaults`` and then
``validate`` (OpenAPI value validation, ``x-kubernetes-list-type`` invariants, then the CEL rules
in ``cel``). The errors are the real server's ``field.Error`` values with its exact wording, paths
and ordering rules (for example, CEL is skipped when a "blocking" OpenAPI error was found), because
our integration tests run unchanged against a real cluster and compare the Status bodies.

The schema is the plain ``openAPIV3Schema`` dict of a CRD version, walked directly: no model is
built, no object is copied, and compiled regular expressions are cached by pattern text, since
the benchmark sends ten thousand objects through here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from localkube.apiserver import cel
from localkube.apiserver.field_errors import (
    DUPLICATE,
    INVALID,
    NOT_SUPPORTED,
    REQUIRED,
    TOO_LONG,
    TOO_MANY,
    TYPE_INVALID,
    FieldError,
    field_error,
)
from localkube.apiserver.schema_check import check_structural, structural_errors
from localkube.apiserver.schema_values import ValueValidator

__all__ = [
    "FieldError",
    "apply_defaults",
    "check_structural",
    "field_error",
    "prune",
    "structural_errors",
    "validate",
]

_BLOCKING = frozenset({NOT_SUPPORTED, REQUIRED, TOO_LONG, TOO_MANY, TYPE_INVALID})
_BLOCKED_CEL = (
    "some validation rules were not checked because the object was invalid; "
    "correct the existing errors to complete validation"
)
_ROOT_FIELDS = frozenset({"apiVersion", "kind", "metadata"})


# ---- validation ------------------------------------------------------------------------------


def validate(
    obj: dict[str, Any], schema: Mapping[str, Any], *, old: dict[str, Any] | None = None
) -> list[FieldError]:
    """All errors for ``obj`` (after prune and apply_defaults), in the real server's order.

    ``old`` is the stored object on update: transition rules see it as ``oldSelf``. Root
    ``apiVersion``, ``kind`` and ``metadata`` are the server's to check. ``obj`` is not modified.
    """
    errors = ValueValidator().validate_root(obj, schema, skip=_ROOT_FIELDS)
    errors.extend(_embedded_errors(obj, schema, path=""))
    errors.extend(_list_errors(obj, schema, path=""))
    if not _has_rules(schema):
        return errors
    if any(e.type in _BLOCKING for e in errors):
        errors.append(field_error(INVALID, "", None, _BLOCKED_CEL))
        return errors
    errors.extend(cel.check_rules(obj, schema, old=old))
    return errors


def _has_rules(node: Mapping[str, Any]) -> bool:
    if node.get("x-kubernetes-validations"):
        return True
    for sub in (node.get("properties") or {}).values():
        if _has_rules(sub):
            return True
    for key in ("additionalProperties", "items"):
        sub = node.get(key)
        if isinstance(sub, Mapping) and _has_rules(sub):
            return True
    return False


def _children(
    value: Any, node: Mapping[str, Any], path: str
) -> list[tuple[Any, Mapping[str, Any], str]]:
    """(value, schema, field path) of each child of ``value`` that has a schema."""
    if isinstance(value, dict):
        props = node.get("properties") or {}
        additional = node.get("additionalProperties")
        out = []
        for key, sub in value.items():
            if not path and key in _ROOT_FIELDS:
                continue
            if key in props:
                out.append((sub, props[key], f"{path}.{key}" if path else key))
            elif isinstance(additional, Mapping):
                out.append((sub, additional, f"{path}[{key}]"))
        return out
    items = node.get("items")
    if isinstance(value, list) and isinstance(items, Mapping):
        return [(item, items, f"{path}[{i}]") for i, item in enumerate(value)]
    return []


def _embedded_errors(value: Any, node: Mapping[str, Any], *, path: str) -> list[FieldError]:
    """apiVersion and kind of ``x-kubernetes-embedded-resource`` objects must be set."""
    errors: list[FieldError] = []
    if path and node.get("x-kubernetes-embedded-resource") and isinstance(value, dict):
        for name in ("apiVersion", "kind"):
            if not value.get(name):
                errors.append(field_error(REQUIRED, f"{path}.{name}", detail="must not be empty"))
    for sub, sub_node, sub_path in _children(value, node, path):
        errors.extend(_embedded_errors(sub, sub_node, path=sub_path))
    return errors


def _list_errors(value: Any, node: Mapping[str, Any], *, path: str) -> list[FieldError]:
    """``x-kubernetes-list-type`` set and map invariants: no duplicates, map keys present."""
    errors: list[FieldError] = []
    list_type = node.get("x-kubernetes-list-type")
    if isinstance(value, list) and list_type == "set":
        errors.extend(_set_errors(value, path))
    elif isinstance(value, list) and list_type == "map":
        errors.extend(_map_list_errors(value, node, path))
    for sub, sub_node, sub_path in _children(value, node, path):
        errors.extend(_list_errors(sub, sub_node, path=sub_path))
    return errors


def _set_errors(items: list[Any], path: str) -> list[FieldError]:
    seen: set[str] = set()
    errors = []
    for i, item in enumerate(items):
        key = json.dumps(item, sort_keys=True)
        if key in seen:
            errors.append(field_error(DUPLICATE, f"{path}[{i}]", item))
        seen.add(key)
    return errors


def _map_list_errors(items: list[Any], node: Mapping[str, Any], path: str) -> list[FieldError]:
    keys = list(node.get("x-kubernetes-list-map-keys") or ())
    item_props = (node.get("items") or {}).get("properties") or {}
    seen: set[str] = set()
    errors = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(
                field_error(
                    INVALID, f"{path}[{i}]", item, "must be an object for an array of list-type map"
                )
            )
            continue
        key_values = {}
        for k in keys:
            if k in item:
                key_values[k] = item[k]
            elif "default" in (item_props.get(k) or {}):
                key_values[k] = item_props[k]["default"]
        identity = json.dumps(key_values, sort_keys=True)
        if identity in seen:
            errors.append(field_error(DUPLICATE, f"{path}[{i}]", key_values))
        seen.add(identity)
    return errors


# ---- defaulting ------------------------------------------------------------------------------


def apply_defaults(obj: dict[str, Any], schema: Mapping[str, Any]) -> None:
    """Fill in ``default`` values in place, like the apiserver's structural defaulting.

    A default applies where the parent object exists and the field is absent, or null while not
    ``nullable``; defaults inside a default are then applied too. Other non-nullable nulls are
    dropped first. Idempotent. Root ``metadata`` is left to the server.
    """
    _drop_nulls(obj, schema, root=True)
    _default(obj, schema, root=True)


def _drop_nulls(value: Any, node: Mapping[str, Any], *, root: bool = False) -> None:
    if isinstance(value, dict):
        props = node.get("properties") or {}
        additional = node.get("additionalProperties")
        for key in list(value):
            if root and key == "metadata":
                continue
            sub = props.get(key) or (additional if isinstance(additional, Mapping) else None)
            if sub is None:
                continue
            if value[key] is None and not sub.get("nullable") and "default" not in sub:
                del value[key]
            else:
                _drop_nulls(value[key], sub)
    elif isinstance(value, list) and isinstance(node.get("items"), Mapping):
        for item in value:
            _drop_nulls(item, node["items"])


def _default(value: Any, node: Mapping[str, Any], *, root: bool = False) -> None:
    if isinstance(value, dict):
        _default_object(value, node, root=root)
    elif isinstance(value, list):
        items = node.get("items")
        if not isinstance(items, Mapping):
            return
        for i, item in enumerate(value):
            if item is None and "default" in items and not items.get("nullable"):
                value[i] = copy.deepcopy(items["default"])
            _default(value[i], items)


def _default_object(value: dict[str, Any], node: Mapping[str, Any], *, root: bool) -> None:
    props: Mapping[str, Any] = node.get("properties") or {}
    for key, sub in props.items():
        if root and key == "metadata":
            continue
        if "default" in sub and (
            key not in value or (value[key] is None and not sub.get("nullable"))
        ):
            value[key] = copy.deepcopy(sub["default"])
    additional = node.get("additionalProperties")
    for key, item in value.items():
        if root and key == "metadata":
            continue
        if key in props:
            _default(item, props[key])
        elif isinstance(additional, Mapping):
            if item is None and "default" in additional and not additional.get("nullable"):
                value[key] = item = copy.deepcopy(additional["default"])
            _default(item, additional)


# ---- pruning ---------------------------------------------------------------------------------


def prune(obj: dict[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Remove, in place, every field the schema does not specify, like the apiserver's pruning.

    Kept: root ``apiVersion``/``kind``/``metadata`` (the server prunes metadata itself), the same
    three fields of ``x-kubernetes-embedded-resource`` objects, and anything under
    ``x-kubernetes-preserve-unknown-fields`` (whose specified properties are still pruned).
    Returns the paths removed (``spec.colour``, ``spec.data[0].extra``), in document order:
    what ``fieldValidation=Strict`` reports as ``unknown field "spec.colour"`` and ``Warn`` warns.
    """
    pruned: list[str] = []
    _prune(obj, schema, path="", pruned=pruned, resource_root=True)
    return pruned


def _prune(
    value: Any,
    node: Mapping[str, Any] | None,
    *,
    path: str,
    pruned: list[str],
    resource_root: bool = False,
) -> None:
    if node is None:
        return
    if isinstance(value, dict):
        embedded = bool(node.get("x-kubernetes-embedded-resource"))
        _prune_object(
            value, node, path=path, pruned=pruned, resource_root=resource_root or embedded
        )
    elif isinstance(value, list):
        items = node.get("items")
        if isinstance(items, Mapping):
            for i, item in enumerate(value):
                _prune(item, items, path=f"{path}[{i}]", pruned=pruned)


def _prune_object(
    value: dict[str, Any],
    node: Mapping[str, Any],
    *,
    path: str,
    pruned: list[str],
    resource_root: bool,
) -> None:
    props: Mapping[str, Any] = node.get("properties") or {}
    additional = node.get("additionalProperties")
    preserve = bool(node.get("x-kubernetes-preserve-unknown-fields")) or additional is True
    for key in list(value):
        child = f"{path}.{key}" if path else key
        if resource_root and key in _ROOT_FIELDS:
            if key != "metadata" and key in props:
                _prune(value[key], props[key], path=child, pruned=pruned)
            continue
        if key in props:
            _prune(value[key], props[key], path=child, pruned=pruned)
        elif isinstance(additional, Mapping):
            _prune(value[key], additional, path=child, pruned=pruned)
        elif not preserve:
            del value[key]
            pruned.append(child)
