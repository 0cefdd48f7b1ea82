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

    python -m bench.motoserver --port 5000
"""

from __future__ import annotations

from typing import Any

from moto.secretsmanager.models import SecretsStore

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


if __name__ == "__main__":
    index_secret_lookups()
    eso_moto.main()
