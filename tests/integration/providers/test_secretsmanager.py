"""The AWS Secrets Manager provider against a moto server: values, versions, errors, auth.

Wrong credentials: moto accepts any key unless IAM authentication is on, so those tests create
an IAM user first and then call ``moto_server.enable_iam_auth()``; moto then checks signatures
and policies like AWS (unknown key → InvalidClientTokenId, wrong secret key →
SignatureDoesNotMatch, missing permission → AccessDenied).
"""

from __future__ import annotations

import pytest
from aws_helpers import (
    CRED_SECRET,
    NAMESPACE,
    FakeSecrets,
    calls,
    ref,
    store_doc,
)

from eso.metrics import Metrics
from eso.providers.aws.secretsmanager import AWSProvider
from eso.providers.base import (
    AuthError,
    ConfigError,
    NotImplementedFeatureError,
    PropertyNotFoundError,
    SecretNotFoundError,
)
from eso.providers.registry import default_registry
from eso.settings import AWSSettings
from localkube.moto import MotoSecrets, MotoServer

PERSON = {
    "name": {"first": "Tom", "last": "Anderson"},
    "age": 37,
    "friends": [{"first": "Dale"}, {"first": "Roger"}],
    "a.b": "dotted",
    "db": {"host.name": "db.local"},
}

ALL_SM = ["secretsmanager:*"]
UNKNOWN_VERSION = "00000000-0000-0000-0000-000000000000"


async def test_string_secret_is_read_as_utf8(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    await moto_secrets.create("plain", "héllo")
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    assert await client.get_secret(ref("plain")) == "héllo".encode()


async def test_binary_secret_is_read_as_bytes(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    await moto_secrets.create("blob", b"\x00\xffbinary")
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    assert await client.get_secret(ref("blob")) == b"\x00\xffbinary"


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        pytest.param("name.first", b"Tom", id="nested"),
        pytest.param("friends.1.first", b"Roger", id="array-index"),
        pytest.param("age", b"37", id="number"),
        pytest.param("a.b", b"dotted", id="literal-key-with-dot"),
        pytest.param("db.host\\.name", b"db.local", id="escaped-dot"),
        pytest.param("name", b'{"first": "Tom", "last": "Anderson"}', id="object-raw"),
    ],
)
async def test_property_paths_select_inside_json(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    prop: str,
    expected: bytes,
) -> None:
    await moto_secrets.create("person", PERSON)
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    assert await client.get_secret(ref("person", property=prop)) == expected


async def test_missing_property_is_not_a_missing_secret(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    await moto_secrets.create("person", PERSON)
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    with pytest.raises(PropertyNotFoundError, match=r"'name\.middle'"):
        await client.get_secret(ref("person", property="name.middle"))


async def test_secret_map_splits_a_json_object(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    await moto_secrets.create("person", PERSON)
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    data = await client.get_secret_map(ref("person"))
    assert data["age"] == b"37"
    assert data["a.b"] == b"dotted"
    assert data["friends"] == b'[{"first": "Dale"}, {"first": "Roger"}]'
    assert await client.get_secret_map(ref("person", property="name")) == {
        "first": b"Tom",
        "last": b"Anderson",
    }


async def test_version_stage_and_uuid_select_versions(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    await moto_secrets.create("rotating", "v1")
    v2 = await moto_secrets.put("rotating", "v2")
    await moto_secrets.put("rotating", "next", stages=["AWSPENDING"])
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    assert await client.get_secret(ref("rotating")) == b"v2"
    assert await client.get_secret(ref("rotating", version="AWSCURRENT")) == b"v2"
    assert await client.get_secret(ref("rotating", version="AWSPREVIOUS")) == b"v1"
    assert await client.get_secret(ref("rotating", version="AWSPENDING")) == b"next"
    assert await client.get_secret(ref("rotating", version=f"uuid/{v2}")) == b"v2"


async def test_unknown_version_is_secret_not_found(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    await moto_secrets.create("rotating", "v1")
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    with pytest.raises(SecretNotFoundError):
        await client.get_secret(
            ref("rotating", version="uuid/00000000-0000-0000-0000-000000000000")
        )


async def test_prefix_is_prepended_to_every_key(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    await moto_secrets.create("team-a/db", "prefixed")
    store = store_doc(prefix="team-a/")
    client = await provider.new_client(store, namespace=NAMESPACE, get_secret=k8s_secrets)
    assert await client.get_secret(ref("db")) == b"prefixed"


async def test_missing_secret_is_secret_not_found(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    with pytest.raises(SecretNotFoundError, match="'nope'"):
        await client.get_secret(ref("nope"))
    with pytest.raises(SecretNotFoundError):
        await client.get_secret(ref("nope", version="AWSPREVIOUS"))


async def test_validate_passes_with_working_credentials(
    provider: AWSProvider, moto_server: MotoServer, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    await client.validate()
    assert calls(metrics, "ListSecrets") == 1


async def test_validate_accepts_credentials_that_may_not_list(
    provider: AWSProvider,
    moto_server: MotoServer,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
) -> None:
    """AccessDenied proves the key authenticated; least-privilege read-only keys are valid."""
    key = await moto_secrets.create_user("reader", allow=["secretsmanager:GetSecretValue"])
    k8s_secrets.put(NAMESPACE, CRED_SECRET, key.access_key_id, key.secret_access_key)
    moto_server.enable_iam_auth()
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    await client.validate()


@pytest.mark.parametrize("wrong", ["access-key", "secret-key"])
async def test_wrong_credentials_fail_with_a_sanitised_auth_error(
    provider: AWSProvider,
    moto_server: MotoServer,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    wrong: str,
) -> None:
    await moto_secrets.create("app", "v")
    key = await moto_secrets.create_user("app", allow=ALL_SM)
    access_key = "AKIAWRONGWRONGWRONG1" if wrong == "access-key" else key.access_key_id
    secret_key = "wrong-secret" if wrong == "secret-key" else key.secret_access_key
    k8s_secrets.put(NAMESPACE, CRED_SECRET, access_key, secret_key)
    moto_server.enable_iam_auth()
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    for attempt in (client.validate(), client.get_secret(ref("app"))):
        with pytest.raises(AuthError) as info:
            await attempt
        message = str(info.value)
        assert access_key not in message
        assert secret_key not in message
        assert "request id" not in message.lower()
        assert "<" not in message  # no raw XML error body


async def test_access_denied_on_a_secret_is_an_auth_error(
    provider: AWSProvider,
    moto_server: MotoServer,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
) -> None:
    await moto_secrets.create("app", "v")
    key = await moto_secrets.create_user("lister", allow=["secretsmanager:ListSecrets"])
    k8s_secrets.put(NAMESPACE, CRED_SECRET, key.access_key_id, key.secret_access_key)
    moto_server.enable_iam_auth()
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    with pytest.raises(AuthError, match="AccessDenied"):
        await client.get_secret(ref("app"))


async def test_stores_with_the_same_credentials_share_one_client(
    provider: AWSProvider, moto_server: MotoServer, k8s_secrets: FakeSecrets
) -> None:
    a = await provider.new_client(store_doc(name="a"), namespace=NAMESPACE, get_secret=k8s_secrets)
    b = await provider.new_client(store_doc(name="b"), namespace=NAMESPACE, get_secret=k8s_secrets)
    again = await provider.new_client(
        store_doc(name="a"), namespace=NAMESPACE, get_secret=k8s_secrets
    )
    assert a.identity == b.identity == again.identity
    assert len(provider._pool) == 1


async def test_changed_credentials_rebuild_the_client_and_drop_cached_values(
    provider: AWSProvider,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
) -> None:
    await moto_secrets.create("app", "v1")
    store = store_doc()
    old = await provider.new_client(store, namespace=NAMESPACE, get_secret=k8s_secrets)
    assert await old.get_secret(ref("app")) == b"v1"
    k8s_secrets.put(NAMESPACE, CRED_SECRET, "AKIAROTATEDROTATED01", "rotated-secret")
    new = await provider.new_client(store, namespace=NAMESPACE, get_secret=k8s_secrets)
    assert new.identity != old.identity
    assert len(provider._pool) == 1  # the old identity's client was closed
    assert len(provider._cache) == 0  # and its values flushed
    assert await new.get_secret(ref("app")) == b"v1"
    assert calls(metrics, "BatchGetSecretValue") == 2


async def test_secret_store_may_not_read_credentials_of_another_namespace(
    provider: AWSProvider, moto_server: MotoServer, k8s_secrets: FakeSecrets
) -> None:
    k8s_secrets.put("other", CRED_SECRET, "AKIAOTHEROTHEROTHER1", "theirs")
    store = store_doc(cred_namespace="other")
    with pytest.raises(ConfigError, match="should either be empty or match the namespace"):
        provider.validate_store(store)
    with pytest.raises(ConfigError, match="should either be empty or match"):
        await provider.new_client(store, namespace=NAMESPACE, get_secret=k8s_secrets)
    assert k8s_secrets.reads == 0


async def test_cluster_store_credentials_without_namespace_are_referent(
    provider: AWSProvider, moto_server: MotoServer, k8s_secrets: FakeSecrets
) -> None:
    """ESO's referent auth: no namespace means the reading ExternalSecret's namespace."""
    store = store_doc(kind="ClusterSecretStore", namespace=None)
    provider.validate_store(store)
    unknown = await provider.new_client(store, namespace="", get_secret=k8s_secrets)
    await unknown.validate()  # no reader: nothing to prove, as ESO (validation unknown)
    assert k8s_secrets.reads == 0
    client = await provider.new_client(store, namespace=NAMESPACE, get_secret=k8s_secrets)
    await client.validate()
    assert k8s_secrets.reads > 0
    ok = store_doc(kind="ClusterSecretStore", namespace=None, cred_namespace=NAMESPACE)
    client = await provider.new_client(ok, namespace="allfunds", get_secret=k8s_secrets)
    await client.validate()


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        pytest.param({}, "cannot get Kubernetes secret 'awssm-secret'", id="no-secret"),
        pytest.param(
            {"access-key": b"AKIAFAKEFAKEFAKE0001"},
            "cannot find secret data for key 'secret-access-key'",
            id="no-key",
        ),
    ],
)
async def test_missing_credential_secret_or_key_is_a_clear_auth_error(
    provider: AWSProvider,
    moto_server: MotoServer,
    secrets: dict[str, bytes],
    message: str,
) -> None:
    getter = FakeSecrets()
    if secrets:
        getter.data[(NAMESPACE, CRED_SECRET)] = secrets
    with pytest.raises(AuthError, match=message):
        await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=getter)


async def test_without_secret_ref_the_default_credential_chain_is_used(
    provider: AWSProvider, moto_secrets: MotoSecrets
) -> None:
    await moto_secrets.create("app", "from-env-credentials")
    store = store_doc(cred_secret=None)
    client = await provider.new_client(store, namespace=NAMESPACE, get_secret=FakeSecrets())
    assert await client.get_secret(ref("app")) == b"from-env-credentials"


@pytest.mark.parametrize(
    "aws",
    [
        pytest.param({"service": "ParameterStore"}, id="parameter-store"),
    ],
)
def test_unimplemented_store_features_are_refused(aws: dict[str, object]) -> None:
    provider = AWSProvider(settings=AWSSettings(), metrics=Metrics().provider)
    with pytest.raises(NotImplementedFeatureError, match="not implemented yet"):
        provider.validate_store(store_doc(cred_secret=None, **aws))


async def test_metadata_policy_fetch_reads_tags_as_json(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    await moto_secrets.create("tagged", "value", tags={"team": "a&b", "env": "prod"})
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    fetch = {"metadata_policy": "Fetch"}
    assert await client.get_secret(ref("tagged", **fetch)) == b'{"env":"prod","team":"a\\u0026b"}'
    assert await client.get_secret(ref("tagged", property="env", **fetch)) == b"prod"
    assert await client.get_secret_map(ref("tagged", **fetch)) == {"env": b"prod", "team": b"a&b"}
    assert calls(metrics, "DescribeSecret") == 1


async def test_registry_serves_aws_stores(moto_server: MotoServer) -> None:
    registry = default_registry(settings=AWSSettings(), metrics=Metrics().provider)
    try:
        assert registry.for_store(store_doc()).name == "aws"
    finally:
        await registry.close()


async def test_role_is_assumed_with_the_store_credentials(
    provider: AWSProvider,
    moto_server: MotoServer,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
) -> None:
    """The user may only assume the role; only the role may read the secret."""
    await moto_secrets.create("app", "via-role")
    role = await moto_secrets.create_role("reader", allow=ALL_SM)
    key = await moto_secrets.create_user("assumer", allow=["sts:AssumeRole"])
    k8s_secrets.put(NAMESPACE, CRED_SECRET, key.access_key_id, key.secret_access_key)
    moto_server.enable_iam_auth()
    plain = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=k8s_secrets)
    with pytest.raises(AuthError):
        await plain.get_secret(ref("app"))
    store = store_doc(name="with-role", role=role, externalID="ext-1")
    client = await provider.new_client(store, namespace=NAMESPACE, get_secret=k8s_secrets)
    assert client.identity != plain.identity
    assert await client.get_secret(ref("app")) == b"via-role"
