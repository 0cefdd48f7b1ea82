"""``dataTo`` expansion without a cluster: which keys become which entries for which store,
bundles, rewrites, conflicts with ``data``, and the errors an edit must fix."""

from __future__ import annotations

from typing import Any

import pytest

from eso.api.pushsecret import PushSecret
from eso.api.secretstore import AnyStore, ClusterSecretStore, SecretStore
from eso.controllers.pushsecret.datato import (
    plan_for_store,
    validate_selectors,
    validate_store_refs,
)
from eso.controllers.pushsecret.errors import PushFailedError

DATA = {"DB_HOST": b"h", "DB_USER": b"u", "API_TOKEN": b"t"}


def ps(data_to: list[dict[str, Any]], data: list[dict[str, Any]] | None = None) -> PushSecret:
    return PushSecret.model_validate(
        {
            "metadata": {"name": "push", "namespace": "team"},
            "spec": {
                "secretStoreRefs": [
                    {"name": "aws"},
                    {"kind": "ClusterSecretStore", "labelSelector": {"matchLabels": {"t": "x"}}},
                ],
                "selector": {"secret": {"name": "src"}},
                "data": data or [],
                "dataTo": data_to,
            },
        }
    )


def store(
    name: str = "aws", *, cluster: bool = False, labels: dict[str, str] | None = None
) -> AnyStore:
    meta = {"name": name, **({} if cluster else {"namespace": "team"}), "labels": labels or {}}
    model = ClusterSecretStore if cluster else SecretStore
    return model.model_validate({"metadata": meta})


def plan(rules: list[dict[str, Any]], **kw: Any) -> dict[str, str]:
    """Remote key → source key of the entries for store ``aws``."""
    entries = plan_for_store(ps(rules, **kw), store(), DATA).entries
    return {e.remote_key: e.secret_key for e in entries}


def test_per_key_mode_pushes_each_matching_key_under_its_rewritten_name() -> None:
    rule = {
        "storeRef": {"name": "aws"},
        "match": {"regexp": "^DB_"},
        "rewrite": [{"regexp": {"source": "^DB_(.*)$", "target": "app/db/$1"}}],
    }
    assert plan([rule]) == {"app/db/HOST": "DB_HOST", "app/db/USER": "DB_USER"}


def test_bundle_mode_pushes_only_the_matched_keys_as_one_secret() -> None:
    rule = {"storeRef": {"name": "aws"}, "remoteKey": "app/bundle", "match": {"regexp": "^DB_"}}
    result = plan_for_store(ps([rule]), store(), DATA)
    [entry] = result.entries
    assert (entry.remote_key, entry.secret_key) == ("app/bundle", "")
    assert result.data_for(entry, DATA) == {"DB_HOST": b"h", "DB_USER": b"u"}


def test_rules_apply_only_to_the_stores_they_name_or_select() -> None:
    named = {"storeRef": {"name": "aws"}, "remoteKey": "named"}
    selected = {
        "storeRef": {"kind": "ClusterSecretStore", "labelSelector": {"matchLabels": {"t": "x"}}},
        "remoteKey": "selected",
    }
    spec = ps([named, selected])
    cluster = store("shared", cluster=True, labels={"t": "x"})
    assert [e.remote_key for e in plan_for_store(spec, store(), DATA).entries] == ["named"]
    assert [e.remote_key for e in plan_for_store(spec, cluster, DATA).entries] == ["selected"]
    validate_selectors(spec, [store(), cluster])
    with pytest.raises(PushFailedError, match=r"dataTo\[1\]: labelSelector does not match"):
        validate_selectors(spec, [store()])


def test_an_explicit_data_entry_replaces_the_rules_entry_for_its_key() -> None:
    rule = {"storeRef": {"name": "aws"}}
    explicit = [{"match": {"secretKey": "API_TOKEN", "remoteRef": {"remoteKey": "tok"}}}]
    assert plan([rule], data=explicit) == {
        "DB_HOST": "DB_HOST",
        "DB_USER": "DB_USER",
        "tok": "API_TOKEN",
    }


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        pytest.param(
            [
                {
                    "storeRef": {"name": "aws"},
                    "remoteKey": "x",
                    "rewrite": [{"transform": {"template": "a"}}],
                }
            ],
            "remoteKey and rewrite are mutually exclusive",
            id="bundle-rewrite",
        ),
        pytest.param(
            [{"storeRef": {"name": "aws"}, "remoteKey": "same"}] * 2,
            r'dataTo\[1\]: duplicate remote key "same"',
            id="duplicate",
        ),
        pytest.param(
            [{"storeRef": {"name": "aws"}, "match": {"regexp": "("}}],
            "failed to compile regexp pattern",
            id="regexp",
        ),
        pytest.param(
            [{"storeRef": {"name": "aws"}, "rewrite": [{"transform": {"template": "one"}}]}],
            "rewrite failed",
            id="collision",
        ),
    ],
)
def test_a_rule_that_cannot_be_expanded_is_refused(
    rules: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(PushFailedError, match=message) as caught:
        plan(rules)
    assert caught.value.retry is False


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        pytest.param({}, "storeRef must have name or labelSelector", id="empty"),
        pytest.param(
            {"name": "other"}, 'storeRef "other" not found in secretStoreRefs', id="unknown"
        ),
    ],
)
def test_store_refs_must_name_a_listed_store(ref: dict[str, Any], message: str) -> None:
    with pytest.raises(PushFailedError, match=message):
        validate_store_refs(ps([{"storeRef": ref}]))
