"""Sprig's list and dict functions (list_test.go, dict_test.go restated)."""

from __future__ import annotations

from typing import Any

import pytest

from eso.template.functions import dicts, lists
from eso.template.functions.registry import FuncError
from eso.template.values import Int64, StringMap, StringSlice, Uint8

FOO_BAR_BAZ = StringSlice(["foo", "bar", "baz"])


@pytest.mark.parametrize(
    ("fn", "args", "want"),
    [
        pytest.param(lists.list_, (1, "a"), [1, "a"], id="list"),
        pytest.param(lists.push, ([1, 2, 3], 4), [1, 2, 3, 4], id="append"),
        pytest.param(
            lists.push, (FOO_BAR_BAZ, "qux"), ["foo", "bar", "baz", "qux"], id="append-strings"
        ),
        pytest.param(lists.prepend, ([1, 2, 3], 0), [0, 1, 2, 3], id="prepend"),
        pytest.param(lists.first, ([1, 2, 3],), 1, id="first"),
        pytest.param(lists.first, ([],), None, id="first-empty"),
        pytest.param(lists.first, (b"ab",), Uint8(97), id="first-bytes"),
        pytest.param(lists.last, ([1, 2, 3],), 3, id="last"),
        pytest.param(lists.last, ([],), None, id="last-empty"),
        pytest.param(lists.rest, ([1, 2, 3],), [2, 3], id="rest"),
        pytest.param(lists.rest, ([],), [], id="rest-empty"),
        pytest.param(lists.initial, (FOO_BAR_BAZ,), ["foo", "bar"], id="initial"),
        pytest.param(lists.reverse, ([1, 2, 3, 4],), [4, 3, 2, 1], id="reverse"),
        pytest.param(
            lists.compact, (["foo", "", "bar", 0, None, False, []],), ["foo", "bar"], id="compact"
        ),
        pytest.param(lists.uniq, (["foo", "foo", "bar"],), ["foo", "bar"], id="uniq"),
        pytest.param(
            lists.uniq, ([1, Int64(1), 1.0],), [1, Int64(1), 1.0], id="uniq-go-types-differ"
        ),
        pytest.param(lists.without, (FOO_BAR_BAZ, "foo"), ["bar", "baz"], id="without"),
        pytest.param(lists.has, ("b", ["a", "b"]), True, id="has"),
        pytest.param(lists.has, (Int64(1), [1]), False, id="has-deep-equal-types"),
        pytest.param(lists.has, ("a", None), False, id="has-nil-haystack"),
        pytest.param(lists.slice_, ([1, 2, 3],), [1, 2, 3], id="slice"),
        pytest.param(lists.slice_, ([1, 2, 3], 0, 1), [1], id="slice-0-1"),
        pytest.param(lists.slice_, ([1, 2, 3], 1, 3), [2, 3], id="slice-1-3"),
        pytest.param(lists.slice_, ([1, 2, 3], 1), [2, 3], id="slice-1"),
        pytest.param(lists.slice_, ([],), None, id="slice-empty-is-nil"),
        pytest.param(lists.slice_, (FOO_BAR_BAZ, 1, 2), ["bar"], id="slice-strings"),
        pytest.param(lists.concat, ([1, 2], StringSlice(["a"]), []), [1, 2, "a"], id="concat"),
        pytest.param(
            lists.chunk, (3, [1, 2, 3, 4, 5, 6, 7, 8]), [[1, 2, 3], [4, 5, 6], [7, 8]], id="chunk"
        ),
        pytest.param(lists.chunk, (3, [1, 2]), [[1, 2]], id="chunk-short"),
        pytest.param(lists.chunk, (3, []), [], id="chunk-empty"),
    ],
)
def test_list_function(fn: Any, args: tuple[Any, ...], want: Any) -> None:
    assert fn(*args) == want


def test_slice_keeps_the_go_slice_type() -> None:
    assert type(lists.slice_(FOO_BAR_BAZ, 1)) is StringSlice
    assert lists.slice_(b"abc", 1) == b"bc"


@pytest.mark.parametrize(
    ("fn", "args", "message"),
    [
        pytest.param(lists.first, ("abc",), "Cannot find first on type string", id="first"),
        pytest.param(lists.push, ({"a": 1}, 1), "Cannot push on type map", id="push"),
        pytest.param(lists.prepend, (1, 1), "Cannot prepend on type int", id="prepend"),
        pytest.param(lists.has, (1, "x"), "Cannot find has on type string", id="has"),
        pytest.param(lists.rest, (None,), "nil pointer dereference", id="nil"),
        pytest.param(
            lists.slice_, (1.5,), "list should be type of slice or array but float64", id="slice"
        ),
        pytest.param(lists.slice_, ([1, 2], 1, 5), "slice index out of bounds", id="slice-bounds"),
        pytest.param(lists.concat, ([1], "x"), "Cannot concat type string as list", id="concat"),
        pytest.param(lists.chunk, (0, [1]), "makeslice: len out of range", id="chunk-zero"),
        pytest.param(lists.chunk, (2, Int64(1)), "Cannot chunk type int64", id="chunk-type"),
    ],
)
def test_list_function_error(fn: Any, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(FuncError, match=message):
        fn(*args)


def test_dict_builds_string_keys_and_pads_odd_arguments() -> None:
    assert dicts.dict_("a", 1, 2, "b", "c") == {"a": 1, "2": "b", "c": ""}


def test_get_set_unset_has_key_mutate_and_return_the_map() -> None:
    d: dict[str, Any] = {"a": 1}
    assert dicts.get(d, "missing") == ""
    assert dicts.set_(d, "b", 2) is d
    assert dicts.has_key(d, "b")
    assert dicts.unset(d, "a") is d
    assert d == {"b": 2}


@pytest.mark.parametrize(
    ("fn", "args", "want"),
    [
        pytest.param(dicts.pluck, ("a", {"a": 1}, {"b": 2}, {"a": 3}), [1, 3], id="pluck"),
        pytest.param(dicts.keys, ({"a": 1}, {"b": 2}), ["a", "b"], id="keys"),
        pytest.param(dicts.values, ({"a": 1, "b": 2},), [1, 2], id="values"),
        pytest.param(
            dicts.pick, ({"a": 1, "b": 2, "c": 3}, "a", "c", "x"), {"a": 1, "c": 3}, id="pick"
        ),
        pytest.param(dicts.omit, ({"a": 1, "b": 2, "c": 3}, "a", "c"), {"b": 2}, id="omit"),
        pytest.param(dicts.dig, ("a", "b", "d", {"a": {"b": 1}}), 1, id="dig"),
        pytest.param(dicts.dig, ("a", "x", "d", {"a": {"b": 1}}), "d", id="dig-default"),
        pytest.param(dicts.dig, ("x", "b", "d", {"a": {"b": 1}}), "d", id="dig-default-top"),
    ],
)
def test_dict_function(fn: Any, args: tuple[Any, ...], want: Any) -> None:
    assert fn(*args) == want


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("a", {}), "dig needs at least three arguments", id="too-few"),
        pytest.param(("a", "d", StringMap()), r"is map\[string\]string, not map", id="not-a-map"),
        pytest.param(("a", "b", "d", {"a": 1}), "is int, not map", id="step-not-a-map"),
        pytest.param((1, "d", {}), "is int, not string", id="key-not-string"),
    ],
)
def test_dig_panics_like_go_type_assertions(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(FuncError, match=message):
        dicts.dig(*args)


def _fixture() -> dict[str, Any]:
    return {
        "src1": {
            "a": 1,
            "b": 2,
            "d": {"e": "four"},
            "g": [6, 7],
            "i": "aye",
            "j": "jay",
            "k": {"l": False},
        },
        "src2": {"h": 10, "i": "i", "j": "j"},
        "dst": {"a": "one", "c": 3, "d": {"f": 5}, "g": [8, 9], "i": "eye", "k": {"l": True}},
    }


def test_merge_keeps_destination_values_and_merges_nested_maps() -> None:
    f = _fixture()
    out = dicts.merge(f["dst"], f["src1"], f["src2"])
    assert out is f["dst"]
    assert out == {
        "a": "one", "b": 2, "c": 3, "d": {"e": "four", "f": 5}, "g": [8, 9],
        "h": 10, "i": "eye", "j": "jay", "k": {"l": True},
    }  # fmt: skip


def test_merge_overwrite_replaces_even_with_empty_values() -> None:
    f = _fixture()
    out = dicts.merge_overwrite(f["dst"], f["src1"], f["src2"])
    assert out == {
        "a": 1, "b": 2, "c": 3, "d": {"e": "four", "f": 5}, "g": [6, 7],
        "h": 10, "i": "i", "j": "j", "k": {"l": False},
    }  # fmt: skip


def test_merge_fills_empty_destination_values() -> None:
    assert dicts.merge({"a": "", "b": 0, "c": None}, {"a": "x", "b": 1, "c": 2}) == {
        "a": "x",
        "b": 1,
        "c": 2,
    }


def test_deep_copy_is_independent() -> None:
    src = {"a": [1, {"b": 2}]}
    out = dicts.deep_copy(src)
    out["a"][1]["b"] = 3
    assert src == {"a": [1, {"b": 2}]}
