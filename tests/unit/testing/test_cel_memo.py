"""A remembered pass never hides a failure: the memo keys on everything a rule reads."""

from __future__ import annotations

from typing import Any

import pytest

from localkube.apiserver.cel import check_rules
from localkube.apiserver.cel_memo import reads


def schema(*rules: str) -> dict[str, Any]:
    return {
        "type": "object",
        "x-kubernetes-validations": [{"rule": r} for r in rules],
        "properties": {
            "name": {"type": "string"},
            "items": {"type": "array", "items": {"type": "string"}},
            "target": {
                "type": "object",
                "properties": {"policy": {"type": "string"}, "name": {"type": "string"}},
            },
        },
    }


def fails(obj: dict[str, Any], node: dict[str, Any]) -> bool:
    return bool(check_rules(obj, node))


def test_rules_read_only_what_they_name() -> None:
    assert reads("has(self.data) && size(self.data) > 0") == (
        (("data",), "has"),
        (("data",), "size"),
    )
    assert reads("self.target.policy == 'Delete'") == ((("target", "policy"), "value"),)
    assert reads("self.matches('^[0-9]+s$')") == (((), "value"),)
    assert reads("self.items.all(i, i != '')") == ((("items",), "value"),)


def test_a_pass_is_reused_only_for_the_same_reading() -> None:
    node = schema("!has(self.target) || self.target.policy != 'Delete'")
    for i in range(3):  # other names, same policy: one evaluation, three passes
        assert not fails({"name": f"n{i}", "target": {"policy": "Owner", "name": f"t{i}"}}, node)
    assert fails({"name": "x", "target": {"policy": "Delete"}}, node)
    assert not fails({"name": "y"}, node)


def test_sizes_and_whole_values_are_told_apart() -> None:
    node = schema("size(self.items) < 2", "self.name.startsWith('ok')")
    assert not fails({"name": "ok-1", "items": ["a"]}, node)
    assert fails({"name": "ok-2", "items": ["a", "b"]}, node)
    assert fails({"name": "bad", "items": ["a"]}, node)


@pytest.mark.parametrize(
    ("obj", "failing"),
    [({"target": {"policy": "x"}}, False), ({"target": {}}, True), ({}, True)],
)
def test_a_missing_step_is_not_confused_with_a_present_one(
    obj: dict[str, Any], failing: bool
) -> None:
    node = schema("self.target.policy == 'x'")
    assert not fails({"target": {"policy": "x"}}, node)  # remembered first
    assert fails(obj, node) is failing
