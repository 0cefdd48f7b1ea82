"""Bytes per cached object in the informer cache, at 10k ExternalSecret-sized objects.

Objects are ~1 KB of JSON each (a typical ExternalSecret: labels, annotations, a few data
refs, status with conditions) plus managedFields, which the default transform drops. They are
decoded the two ways an informer sees them — one big List response, and one watch event per
object (no key sharing between decodes) — transformed, and stored in a ``Cache`` with two
indexes, through the informer's default transform (drop managedFields and kubectl's
last-applied annotation); the cache stores each as a marshal blob. The figure is
tracemalloc's net allocation divided by the object count.

    .venv/bin/python bench/informer_memory.py [--n 10000]
"""

from __future__ import annotations

import argparse
import gc
import json
import tracemalloc
from collections.abc import Callable
from typing import Any

from eso.kube.cache import Cache
from eso.kube.informer import default_transform, drop_managed_fields


def external_secret(i: int) -> dict[str, Any]:
    name = f"app-{i:05d}-database-credentials"
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {
            "name": name,
            "namespace": f"team-{i % 50:02d}",
            "uid": f"5f0c7a7e-1b2c-4d5e-8f90-{i:012d}",
            "resourceVersion": str(100000 + i),
            "generation": 1,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app.kubernetes.io/name": f"app-{i:05d}", "team": f"team-{i % 50:02d}"},
            "annotations": {"owner": "platform@example.com"},
            "managedFields": [
                {
                    "manager": "kubectl",
                    "operation": "Apply",
                    "apiVersion": "external-secrets.io/v1",
                    "time": "2026-01-01T00:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:spec": {"f:data": {}, "f:refreshInterval": {}}},
                }
            ],
        },
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"name": "aws-secretsmanager", "kind": "ClusterSecretStore"},
            "target": {"name": name, "creationPolicy": "Owner"},
            "data": [
                {
                    "secretKey": key,
                    "remoteRef": {"key": f"prod/app-{i:05d}/db", "property": key},
                }
                for key in ("username", "password", "host")
            ],
        },
        "status": {
            "refreshTime": "2026-01-01T00:00:05Z",
            "syncedResourceVersion": f"1-{i:032x}",
            "binding": {"name": name},
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "SecretSynced",
                    "message": "secret synced",
                    "lastTransitionTime": "2026-01-01T00:00:05Z",
                }
            ],
        },
    }


def indexers() -> dict[str, Callable[[dict[str, Any]], list[str]]]:
    return {
        "store": lambda o: [o["spec"]["secretStoreRef"]["name"]],
        "target": lambda o: [f"{o['metadata']['namespace']}/{o['spec']['target']['name']}"],
    }


def measure(n: int, *, mode: str) -> tuple[float, int]:
    """Net bytes per object retained by the cache, and the mean JSON size without managedFields."""
    docs = [json.dumps(external_secret(i)).encode() for i in range(n)]
    sizes = []
    for d in docs[:100]:
        o = drop_managed_fields(json.loads(d))
        sizes.append(len(json.dumps(o, separators=(",", ":"))))
    listing = b'{"items":[' + b",".join(docs) + b"]}" if mode == "list" else b""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    cache = Cache(indexers=indexers())
    if mode == "list":
        page = json.loads(listing)
        items = [default_transform(o) for o in page.pop("items")]
        cache.replace(items)
        del items, page
    else:
        for d in docs:
            cache.upsert(default_transform(json.loads(d)))
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(cache) == n
    return (after - before) / n, sum(sizes) // len(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    for mode in ("list", "watch"):
        per_obj, json_size = measure(args.n, mode=mode)
        print(
            f"{mode:5s}: {args.n} objects of ~{json_size} B JSON -> "
            f"{per_obj:,.0f} B/object, {per_obj * args.n / 2**20:.1f} MiB total"
        )


if __name__ == "__main__":
    main()
