"""The comparison builtins ``eq ne lt le gt ge`` with Go's kind rules and messages.

Go compares only basic kinds (bool, integers, floats, strings), lets signed and unsigned
integers meet, and refuses everything else with "incompatible types for comparison" or
"invalid type for comparison". Go's messages for non-comparable values embed the values; ours
name only their types, since a template's data is secret.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from eso.template.functions.registry import FuncError
from eso.template.missing import MISSING
from eso.template.values import Uint, Uint8, Uint16, Uint32, Uint64, go_kind, go_type_name

__all__ = ["eq", "ge", "gt", "indirect", "le", "lt", "ne"]

_UNSIGNED = (Uint, Uint8, Uint16, Uint32, Uint64)
_BAD_TYPE = "invalid type for comparison"


def indirect(v: Any) -> Any:
    """Go's ``indirectInterface``: a nil interface is no value."""
    return MISSING if v is None else v


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "uint" if isinstance(v, _UNSIGNED) else "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    return "invalid"


def _reflect_kind(v: Any) -> str:
    if v is MISSING:
        return "invalid"
    if isinstance(v, dict):
        return "struct" if go_kind(v) == "struct" else "map"  # sprig.certificate: comparable
    if isinstance(v, list | bytes):
        return "slice"
    return "struct" if isinstance(v, _dt.datetime) else "other"


def _incompatible(a: Any, *, b: Any) -> FuncError:
    return FuncError(f"incompatible types for comparison: {go_type_name(a)} and {go_type_name(b)}")


def _eq_one(a: Any, *, ka: str, b: Any) -> bool:
    kb = _kind(b)
    if ka != kb:
        if ka == "int" and kb == "uint":
            return bool(a >= 0 and a == b)
        if ka == "uint" and kb == "int":
            return bool(b >= 0 and a == b)
        if a is not MISSING and b is not MISSING:
            raise _incompatible(a, b=b)
        return False
    if ka != "invalid":
        return bool(a == b)
    ra, rb = _reflect_kind(a), _reflect_kind(b)
    if ra != rb and "invalid" not in (ra, rb):
        raise FuncError(f"non-comparable types {go_type_name(a)} and {go_type_name(b)}")
    if a is MISSING or b is MISSING:
        return a is b
    if rb in ("map", "slice"):
        raise FuncError(f"non-comparable type {go_type_name(b)}")
    return bool(a == b)


# The builtins below take positional parameters: the executor calls every template function
# positionally, as the function registry's contract says.


def eq(arg1: Any, *args: Any) -> bool:
    """True if ``arg1`` equals any of ``args``."""
    a = indirect(arg1)
    if not args:
        raise FuncError("missing argument for comparison")
    ka = _kind(a)
    return any(_eq_one(a, ka=ka, b=indirect(b)) for b in args)


def ne(arg1: Any, arg2: Any) -> bool:
    return not eq(arg1, arg2)


def lt(arg1: Any, arg2: Any) -> bool:
    a, b = indirect(arg1), indirect(arg2)
    ka, kb = _kind(a), _kind(b)
    if "invalid" in (ka, kb):
        raise FuncError(_BAD_TYPE)
    if ka != kb:
        if ka == "int" and kb == "uint":
            return bool(a < 0 or a < b)
        if ka == "uint" and kb == "int":
            return bool(b >= 0 and a < b)
        raise _incompatible(a, b=b)
    if ka == "bool":
        raise FuncError(_BAD_TYPE)
    return bool(a < b)


def le(arg1: Any, arg2: Any) -> bool:
    return lt(arg1, arg2) or eq(arg1, arg2)


def gt(arg1: Any, arg2: Any) -> bool:
    return not le(arg1, arg2)


def ge(arg1: Any, arg2: Any) -> bool:
    return not lt(arg1, arg2)
