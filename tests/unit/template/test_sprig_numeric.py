"""Sprig's math, conversions and sequences (numeric_test.go restated) over spf13/cast."""

from __future__ import annotations

from typing import Any

import pytest

from eso.template.functions import numeric, sequences
from eso.template.functions.registry import MAX_ITEMS, FuncError
from eso.template.values import Float32, Int8, Int64, Uint16, Uint64

_CASTABLE_102 = [
    Int8(102),
    102,
    Int64(102),
    Uint16(102),
    Uint64(102),
    "102",
    102.1234,
    "0x66",
    "0146",
]


@pytest.mark.parametrize("value", _CASTABLE_102, ids=repr)
def test_int_conversions_follow_cast(value: Any) -> None:
    assert numeric.int64_(value) == 102 and type(numeric.int64_(value)) is Int64
    assert numeric.int_(value) == 102 and type(numeric.int_(value)) is int


@pytest.mark.parametrize(
    ("value", "want"),
    [
        pytest.param("frankie", 0, id="junk"),
        pytest.param(True, 1, id="bool"),
        pytest.param(None, 0, id="nil"),
        pytest.param("10.00", 10, id="zero-decimals-trimmed"),
        pytest.param("10.9", 10, id="decimals-dropped"),
        pytest.param("-.5", 0, id="bare-decimal"),
        pytest.param("1.2.3", 0, id="two-points"),
        pytest.param("1e3", 0, id="exponent-is-not-an-int"),
        pytest.param("1_000", 1000, id="underscores"),
        pytest.param(" 1", 0, id="space"),
        pytest.param("08", 0, id="bad-octal"),
        pytest.param([1], 0, id="list"),
        pytest.param(Uint64(2**64 - 1), -1, id="uint64-wraps"),
        pytest.param(float("nan"), -(2**63), id="nan"),
    ],
)
def test_int64_quirks(value: Any, want: int) -> None:
    assert numeric.int64_(value) == want


@pytest.mark.parametrize(
    ("value", "want"),
    [
        pytest.param("102", 102.0, id="string"),
        pytest.param(102.1234, 102.1234, id="float"),
        pytest.param(True, 1.0, id="bool"),
        pytest.param("frankie", 0.0, id="junk"),
        pytest.param("1e3", 1000.0, id="exponent"),
        pytest.param("1e400", 0.0, id="out-of-range"),
        pytest.param("0x1p-2", 0.25, id="hex-float"),
        pytest.param("1_0", 10.0, id="underscore-between-digits"),
        pytest.param("_10", 0.0, id="underscore-leading"),
        pytest.param(Float32(0.5), 0.5, id="float32"),
    ],
)
def test_float64_follows_cast(value: Any, want: float) -> None:
    assert numeric.float64_(value) == want


@pytest.mark.parametrize(
    ("fn", "args", "want"),
    [
        pytest.param(numeric.add1, (3,), 4, id="add1"),
        pytest.param(numeric.add, (3, 1, 2), 6, id="add"),
        pytest.param(numeric.add, (), 0, id="add-nothing"),
        pytest.param(numeric.sub, (14, 3), 11, id="sub"),
        pytest.param(numeric.div, (5, 4), 1, id="div"),
        pytest.param(numeric.div, (-7, 2), -3, id="div-truncates"),
        pytest.param(numeric.mod, (-7, 2), -1, id="mod-sign-of-dividend"),
        pytest.param(numeric.mul, (1, "2", 3, "4"), 24, id="mul"),
        pytest.param(numeric.add, (2**63 - 1, 1), -(2**63), id="add-wraps"),
        pytest.param(numeric.biggest, (1, 2, 3, 345, 5, 6, 7), 345, id="max"),
        pytest.param(numeric.biggest, (345,), 345, id="max-one"),
        pytest.param(numeric.smallest, (1, 2, 3, 345, 5, 6, 7), 1, id="min"),
        pytest.param(numeric.add, ("x", 1), 1, id="junk-is-zero"),
    ],
)
def test_int_math_returns_int64(fn: Any, args: tuple[Any, ...], want: int) -> None:
    got = fn(*args)
    assert got == want and type(got) is Int64


@pytest.mark.parametrize(
    ("fn", "args", "want"),
    [
        pytest.param(numeric.add1f, (3.4,), 4.4, id="add1f"),
        pytest.param(numeric.addf, (3, 1.5, 2.2), 6.7, id="addf"),
        pytest.param(numeric.addf, (0.1, 0.2), 0.3, id="addf-decimal"),
        pytest.param(numeric.subf, (4.5, 1, 3), 0.5, id="subf"),
        pytest.param(numeric.divf, (5, 4, 2), 0.625, id="divf"),
        pytest.param(numeric.divf, (1, 3), 0.3333333333333333, id="divf-16-places"),
        pytest.param(numeric.mulf, (1.2, "2.4", 10, "4"), 115.2, id="mulf"),
        pytest.param(numeric.maxf, (1, 2, 3, 345.7, 5, 6, 7), 345.7, id="maxf"),
        pytest.param(numeric.minf, (1.4, 2, 3, 345.6, 5, 6, 7), 1.4, id="minf"),
        pytest.param(numeric.minf, (345,), 345.0, id="minf-one"),
        pytest.param(numeric.ceil, (123.01,), 124.0, id="ceil"),
        pytest.param(numeric.ceil, ("123",), 123.0, id="ceil-string"),
        pytest.param(numeric.floor, ("123.9999",), 123.0, id="floor"),
        pytest.param(numeric.round_, (123.5555, 3), 123.556, id="round"),
        pytest.param(numeric.round_, ("123.55555", 3), 123.556, id="round-string"),
        pytest.param(numeric.round_, (123.500001, 0), 124.0, id="round-up"),
        pytest.param(numeric.round_, (123.49999999, 0), 123.0, id="round-down"),
        pytest.param(numeric.round_, (123.2329999, 2, 0.3), 123.23, id="round-on-below"),
        pytest.param(numeric.round_, (123.233, 2, 0.3), 123.24, id="round-on-above"),
    ],
)
def test_float_math_returns_float64(fn: Any, args: tuple[Any, ...], want: float) -> None:
    got = fn(*args)
    assert got == want and type(got) is float


def test_division_errors_are_go_panics() -> None:
    with pytest.raises(FuncError, match="integer divide by zero"):
        numeric.div(1, 0)
    with pytest.raises(FuncError, match="integer divide by zero"):
        numeric.mod(1, "x")
    with pytest.raises(FuncError, match="decimal division by zero"):
        numeric.divf(1, 0)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param("12", 12, id="plain"),
        pytest.param("-12", -12, id="negative"),
        pytest.param("0x10", 0, id="no-prefixes"),
        pytest.param("99999999999999999999", 2**63 - 1, id="clamped"),
        pytest.param("x", 0, id="junk"),
    ],
)
def test_atoi(text: str, want: int) -> None:
    assert numeric.atoi(text) == want


@pytest.mark.parametrize(
    ("value", "want"),
    [("777", 511), (777, 511), (770, 504), (755, 493), ("8", 0), ("0o7", 0)],
)
def test_to_decimal_reads_octal(value: Any, want: int) -> None:
    assert numeric.to_decimal(value) == want


@pytest.mark.parametrize(
    ("fn", "args", "want"),
    [
        pytest.param(sequences.until, (5,), [0, 1, 2, 3, 4], id="until"),
        pytest.param(sequences.until, (-5,), [0, -1, -2, -3, -4], id="until-negative"),
        pytest.param(sequences.until_step, (0, 5, 1), [0, 1, 2, 3, 4], id="untilStep"),
        pytest.param(sequences.until_step, (3, 6, 1), [3, 4, 5], id="untilStep-offset"),
        pytest.param(sequences.until_step, (0, -10, -2), [0, -2, -4, -6, -8], id="untilStep-down"),
        pytest.param(sequences.until_step, (3, 0, 1), [], id="untilStep-wrong-way"),
        pytest.param(sequences.until_step, (3, 99, 0), [], id="untilStep-zero"),
        pytest.param(sequences.until_step, (3, 99, -1), [], id="untilStep-negative"),
        pytest.param(sequences.seq, (0, 1, 3), "0 1 2 3", id="seq-step"),
        pytest.param(sequences.seq, (0, 3, 10), "0 3 6 9", id="seq-step-3"),
        pytest.param(sequences.seq, (3, 3, 2), "", id="seq-down-positive-step"),
        pytest.param(sequences.seq, (3, -3, 2), "3", id="seq-down"),
        pytest.param(sequences.seq, (), "", id="seq-nothing"),
        pytest.param(sequences.seq, (0, 4), "0 1 2 3 4", id="seq-range"),
        pytest.param(sequences.seq, (5,), "1 2 3 4 5", id="seq-count"),
        pytest.param(sequences.seq, (-5,), "1 0 -1 -2 -3 -4 -5", id="seq-negative"),
        pytest.param(sequences.seq, (0,), "1 0", id="seq-zero"),
        pytest.param(sequences.seq, (0, 1, 2, 3), "", id="seq-too-many"),
        pytest.param(sequences.seq, (0, -4), "0 -1 -2 -3 -4", id="seq-range-down"),
    ],
)
def test_sequences(fn: Any, args: tuple[Any, ...], want: Any) -> None:
    assert fn(*args) == want


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        pytest.param(sequences.until, (MAX_ITEMS + 1,), id="until"),
        pytest.param(sequences.until_step, (0, 10**12, 1), id="untilStep"),
        pytest.param(sequences.seq, (10**12,), id="seq"),
    ],
)
def test_huge_sequences_are_refused(fn: Any, args: tuple[Any, ...]) -> None:
    with pytest.raises(FuncError, match="template limit"):
        fn(*args)
