"""What ends up in the Secret: values, paths, binaries, versions, refreshes and failures."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from controller_env import Env

from eso.api import conditions as c


def _data(secret: dict[str, Any]) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


def _ref(secret_key: str, key: str, **remote: str) -> dict[str, Any]:
    return {"secretKey": secret_key, "remoteRef": {"key": key, **remote}}


@pytest.fixture
async def ns(env: Env) -> str:
    """A namespace with working credentials and a Ready SecretStore ``aws-store``."""
    name = await env.cluster.create_namespace()
    await env.credentials(name)
    await env.secret_store(name)
    await env.wait_ready("secretstores", "aws-store", name)
    return name


async def test_missing_aws_secret_reports_the_key_and_creates_no_secret(env: Env, ns: str) -> None:
    await env.external_secret(ns, "app", data=[_ref("password", "does-not-exist")])
    cond = await env.wait_ready("externalsecrets", "app", ns, status="False")
    assert cond["reason"] == c.REASON_SECRET_SYNCED_ERROR
    assert cond["message"].startswith(c.MSG_ERROR_GET_SECRET_DATA)
    assert "spec.data[0] (key: does-not-exist)" in cond["message"]
    assert 'SecretStore "aws-store"' in cond["message"]
    assert await env.get("secrets", "app", ns) is None


async def test_aws_value_change_reaches_the_secret_on_the_next_refresh(env: Env, ns: str) -> None:
    await env.aws.create("db", "v1")
    await env.external_secret(ns, "app", refresh="1s", data=[_ref("password", "db")])
    await env.wait_secret("app", ns, where=lambda s: _data(s) == {"password": b"v1"})

    await env.aws.put("db", "v2")
    secret = await env.wait_secret("app", ns, where=lambda s: _data(s) == {"password": b"v2"})
    assert secret["metadata"]["labels"][c.LABEL_MANAGED] == "true"


async def test_nested_property_paths(env: Env, ns: str) -> None:
    doc = {
        "name": {"first": "Tom", "last": "Anderson"},
        "friends": [{"first": "Dale"}, {"first": "Roger"}],
        "dotted.key": "literal",
    }
    await env.aws.create("people", doc)
    data = [
        _ref("first", "people", property="name.first"),
        _ref("friend", "people", property="friends.1.first"),
        _ref("dotted", "people", property="dotted.key"),
    ]
    await env.external_secret(ns, "app", data=data)
    secret = await env.wait_secret("app", ns)
    assert _data(secret) == {"first": b"Tom", "friend": b"Roger", "dotted": b"literal"}


async def test_binary_secret_is_copied_byte_for_byte(env: Env, ns: str) -> None:
    blob = bytes(range(256))
    await env.aws.create("blob", blob)
    await env.external_secret(ns, "app", data=[_ref("blob", "blob")])
    secret = await env.wait_secret("app", ns)
    assert _data(secret) == {"blob": blob}


async def test_version_stages_and_version_ids(env: Env, ns: str) -> None:
    await env.aws.create("versioned", "first")
    old_id = await env.aws.put("versioned", "second")
    await env.aws.put("versioned", "third")  # AWSCURRENT; "second" becomes AWSPREVIOUS
    data = [
        _ref("current", "versioned"),
        _ref("previous", "versioned", version="AWSPREVIOUS"),
        _ref("pinned", "versioned", version=f"uuid/{old_id}"),
    ]
    await env.external_secret(ns, "app", data=data)
    secret = await env.wait_secret("app", ns)
    assert _data(secret) == {"current": b"third", "previous": b"second", "pinned": b"second"}


async def test_partial_failure_is_not_synced_and_leaves_the_secret_untouched(
    env: Env, ns: str
) -> None:
    await env.aws.create("one", "1")
    await env.aws.create("two", "2")
    await env.external_secret(ns, "app", data=[_ref("a", "one"), _ref("b", "two")])
    before = await env.wait_secret("app", ns, where=lambda s: _data(s) == {"a": b"1", "b": b"2"})

    await env.aws.delete("two")
    await env.aws.put("one", "changed")
    patch = {"metadata": {"annotations": {c.ANNOTATION_FORCE_SYNC: "1"}}}
    await env.raw.patch("external-secrets.io/v1", "externalsecrets", "app", patch, namespace=ns)

    cond = await env.wait_ready("externalsecrets", "app", ns, status="False")
    assert cond["reason"] == c.REASON_SECRET_SYNCED_ERROR
    assert "spec.data[1] (key: two)" in cond["message"]
    after = await env.get("secrets", "app", ns)
    assert after is not None
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert _data(after) == {"a": b"1", "b": b"2"}


async def test_decoding_and_conversion_strategies_shape_the_secret(env: Env, ns: str) -> None:
    await env.aws.create("encoded", "aGVsbG8=")
    await env.aws.create("config", {"db/user": "YWRtaW4=", "port": "5432 tcp"})
    data = [_ref("greeting", "encoded", decodingStrategy="Base64")]
    data_from = [
        {"extract": {"key": "config", "conversionStrategy": "Unicode", "decodingStrategy": "Auto"}}
    ]
    await env.external_secret(ns, "app", data=data, data_from=data_from)
    secret = await env.wait_secret("app", ns)
    # Auto decodes what is base64 and keeps the rest as it is.
    assert _data(secret) == {"greeting": b"hello", "db_U002f_user": b"admin", "port": b"5432 tcp"}
