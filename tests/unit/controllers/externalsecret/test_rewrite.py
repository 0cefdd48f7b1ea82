"""dataFrom[].rewrite: ESO's operations in order, Go's regexp semantics, ESO's errors."""

from __future__ import annotations

from typing import Any

import pytest

from eso.api.models import ExternalSecretRewrite
from eso.controllers.externalsecret.rewrite import RewriteError, rewrite_map

DATA = {"path/db-user": b"u", "path/db-pass": b"p", "other": b"o"}


def _ops(*ops: dict[str, Any]) -> list[ExternalSecretRewrite]:
    return [ExternalSecretRewrite.model_validate(op) for op in ops]


def _regexp(source: str, target: str) -> dict[str, Any]:
    return {"regexp": {"source": source, "target": target}}


def _transform(template: str) -> dict[str, Any]:
    return {"transform": {"template": template}}


@pytest.mark.parametrize(
    ("ops", "data", "want"),
    [
        pytest.param(
            [_regexp("^path/", "")],
            DATA,
            {"db-user": b"u", "db-pass": b"p", "other": b"o"},
            id="strip-prefix",
        ),
        pytest.param(
            [_regexp("(.*)", "x-$1")], {"key": b"v"}, {"x-key": b"v"}, id="no-second-empty-match"
        ),
        pytest.param(
            [_regexp("(a)", "$1x")], {"a-b": b"v"}, {"-b": b"v"}, id="dollar-1x-is-a-group-name"
        ),
        pytest.param([_regexp("(a)", "${1}x")], {"a-b": b"v"}, {"ax-b": b"v"}, id="braced-group"),
        pytest.param(
            [_regexp("(?P<n>[a-z]+)-(\\d+)", "${n}_$2")],
            {"db-1": b"v"},
            {"db_1": b"v"},
            id="named-group",
        ),
        pytest.param([_regexp("$", "$$")], {"k": b"v"}, {"k$": b"v"}, id="escaped-dollar"),
        pytest.param(
            [_regexp("\\d", "N")], {"a\u06612": b"v"}, {"a\u0661N": b"v"}, id="ascii-digit-class"
        ),
        pytest.param(
            [_transform("{{ .value | upper }}")], {"a-b": b"v"}, {"A-B": b"v"}, id="transform-upper"
        ),
        pytest.param(
            [_transform("{{ .missing }}")],
            {"k": b"v"},
            {"<no value>": b"v"},
            id="transform-default-missingkey",
        ),
        pytest.param(
            [_regexp("^path/", ""), _transform('{{ .value | replace "-" "_" }}')],
            DATA,
            {"db_user": b"u", "db_pass": b"p", "other": b"o"},
            id="chain-regexp-then-transform",
        ),
        pytest.param(
            [_regexp("^.*$", "")],
            {"a": b"1", "b": b"2"},
            {"": b"2"},
            id="all-empty-is-no-collision",
        ),
    ],
)
def test_rewrites_apply_in_order(
    ops: list[dict[str, Any]], data: dict[str, bytes], want: dict[str, bytes]
) -> None:
    assert rewrite_map(_ops(*ops), data) == want


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        pytest.param(
            [_regexp("\\1", "")],
            "error applying rewrite to keys: failed rewrite operation[0]: regexp failed with "
            "failed to compile: error parsing regexp: invalid escape sequence: `\\1`",
            id="backreference",
        ),
        pytest.param(
            [_regexp("x", "y"), _regexp("(?=a)", "")],
            "error applying rewrite to keys: failed rewrite operation[1]: regexp failed with "
            "failed to compile: error parsing regexp: invalid or unsupported Perl syntax: `(?=`",
            id="lookahead-second-op",
        ),
        pytest.param(
            [_regexp("a**", "")],
            "error applying rewrite to keys: failed rewrite operation[0]: regexp failed with "
            "failed to compile: error parsing regexp: invalid nested repetition operator: `**`",
            id="nested-repetition",
        ),
        pytest.param(
            [_transform("{{ .value ")],
            "error applying rewrite to keys: failed rewrite operation[0]: transform failed with "
            "failed to parse template: template: transform:1: unclosed action",
            id="transform-parse",
        ),
        pytest.param(
            [_regexp("-(user|pass)$", "")],
            "error applying rewrite to keys: failed rewrite operation[0]: regexp turned keys "
            '"path/db-pass", "path/db-user" into the same key "path/db"',
            id="collision",
        ),
        pytest.param(
            [_transform("fixed")],
            "error applying rewrite to keys: failed rewrite operation[0]: transform turned keys "
            '"other", "path/db-pass", "path/db-user" into the same key "fixed"',
            id="transform-collision",
        ),
    ],
)
def test_rewrite_errors_are_worded_as_esos(ops: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(RewriteError) as e:
        rewrite_map(_ops(*ops), DATA)
    assert str(e.value) == message


def test_transform_execution_error_names_the_key() -> None:
    with pytest.raises(RewriteError) as e:
        rewrite_map(_ops(_transform('{{ fail "nope" }}')), {"db/key": b"secret-value"})
    text = str(e.value)
    assert text.startswith(
        "error applying rewrite to keys: failed rewrite operation[0]: transform failed with "
        'failed to execute template for key "db/key": template: transform:1:'
    )
    assert "secret-value" not in text


def test_a_hostile_regexp_target_is_capped() -> None:
    with pytest.raises(RewriteError, match="longer than"):
        rewrite_map(_ops(_regexp("k", "x" * 70_000)), {"k": b"v"})


JSON_DATA = {
    "a": b'{"x": "1", "shared": "from-a"}',
    "b": b'{"y": 2, "shared": "from-b", "n": {"k": "<"}}',
}


def _merge(**merge: Any) -> dict[str, Any]:
    return {"merge": merge}


@pytest.mark.parametrize(
    ("merge", "want"),
    [
        pytest.param(
            {"conflictPolicy": "Ignore"},
            {"x": b"1", "y": b"2", "shared": b"from-b", "n": b'{"k":"\\u003c"}'},
            id="extract-later-key-wins",
        ),
        pytest.param(
            {"conflictPolicy": "Ignore", "priority": ["a"]},
            {"x": b"1", "y": b"2", "shared": b"from-a", "n": b'{"k":"\\u003c"}'},
            id="priority-last-wins",
        ),
        pytest.param(
            {"conflictPolicy": "Ignore", "strategy": "JSON", "into": "all"},
            {
                **JSON_DATA,
                "all": b'{"n":{"k":"<"},"shared":"from-b","x":"1","y":2}',
            },
            id="json-into",
        ),
        pytest.param(
            {"conflictPolicy": "Ignore", "priority": ["zzz"], "priorityPolicy": "IgnoreNotFound"},
            {"x": b"1", "y": b"2", "shared": b"from-b", "n": b'{"k":"\\u003c"}'},
            id="ignore-not-found",
        ),
    ],
)
def test_merge_follows_esos_strategies(merge: dict[str, Any], want: dict[str, bytes]) -> None:
    assert rewrite_map(_ops(_merge(**merge)), JSON_DATA) == want


@pytest.mark.parametrize(
    ("merge", "data", "message"),
    [
        pytest.param({}, JSON_DATA, "merge failed with conflicts: shared", id="conflict"),
        pytest.param(
            {"priority": ["zzz"], "conflictPolicy": "Ignore"},
            JSON_DATA,
            'merge failed with key "zzz" not found in input map',
            id="priority-missing",
        ),
        pytest.param(
            {"strategy": "JSON"},
            {"a": b"{}"},
            "merge failed with missing 'into' field",
            id="json-no-into",
        ),
        pytest.param(
            {},
            {"a": b"[1]"},
            "merge failed with failed to unmarshal JSON: json: cannot unmarshal array into Go "
            "value of type map[string]interface {}",
            id="not-an-object",
        ),
    ],
)
def test_merge_errors(merge: dict[str, Any], data: dict[str, bytes], message: str) -> None:
    with pytest.raises(RewriteError) as e:
        rewrite_map(_ops(_merge(**merge)), data)
    assert str(e.value) == f"error applying rewrite to keys: failed rewrite operation[0]: {message}"
