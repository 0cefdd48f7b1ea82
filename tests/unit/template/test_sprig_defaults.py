"""Sprig's defaults, flow control and JSON functions (defaults_test.go restated) and the
private ``%v`` formatter they rely on."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from eso.template.functions import defaults, jsonfuncs
from eso.template.functions._govalue import format_v
from eso.template.functions.registry import FuncError
from eso.template.values import Duration, Float32, Int64, StringMap, StringSlice


@pytest.mark.parametrize(
    ("value", "want"),
    [
        pytest.param(None, True, id="nil"),
        pytest.param("", True, id="empty-string"),
        pytest.param(" ", False, id="space"),
        pytest.param(0, True, id="zero"),
        pytest.param(Int64(0), True, id="zero-int64"),
        pytest.param(0.0, True, id="zero-float"),
        pytest.param(1, False, id="one"),
        pytest.param(False, True, id="false"),
        pytest.param(True, False, id="true"),
        pytest.param([], True, id="empty-list"),
        pytest.param([0], False, id="list"),
        pytest.param({}, True, id="empty-map"),
        pytest.param(StringMap(a="b"), False, id="map"),
        pytest.param(b"", True, id="empty-bytes"),
        pytest.param(dt.datetime(1, 1, 1, tzinfo=dt.UTC), False, id="time-is-a-struct"),
        pytest.param(Duration(0), True, id="zero-duration"),
    ],
)
def test_empty_follows_sprig(value: Any, want: bool) -> None:
    assert defaults.is_empty(value) is want


@pytest.mark.parametrize(
    ("args", "want"),
    [
        pytest.param(("foo", None), "foo", id="nil"),
        pytest.param(("foo", ""), "foo", id="empty"),
        pytest.param(("foo", "bar"), "bar", id="given"),
        pytest.param(("foo",), "foo", id="nothing-given"),
        pytest.param((1, 0), 1, id="zero-is-empty"),
        pytest.param(("x", [], "ignored"), "x", id="only-first-given-counts"),
    ],
)
def test_default(args: tuple[Any, ...], want: Any) -> None:
    assert defaults.default(*args) == want


def test_coalesce_all_any_ternary() -> None:
    assert defaults.coalesce(None, "", 0, "x", "y") == "x"
    assert defaults.coalesce(None, "") is None
    assert defaults.all_("a", 1, True) and not defaults.all_("a", "")
    assert defaults.any_("", 0, "x") and not defaults.any_("", None)
    assert defaults.all_() and not defaults.any_()
    assert defaults.ternary("yes", "no", True) == "yes"
    assert defaults.ternary("yes", "no", False) == "no"


def test_fail_is_an_error_with_the_message() -> None:
    with pytest.raises(FuncError, match=r"^boom$"):
        defaults.fail("boom")


@pytest.mark.parametrize(
    ("value", "want"),
    [
        pytest.param(
            {"b": 1, "a": [1, "x", None, True]}, '{"a":[1,"x",null,true],"b":1}', id="sorted"
        ),
        pytest.param("<a&b>", '"\\u003ca\\u0026b\\u003e"', id="html-escaped"),
        pytest.param("\u2028\b\f\x01\t", '"\\u2028\\b\\f\\u0001\\t"', id="control"),
        pytest.param(1e21, "1e+21", id="float-exponent"),
        pytest.param(1e20, "100000000000000000000", id="float-large"),
        pytest.param(1e-7, "1e-7", id="float-small"),
        pytest.param(0.000001, "0.000001", id="float-edge"),
        pytest.param(3.0, "3", id="float-integral"),
        pytest.param(Float32(0.1), "0.1", id="float32"),
        pytest.param(b"hi", '"aGk="', id="bytes-base64"),
        pytest.param(StringSlice(), "[]", id="empty-list"),
        pytest.param(Duration(5), "5", id="duration"),
        pytest.param(
            dt.datetime(2020, 1, 2, 3, 4, 5, 600000, tzinfo=dt.UTC),
            '"2020-01-02T03:04:05.6Z"',
            id="time",
        ),
    ],
)
def test_to_json_matches_go_encoding(value: Any, want: str) -> None:
    assert jsonfuncs.to_json(value) == want


def test_to_raw_json_does_not_escape_html() -> None:
    assert jsonfuncs.to_raw_json({"a": "<b>&"}) == '{"a":"<b>&"}'


def test_to_pretty_json_indents_two_spaces_and_keeps_empties_compact() -> None:
    want = '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {},\n  "c": []\n}'
    assert jsonfuncs.to_pretty_json({"b": {}, "a": [1, 2], "c": []}) == want


def test_unsupported_values_are_empty_or_errors() -> None:
    assert jsonfuncs.to_json(float("nan")) == ""
    with pytest.raises(FuncError, match="unsupported value: NaN"):
        jsonfuncs.must_to_json(float("nan"))
    with pytest.raises(FuncError, match="unsupported value"):
        jsonfuncs.to_raw_json(float("inf"))
    with pytest.raises(FuncError, match="unsupported type: complex"):
        jsonfuncs.must_to_pretty_json(1j)


def test_from_json_yields_go_shapes() -> None:
    got = jsonfuncs.from_json('{"a": [1, 2.5, "x", null, true]}')
    assert got == {"a": [1.0, 2.5, "x", None, True]}
    assert type(got["a"][0]) is float


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('{"a": ', "unexpected end of JSON input", id="truncated"),
        pytest.param('{"a": x}', "invalid JSON at offset 6", id="bad-char"),
        pytest.param("NaN", "invalid character", id="nan"),
    ],
)
def test_must_from_json_errors_do_not_quote_the_input(text: str, message: str) -> None:
    assert jsonfuncs.from_json(text) is None
    with pytest.raises(FuncError, match=message) as e:
        jsonfuncs.must_from_json(text)
    assert "x}" not in str(e.value)


@pytest.mark.parametrize(
    ("value", "want"),
    [
        pytest.param(None, "<nil>", id="nil"),
        pytest.param(True, "true", id="bool"),
        pytest.param(3, "3", id="int"),
        pytest.param(3.0, "3", id="float-integral"),
        pytest.param(0.1, "0.1", id="float"),
        pytest.param(1e6, "1e+06", id="float-exponent"),
        pytest.param(123456.0, "123456", id="float-below-exponent"),
        pytest.param(1e-5, "1e-05", id="float-small"),
        pytest.param(-0.0, "-0", id="negative-zero"),
        pytest.param(float("inf"), "+Inf", id="inf"),
        pytest.param(Float32(0.1), "0.1", id="float32"),
        pytest.param(["a", "b"], "[a b]", id="list"),
        pytest.param({"b": 2, "a": 1}, "map[a:1 b:2]", id="map-sorted"),
        pytest.param(b"hi", "[104 105]", id="bytes"),
        pytest.param(Duration(90 * 10**9), "1m30s", id="duration"),
        pytest.param(
            dt.datetime(2019, 6, 13, 20, 39, 39, tzinfo=dt.UTC),
            "2019-06-13 20:39:39 +0000 UTC",
            id="time",
        ),
    ],
)
def test_format_v_prints_like_go(value: Any, want: str) -> None:
    assert format_v(value) == want
