"""OpenAPI v3 structural schemas derived from the pydantic models, for our CRDs.

The models are the single source of truth: field names (aliases), types, enums (``Literal``),
required fields and defaults come from pydantic; patterns, bounds and CEL rules come from the
``Crd`` markers (``eso.api.meta``); descriptions are the attribute docstrings. pydantic's own
``model_json_schema`` is not used because Kubernetes wants a *structural* schema: no ``$ref``,
no ``anyOf`` for optionals, every node typed.

Only the shapes our models use are supported; anything else raises ``SchemaError`` at
generation time rather than emitting a schema the API server would reject.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from eso.api.meta import Crd, EsoModel

__all__ = ["SchemaError", "field_schema", "is_required", "model_schema"]

Schema = dict[str, Any]

_SCALARS: dict[type, str] = {str: "string", bool: "boolean", int: "integer", float: "number"}
_CRD_KEYWORDS = {
    "pattern": "pattern",
    "min_length": "minLength",
    "max_length": "maxLength",
    "min_items": "minItems",
    "max_items": "maxItems",
    "min_properties": "minProperties",
    "max_properties": "maxProperties",
    "minimum": "minimum",
    "maximum": "maximum",
    "format": "format",
    "map_type": "x-kubernetes-map-type",
    "list_type": "x-kubernetes-list-type",
}


class SchemaError(TypeError):
    """A model uses a type the CRD schema generator does not support."""


def model_schema(model: type[EsoModel]) -> Schema:
    """The object schema of ``model``: properties by alias, required, model-level markers."""
    properties: Schema = {}
    required: list[str] = []
    for name, info in model.model_fields.items():
        alias = info.alias or name
        properties[alias] = field_schema(info)
        if is_required(info):
            required.append(alias)
    for name in getattr(model, "crd_opaque_properties", ()):
        properties[name] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    schema: Schema = {"type": "object"}
    description = _doc(model)
    if description:
        schema["description"] = description
    schema["properties"] = dict(sorted(properties.items()))
    if required:
        schema["required"] = sorted(required)
    return _ordered(_apply(schema, model.crd))


def field_schema(info: FieldInfo) -> Schema:
    """The schema of one field, with its description and (server-side) default."""
    schema = _type_schema(info.annotation)
    for marker in _markers(info.metadata):
        schema = _apply(schema, marker)
    if info.description:
        schema["description"] = " ".join(info.description.split())
    default = _server_default(info)
    if default is not None:
        schema["default"] = default
    return _ordered(schema)


def _type_schema(tp: Any) -> Schema:
    origin = get_origin(tp)
    if origin is Annotated:
        base, *meta = get_args(tp)
        schema = _type_schema(base)
        for marker in _markers(meta):
            schema = _apply(schema, marker)
        return schema
    if origin in (Union, types.UnionType):
        return _union_schema(get_args(tp))
    if origin is Literal:
        return {"type": "string", "enum": [str(v) for v in get_args(tp)]}
    if origin is list:
        (item,) = get_args(tp)
        return {"type": "array", "items": _type_schema(item)}
    if origin is dict:
        return _dict_schema(get_args(tp))
    if isinstance(tp, type) and issubclass(tp, EsoModel):
        return model_schema(tp)
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    if tp is Any:
        return {"x-kubernetes-preserve-unknown-fields": True}
    raise SchemaError(f"unsupported type for a CRD schema: {tp!r}")


def _union_schema(args: tuple[Any, ...]) -> Schema:
    rest = [a for a in args if a is not type(None)]
    if len(rest) == 1:
        return _type_schema(rest[0])
    if set(rest) == {int, str}:
        return {
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "x-kubernetes-int-or-string": True,
        }
    raise SchemaError(f"unsupported union for a CRD schema: {args!r}")


def _dict_schema(args: tuple[Any, ...]) -> Schema:
    key, value = args
    if key is not str:
        raise SchemaError(f"map keys must be strings, not {key!r}")
    if value is Any:
        return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    return {"type": "object", "additionalProperties": _type_schema(value)}


def _markers(meta: list[Any] | tuple[Any, ...]) -> list[Crd]:
    return [m for m in meta if isinstance(m, Crd)]


def _apply(schema: Schema, marker: Crd) -> Schema:
    out = dict(schema)
    for attr, keyword in _CRD_KEYWORDS.items():
        value = getattr(marker, attr)
        if value is not None:
            out[keyword] = value
    if marker.enum is not None:
        out["enum"] = list(marker.enum)
    if marker.nullable:
        out["nullable"] = True
    if marker.default is not None:
        out["default"] = marker.default
    if marker.rules:
        rules = [_rule(r.rule, r.message, r.field_path, r.reason) for r in marker.rules]
        out["x-kubernetes-validations"] = out.get("x-kubernetes-validations", []) + rules
    return out


def _rule(rule: str, message: str, field_path: str | None, reason: str | None) -> Schema:
    out: Schema = {"rule": rule, "message": message}
    if field_path:
        out["fieldPath"] = field_path
    if reason:
        out["reason"] = reason
    return out


def is_required(info: FieldInfo) -> bool:
    """Required in the CRD: required by pydantic, or marked ``Crd(required=True)``."""
    return info.is_required() or any(m.required for m in _markers(info.metadata))


def _server_default(info: FieldInfo) -> Any:
    """A model default the API server should also apply (explicit ``Crd(default=...)`` aside).

    Only non-empty scalars: an empty string or ``false`` default is the same as the field being
    absent, and ``Crd(server_default=False)`` or a required field keeps the default model-only.
    """
    markers = _markers(info.metadata)
    if is_required(info) or not all(m.server_default for m in markers):
        return None
    value = info.default
    if value is PydanticUndefined or value is None or value in ("", 0, False):
        return None
    return value if isinstance(value, str | int | bool) else None


def _doc(model: type[EsoModel]) -> str:
    paragraphs = (model.__doc__ or "").strip().split("\n\n")
    return " ".join(paragraphs[0].split())


_ORDER = ("description", "type", "default")


def _ordered(schema: Schema) -> Schema:
    """Description, type and default first: the generated YAML reads like controller-gen's."""
    head = {k: schema[k] for k in _ORDER if k in schema}
    return head | {k: v for k, v in schema.items() if k not in head}
