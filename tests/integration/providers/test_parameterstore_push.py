"""PushSecret's writes to Parameter Store against moto: type, KMS key, tier, tags, overwrite
rules and ESO's ownership rule."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aws_helpers import NAMESPACE, FakeSecrets, ref, store_doc

from eso.api.pushsecret import PushSecretData, PushSecretRemoteRef
from eso.metrics import Metrics
from eso.providers.aws.parameterstore import ParameterStoreProvider
from eso.providers.aws.ssmwriter import PROVIDER_LABEL
from eso.providers.base import ConfigError, NotManagedError, SecretsWriter
from eso.settings import AWSSettings
from localkube.moto import MotoParameters, MotoSecrets, MotoServer

META = {"apiVersion": "kubernetes.external-secrets.io/v1alpha1", "kind": "PushSecretMetadata"}


@pytest.fixture
async def ps(
    moto_server: MotoServer, aws_settings: AWSSettings, metrics: Metrics
) -> AsyncIterator[ParameterStoreProvider]:
    p = ParameterStoreProvider(settings=aws_settings, metrics=metrics.provider)
    yield p
    await p.close()


@pytest.fixture
def ssm(moto_secrets: MotoSecrets) -> MotoSecrets:
    return moto_secrets


def entry(remote: str, key: str = "password", **meta: Any) -> PushSecretData:
    doc: dict[str, Any] = {"match": {"secretKey": key, "remoteRef": {"remoteKey": remote}}}
    if meta:
        doc["metadata"] = {**META, "spec": meta}
    return PushSecretData.model_validate(doc)


async def writer(ps: ParameterStoreProvider, k8s_secrets: FakeSecrets) -> Any:
    store = store_doc(service="ParameterStore")
    client = await ps.new_client(store, namespace=NAMESPACE, get_secret=k8s_secrets)
    assert isinstance(client, SecretsWriter)
    return client


async def parameter(moto: MotoSecrets, name: str) -> dict[str, Any]:
    async with moto.client("ssm") as c:
        resp = await c.get_parameter(Name=name, WithDecryption=True)
        described = await c.describe_parameters(
            ParameterFilters=[{"Key": "Name", "Values": [name]}]
        )
        tags = await c.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)
    out: dict[str, Any] = dict(resp["Parameter"])
    out["Meta"] = described["Parameters"][0]
    out["Tags"] = {t["Key"]: t["Value"] for t in tags["TagList"]}
    return out


def calls(metrics: Metrics, call: str) -> int:
    labels = {"provider": PROVIDER_LABEL, "call": call, "status": "success"}
    value = metrics.registry.get_sample_value("externalsecret_provider_api_calls_count", labels)
    return int(value or 0)


async def test_first_push_creates_a_managed_string_parameter(
    ps: ParameterStoreProvider, ssm: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(ps, k8s_secrets)
    await w.push_secret({"password": b"v1"}, entry("/app/db"))
    got = await parameter(ssm, "/app/db")
    assert (got["Value"], got["Type"]) == ("v1", "String")
    assert got["Tags"] == {"managed-by": "external-secrets"}
    assert got["Meta"]["Description"] == "secret 'managed-by:external-secrets'"


async def test_secure_string_with_kms_key_tier_and_tags(
    ps: ParameterStoreProvider, ssm: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(ps, k8s_secrets)
    meta = {
        "secretType": "SecureString",
        "kmsKeyID": "alias/app",
        "tier": {"type": "Advanced"},
        "tags": {"team": "a"},
    }
    await w.push_secret({"password": b"s3cr3t"}, entry("/app/secure", **meta))
    got = await parameter(ssm, "/app/secure")
    assert (got["Value"], got["Type"]) == ("s3cr3t", "SecureString")
    assert got["Meta"]["KeyId"] == "alias/app"
    assert got["Meta"]["Tier"] == "Advanced"
    assert got["Tags"] == {"team": "a", "managed-by": "external-secrets"}


async def test_same_value_writes_nothing_and_a_new_one_overwrites_and_retags(
    ps: ParameterStoreProvider, ssm: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    w = await writer(ps, k8s_secrets)
    await w.push_secret({"password": b"v1"}, entry("/app/rot", tags={"team": "a", "x": "y"}))
    await w.push_secret({"password": b"v1"}, entry("/app/rot", tags={"team": "a", "x": "y"}))
    assert calls(metrics, "PutParameter") == 1
    await w.push_secret({"password": b"v2"}, entry("/app/rot", tags={"team": "b"}))
    got = await parameter(ssm, "/app/rot")
    assert (got["Value"], got["Version"]) == ("v2", 2)
    assert got["Tags"] == {"team": "b", "managed-by": "external-secrets"}


async def test_a_parameter_eso_did_not_create_is_neither_overwritten_nor_deleted(
    ps: ParameterStoreProvider,
    moto_parameters: MotoParameters,
    ssm: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
) -> None:
    await moto_parameters.put("/theirs", "original", tags={"team": "payments"})
    w = await writer(ps, k8s_secrets)
    with pytest.raises(NotManagedError, match="not managed by external-secrets"):
        await w.push_secret({"password": b"mine"}, entry("/theirs"))
    await w.delete_secret(PushSecretRemoteRef(remote_key="/theirs"))
    assert (await parameter(ssm, "/theirs"))["Value"] == "original"
    assert calls(metrics, "PutParameter") == calls(metrics, "DeleteParameter") == 0


async def test_whole_secret_is_json_base64_unless_encode_as_decoded(
    ps: ParameterStoreProvider, ssm: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(ps, k8s_secrets)
    await w.push_secret({"a": b"1"}, entry("/app/raw", key=""))
    await w.push_secret({"a": b"1"}, entry("/app/plain", key="", encodeAsDecoded=True))
    assert json.loads((await parameter(ssm, "/app/raw"))["Value"]) == {"a": "MQ=="}
    assert json.loads((await parameter(ssm, "/app/plain"))["Value"]) == {"a": "1"}


async def test_delete_removes_a_managed_parameter(
    ps: ParameterStoreProvider, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(ps, k8s_secrets)
    await w.push_secret({"password": b"v"}, entry("/app/gone"))
    await w.delete_secret(PushSecretRemoteRef(remote_key="/app/gone"))
    assert not await w.secret_exists(PushSecretRemoteRef(remote_key="/app/gone"))
    await w.delete_secret(PushSecretRemoteRef(remote_key="/app/gone"))  # idempotent


async def test_a_managed_by_tag_in_metadata_is_refused(
    ps: ParameterStoreProvider, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(ps, k8s_secrets)
    with pytest.raises(ConfigError, match="Cannot specify a 'managed-by' tag"):
        await w.push_secret({"password": b"v"}, entry("/app/bad", tags={"managed-by": "x"}))


async def test_a_push_is_seen_by_the_next_read_despite_the_value_cache(
    ps: ParameterStoreProvider, k8s_secrets: FakeSecrets
) -> None:
    w = await writer(ps, k8s_secrets)
    await w.push_secret({"password": b"old"}, entry("/app/shared"))
    assert await w.get_secret(ref("/app/shared")) == b"old"
    await w.push_secret({"password": b"new"}, entry("/app/shared"))
    assert await w.get_secret(ref("/app/shared")) == b"new"
