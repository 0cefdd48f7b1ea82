"""Sprig's ``regex*`` functions (regex_test.go restated) and ``re2``'s contracts beyond the
Go golden file: the template expansion rules, the cache and the pattern bound."""

from __future__ import annotations

from typing import Any

import pytest

from eso.template import re2
from eso.template.functions import regex
from eso.template.functions.registry import FuncError
from eso.template.values import StringSlice


@pytest.mark.parametrize(
    ("fn", "args", "want"),
    [
        pytest.param(regex.regex_match, ("^[a-zA-Z]+$", "abc"), True, id="match"),
        pytest.param(regex.regex_match, ("[a-", "abc"), False, id="match-bad-pattern-is-false"),
        pytest.param(regex.must_regex_match, (r"^\d+$", "12a"), False, id="mustMatch"),
        pytest.param(
            regex.regex_find_all, ("a{2}", "aaaaaa", -1), ["aa", "aa", "aa"], id="findAll"
        ),
        pytest.param(regex.regex_find_all, ("a{2}", "aaaaaa", 2), ["aa", "aa"], id="findAll-n"),
        pytest.param(regex.regex_find_all, ("x", "aaa", -1), [], id="findAll-none"),
        pytest.param(regex.regex_find, ("a+b", "cab aab"), "ab", id="find"),
        pytest.param(
            regex.regex_replace_all, ("a(x*)b", "-ab-axxb-", "${1}W"), "-W-xxW-", id="replaceAll"
        ),
        pytest.param(
            regex.regex_replace_all,
            ("a(x*)b", "-ab-axxb-", "$1W"),
            "---",
            id="replaceAll-longest-name",
        ),
        pytest.param(
            regex.regex_replace_all_literal,
            ("a(x*)b", "-ab-axxb-", "${1}"),
            "-${1}-${1}-",
            id="literal",
        ),
        pytest.param(regex.regex_split, ("z+", "pizza", -1), ["pi", "a"], id="split"),
        pytest.param(regex.regex_split, ("z+", "pizza", 1), ["pizza"], id="split-1"),
        pytest.param(regex.regex_split, ("z+", "pizza", 0), [], id="split-0"),
        pytest.param(regex.regex_quote_meta, ("1.2.3[x]",), r"1\.2\.3\[x\]", id="quoteMeta"),
    ],
)
def test_regex_function(fn: Any, args: tuple[Any, ...], want: Any) -> None:
    got = fn(*args)
    assert got == want
    if isinstance(want, list):
        assert isinstance(got, StringSlice)  # no match: a nil []string, NilStringSlice


@pytest.mark.parametrize(
    ("fn", "args", "message"),
    [
        pytest.param(
            regex.regex_find,
            ("(", "x"),
            "regexp: Compile(`(`): error parsing regexp: missing closing ): `(`",
            id="find-panics",
        ),
        pytest.param(
            regex.must_regex_find,
            (r"\1", "x"),
            r"error parsing regexp: invalid escape sequence: `\1`",
            id="must-error",
        ),
        pytest.param(
            regex.must_regex_replace_all,
            ("(?=x)", "x", ""),
            "invalid or unsupported Perl syntax: `(?=`",
            id="lookahead",
        ),
        pytest.param(
            regex.must_regex_split,
            ("a**", "x", -1),
            "invalid nested repetition operator: `**`",
            id="nested-repeat",
        ),
        pytest.param(
            regex.must_regex_find_all,
            ("x{1001}", "x", -1),
            "invalid repeat count: `{1001}`",
            id="repeat-count",
        ),
        pytest.param(
            regex.must_regex_match,
            ("[z-a]", "x"),
            "invalid character class range: `z-a`",
            id="range",
        ),
    ],
)
def test_regex_errors_are_gos(fn: Any, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(FuncError) as e:
        fn(*args)
    assert str(e.value).endswith(message)


def test_expand_follows_go_template_rules() -> None:
    rx = re2.compile(r"(?P<first>\w+) (?P<last>\w+)")
    m = rx._re.search("John Smith")
    assert m is not None
    assert rx.expand("$last, $first", m) == "Smith, John"
    assert rx.expand("${1}x $1x $$1 $ ${x", m) == "Johnx  $1 $ ${x"
    assert rx.expand("$9 $01 ${last}!", m) == "  Smith!"


def test_subexp_names_are_gos() -> None:
    assert re2.compile(r"(a)(?P<n>b)(?<m>c)(?:d)").subexp_names == ["", "", "n", "m"]


def test_go_semantics_differences_from_python_re_are_translated() -> None:
    assert not re2.compile("^abc$").match_string("abc\n")
    assert re2.compile(r"\d").find_string("٣4") == "4"
    assert re2.compile(r"\w+").find_string("héllo") == "h"
    assert re2.compile(r"a{,3}").match_string("a{,3}")
    assert re2.compile(r"a(?i)b").match_string("aB")
    assert not re2.compile(r"(?i)[^a]").match_string("A")


def test_patterns_longer_than_the_bound_are_refused() -> None:
    with pytest.raises(re2.RegexpError, match="expression too large"):
        re2.compile("a" * (re2.MAX_PATTERN + 1))


def test_compiled_patterns_are_cached() -> None:
    assert re2.compile("cache-me") is re2.compile("cache-me")
    assert re2.compile.cache_info().maxsize == 256


def test_unsupported_scripts_are_refused_with_their_own_message() -> None:
    with pytest.raises(
        re2.RegexpError, match=r"not supported by eso \(Go accepts it\): `\\p\{Arabic\}`"
    ):
        re2.compile(r"\p{Arabic}")
    with pytest.raises(re2.RegexpError, match="invalid character class range"):
        re2.compile(r"\p{Nope}")


def test_replacement_that_would_explode_is_refused() -> None:
    with pytest.raises(FuncError, match="template limit"):
        regex.regex_replace_all("", "x" * 2000, "y" * 2000)
    with pytest.raises(FuncError, match="template limit"):
        regex.must_regex_replace_all_literal("", "x" * 2000, "y" * 2000)


def test_module_level_expand_and_replace_all() -> None:
    rx = re2.compile(r"(?P<k>\w+)=(\w+)")
    m = rx._re.search("a=1")
    assert m is not None
    assert re2.expand("$2:${k}", m, names=rx.subexp_names) == "1:a"
    assert re2.replace_all(r"(\w+)=(\w+)", "a=1 b=2", "$2=$1") == "1=a 2=b"
    assert re2.replace_all(r"(\w+)=(\w+)", "a=1", "$2", literal=True) == "$2"
    with pytest.raises(re2.OutputTooLargeError):
        re2.replace_all("", "x" * 100, "y" * 100, max_size=1000)


def test_must_compile_panic_quotes_like_go() -> None:
    with pytest.raises(FuncError, match=r'^regexp: Compile\("\(\\n"\): ') as e:
        regex.regex_find("(\n", "x")
    assert "missing closing )" in str(e.value)
    with pytest.raises(FuncError, match=r"^regexp: Compile\(`\(\t`\)"):
        regex.regex_find("(\t", "x")
