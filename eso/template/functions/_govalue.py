"""A minimal Go ``fmt`` ``%v`` for the values sprig stringifies (to be replaced by
``eso.template.gofmt`` at merge).

Sprig turns arbitrary values into text in many places (``toString``, ``cat``, ``join`` of
non-strings, ``toStrings``, ``quote``, ``dict`` keys) and always through Go's ``%v`` or its
``strval`` helper. The engine's full ``fmt`` lives in ``eso.template.gofmt``, written in
parallel; this private copy covers exactly the value model of ``eso.template.values`` so the
function library can be built and tested on its own. Keep it small: it is deleted at merge.
"""

from __future__ import annotations

import datetime as _dt
import math
import struct
from decimal import Decimal
from typing import Any

from eso.template.functions.goduration import format_duration
from eso.template.functions.golayout import time_string
from eso.template.values import Duration, Float32

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
    """Go's ``fmt.Sprintf("%v", value)`` for the template value model."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Duration):
        return format_duration(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return format_float(value, bits=32 if isinstance(value, Float32) else 64)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return "[" + " ".join(str(b) for b in value) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(format_v(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: _sort_key(kv[0]))
        return "map[" + " ".join(f"{format_v(k)}:{format_v(v)}" for k, v in items) + "]"
    if isinstance(value, _dt.datetime):
        return time_string(value)
    return str(value)


def _sort_key(key: Any) -> tuple[int, Any]:
    if isinstance(key, int | float) and not isinstance(key, bool):
        return (0, key)
    return (1, str(key))


def strval(value: Any) -> str:
    """Sprig's ``strval``: strings as they are, ``[]byte`` as text, Stringers, else ``%v``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return go_string(value)
    if isinstance(value, Exception):
        return str(value)
    return format_v(value)
