"""Key conversion (ESO's ReverseUnicode) and label selectors as API query strings."""

from __future__ import annotations

import pytest

from eso.api.meta import LabelSelector
from eso.controllers.pushsecret.errors import PushFailedError
from eso.controllers.pushsecret.keys import reverse_keys, selector_string


def test_reverse_unicode_restores_the_characters_an_external_secret_escaped() -> None:
    got = reverse_keys("ReverseUnicode", {"a_U0040_b": b"1", "x_U1F600_": b"2", "plain": b"3"})
    assert got == {"a@b": b"1", "x\U0001f600": b"2", "plain": b"3"}


def test_none_leaves_keys_as_they_are() -> None:
    assert reverse_keys("None", {"a_U0040_b": b"1"}) == {"a_U0040_b": b"1"}


def test_two_keys_converting_to_one_name_are_an_error() -> None:
    with pytest.raises(PushFailedError, match="collision"):
        reverse_keys("ReverseUnicode", {"a_U0040_": b"1", "a@": b"2"})


def test_selector_string_renders_every_operator() -> None:
    selector = LabelSelector.model_validate(
        {
            "matchLabels": {"b": "2", "a": "1"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "dev"]},
                {"key": "tier", "operator": "NotIn", "values": ["x"]},
                {"key": "has", "operator": "Exists"},
                {"key": "not", "operator": "DoesNotExist"},
            ],
        }
    )
    assert selector_string(selector) == "a=1,b=2,env in (dev,prod),tier notin (x),has,!not"
