"""spf13/cast v1.10 (``ToInt64``, ``ToInt``, ``ToFloat64``) as sprig's arithmetic uses it.

Sprig converts every ``interface {}`` operand with cast and drops the error, so anything cast
cannot convert counts as 0: ``add "x" 1`` is 1; a string's decimal part is dropped before
parsing (cast's ``trimDecimal``: ``int "10.9"`` is 10). Strings parse with Go's ``strconv`` rules,
not Python's (``"010"`` is octal 8, ``"1_000"`` is 1000, ``" 1"`` is invalid, ``"1e400"`` is
out of range), so the grammars are spelled out here.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["parse_float", "parse_int", "to_float64", "to_int64", "wrap_int64"]

_INT_RE = re.compile(
    r"[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+"
    r"|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)"
)
_FLOAT_RE = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+"
    r"|inf|infinity|nan)",
    re.IGNORECASE,
)
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


class CastError(ValueError):
    """A value cast cannot convert (sprig turns it into 0)."""


def wrap_int64(value: int) -> int:
    """Go's two's-complement wrap-around of an int64 result."""
    return (value - _INT64_MIN) % (1 << 64) + _INT64_MIN


def parse_int(text: str, *, base: int = 0) -> int:
    """``strconv.ParseInt(text, base, 64)`` for base 0 (Go literals), 8 or 10."""
    if base == 0:
        if not _INT_RE.fullmatch(text):
            raise CastError("invalid syntax")
        sign = -1 if text[0] == "-" else 1
        body = text.lstrip("+-").replace("_", "")
        prefix = body[:2].lower()
        if prefix in ("0x", "0b", "0o"):
            value = int(body[2:], {"0x": 16, "0b": 2, "0o": 8}[prefix])
        else:
            value = int(body, 8 if body.startswith("0") else 10)
        value *= sign
    else:
        digits = "0-7" if base == 8 else "0-9"
        if not re.fullmatch(f"[+-]?[{digits}]+", text):
            raise CastError("invalid syntax")
        value = int(text, base)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise CastError("value out of range")
    return value


def underscore_ok(text: str) -> bool:
    """Go's ``underscoreOK``: ``_`` only between digits (a base prefix counts as one)."""
    body = text[1:] if text[:1] in ("+", "-") else text
    saw, i, is_hex = "^", 0, False
    if len(body) >= 2 and body[0] == "0" and body[1].lower() in "box":
        saw, i, is_hex = "0", 2, body[1].lower() == "x"
    for ch in body[i:]:
        if (ch.isdigit() and ch.isascii()) or (is_hex and ch.lower() in "abcdef"):
            saw = "0"
        elif ch == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def parse_float(text: str) -> float:
    """``strconv.ParseFloat(text, 64)``; out-of-range values are errors."""
    if "_" in text:
        if not underscore_ok(text):
            raise CastError("invalid syntax")
        text = text.replace("_", "")
    if not _FLOAT_RE.fullmatch(text):
        raise CastError("invalid syntax")
    body = text.lstrip("+-")
    value = float.fromhex(text) if body[:2].lower() == "0x" else float(text)
    if math.isinf(value) and "inf" not in body.lower():
        raise CastError("value out of range")
    return value


_DECIMAL_RE = re.compile(r"([-+]?[0-9]*)(\.[0-9]*)?")


def _trim_decimal(text: str) -> str:
    """cast's ``trimDecimal``: drop a decimal part (``"10.5"`` is ``"10"``, ``"."`` is ``"0"``)."""
    if "." not in text:
        return text
    m = _DECIMAL_RE.fullmatch(text)
    if m is None:
        return text
    whole = m.group(1)
    return whole + "0" if whole in ("", "-", "+") else whole


def _float_to_int64(value: float) -> int:
    # amd64's CVTTSD2SI: NaN and out-of-range values give the "integer indefinite" value.
    if math.isnan(value) or not -(2.0**63) <= value < 2.0**63:
        return _INT64_MIN
    return int(value)


def to_int64(value: Any) -> int:
    """``cast.ToInt64`` with its error dropped (0)."""
    try:
        return to_int64_e(value)
    except CastError:
        return 0


def to_int64_e(value: Any) -> int:
    """``cast.ToInt64E``."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return wrap_int64(int(value))
    if isinstance(value, float):
        return _float_to_int64(value)
    if isinstance(value, str):
        return parse_int(_trim_decimal(value)) if value else 0
    raise CastError("unable to cast to int64")


def to_float64(value: Any) -> float:
    """``cast.ToFloat64`` with its error dropped (0)."""
    try:
        return to_float64_e(value)
    except CastError:
        return 0.0


def to_float64_e(value: Any) -> float:
    """``cast.ToFloat64E``."""
    if value is None:
        return 0.0
    if isinstance(value, bool | int):
        return float(int(value))
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return parse_float(value) if value else 0.0
    raise CastError("unable to cast to float64")
