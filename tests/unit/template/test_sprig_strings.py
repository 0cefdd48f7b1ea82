"""Sprig's string functions, restating sprig's own strings_test.go plus Go quirks."""

from __future__ import annotations

from typing import Any

import pytest

from eso.template.functions import casing, randstr, strings, strlists, wrapping
from eso.template.functions.registry import MAX_OUTPUT, FuncError
from eso.template.values import Int64, StringMap, StringSlice


@pytest.mark.parametrize(
    ("fn", "args", "want"),
    [
        pytest.param(strings.substr, (0, 3, "fooo"), "foo", id="substr"),
        pytest.param(strings.substr, (0, 10, "foo"), "foo", id="substr-end-past-len"),
        pytest.param(strings.substr, (-1, 2, "foo"), "fo", id="substr-negative-start"),
        pytest.param(strings.trunc, (3, "foooooo"), "foo", id="trunc"),
        pytest.param(strings.trunc, (-3, "baaaaaar"), "aar", id="trunc-negative"),
        pytest.param(strings.trunc, (-999, "baaaaaar"), "baaaaaar", id="trunc-too-negative"),
        pytest.param(strings.trunc, (0, "baaaaaz"), "", id="trunc-zero"),
        pytest.param(strings.trunc, (1, "日本"), "\udce6", id="trunc-cuts-bytes"),
        pytest.param(strings.trim, ("   5.00   ",), "5.00", id="trim"),
        pytest.param(strings.trim, ("\u00a0x\u2003",), "x", id="trim-unicode-space"),
        pytest.param(strings.trim, ("\x1cx",), "\x1cx", id="trim-not-python-space"),
        pytest.param(strings.trim_all, ("$", "$5.00$"), "5.00", id="trimAll"),
        pytest.param(strings.trim_prefix, ("$", "$5.00"), "5.00", id="trimPrefix"),
        pytest.param(strings.trim_suffix, ("$", "5.00$"), "5.00", id="trimSuffix"),
        pytest.param(strings.contains, ("cat", "fair catch"), True, id="contains"),
        pytest.param(strings.has_prefix, ("cat", "catch"), True, id="hasPrefix"),
        pytest.param(strings.has_suffix, ("cat", "ducat"), True, id="hasSuffix"),
        pytest.param(strings.upper, ("straße",), "STRAßE", id="upper-simple-mapping"),
        pytest.param(strings.lower, ("HELLO İ",), "hello i", id="lower"),
        pytest.param(strings.title, ("hello wORLD-foo_bar",), "Hello WORLD-Foo_bar", id="title"),
        pytest.param(strings.untitle, ("First Try",), "first try", id="untitle"),
        pytest.param(strings.repeat, (3, "ab"), "ababab", id="repeat"),
        pytest.param(strings.quote, ("a", "b", "c"), '"a" "b" "c"', id="quote"),
        pytest.param(strings.quote, ('"a"', "b"), '"\\"a\\"" "b"', id="quote-escapes"),
        pytest.param(strings.quote, (1, 2, None, 3), '"1" "2" "3"', id="quote-skips-nil"),
        pytest.param(strings.quote, ("\x1b\n\u00ad",), '"\\x1b\\n\\u00ad"', id="quote-go-escapes"),
        pytest.param(strings.squote, ("a", "b"), "'a' 'b'", id="squote"),
        pytest.param(strings.squote, (1, 2, 3), "'1' '2' '3'", id="squote-ints"),
        pytest.param(strings.cat, ("a", "b", "c"), "a b c", id="cat"),
        pytest.param(strings.cat, ("a", None, 1.5, [1, 2]), "a 1.5 [1 2]", id="cat-values"),
        pytest.param(strings.indent, (4, "a\nb\nc"), "    a\n    b\n    c", id="indent"),
        pytest.param(strings.nindent, (4, "a\nb\nc"), "\n    a\n    b\n    c", id="nindent"),
        pytest.param(
            strings.replace, (" ", "-", "I Am Henry VIII"), "I-Am-Henry-VIII", id="replace"
        ),
        pytest.param(strings.replace, ("", "-", "ab"), "-a-b-", id="replace-empty-old"),
        pytest.param(strings.plural, ("1 char", "chars", 3), "chars", id="plural-many"),
        pytest.param(strings.plural, ("cheese", "%d chars", 1), "cheese", id="plural-one"),
        pytest.param(strings.to_string, (None,), "<nil>", id="toString-nil"),
        pytest.param(strings.to_string, (b"bytes",), "bytes", id="toString-bytes"),
        pytest.param(strings.to_string, (Int64(5),), "5", id="toString-int64"),
        pytest.param(strings.to_string, (1e6,), "1e+06", id="toString-float"),
        pytest.param(strings.hello, (), "Hello!", id="hello"),
    ],
)
def test_string_function(fn: Any, args: tuple[Any, ...], want: Any) -> None:
    assert fn(*args) == want


@pytest.mark.parametrize(
    ("fn", "args", "message"),
    [
        pytest.param(strings.substr, (2, 1, "foo"), "slice bounds out of range [2:1]", id="substr"),
        pytest.param(strings.substr, (-1, 9, "foo"), "[:9] with length 3", id="substr-end"),
        pytest.param(strings.repeat, (-1, "x"), "negative Repeat count", id="repeat-neg"),
        pytest.param(strings.repeat, (MAX_OUTPUT + 1, "x"), "template limit", id="repeat-limit"),
        pytest.param(strings.indent, (MAX_OUTPUT, "a\nb"), "template limit", id="indent-limit"),
    ],
)
def test_string_function_error(fn: Any, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(FuncError, match=message.replace("[", r"\[").replace("]", r"\]")):
        fn(*args)


@pytest.mark.parametrize(
    ("fn", "arg", "want"),
    [
        pytest.param(casing.snakecase, "FirstName", "first_name", id="snake-first-name"),
        pytest.param(casing.snakecase, "HTTPServer", "http_server", id="snake-abbrev"),
        pytest.param(casing.snakecase, "NoHTTPS", "no_https", id="snake-trailing-abbrev"),
        pytest.param(casing.snakecase, "GO_PATH", "go_path", id="snake-underscore"),
        pytest.param(casing.snakecase, "GO PATH", "go_path", id="snake-space"),
        pytest.param(casing.snakecase, "GO-PATH", "go_path", id="snake-hyphen"),
        pytest.param(casing.snakecase, "Bld4Floor", "bld4_floor", id="snake-number"),
        pytest.param(casing.snakecase, "HTTP2xx", "http_2xx", id="snake-number-lower"),
        pytest.param(casing.snakecase, "_leading", "_leading", id="snake-leading"),
        pytest.param(casing.snakecase, "http2xx", "http_2xx", id="snake-http2xx"),
        pytest.param(casing.snakecase, "HTTP20xOK", "http_20x_ok", id="snake-http20xok"),
        pytest.param(casing.snakecase, "Duration2m3s", "duration_2m3s", id="snake-duration"),
        pytest.param(casing.snakecase, "Bld4Floor3rd", "bld4_floor_3rd", id="snake-floor"),
        pytest.param(casing.kebabcase, "HTTP20xOK", "http-20x-ok", id="kebab-http20xok"),
        pytest.param(casing.kebabcase, "FirstName", "first-name", id="kebab"),
        pytest.param(casing.kebabcase, "HTTPServer", "http-server", id="kebab-abbrev"),
        pytest.param(casing.camelcase, "http_server", "HttpServer", id="camel"),
        pytest.param(casing.camelcase, "_camel_case", "_CamelCase", id="camel-leading"),
        pytest.param(casing.camelcase, "no_https", "NoHttps", id="camel-https"),
        pytest.param(casing.camelcase, "_complex__case_", "_Complex_Case_", id="camel-complex"),
        pytest.param(casing.camelcase, "all", "All", id="camel-one-word"),
        pytest.param(casing.camelcase, "some words", "SomeWords", id="camel-space"),
        pytest.param(casing.camelcase, "_", "__", id="camel-only-connector-quirk"),
        pytest.param(casing.camelcase, "GOLANG_IS_GREAT", "GolangIsGreat", id="camel-upper"),
        pytest.param(casing.swapcase, "This Is A.Test", "tHIS iS a.tEST", id="swapcase"),
        pytest.param(casing.initials, "First Try", "FT", id="initials"),
        pytest.param(casing.initials, "  john  doe ", "jd", id="initials-spaces"),
        pytest.param(wrapping.abbrev, (5, "hello world"), "he...", id="abbrev"),
        pytest.param(wrapping.abbrev, (3, "hello world"), "hello world", id="abbrev-narrow"),
        pytest.param(wrapping.abbrevboth, (5, 10, "1234 5678 9123"), "...5678...", id="abbrevboth"),
        pytest.param(wrapping.nospace, "h e l l o ", "hello", id="nospace"),
        pytest.param(wrapping.nospace, "é", "é", id="nospace-untouched"),
        pytest.param(wrapping.nospace, "é x", "Ã©x", id="nospace-bytes-quirk"),
        pytest.param(wrapping.wrap, (5, "Hello World"), "Hello\nWorld", id="wrap"),
        pytest.param(wrapping.wrap, (3, "abcdefgh xy"), "abcdefgh\nxy", id="wrap-long-word"),
        pytest.param(wrapping.wrap_with, (5, "\t", "Hello World"), "Hello\tWorld", id="wrapWith"),
        pytest.param(wrapping.wrap_with, (3, "|", "abcdefgh"), "abc|def|gh", id="wrapWith-long"),
    ],
)
def test_word_function(fn: Any, arg: Any, want: str) -> None:
    args = arg if isinstance(arg, tuple) else (arg,)
    assert fn(*args) == want


def test_wrap_with_huge_separator_is_refused() -> None:
    with pytest.raises(FuncError, match="template limit"):
        wrapping.wrap_with(1, "x" * 100_000, "a " * 20)


@pytest.mark.parametrize(
    ("fn", "alphabet"),
    [
        pytest.param(randstr.rand_alpha_num, str.isalnum, id="randAlphaNum"),
        pytest.param(randstr.rand_alpha, str.isalpha, id="randAlpha"),
        pytest.param(randstr.rand_numeric, str.isdigit, id="randNumeric"),
        pytest.param(randstr.rand_ascii, str.isprintable, id="randAscii"),
    ],
)
def test_random_string_has_count_characters_of_its_alphabet(fn: Any, alphabet: Any) -> None:
    out = fn(5)
    assert len(out) == 5
    assert out.isascii() and alphabet(out)


def test_random_string_of_negative_count_is_empty_and_huge_is_refused() -> None:
    assert randstr.rand_alpha(-1) == ""
    with pytest.raises(FuncError, match="template limit"):
        randstr.rand_alpha(MAX_OUTPUT + 1)


def test_shuffle_keeps_the_runes() -> None:
    assert sorted(randstr.shuffle("héllo")) == sorted("héllo")


def test_rand_int_is_in_range_and_panics_like_intn() -> None:
    assert all(1 <= randstr.rand_int(1, 3) < 3 for _ in range(20))
    with pytest.raises(FuncError, match="invalid argument to Intn"):
        randstr.rand_int(3, 3)


@pytest.mark.parametrize(
    ("fn", "args", "want"),
    [
        pytest.param(
            strlists.split,
            ("$", "foo$bar$baz"),
            {"_0": "foo", "_1": "bar", "_2": "baz"},
            id="split",
        ),
        pytest.param(
            strlists.splitn, ("$", 2, "foo$bar$baz"), {"_0": "foo", "_1": "bar$baz"}, id="splitn"
        ),
        pytest.param(strlists.splitn, ("$", 0, "a$b"), {}, id="splitn-zero"),
        pytest.param(strlists.split_list, ("", "abc"), ["a", "b", "c"], id="splitList-runes"),
        pytest.param(strlists.split_list, (",", ""), [""], id="splitList-empty"),
        pytest.param(strlists.strslice, ([1, None, "2"],), ["1", "2"], id="toStrings"),
        pytest.param(strlists.strslice, (None,), [], id="toStrings-nil"),
        pytest.param(strlists.strslice, ("abc",), ["abc"], id="toStrings-scalar"),
        pytest.param(strlists.join, ("-", ["a", "b", "c"]), "a-b-c", id="join"),
        pytest.param(strlists.join, ("-", [1, 2, 3]), "1-2-3", id="join-ints"),
        pytest.param(strlists.join, ("-", "abc"), "abc", id="join-string"),
        pytest.param(strlists.join, ("-", ["1", None, "2"]), "1-2", id="join-skips-nil"),
        pytest.param(strlists.sort_alpha, (["c", "a", "b"],), ["a", "b", "c"], id="sortAlpha"),
        pytest.param(
            strlists.sort_alpha, ([2, 1, 4, 3],), ["1", "2", "3", "4"], id="sortAlpha-ints"
        ),
        pytest.param(strlists.sort_alpha, (5,), ["5"], id="sortAlpha-scalar"),
    ],
)
def test_string_list_function(fn: Any, args: tuple[Any, ...], want: Any) -> None:
    assert fn(*args) == want


def test_split_returns_go_types() -> None:
    assert type(strlists.split(",", "a,b")) is StringMap
    assert type(strlists.split_list(",", "a,b")) is StringSlice
    assert type(strlists.strslice([1])) is StringSlice
