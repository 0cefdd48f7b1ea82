"""``toYaml`` / ``fromYaml`` against sigs.k8s.io/yaml (go-yaml v2) output, and ESO's cases."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from eso.template.functions import yamlfuncs
from eso.template.functions._goyaml import format_float, key_order
from eso.template.functions.registry import FuncMap
from eso.template.values import Duration, Float32, Int64, StringMap, StringSlice


@pytest.mark.parametrize(
    ("value", "want"),
    [
        pytest.param({"foo": "bar"}, "foo: bar", id="eso-fromJson-toYaml"),
        pytest.param({"b": 1, "a": 2}, "a: 2\nb: 1", id="keys-sorted"),
        pytest.param({"a10": 1, "a2": 2, "B": 3}, "B: 3\na2: 2\na10: 1", id="natural-key-order"),
        pytest.param({"a": [1, "x"]}, "a:\n- 1\n- x", id="sequence-not-indented"),
        pytest.param({"a": {"b": {"c": None}}}, "a:\n  b:\n    c: null", id="nested-maps"),
        pytest.param([{"a": 1, "b": 2}], "- a: 1\n  b: 2", id="sequence-of-maps"),
        pytest.param({"a": {}, "b": []}, "a: {}\nb: []", id="empty-collections"),
        pytest.param(
            {"t": "true", "y": "y", "n": "1", "f": "1.5", "z": "", "nul": "null", "o": "0x1F"},
            'f: "1.5"\n"n": "1"\nnul: "null"\no: "0x1F"\nt: "true"\n"y": "y"\nz: ""',
            id="strings-that-resolve-otherwise-are-double-quoted",
        ),
        pytest.param(
            {"k": "1:20", "d": "2001-12-14"}, 'd: "2001-12-14"\nk: "1:20"', id="base60-date"
        ),
        pytest.param(
            {"a": "x: y", "b": "- z", "c": " lead"},
            "a: 'x: y'\nb: '- z'\nc: ' lead'",
            id="single-quoted",
        ),
        pytest.param({"a": "tab\there"}, 'a: "tab\\there"', id="special-characters"),
        pytest.param({"a": "line1\nline2\n"}, "a: |\n  line1\n  line2", id="literal-block"),
        pytest.param({"a": "line1\nline2"}, "a: |-\n  line1\n  line2", id="literal-block-strip"),
        pytest.param({"a": "héllo"}, "a: héllo", id="unicode-kept"),
        pytest.param(
            {"i": Int64(5), "d": Duration(1000), "b": True}, "b: true\nd: 1000\ni: 5", id="ints"
        ),
        pytest.param(
            {"x": 3.0, "y": 0.5, "z": 1234567.5}, 'x: 3\n"y": 0.5\nz: 1.2345675e+06', id="floats"
        ),
        pytest.param({"f": Float32(0.1)}, "f: 0.1", id="float32-shortest"),
        pytest.param({"b": b"hi"}, "b: aGk=", id="bytes-base64"),
        pytest.param(
            {"t": dt.datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=dt.UTC)},
            't: "2024-01-02T03:04:05.5Z"',
            id="time-rfc3339",
        ),
        pytest.param(StringMap(a="1"), 'a: "1"', id="string-map"),
        pytest.param(StringSlice(["a", "b"]), "- a\n- b", id="string-slice"),
        pytest.param("foo", "foo", id="top-level-scalar"),
        pytest.param({"": 1}, '"": 1', id="empty-key-is-simple"),
        pytest.param({"k" * 128: 1}, "k" * 128 + ": 1", id="128-byte-key-is-simple"),
        pytest.param({"k" * 129: 1}, "? " + "k" * 129 + "\n: 1", id="longer-key-is-complex"),
        pytest.param({"a\nb": 1}, "? |-\n  a\n  b\n: 1", id="multiline-key-is-complex"),
        pytest.param({"a": "x\n\n"}, "a: |+\n  x\n", id="keep-chomping-no-end-marker"),
        pytest.param("...", "'...'", id="document-end-is-quoted"),
        pytest.param(None, "null", id="nil"),
        pytest.param(
            {"k": "word " * 20},
            "k: 'word word word word word word word word word word word word word word word word\n"
            "  word word word word '",
            id="folded-at-80",
        ),
    ],
)
def test_to_yaml_matches_go_yaml_v2(value: Any, want: str) -> None:
    assert yamlfuncs.to_yaml(value) == want


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(math.nan, id="nan"),
        pytest.param({"a": math.inf}, id="inf-nested"),
        pytest.param({1.5: "x"}, id="float-key"),
        pytest.param(object(), id="unsupported-type"),
    ],
)
def test_to_yaml_swallows_marshal_errors(value: Any) -> None:
    assert yamlfuncs.to_yaml(value) == ""


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param("foo: bar", {"foo": "bar"}, id="eso-fromYaml"),
        pytest.param(
            "a: 1\nb: 1.5\nc: 0x10\nd: 017",
            {"a": 1.0, "b": 1.5, "c": 16.0, "d": 15.0},
            id="numbers-are-float64",
        ),
        pytest.param(
            "a: y\nb: off\nc: ~\nd: ''",
            {"a": True, "b": False, "c": None, "d": ""},
            id="yaml11-scalars",
        ),
        pytest.param(
            "a: 2001-12-14\nb: 1:20", {"a": "2001-12-14", "b": "1:20"}, id="timestamps-stay-strings"
        ),
        pytest.param("1: a\ntrue: b", {"1": "a", "true": "b"}, id="keys-become-strings"),
        pytest.param(
            "base: &b {x: 1}\nm:\n  <<: *b\n  k: 2",
            {"base": {"x": 1.0}, "m": {"x": 1.0, "k": 2.0}},
            id="merge",
        ),
        pytest.param("y: 1", {"true": 1.0}, id="y-key-is-bool-true"),
        pytest.param("a: 1\n---\nb: 2", {"a": 1.0}, id="first-document-only"),
        pytest.param("", {}, id="empty"),
        pytest.param("a: !!binary aGk=", {"a": "hi"}, id="binary"),
        pytest.param("a: 1e3", {"a": 1000.0}, id="go-float-syntax"),
    ],
)
def test_from_yaml_types_like_go(text: str, want: dict[str, Any]) -> None:
    got = yamlfuncs.from_yaml(text)
    assert got == want
    assert all(
        type(v) is float
        for v in got.values()
        if isinstance(v, int | float) and not isinstance(v, bool)
    )


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param(
            "- s3cr3t",
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go "
            "value of type map[string]interface {}",
            id="list",
        ),
        pytest.param(
            "s3cr3t",
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go "
            "value of type map[string]interface {}",
            id="scalar",
        ),
        pytest.param(
            "a: .inf", "error converting YAML to JSON: json: unsupported value: +Inf", id="inf"
        ),
        pytest.param("a: [s3cr3t", "error converting YAML to JSON: yaml: line 1: ", id="syntax"),
        pytest.param(
            'a: "s3cr3t',
            "error converting YAML to JSON: yaml: found unexpected end of stream",
            id="unterminated",
        ),
    ],
)
def test_from_yaml_puts_errors_under_error_key(text: str, want: str) -> None:
    got = yamlfuncs.from_yaml(text)
    assert list(got) == ["Error"]
    assert got["Error"].startswith(want)
    assert "s3cr3t" not in got["Error"]


@pytest.mark.parametrize(
    ("value", "want"),
    [
        pytest.param(0.5, "0.5", id="plain"),
        pytest.param(1e21, "1e+21", id="large"),
        pytest.param(1e-7, "1e-07", id="small"),
        pytest.param(123456.7, "123456.7", id="below-e6"),
        pytest.param(1234567.5, "1.2345675e+06", id="e6"),
        pytest.param(-0.0001, "-0.0001", id="negative"),
        pytest.param(math.inf, ".inf", id="inf"),
    ],
)
def test_format_float_is_go_g_shortest(value: float, want: str) -> None:
    assert format_float(value) == want


def test_key_order_is_go_yaml_natural_order() -> None:
    keys = ["a10", "a2", "b", "a", "1", "10", "2", "_x", "A", "a01", "a1"]
    assert sorted(keys, key=key_order) == [
        "_x", "1", "2", "10", "A", "a", "a1", "a01", "a2", "a10", "b",
    ]  # fmt: skip


def test_round_trip_through_from_yaml() -> None:
    value = {"list": ["a", "b"], "map": {"k": "v"}, "n": 2.5, "s": "yes"}
    assert yamlfuncs.from_yaml(yamlfuncs.to_yaml(value)) == value


def test_register_declares_go_signatures() -> None:
    funcs = FuncMap()
    yamlfuncs.register(funcs)
    to_yaml, from_yaml = funcs.get("toYaml"), funcs.get("fromYaml")
    assert to_yaml is not None
    assert from_yaml is not None
    assert (to_yaml.params, to_yaml.result, to_yaml.returns_error) == (
        ("interface {}",),
        "string",
        False,
    )
    assert from_yaml.result == "map[string]interface {}"
