"""Sprig's encodings, digests, reflection and path functions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from eso.template.functions import encoding, hashes, paths, reflection
from eso.template.values import Int64, StringMap, StringSlice


@pytest.mark.parametrize(
    ("fn", "arg", "want"),
    [
        pytest.param(encoding.b64enc, "coffee", "Y29mZmVl", id="b64enc"),
        pytest.param(encoding.b64dec, "Y29mZmVl", "coffee", id="b64dec"),
        pytest.param(encoding.b64dec, "Y29m\nZmVl\r\n", "coffee", id="b64dec-skips-newlines"),
        pytest.param(encoding.b64dec, "YQ==", "a", id="b64dec-padding"),
        pytest.param(
            encoding.b64dec, "Y29mZmVl!", "illegal base64 data at input byte 8", id="b64dec-junk"
        ),
        pytest.param(
            encoding.b64dec, "YQ", "illegal base64 data at input byte 0", id="b64dec-no-padding"
        ),
        pytest.param(
            encoding.b64dec, "YQ=", "illegal base64 data at input byte 3", id="b64dec-short-padding"
        ),
        pytest.param(
            encoding.b64dec, "YQ==YQ==", "illegal base64 data at input byte 4", id="b64dec-trailing"
        ),
        pytest.param(encoding.b64dec, "/w==", "\udcff", id="b64dec-binary"),
        pytest.param(encoding.b32enc, "coffee", "MNXWMZTFMU======", id="b32enc"),
        pytest.param(encoding.b32dec, "MNXWMZTFMU======", "coffee", id="b32dec"),
        pytest.param(
            encoding.b32dec,
            "MNXWMZTFMU",
            "illegal base32 data at input byte 8",
            id="b32dec-no-padding",
        ),
        pytest.param(
            encoding.b32dec, "MNXW1ZTF", "illegal base32 data at input byte 4", id="b32dec-junk"
        ),
        pytest.param(encoding.hexdec, "636f66666565", "coffee", id="hexdec"),
        pytest.param(
            encoding.hexdec, "6g", "encoding/hex: invalid byte: U+0067 'g'", id="hexdec-junk"
        ),
        pytest.param(
            encoding.hexdec, "636", "encoding/hex: odd length hex string", id="hexdec-odd"
        ),
        pytest.param(hashes.sha1sum, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d", id="sha1"),
        pytest.param(
            hashes.sha256sum,
            "abc",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            id="sha256",
        ),
        pytest.param(
            hashes.sha512sum,
            "",
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
            id="sha512",
        ),
        pytest.param(hashes.adler32sum, "Wikipedia", "300286872", id="adler32"),
    ],
)
def test_encoding_function(fn: Any, arg: str, want: str) -> None:
    assert fn(arg) == want


class _Opaque:
    pass


@pytest.mark.parametrize(
    ("value", "type_name", "kind"),
    [
        pytest.param("x", "string", "string", id="string"),
        pytest.param(1, "int", "int", id="int"),
        pytest.param(Int64(1), "int64", "int64", id="int64"),
        pytest.param(1.5, "float64", "float64", id="float"),
        pytest.param(None, "<nil>", "invalid", id="nil"),
        pytest.param([1], "[]interface {}", "slice", id="list"),
        pytest.param(StringSlice(), "[]string", "slice", id="strings"),
        pytest.param({}, "map[string]interface {}", "map", id="map"),
        pytest.param(StringMap(), "map[string]string", "map", id="string-map"),
        pytest.param(dt.datetime.now(dt.UTC), "time.Time", "struct", id="time"),
    ],
)
def test_type_and_kind(value: Any, type_name: str, kind: str) -> None:
    assert reflection.type_of(value) == type_name
    assert reflection.type_is(type_name, value)
    assert reflection.type_is_like(type_name, value)
    assert reflection.kind_of(value) == kind
    assert reflection.kind_is(kind, value)


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        pytest.param([1, {"a": "b"}], [1, {"a": "b"}], True, id="deep"),
        pytest.param(1, Int64(1), False, id="types-differ"),
        pytest.param(StringSlice(["a"]), ["a"], False, id="slice-types-differ"),
        pytest.param(True, 1, False, id="bool-is-not-int"),
        pytest.param(float("nan"), float("nan"), False, id="nan"),
        pytest.param({"a": 1}, {"a": 2}, False, id="map-values"),
    ],
)
def test_deep_equal(a: Any, b: Any, want: bool) -> None:
    assert reflection.deep_equal(a, b) is want


@pytest.mark.parametrize(
    ("fn", "arg", "want"),
    [
        pytest.param(paths.base, "/foo/bar/baz", "baz", id="base"),
        pytest.param(paths.base, "/foo/bar/", "bar", id="base-trailing"),
        pytest.param(paths.base, "", ".", id="base-empty"),
        pytest.param(paths.base, "///", "/", id="base-root"),
        pytest.param(paths.dir_, "/foo/bar/baz", "/foo/bar", id="dir"),
        pytest.param(paths.dir_, "baz", ".", id="dir-relative"),
        pytest.param(paths.dir_, "/", "/", id="dir-root"),
        pytest.param(paths.clean, "/foo/../bar/./baz//", "/bar/baz", id="clean"),
        pytest.param(paths.clean, "//a", "/a", id="clean-double-slash"),
        pytest.param(paths.clean, "", ".", id="clean-empty"),
        pytest.param(paths.clean, "../../a/..", "../..", id="clean-dotdot"),
        pytest.param(paths.clean, "/../a", "/a", id="clean-rooted-dotdot"),
        pytest.param(paths.ext, "/foo/bar/baz.txt", ".txt", id="ext"),
        pytest.param(paths.ext, "/a.b/c", "", id="ext-none"),
        pytest.param(paths.is_abs, "/foo", True, id="isAbs"),
        pytest.param(paths.is_abs, "foo", False, id="isAbs-relative"),
    ],
)
def test_path_function(fn: Any, arg: str, want: Any) -> None:
    assert fn(arg) == want
