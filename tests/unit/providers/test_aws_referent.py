"""Referent authentication: a ClusterSecretStore's credentials from the reader's namespace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from eso.api.credentialrefs import (
    ERR_CLUSTER_NEEDS_NAMESPACE,
    CredentialRefError,
    credential_namespace,
)
from eso.api.secretstore import ClusterSecretStore
from eso.metrics import Metrics
from eso.providers.aws.secretsmanager import AWSProvider, ReferentStoreClient
from eso.providers.base import ConfigError
from eso.providers.registry import default_registry
from eso.settings import AWSSettings

CSS = "ClusterSecretStore"


@pytest.mark.parametrize(
    ("kind", "ref", "reader", "expected"),
    [
        pytest.param(CSS, "creds", "team", "creds", id="cluster-named-wins"),
        pytest.param(CSS, None, "team", "team", id="cluster-referent"),
        pytest.param("SecretStore", None, "team", "own", id="namespaced-own"),
        pytest.param("SecretStore", "own", "team", "own", id="namespaced-repeated"),
    ],
)
def test_credential_namespace_rules(kind: str, ref: str | None, reader: str, expected: str) -> None:
    got = credential_namespace(
        store_kind=kind, store_namespace="own", ref_namespace=ref, reader_namespace=reader
    )
    assert got == expected


def test_referent_reference_without_a_reader_names_nothing() -> None:
    with pytest.raises(CredentialRefError, match=ERR_CLUSTER_NEEDS_NAMESPACE):
        credential_namespace(store_kind=CSS, store_namespace=None, ref_namespace=None)


def referent_store(name: str = "shared") -> ClusterSecretStore:
    ref = {"name": "aws-creds"}
    auth = {
        "secretRef": {
            "accessKeyIDSecretRef": {**ref, "key": "id"},
            "secretAccessKeySecretRef": {**ref, "key": "key"},
        }
    }
    aws = {"service": "SecretsManager", "region": "eu-west-1", "auth": auth}
    return ClusterSecretStore.model_validate(
        {"kind": CSS, "metadata": {"name": name}, "spec": {"provider": {"aws": aws}}}
    )


def keys_by_namespace(keys: Mapping[str, str]) -> Any:
    async def get(namespace: str, name: str) -> Mapping[str, bytes] | None:
        assert name == "aws-creds"
        if namespace not in keys:
            return None
        return {"id": f"AKIA{keys[namespace]}".encode(), "key": keys[namespace].encode()}

    return get


async def test_referent_store_validates_without_a_call_and_cannot_read() -> None:
    """ESO: validation of a referent store is "unknown", reported as a valid store."""
    provider = AWSProvider(settings=AWSSettings(), metrics=Metrics().provider)
    store = referent_store()
    provider.validate_store(store)  # no namespace is fine statically (referent)
    client = await provider.new_client(store, namespace="", get_secret=keys_by_namespace({}))
    assert isinstance(client, ReferentStoreClient)
    await client.validate()
    with pytest.raises(ConfigError, match=ERR_CLUSTER_NEEDS_NAMESPACE):
        await client.get_secret(None)  # type: ignore[arg-type]
    await provider.close()


async def test_namespaces_with_different_keys_get_different_identities() -> None:
    provider = AWSProvider(settings=AWSSettings(), metrics=Metrics().provider)
    get = keys_by_namespace(
        {"a": "KEYAAAAAAAAAAAAA", "b": "KEYBBBBBBBBBBBBB", "c": "KEYAAAAAAAAAAAAA"}
    )
    store = referent_store()
    try:
        a = await provider.new_client(store, namespace="a", get_secret=get)
        b = await provider.new_client(store, namespace="b", get_secret=get)
        c = await provider.new_client(store, namespace="c", get_secret=get)
        again = await provider.new_client(store, namespace="a", get_secret=get)
        identity = {n: x.identity for n, x in (("a", a), ("b", b), ("c", c))}
        assert identity["a"] != identity["b"]  # different credentials: nothing shared
        assert identity["a"] == identity["c"]  # the same principal may share
        assert again.identity == identity["a"]
        assert len(provider._pool) == 2  # alternating readers did not retire each other
    finally:
        await provider.close()


async def test_missing_credentials_in_the_reading_namespace_are_reported_there() -> None:
    provider = AWSProvider(settings=AWSSettings(), metrics=Metrics().provider)
    with pytest.raises(
        Exception, match="cannot get Kubernetes secret 'aws-creds' from namespace 'z'"
    ):
        await provider.new_client(referent_store(), namespace="z", get_secret=keys_by_namespace({}))
    await provider.close()


async def test_deleting_a_referent_store_releases_every_reading_namespace() -> None:
    registry = default_registry(settings=AWSSettings(), metrics=Metrics().provider)
    store = referent_store()
    provider = registry.for_store(store)
    get = keys_by_namespace({"a": "KEYAAAAAAAAAAAAA", "b": "KEYBBBBBBBBBBBBB"})
    try:
        for ns in ("a", "b"):
            await provider.new_client(store, namespace=ns, get_secret=get)
        pool = provider.secrets_manager._pool  # type: ignore[attr-defined]
        assert len(pool) == 2
        await registry.forget_store(kind=CSS, namespace=None, name="shared")
        assert len(pool) == 0
    finally:
        await registry.close()
