"""Sprig's ``semver``/``semverCompare`` (semver_test.go restated) and ``urlParse``/``urlJoin``
(url_test.go restated)."""

from __future__ import annotations

from typing import Any

import pytest

from eso.template.functions import jsonfuncs, reflection, semver, urls
from eso.template.functions.registry import FuncError
from eso.template.values import Uint64


@pytest.mark.parametrize(
    ("constraint", "version", "want"),
    [
        pytest.param("1.2.3", "1.2.3", True, id="equal"),
        pytest.param("^1.2.0", "1.2.3", True, id="caret"),
        pytest.param("^1.2.0", "2.2.3", False, id="caret-next-major"),
        pytest.param("^1.2.0", "v1.2.3", True, id="v-prefix"),
        pytest.param("^0.2.3", "0.2.9", True, id="caret-zero-major"),
        pytest.param("^0.2.3", "0.3.0", False, id="caret-zero-major-next-minor"),
        pytest.param("^0.0.3", "0.0.4", False, id="caret-zero-zero"),
        pytest.param("~1.2.3", "1.2.9", True, id="tilde"),
        pytest.param("~1.2.3", "1.3.0", False, id="tilde-next-minor"),
        pytest.param("~1", "1.9.0", True, id="tilde-major"),
        pytest.param(">= 1.2, < 2.0", "1.9.9", True, id="and-comma"),
        pytest.param(">1.2 <2", "2.0.0", False, id="and-space"),
        pytest.param("<1.0 || >=3", "3.1.0", True, id="or"),
        pytest.param("1.2.x", "1.2.7", True, id="wildcard-patch"),
        pytest.param("1.x", "1.7.0", True, id="wildcard-minor"),
        pytest.param("*", "4.5.6", True, id="star"),
        pytest.param(">1.x", "1.9.0", False, id="greater-dirty"),
        pytest.param("!=1.2.3", "1.2.4", True, id="not-equal"),
        pytest.param("1.2 - 1.4.5", "1.4.5", True, id="hyphen-range"),
        pytest.param("1.2 - 1.4.5", "1.4.6", False, id="hyphen-range-above"),
        pytest.param(">=1.0.0", "1.1.0-beta", False, id="prerelease-needs-prerelease-constraint"),
        pytest.param(">=1.1.0-alpha", "1.1.0-beta", True, id="prerelease-compare"),
        pytest.param("1.2.3", "1.2.3+build", True, id="metadata-ignored"),
    ],
)
def test_semver_compare(constraint: str, version: str, want: bool) -> None:
    assert semver.satisfies(constraint, version) is want


@pytest.mark.parametrize(
    ("constraint", "version", "message"),
    [
        pytest.param(
            "badConstraint", "1.2.3", "improper constraint: badConstraint", id="constraint"
        ),
        pytest.param("1.2.0", "badVersion", "invalid semantic version", id="version"),
        pytest.param("", "1.2.3", "improper constraint: ", id="empty-constraint"),
    ],
)
def test_semver_compare_errors(constraint: str, version: str, message: str) -> None:
    with pytest.raises(FuncError, match=message):
        semver.satisfies(constraint, version)


def test_semver_object_has_go_methods() -> None:
    v = semver.semver("1.2.3-beta.1+c0ff33")
    assert v.Prerelease() == "beta.1"
    assert v.Major() == 1 and type(v.Major()) is Uint64
    assert v.Metadata() == "c0ff33"
    assert str(v) == "1.2.3-beta.1+c0ff33"
    assert jsonfuncs.to_json(v) == '"1.2.3-beta.1+c0ff33"'


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ("1.2.3", "1.2.3", 0), ("1.3.3", "1.2.3", 1), ("1.2.3", "1.4.3", -1),
        ("1.0.0-alpha", "1.0.0", -1), ("1.0.0-alpha.1", "1.0.0-alpha", 1),
        ("1.0.0-alpha.beta", "1.0.0-alpha.1", 1), ("1.0.0-beta.11", "1.0.0-beta.2", 1),
        ("1.0.0-rc.1", "1.0.0-beta.11", 1), ("v1.2", "1.2.0", 0),
    ],
)  # fmt: skip
def test_semver_precedence(a: str, b: str, want: int) -> None:
    assert semver.semver(a).Compare(semver.semver(b)) == want


def test_semver_rejects_leading_zero_prerelease_numbers() -> None:
    with pytest.raises(FuncError, match="starts with 0"):
        semver.semver("1.2.3-01")


_URL_KEYS = ("scheme", "host", "hostname", "path", "query", "opaque", "fragment", "userinfo")


def _url(**fields: str) -> dict[str, str]:
    return {k: fields.get(k, "") for k in _URL_KEYS}


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        pytest.param(
            "proto://auth@host:80/path?query#fragment",
            _url(
                scheme="proto",
                host="host:80",
                hostname="host",
                path="/path",
                query="query",
                fragment="fragment",
                userinfo="auth",
            ),
            id="full",
        ),
        pytest.param(
            "proto://host:80/path",
            _url(scheme="proto", host="host:80", hostname="host", path="/path"),
            id="no-query",
        ),
        pytest.param("something", _url(path="something"), id="relative"),
        pytest.param(
            "proto://user:passwor%20d@host:80/path",
            _url(
                scheme="proto",
                host="host:80",
                hostname="host",
                path="/path",
                userinfo="user:passwor%20d",
            ),
            id="userinfo-escaped",
        ),
        pytest.param(
            "proto://host:80/pa%20th?key=val%20ue",
            _url(
                scheme="proto", host="host:80", hostname="host", path="/pa th", query="key=val%20ue"
            ),
            id="path-unescaped-query-raw",
        ),
        pytest.param("mailto:x@y", _url(scheme="mailto", opaque="x@y"), id="opaque"),
        pytest.param(
            "http://[::1]:80/",
            _url(scheme="http", host="[::1]:80", hostname="::1", path="/"),
            id="ipv6",
        ),
    ],
)
def test_url_parse(raw: str, want: dict[str, str]) -> None:
    assert urls.url_parse(raw) == want


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param("a:b/c:d", "", id="ok-scheme"),
        pytest.param("1a:b", "first path segment in URL cannot contain colon", id="colon"),
        pytest.param("http://h:x/", "invalid port after host", id="port"),
        pytest.param("http://[::1/", "missing ']' in host", id="bracket"),
        pytest.param("http://h/%zz", "invalid URL escape", id="escape"),
        pytest.param(":x", "missing protocol scheme", id="scheme"),
    ],
)
def test_url_parse_errors_do_not_quote_the_url(raw: str, message: str) -> None:
    if not message:
        assert urls.url_parse(raw)["opaque"] == "b/c:d"
        return
    with pytest.raises(FuncError, match=message) as e:
        urls.url_parse(raw)
    assert raw not in str(e.value)


@pytest.mark.parametrize(
    ("fields", "want"),
    [
        pytest.param(
            {
                "host": "host:80",
                "path": "/path",
                "query": "query",
                "fragment": "fragment",
                "userinfo": "auth",
                "scheme": "proto",
            },
            "proto://auth@host:80/path?query#fragment",
            id="full",
        ),
        pytest.param(
            {"host": "host:80", "path": "/path", "scheme": "proto", "userinfo": "user:passwor%20d"},
            "proto://user:passwor%20d@host:80/path",
            id="userinfo",
        ),
        pytest.param(
            {"path": "/pa th", "scheme": "https", "host": "h"},
            "https://h/pa%20th",
            id="path-escaped",
        ),
        pytest.param({"path": "a:b/c"}, "./a:b/c", id="colon-first-segment"),
        pytest.param({"scheme": "mailto", "opaque": "x@y"}, "mailto:x@y", id="opaque"),
        pytest.param({"host": "h", "path": "p"}, "//h/p", id="relative-path-with-host"),
    ],
)
def test_url_join(fields: dict[str, Any], want: str) -> None:
    assert urls.url_join(fields) == want


def test_url_join_panics_on_non_string_fields() -> None:
    with pytest.raises(
        FuncError, match="unable to parse host key, must be of type string, but int found"
    ):
        urls.url_join({"host": 1})


def test_semver_reflects_as_a_go_pointer() -> None:
    v = semver.semver("1.0.0")
    assert reflection.type_of(v) == "*semver.Version"
    assert reflection.type_is_like("semver.Version", v)
    assert reflection.kind_of(v) == "ptr"
    assert reflection.deep_equal(v, semver.semver("1.0.0"))
