"""Bytes per entry of the AWS value cache, for a few secret sizes.

Sizes ``aws.cache_max_entries``: an entry is a ``CacheKey`` (identity, secret id, version), the
fetch time and a ``SecretValue`` (name, ARN, version id, the value), in the cache's LRU map.
Each entry gets its own strings, as values decoded from separate AWS responses do (the
identity string is shared, as one reader's is). The figure is tracemalloc's net allocation
divided by the entry count.

    .venv/bin/python bench/cache_memory.py [--n 20000]
"""

from __future__ import annotations

import argparse
import gc
import json
import tracemalloc
import uuid

from eso.providers.aws.cache import CacheKey, ValueCache
from eso.providers.aws.reader import SecretValue

IDENTITY = "static|AKIAEXAMPLE000000001|us-east-1|" + "0" * 64
SIZES = (100, 1024, 4096)  # the bench's JSON value is ~100 B; Secrets Manager allows 64 KiB


def _value(i: int, size: int) -> SecretValue:
    name = f"eso-bench/app-{i:06d}"
    body = json.dumps({"username": f"user-{i}", "password": "p" * max(0, size - 40)})
    return SecretValue(
        name=name,
        arn=f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf",
        version_id=str(uuid.uuid4()),
        string=body,
    )


def measure(n: int, *, size: int) -> float:
    """Net bytes per entry of a cache holding ``n`` values of ~``size`` bytes."""
    cache: ValueCache[SecretValue] = ValueCache(ttl=3600.0, max_entries=n)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        cache.put(CacheKey(IDENTITY, f"eso-bench/app-{i:06d}", "AWSCURRENT"), _value(i, size))
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(cache) == n
    return (after - before) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    for size in SIZES:
        per_entry = measure(args.n, size=size)
        print(
            f"~{size} B values: {per_entry:,.0f} B/entry, "
            f"{per_entry * args.n / 2**20:.1f} MiB for {args.n}"
        )


if __name__ == "__main__":
    main()
