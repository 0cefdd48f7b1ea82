"""PushSecret's writes to Secrets Manager against moto: create, versions, merge, tags, deletion,
and ESO's ownership rule (a secret without ``managed-by: external-secrets`` is never touched)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_helpers import NAMESPACE, FakeSecrets, calls, ref, store_doc

from eso.api.pushsecret import PushSecretData, PushSecretRemoteRef
from eso.metrics import Metrics
from eso.providers.aws.secretsmanager import AWSProvider
from eso.providers.base import ConfigError, NotManagedError, SecretsWriter
from localkube.moto import MotoSecrets

META = {"apiVersion": "kubernetes.external-secrets.io/v1alpha1", "kind": "PushSecretMetadata"}


def entry(remote: str, key: str = "password", prop: str = "", **meta: Any) -> PushSecretData:
    doc: dict[str, Any] = {
        "match": {"secretKey": key, "remoteRef": {"remoteKey": remote, "property": prop}}
    }
    if meta:
        doc["metadata"] = {**META, "spec": meta}
    return PushSecretData.model_validate(doc)


async def writer(provider: AWSProvider, k8s_secrets: FakeSecrets, **aws: Any) -> SecretsWriter:
    store = store_doc(**aws)
    client = await provider.new_client(store, namespace=NAMESPACE, get_secret=k8s_secrets)
    assert isinstance(client, SecretsWriter)
    return client


async def describe(moto: MotoSecrets, name: str) -> dict[str, Any]:
    async with moto.client() as sm:
        resp: dict[str, Any] = await sm.describe_secret(SecretId=name)
    return resp


async def value(moto: MotoSecrets, name: str) -> dict[str, Any]:
    async with moto.client() as sm:
        resp: dict[str, Any] = await sm.get_secret_value(SecretId=name)
    return resp


def tags(described: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in described.get("Tags") or []}


async def test_first_push_creates_a_managed_binary_secret(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"password": b"s3cr3t"}, entry("app/db"))
    described = await describe(moto_secrets, "app/db")
    assert tags(described) == {"managed-by": "external-secrets"}
    assert described["Description"] == "secret 'managed-by:external-secrets'"
    got = await value(moto_secrets, "app/db")
    assert got["SecretBinary"] == b"s3cr3t"
    assert got["VersionId"] == "00000000-0000-0000-0000-000000000001"
    assert calls(metrics, "CreateSecret") == 1


async def test_pushing_the_same_value_again_writes_no_version(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"password": b"v1"}, entry("app/db"))
    await w.push_secret({"password": b"v1"}, entry("app/db"))
    assert calls(metrics, "PutSecretValue") == 0
    await w.push_secret({"password": b"v2"}, entry("app/db"))
    assert calls(metrics, "PutSecretValue") == 1
    assert (await value(moto_secrets, "app/db"))["SecretBinary"] == b"v2"
    assert len((await describe(moto_secrets, "app/db"))["VersionIdsToStages"]) == 2


async def test_a_secret_eso_did_not_create_is_never_overwritten(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    await moto_secrets.create("theirs", "original", tags={"team": "payments"})
    w = await writer(provider, k8s_secrets)
    with pytest.raises(NotManagedError, match="not managed by external-secrets"):
        await w.push_secret({"password": b"mine"}, entry("theirs"))
    assert (await value(moto_secrets, "theirs"))["SecretString"] == "original"
    assert calls(metrics, "PutSecretValue") == calls(metrics, "TagResource") == 0


async def test_a_secret_eso_did_not_create_is_never_deleted(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    await moto_secrets.create("theirs", "original")
    w = await writer(provider, k8s_secrets)
    await w.delete_secret(PushSecretRemoteRef(remote_key="theirs"))
    assert "DeletedDate" not in await describe(moto_secrets, "theirs")
    assert calls(metrics, "DeleteSecret") == 0


async def test_property_merges_into_the_json_document(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"user": b"admin"}, entry("app/cfg", "user", "db.user"))
    await w.push_secret({"password": b"pw"}, entry("app/cfg", "password", "db.password"))
    got = json.loads((await value(moto_secrets, "app/cfg"))["SecretBinary"])
    assert got == {"db": {"user": "admin", "password": "pw"}}


async def test_property_into_a_non_json_secret_fails_and_keeps_the_value(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"password": b"plain text"}, entry("app/raw"))
    with pytest.raises(ConfigError, match="requires a json secret"):
        await w.push_secret({"password": b"x"}, entry("app/raw", prop="field"))
    assert (await value(moto_secrets, "app/raw"))["SecretBinary"] == b"plain text"


async def test_whole_secret_is_pushed_as_json_without_a_key(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"b": b"2", "a": b"1"}, entry("app/all", key=""))
    assert (await value(moto_secrets, "app/all"))["SecretBinary"] == b'{"a":"1","b":"2"}'


async def test_metadata_sets_string_format_description_and_tags_then_updates_tags(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    w = await writer(provider, k8s_secrets)
    first = entry(
        "app/meta", secretPushFormat="string", description="db", tags={"team": "a", "x": "1"}
    )
    await w.push_secret({"password": b"v"}, first)
    described = await describe(moto_secrets, "app/meta")
    assert described["Description"] == "db"
    assert tags(described) == {"team": "a", "x": "1", "managed-by": "external-secrets"}
    assert (await value(moto_secrets, "app/meta"))["SecretString"] == "v"

    await w.push_secret({"password": b"v"}, entry("app/meta", tags={"team": "b"}))
    assert tags(await describe(moto_secrets, "app/meta")) == {
        "team": "b",
        "managed-by": "external-secrets",
    }
    assert calls(metrics, "UntagResource") == calls(metrics, "TagResource") == 1


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        pytest.param({"tags": {"managed-by": "me"}}, "Cannot specify a 'managed-by' tag", id="tag"),
        pytest.param({"secretPushFormat": "yaml"}, "invalid secret push format", id="format"),
        pytest.param({"surprise": True}, "failed to parse metadata", id="unknown-field"),
    ],
)
async def test_bad_metadata_is_refused_before_any_call(
    provider: AWSProvider,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    meta: dict[str, Any],
    message: str,
) -> None:
    w = await writer(provider, k8s_secrets)
    with pytest.raises(ConfigError, match=message):
        await w.push_secret({"password": b"v"}, entry("app/bad", **meta))
    assert calls(metrics, "DescribeSecret") == 0


async def test_deletion_uses_the_stores_recovery_window(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(provider, k8s_secrets, secretsManager={"recoveryWindowInDays": 7})
    await w.push_secret({"password": b"v"}, entry("app/old"))
    await w.delete_secret(PushSecretRemoteRef(remote_key="app/old"))
    assert "DeletedDate" in await describe(moto_secrets, "app/old")
    await w.delete_secret(PushSecretRemoteRef(remote_key="app/old"))  # idempotent


async def test_forced_deletion_removes_the_secret_at_once(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(provider, k8s_secrets, secretsManager={"forceDeleteWithoutRecovery": True})
    await w.push_secret({"password": b"v"}, entry("app/gone"))
    await w.delete_secret(PushSecretRemoteRef(remote_key="app/gone"))
    assert not await w.secret_exists(PushSecretRemoteRef(remote_key="app/gone"))


async def test_an_invalid_recovery_window_is_refused_before_anything_is_deleted(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"password": b"v"}, entry("app/keep"))
    with pytest.raises(ConfigError, match="between 7 and 30"):
        await writer(provider, k8s_secrets, secretsManager={"recoveryWindowInDays": 3})
    assert "DeletedDate" not in await describe(moto_secrets, "app/keep")


async def test_a_push_is_seen_by_the_next_read_despite_the_value_cache(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"password": b"old"}, entry("app/shared"))
    reader = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    assert await reader.get_secret(ref("app/shared")) == b"old"
    await w.push_secret({"password": b"new"}, entry("app/shared"))
    assert await reader.get_secret(ref("app/shared")) == b"new"


async def test_prefix_applies_to_pushed_names(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(provider, k8s_secrets, prefix="team-a/")
    await w.push_secret({"password": b"v"}, entry("db"))
    assert await w.secret_exists(PushSecretRemoteRef(remote_key="db"))
    assert (await value(moto_secrets, "team-a/db"))["SecretBinary"] == b"v"
