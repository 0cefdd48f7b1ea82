"""Sprig's arithmetic: int64 math over cast-converted operands, float math through
shopspring/decimal, conversions, rounding, and integer sequences.

Go's results are typed: the ``add``/``mul``/``max`` family returns ``int64`` (``Int64`` here,
wrapping on overflow like Go), the ``*f`` family ``float64``, ``int`` a plain ``int``. Integer
division truncates toward zero as in Go, not Python's floor. ``addf``/``divf`` compute in
decimal from each float's shortest representation (``0.1 + 0.2`` is ``0.3``), as
``decimal.NewFromFloat`` does; ``divf`` rounds to 16 places like ``decimal.Div``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from eso.template.functions._cast import (
    CastError,
    parse_int,
    to_float64,
    to_int64,
    wrap_int64,
)
from eso.template.functions._govalue import format_v
from eso.template.functions.registry import FuncError, FuncMap
from eso.template.values import Int64

__all__ = ["register"]

_DEC = Context(prec=1000)
_DIV_PLACES = Decimal(10) ** -16


def _i64(value: int) -> Int64:
    return Int64(wrap_int64(value))


def _go_div(a: int, b: int) -> tuple[int, int]:
    if b == 0:
        raise FuncError("runtime error: integer divide by zero")
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return q, a - b * q


def add(*values: Any) -> Int64:
    return _i64(sum(to_int64(v) for v in values))


def add1(value: Any) -> Int64:
    return _i64(to_int64(value) + 1)


def sub(a: Any, b: Any) -> Int64:
    return _i64(to_int64(a) - to_int64(b))


def div(a: Any, b: Any) -> Int64:
    return _i64(_go_div(to_int64(a), to_int64(b))[0])


def mod(a: Any, b: Any) -> Int64:
    return _i64(_go_div(to_int64(a), to_int64(b))[1])


def mul(a: Any, *values: Any) -> Int64:
    result = to_int64(a)
    for v in values:
        result = wrap_int64(result * to_int64(v))
    return Int64(result)


def biggest(a: Any, *values: Any) -> Int64:
    return Int64(max([to_int64(a), *(to_int64(v) for v in values)]))


def smallest(a: Any, *values: Any) -> Int64:
    return Int64(min([to_int64(a), *(to_int64(v) for v in values)]))


def _go_max(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b == 0:
        return b if math.copysign(1, a) < 0 else a
    return max(a, b)


def _go_min(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b == 0:
        return a if math.copysign(1, a) < 0 else b
    return min(a, b)


def maxf(a: Any, *values: Any) -> float:
    result = to_float64(a)
    for v in values:
        result = _go_max(result, to_float64(v))
    return result


def minf(a: Any, *values: Any) -> float:
    result = to_float64(a)
    for v in values:
        result = _go_min(result, to_float64(v))
    return result


def _decimal(value: Any) -> Decimal:
    f = to_float64(value)
    if math.isnan(f) or math.isinf(f):
        raise FuncError(f"Cannot create a Decimal from {format_v(f)}")
    return Decimal(repr(f))


def _div(a: Decimal, b: Decimal) -> Decimal:
    if b == 0:
        raise FuncError("decimal division by zero")
    return _DEC.divide(a, b).quantize(_DIV_PLACES, rounding=ROUND_HALF_UP, context=_DEC)


def _decimal_op(
    first: Any, rest: tuple[Any, ...], op: Callable[[Decimal, Decimal], Decimal]
) -> float:
    acc = _decimal(first)
    for v in rest:
        acc = op(acc, _decimal(v))
    return float(acc)


def addf(*values: Any) -> float:
    return _decimal_op(0.0, values, _DEC.add)


def add1f(value: Any) -> float:
    return _decimal_op(value, (1,), _DEC.add)


def subf(a: Any, *values: Any) -> float:
    return _decimal_op(a, values, _DEC.subtract)


def mulf(a: Any, *values: Any) -> float:
    return _decimal_op(a, values, _DEC.multiply)


def divf(a: Any, *values: Any) -> float:
    return _decimal_op(a, values, _div)


def floor(value: Any) -> float:
    return float(math.floor(f)) if math.isfinite(f := to_float64(value)) else f


def ceil(value: Any) -> float:
    return float(math.ceil(f)) if math.isfinite(f := to_float64(value)) else f


def round_(value: Any, places: int, *round_on: float) -> float:
    """Sprig's ``round``: ``ceil`` when the fraction at ``places`` is >= ``round_on`` (.5)."""
    threshold = round_on[0] if round_on else 0.5
    val = to_float64(value)
    try:
        power = math.pow(10, float(places))
    except OverflowError:
        power = math.inf
    digit = power * val
    if not math.isfinite(digit):
        return digit / power
    frac = math.modf(digit)[0]
    rounded = math.ceil(digit) if frac >= threshold else math.floor(digit)
    return float(rounded) / power


def atoi(text: str) -> int:
    """``strconv.Atoi`` with the error dropped: 0, or the clamped value when out of range."""
    try:
        return parse_int(text, base=10)
    except CastError as e:
        if str(e) == "value out of range":
            return (1 << 63) - 1 if not text.startswith("-") else -(1 << 63)
        return 0


def to_decimal(value: Any) -> Int64:
    """Sprig's ``toDecimal``: the value's text read as an octal number (else 0)."""
    try:
        return Int64(parse_int(format_v(value), base=8))
    except CastError:
        return Int64(0)


def int64_(value: Any) -> Int64:
    return Int64(to_int64(value))


def int_(value: Any) -> int:
    return to_int64(value)


def float64_(value: Any) -> float:
    return to_float64(value)


def register(funcs: FuncMap) -> None:
    r = funcs.register
    r("add", variadic="interface {}", result="int64")(add)
    r("add1", "interface {}", result="int64")(add1)
    r("sub", "interface {}", "interface {}", result="int64")(sub)
    r("div", "interface {}", "interface {}", result="int64")(div)
    r("mod", "interface {}", "interface {}", result="int64")(mod)
    r("mul", "interface {}", variadic="interface {}", result="int64")(mul)
    r("max", "interface {}", variadic="interface {}", result="int64")(biggest)
    r("biggest", "interface {}", variadic="interface {}", result="int64")(biggest)
    r("min", "interface {}", variadic="interface {}", result="int64")(smallest)
    r("maxf", "interface {}", variadic="interface {}", result="float64")(maxf)
    r("minf", "interface {}", variadic="interface {}", result="float64")(minf)
    r("addf", variadic="interface {}", result="float64")(addf)
    r("add1f", "interface {}", result="float64")(add1f)
    r("subf", "interface {}", variadic="interface {}", result="float64")(subf)
    r("mulf", "interface {}", variadic="interface {}", result="float64")(mulf)
    r("divf", "interface {}", variadic="interface {}", result="float64")(divf)
    r("floor", "interface {}", result="float64")(floor)
    r("ceil", "interface {}", result="float64")(ceil)
    r("round", "interface {}", "int", variadic="float64", result="float64")(round_)
    r("atoi", "string", result="int")(atoi)
    r("toDecimal", "interface {}", result="int64")(to_decimal)
    r("int64", "interface {}", result="int64")(int64_)
    r("int", "interface {}", result="int")(int_)
    r("float64", "interface {}", result="float64")(float64_)
