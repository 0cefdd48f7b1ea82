"""Checking and converting function arguments against Go parameter types (Go's ``evalArg``).

A function declared ``(int, string)`` called as ``repeat 3 "x"`` gets the untyped constant 3
as an ``int``; a value from the data must already have the parameter's exact Go type (Go does
not convert it), else "wrong type for value; expected int; got string". Literals are typed by
the parameter (``expected integer; found "x"``); ``interface {}`` parameters take any value
and constants become ``int`` or ``float64``. Types are the Go spellings of ``values``.
"""

from __future__ import annotations

import struct
from typing import Any

from eso.template import nodes as n
from eso.template.missing import MISSING
from eso.template.values import (
    Duration,
    Float32,
    Int8,
    Int16,
    Int32,
    Int64,
    StringMap,
    StringSlice,
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    go_type_name,
)

__all__ = ["ArgError", "can_be_nil", "literal", "type_name", "validate", "zero"]

REFLECT = "reflect.Value"
_SIGNED: dict[str, tuple[type[int], int]] = {
    "int": (int, 64),
    "int64": (Int64, 64),
    "int32": (Int32, 32),
    "int16": (Int16, 16),
    "int8": (Int8, 8),
    "time.Duration": (Duration, 64),
}
_UNSIGNED: dict[str, tuple[type[int], int]] = {
    "uint": (Uint, 64),
    "uint64": (Uint64, 64),
    "uint32": (Uint32, 32),
    "uint16": (Uint16, 16),
    "uint8": (Uint8, 8),
    "uintptr": (Uint, 64),
}


# Named Go types a parameter may declare, by underlying kind: Go's ``evalArg`` converts a
# constant by the parameter's kind, so ``htpasswd .u .p "sha"`` works while a string *value*
# is still rejected ("expected sprig.HashAlgorithm; got string", by ``validate``).
_NAMED_KINDS = {"sprig.HashAlgorithm": "string"}


class ArgError(Exception):
    """An argument does not fit its parameter; the message is Go's."""


def type_name(value: Any) -> str:
    """Go type of a value as an argument check names it (nil interfaces: ``interface {}``)."""
    return "interface {}" if value is None else go_type_name(value)


def can_be_nil(typ: str | None) -> bool:
    """Go's ``canBeNil``: interfaces, maps, slices, pointers, funcs (and reflect.Value)."""
    if typ is None:
        return True
    return typ in (REFLECT, "error") or typ.startswith(("interface", "[]", "map[", "*", "func"))


def zero(typ: str | None) -> Any:
    """The zero value a nil or missing argument becomes for a nil-able parameter."""
    if typ in (None, REFLECT):
        return MISSING
    assert typ is not None
    if typ == "[]string":
        return StringSlice()
    if typ == "[]uint8":
        return b""
    if typ.startswith("[]"):
        return []
    if typ == "map[string]string":
        return StringMap()
    if typ.startswith("map["):
        return {}
    return None


def validate(value: Any, *, typ: str | None) -> Any:
    """Go's ``validateType``: ``value`` if assignable to ``typ``, else ``ArgError``."""
    if typ is None or typ == REFLECT:
        return value
    if value is MISSING:
        if can_be_nil(typ):
            return zero(typ)
        raise ArgError(f"invalid value; expected {typ}")
    if typ == "interface {}" or (value is not None and go_type_name(value) == typ):
        return value
    raise ArgError(f"wrong type for value; expected {typ}; got {type_name(value)}")


def literal(node: n.Node, *, typ: str | None) -> Any:
    """A constant argument typed by its parameter (Go's ``evalBool``/``evalInteger``...)."""
    typ = _NAMED_KINDS.get(typ or "", typ)
    if typ == "bool":
        if isinstance(node, n.BoolNode):
            return node.value
        raise ArgError(f"expected bool; found {node}")
    if typ == "string":
        if isinstance(node, n.StringNode):
            return node.text
        raise ArgError(f"expected string; found {node}")
    if typ in _SIGNED:
        cls, bits = _SIGNED[typ]
        if isinstance(node, n.NumberNode) and node.int_value is not None:
            return cls(_wrap(node.int_value, bits=bits, signed=True))
        raise ArgError(f"expected integer; found {node}")
    if typ in _UNSIGNED:
        cls, bits = _UNSIGNED[typ]
        if isinstance(node, n.NumberNode) and node.uint_value is not None:
            return cls(_wrap(node.uint_value, bits=bits, signed=False))
        raise ArgError(f"expected unsigned integer; found {node}")
    if typ in ("float64", "float32"):
        if isinstance(node, n.NumberNode) and node.float_value is not None:
            return node.float_value if typ == "float64" else _float32(node.float_value)
        raise ArgError(f"expected float; found {node}")
    raise ArgError(f"can't handle {node} for arg of type {typ}")


def _wrap(value: int, *, bits: int, signed: bool) -> int:
    """Go's reflect ``SetInt``/``SetUint`` keep the low bits of an oversized constant."""
    value &= (1 << bits) - 1
    if signed and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


def _float32(value: float) -> Float32:
    try:
        return Float32(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:
        return Float32(float("inf") if value > 0 else float("-inf"))
