"""Object keys: ``namespace/name`` (or ``name`` for cluster-scoped objects), one type for all.

Informer caches, workqueues and indexes all key objects the way client-go's
``MetaNamespaceKeyFunc`` does. ``ObjectKey`` is a ``NewType`` over ``str`` (as cheap as a
string in a 10k-entry cache) so mypy catches a bare name or a hand-built string passed where a
key is expected; every key is made by ``make_key`` or ``object_key`` and taken apart by
``split_key``, never by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NewType

ObjectKey = NewType("ObjectKey", str)


def make_key(namespace: str | None, name: str) -> ObjectKey:
    """``namespace/name``, or ``name`` when ``namespace`` is empty or None."""
    return ObjectKey(f"{namespace}/{name}" if namespace else name)


def object_key(obj: Mapping[str, Any]) -> ObjectKey:
    """The key of a raw object (client-go's key func); ValueError without metadata."""
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        raise ValueError("object has no metadata")
    return make_key(meta.get("namespace"), str(meta.get("name", "")))


def split_key(key: str) -> tuple[str | None, str]:
    """Inverse of ``make_key``: ``(namespace or None, name)``."""
    namespace, sep, name = key.partition("/")
    return (namespace, name) if sep else (None, namespace)
