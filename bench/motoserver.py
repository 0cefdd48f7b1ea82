"""moto for the benchmark: ``localkube.moto``'s server with O(1) secret lookups by name.

moto keeps Secrets Manager secrets in a dict keyed by name but looks every id up by scanning
all of them (``SecretsStore.__getitem__``/``__contains__``/``get`` iterate ``values()`` to
also match ARNs). At 10k secrets each ``GetSecretValue`` then costs ~10k comparisons, several
times over, and a ``BatchGetSecretValue`` 20 times that: the benchmark would measure moto's
lookups instead of eso, and creating 10k secrets would be quadratic. The scan also races with
concurrent creates in the threaded server ("dictionary changed size during iteration" → 500).

Real AWS looks a secret up in constant time, so here a plain name (anything not starting with
``arn:``) is looked up directly in the dict, which gives exactly the scan's answer for names;
ARNs keep moto's own path. Everything else is ``localkube.moto`` unchanged.

``--seed N`` creates the workload's AWS secrets 0..N-1 in moto's backend before serving: one
``CreateSecret`` over HTTP costs the threaded server a few ms, so 100k of them were minutes of
setup; in-process they take seconds (the secrets are the same, read back over HTTP as before).

    python -m bench.motoserver --port 5000 [--seed 10000]
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.secretsmanager.models import SecretsStore, secretsmanager_backends

from localkube import moto as eso_moto

_scan_getitem = SecretsStore.__getitem__
_scan_contains = SecretsStore.__contains__
_scan_get = SecretsStore.get


def _is_name(key: object) -> bool:
    return isinstance(key, str) and not key.startswith("arn:")


def _getitem(self: SecretsStore, key: str) -> Any:
    if _is_name(key):
        return dict.__getitem__(self, key)
    return _scan_getitem(self, key)


def _contains(self: SecretsStore, key: str) -> bool:
    if _is_name(key):
        return dict.__contains__(self, key)
    return _scan_contains(self, key)


def _get(self: SecretsStore, key: str) -> Any:
    if _is_name(key):
        return dict.get(self, key)
    return _scan_get(self, key)


def index_secret_lookups() -> None:
    """Make moto's name lookups constant time (idempotent; this process only)."""
    SecretsStore.__getitem__ = _getitem  # type: ignore[method-assign]
    SecretsStore.__contains__ = _contains  # type: ignore[method-assign]
    SecretsStore.get = _get  # type: ignore[method-assign]


def seed(count: int) -> None:
    """Create the workload's AWS secrets ``0..count-1`` directly in moto's backend."""
    from bench.workload import aws_secret_name, aws_secret_value

    backend = secretsmanager_backends[DEFAULT_ACCOUNT_ID][eso_moto.REGION]
    for i in range(count):
        backend.create_secret(
            name=aws_secret_name(i),
            secret_string=json.dumps(aws_secret_value(i)),
            secret_binary=None,
            description=None,
            tags=None,
            kms_key_id=None,
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )


if __name__ == "__main__":
    index_secret_lookups()
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--seed", type=int, default=0)
    known, rest = parser.parse_known_args()
    seed(known.seed)
    eso_moto.main(rest)
