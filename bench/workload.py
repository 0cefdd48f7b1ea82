"""The benchmark's objects: CRDs, namespaces, stores, AWS secrets and ExternalSecrets.

The workload is deterministic in its shape so runs compare: ExternalSecret ``i`` lives in
namespace ``i % namespaces``, uses ClusterSecretStore ``i % stores`` and reads AWS secret ``i``
(a JSON document with four keys); even ``i`` use ``dataFrom.extract`` (every key), odd ``i``
use two ``data[]`` entries with a ``property`` each (two reads of the same secret, which the
controller's single flight must turn into one). Each store has its own credentials, so the
controller sees ``stores`` distinct credential identities, as in a multi-team cluster.

Creation runs with bounded concurrency through one connection pool; it is setup, not measured.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiobotocore.session import get_session
from botocore.config import Config as BotoConfig

from localkube.moto import REGION
from localkube.rawclient import ApiStatusError, RawClient

ES_API = "external-secrets.io/v1"
CRD_API = "apiextensions.k8s.io/v1"
CRD_DIR = Path(__file__).resolve().parent.parent / "manifests" / "crds"
BENCH_LABEL = "eso-bench"
CREATE_CONCURRENCY = 32
CRD_TIMEOUT = 60.0


@dataclass(frozen=True)
class Workload:
    """The shape of the objects; ``refresh_interval`` is a Go duration."""

    n: int
    stores: int
    namespaces: int
    refresh_interval: str
    # names of everything start with it, so variants of one run never share objects
    prefix: str = "eso-bench"

    def namespace(self, i: int) -> str:
        return f"{self.prefix}-{i % self.namespaces}"

    def store(self, i: int) -> str:
        return f"{self.prefix}-{i % self.stores}"

    @property
    def system_namespace(self) -> str:
        """Where the stores' credential Secrets live."""
        return f"{self.prefix}-system"

    def all_namespaces(self) -> list[str]:
        return [self.system_namespace] + [f"{self.prefix}-{j}" for j in range(self.namespaces)]


def aws_secret_name(i: int) -> str:
    return f"eso-bench/app-{i}"


def aws_secret_value(i: int) -> dict[str, str]:
    return {
        "username": f"user-{i}",
        "password": secrets.token_urlsafe(18),
        "host": f"db-{i % 50}.internal.example",
        "port": "5432",
    }


def external_secret(w: Workload, i: int, *, prefix: str = "es") -> dict[str, Any]:
    """ExternalSecret number ``i`` (reading AWS secret ``i``)."""
    name = f"{prefix}-{i}"
    spec: dict[str, Any] = {
        "refreshInterval": w.refresh_interval,
        "secretStoreRef": {"kind": "ClusterSecretStore", "name": w.store(i)},
        "target": {"name": name},
    }
    key = aws_secret_name(i)
    if i % 2 == 0:
        spec["dataFrom"] = [{"extract": {"key": key}}]
    else:
        spec["data"] = [
            {"secretKey": "username", "remoteRef": {"key": key, "property": "username"}},
            {"secretKey": "password", "remoteRef": {"key": key, "property": "password"}},
        ]
    return {
        "apiVersion": ES_API,
        "kind": "ExternalSecret",
        "metadata": {"name": name, "namespace": w.namespace(i), "labels": {BENCH_LABEL: "true"}},
        "spec": spec,
    }


def access_key_id(k: int) -> str:
    """A distinct, AWS-shaped (20 characters) fake access key per store."""
    return f"AKIABENCH{k:011d}"


def cluster_store(w: Workload, k: int) -> dict[str, Any]:
    def ref(key: str) -> dict[str, str]:
        return {"name": f"aws-creds-{k}", "namespace": w.system_namespace, "key": key}

    auth = {
        "secretRef": {
            "accessKeyIDSecretRef": ref("access-key"),
            "secretAccessKeySecretRef": ref("secret-access-key"),
        }
    }
    return {
        "apiVersion": ES_API,
        "kind": "ClusterSecretStore",
        "metadata": {"name": w.store(k), "labels": {BENCH_LABEL: "true"}},
        "spec": {
            "provider": {"aws": {"service": "SecretsManager", "region": REGION, "auth": auth}}
        },
    }


def credentials_secret(w: Workload, k: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": f"aws-creds-{k}", "namespace": w.system_namespace},
        "type": "Opaque",
        "stringData": {"access-key": access_key_id(k), "secret-access-key": f"bench-secret-{k}"},
    }


def namespace(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {BENCH_LABEL: "true"}},
    }


async def bounded(
    calls: Iterable[Callable[[], Awaitable[object]]], *, limit: int = CREATE_CONCURRENCY
) -> None:
    """Run the calls with at most ``limit`` in flight; the first error cancels the rest."""
    it = iter(calls)

    async def worker() -> None:
        for call in it:
            await call()

    async with asyncio.TaskGroup() as tg:
        for _ in range(limit):
            tg.create_task(worker())


async def create_ignoring_exists(
    client: RawClient, api: str, plural: str, body: dict[str, Any], *, namespace: str | None = None
) -> dict[str, Any] | None:
    try:
        return await client.create(api, plural, body, namespace=namespace)
    except ApiStatusError as e:
        if e.status != 409:
            raise
        return None


async def install_crds(client: RawClient) -> None:
    """Create (or keep) eso's CRDs and wait until each is served."""
    import yaml

    for path in sorted(CRD_DIR.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        await create_ignoring_exists(client, CRD_API, "customresourcedefinitions", crd)
        spec = crd["spec"]
        await _wait_served(
            client, f"{spec['group']}/{spec['versions'][0]['name']}", spec["names"]["plural"]
        )


async def _wait_served(client: RawClient, api: str, plural: str) -> None:
    deadline = time.monotonic() + CRD_TIMEOUT
    while time.monotonic() < deadline:
        try:
            await client.list(api, plural, limit=1)
            return
        except ApiStatusError as e:
            if e.status != 404:
                raise
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{plural}.{api} not served after {CRD_TIMEOUT:.0f} s")


async def create_cluster_objects(client: RawClient, w: Workload) -> None:
    """Namespaces, credential Secrets and ClusterSecretStores (not the ExternalSecrets)."""
    await install_crds(client)
    for name in w.all_namespaces():
        await create_ignoring_exists(client, "v1", "namespaces", namespace(name))
    for k in range(w.stores):
        await create_ignoring_exists(
            client, "v1", "secrets", credentials_secret(w, k), namespace=w.system_namespace
        )
        await create_ignoring_exists(client, ES_API, "clustersecretstores", cluster_store(w, k))


async def create_aws_secrets(moto_url: str, indices: Iterable[int]) -> None:
    """Create AWS secret ``i`` for every index, through moto's HTTP API."""
    config = BotoConfig(max_pool_connections=CREATE_CONCURRENCY, retries={"max_attempts": 5})
    async with get_session().create_client(
        "secretsmanager",
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id=access_key_id(0),
        aws_secret_access_key="bench-secret-0",
        config=config,
    ) as sm:

        def call(i: int) -> Callable[[], Awaitable[object]]:
            return lambda: sm.create_secret(
                Name=aws_secret_name(i), SecretString=json.dumps(aws_secret_value(i))
            )

        await bounded(call(i) for i in indices)


async def create_external_secret(client: RawClient, body: dict[str, Any]) -> float:
    """Create one ExternalSecret; the monotonic time the API server answered."""
    await client.create(ES_API, "externalsecrets", body, namespace=body["metadata"]["namespace"])
    return time.monotonic()


async def create_external_secrets(
    client: RawClient, w: Workload, indices: Iterable[int], *, prefix: str = "es"
) -> dict[str, float]:
    """Create ExternalSecrets; ``namespace/name`` → monotonic time each was created."""
    created: dict[str, float] = {}

    def call(i: int) -> Callable[[], Awaitable[object]]:
        async def run() -> None:
            body = external_secret(w, i, prefix=prefix)
            key = f"{body['metadata']['namespace']}/{body['metadata']['name']}"
            created[key] = await create_external_secret(client, body)

        return run

    await bounded(call(i) for i in indices)
    return created


async def delete_bench_namespaces(client: RawClient, w: Workload) -> None:
    """Best-effort cleanup on a real cluster (the local control plane is simply stopped)."""
    for name in w.all_namespaces():
        try:
            await client.delete("v1", "namespaces", name)
        except ApiStatusError as e:
            if e.status != 404:
                raise
    for k in range(w.stores):
        try:
            await client.delete(ES_API, "clustersecretstores", w.store(k))
        except ApiStatusError as e:
            if e.status != 404:
                raise
