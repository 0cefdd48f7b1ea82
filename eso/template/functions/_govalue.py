"""How sprig turns values into text: Go's ``%v`` (the engine's ``eso.template.gofmt``), its
``strval`` helper, Go strings as bytes, and ``encoding/json``'s float format.

Sprig stringifies arbitrary values in many places (``toString``, ``cat``, ``join`` of
non-strings, ``toStrings``, ``quote``, ``dict`` keys), always through ``%v`` or ``strval``;
JSON floats follow ``strconv`` rules of their own (``format_float``).
"""

from __future__ import annotations

import math
import struct
from decimal import Decimal
from typing import Any

from eso.template.gofmt import sprintf

__all__ = ["format_float", "format_v", "go_string", "strval"]


def go_string(data: bytes) -> str:
    """Go's ``string(b)``: bytes kept as they are, invalid UTF-8 survives a round trip."""
    return data.decode("utf-8", errors="surrogateescape")


def go_bytes(text: str) -> bytes:
    """Go's ``[]byte(s)``, inverse of ``go_string``."""
    return text.encode("utf-8", errors="surrogateescape")


def _shortest_digits(value: float, *, bits: int) -> tuple[str, int]:
    """Shortest round-tripping decimal digits and the decimal point position of ``value``."""
    if bits == 32:
        for prec in range(9):
            text = f"{value:.{prec}e}"
            if struct.unpack("f", struct.pack("f", float(text)))[0] == value:
                break
    else:
        text = repr(value)
    sign, digits, exp = Decimal(text).normalize().as_tuple()
    del sign
    assert isinstance(exp, int)
    ds = "".join(map(str, digits)).lstrip("0") or "0"
    return ds, len(digits) + exp


def format_float(value: float, *, fmt: str = "g", bits: int = 64) -> str:
    """``strconv.FormatFloat(value, fmt, -1, bits)`` (shortest digits) for ``g``/``e``/``f``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    ds, dp = ("0", 1) if value == 0 else _shortest_digits(abs(value), bits=bits)
    exp = dp - 1
    # Go's shortest %g switches to exponent form outside [1e-4, 1e6) ("eprec = 6").
    if fmt == "e" or (fmt == "g" and (exp < -4 or exp >= 6)):
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{sign}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return sign + _fixed(ds, dp)


def _fixed(ds: str, dp: int) -> str:
    if dp <= 0:
        return "0." + "0" * (-dp) + ds
    if dp >= len(ds):
        return ds + "0" * (dp - len(ds))
    return ds[:dp] + "." + ds[dp:]


def format_v(value: Any) -> str:
    """Go's ``fmt.Sprintf("%v", value)`` for the template value model (the engine's fmt)."""
    return sprintf("%v", value)


def strval(value: Any) -> str:
    """Sprig's ``strval``: strings as they are, ``[]byte`` as text, Stringers, else ``%v``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return go_string(value)
    if isinstance(value, Exception):
        return str(value)
    return format_v(value)
