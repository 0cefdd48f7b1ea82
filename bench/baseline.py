"""The raw baseline: the same AWS and Kubernetes calls as a sync, with no controller around them.

Per ExternalSecret: one ``GetSecretValue`` of its AWS secret, one Secret create, one status
patch of the ExternalSecret: the minimum I/O a sync needs. ``concurrency`` workers pull indices
from one iterator (the controller's ``--concurrent``), AWS clients are one per credential
identity with a pool as large as the concurrency, and the Kubernetes side is one aiohttp
session. There is no informer, workqueue, cache, metrics or logging, so
``baseline time / controller time`` is how much of the achievable throughput the controller
keeps (its "efficiency"). It can exceed 1 when the controller batches AWS reads, which the
baseline deliberately does not: it is the naive loop an operator would write.

It runs after the controller has been stopped, against the same servers and objects; it
writes Secrets under other names (``baseline-<name>``) so nothing of the controller's is touched
except the ExternalSecrets' status, which nothing reads afterwards.
"""

from __future__ import annotations

import base64
import json
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

from aiobotocore.session import get_session
from botocore.config import Config as BotoConfig

from bench.workload import ES_API, Workload, access_key_id, aws_secret_name, bounded
from localkube.moto import REGION
from localkube.rawclient import RawClient


def _secret_data(i: int, value: dict[str, Any]) -> dict[str, str]:
    if i % 2 == 0:
        pairs = {k: str(v) for k, v in value.items()}
    else:
        pairs = {"username": str(value["username"]), "password": str(value["password"])}
    return {k: base64.b64encode(v.encode()).decode() for k, v in pairs.items()}


def _status(now: str) -> dict[str, Any]:
    ready = {
        "type": "Ready",
        "status": "True",
        "reason": "SecretSynced",
        "message": "secret synced",
        "lastTransitionTime": now,
    }
    return {"status": {"refreshTime": now, "conditions": [ready]}}


async def run_baseline(
    client: RawClient, *, moto_url: str, w: Workload, concurrency: int
) -> dict[str, float]:
    """Sync ExternalSecrets ``0..n-1`` by hand; seconds taken and syncs per second."""
    async with AsyncExitStack() as stack:
        config = BotoConfig(max_pool_connections=concurrency, retries={"max_attempts": 3})
        clients = [
            await stack.enter_async_context(
                get_session().create_client(
                    "secretsmanager",
                    region_name=REGION,
                    endpoint_url=moto_url,
                    aws_access_key_id=access_key_id(k),
                    aws_secret_access_key=f"bench-secret-{k}",
                    config=config,
                )
            )
            for k in range(w.stores)
        ]

        async def sync(i: int) -> None:
            resp = await clients[i % w.stores].get_secret_value(SecretId=aws_secret_name(i))
            data = _secret_data(i, json.loads(resp["SecretString"]))
            ns, name = w.namespace(i), f"es-{i}"
            secret = {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "Opaque",
                "data": data,
                "metadata": {"name": f"baseline-{name}", "namespace": ns},
            }
            await client.create("v1", "secrets", secret, namespace=ns)
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            await client.patch(
                ES_API, "externalsecrets", name, _status(now), namespace=ns, subresource="status"
            )

        def call(i: int) -> Any:
            return lambda: sync(i)

        start = time.monotonic()
        await bounded((call(i) for i in range(w.n)), limit=concurrency)
        elapsed = time.monotonic() - start
    return {"seconds": elapsed, "syncs_per_second": w.n / elapsed if elapsed else 0.0}
