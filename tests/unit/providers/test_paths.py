"""ESO's gjson-style property paths and dataFrom.extract maps, as table tests."""

from __future__ import annotations

import pytest

from eso.providers.paths import (
    NotJSONError,
    PathSyntaxError,
    PropertyMissingError,
    get_map,
    get_property,
    get_property_map,
)

DOC = b"""{
  "name": {"first": "Tom", "last": "Anderson"},
  "age": 37,
  "ratio": 1.50,
  "big": 1e3,
  "neg": -2,
  "ok": true,
  "off": false,
  "nothing": null,
  "children": ["Sara", "Alex", "Jack"],
  "friends": [
    {"first": "Dale", "nets": ["ig", "fb"]},
    {"first": "Roger", "nets": ["fb", "tw"]}
  ],
  "a.b": "literal dotted key",
  "a": {"b": "nested a.b"},
  "db": {"host.name": "db.local"},
  "esc": "line\\nbreak \\u00e9",
  "1": "numeric key"
}"""


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("age", b"37", id="integer-as-written"),
        pytest.param("neg", b"-2", id="negative-integer"),
        pytest.param("ratio", b"1.5", id="float-reformatted-like-go"),
        pytest.param("big", b"1000", id="exponent-expanded-like-go"),
        pytest.param("ok", b"true", id="true"),
        pytest.param("off", b"false", id="false"),
        pytest.param("nothing", b"", id="null-is-empty"),
        pytest.param("name.first", b"Tom", id="nested"),
        pytest.param("name", b'{"first": "Tom", "last": "Anderson"}', id="object-raw-text"),
        pytest.param("children", b'["Sara", "Alex", "Jack"]', id="array-raw-text"),
        pytest.param("children.1", b"Alex", id="array-index"),
        pytest.param("children.#", b"3", id="array-length"),
        pytest.param("friends.1.first", b"Roger", id="index-then-key"),
        pytest.param("friends.#.first", b'["Dale","Roger"]', id="collect-field"),
        pytest.param("friends.0.nets.1", b"fb", id="deep-index"),
        pytest.param("a.b", b"literal dotted key", id="literal-key-wins"),
        pytest.param("db.host\\.name", b"db.local", id="escaped-dot"),
        pytest.param("name.f*t", b"Tom", id="star-wildcard"),
        pytest.param("name.las?", b"Anderson", id="question-wildcard"),
        pytest.param("esc", "line\nbreak é".encode(), id="string-escapes-decoded"),
        pytest.param("1", b"numeric key", id="numeric-key-on-object"),
    ],
)
def test_property_lookup(path: str, expected: bytes) -> None:
    assert get_property(DOC, path) == expected


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("missing", id="missing-key"),
        pytest.param("name.middle", id="missing-nested"),
        pytest.param("children.9", id="index-out-of-range"),
        pytest.param("age.value", id="into-a-number"),
        pytest.param("children.-1", id="negative-index"),
    ],
)
def test_missing_property_raises(path: str) -> None:
    with pytest.raises(PropertyMissingError):
        get_property(DOC, path)


@pytest.mark.parametrize("path", ["friends.#(first==Dale)", "children|@reverse", "@this"])
def test_unsupported_gjson_syntax_is_refused(path: str) -> None:
    with pytest.raises(PathSyntaxError):
        get_property(DOC, path)


def test_property_of_a_non_json_secret_is_missing() -> None:
    with pytest.raises(PropertyMissingError, match="not JSON"):
        get_property(b"plain text", "key")


def test_invalid_utf8_in_raw_values_survives() -> None:
    assert get_property(b'{"k": {"raw": "\xff\xfe"}}', "k") == b'{"raw": "\xff\xfe"}'


def test_map_unquotes_strings_and_keeps_other_values_raw() -> None:
    data = get_map(b'{"s": "v", "n": 1.50, "o": {"x": [1, 2]}, "z": null, "t": true}')
    assert data == {"s": b"v", "n": b"1.50", "o": b'{"x": [1, 2]}', "z": b"", "t": b"true"}


def test_map_last_duplicate_key_wins() -> None:
    assert get_map(b'{"k": "first", "k": "second"}') == {"k": b"second"}


def test_map_with_property_extracts_the_sub_object_first() -> None:
    assert get_property_map(DOC, "name") == {"first": b"Tom", "last": b"Anderson"}


def test_map_of_a_property_holding_a_json_string() -> None:
    doc = b'{"inner": "{\\"user\\": \\"u\\"}"}'
    assert get_property_map(doc, "inner") == {"user": b"u"}


@pytest.mark.parametrize(
    ("payload", "prop"),
    [
        pytest.param(b"not json", None, id="not-json"),
        pytest.param(b'["a", "b"]', None, id="array"),
        pytest.param(b'"a string"', None, id="string"),
        pytest.param(DOC, "age", id="property-not-an-object"),
        pytest.param(b'{"a": 1} trailing', None, id="trailing-data"),
    ],
)
def test_map_of_something_other_than_an_object_fails(payload: bytes, prop: str | None) -> None:
    with pytest.raises(NotJSONError):
        get_property_map(payload, prop)
