"""Typed views of the raw Kubernetes payloads eso reads, and the one Secret data codec.

Watched objects stay plain dicts as the API server sends them (camelCase; cheap to hold by the
ten thousand); these ``TypedDict``s only tell mypy and the reader which keys a function relies
on. ``total=False`` throughout: the API server omits empty fields, so every read is a ``get``.

``Secret.data`` is base64 on the wire and ``bytes`` in eso: ``encode_data`` / ``decode_data``
are the only places that convert, for managed Secrets and credential Secrets alike.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TypedDict


class OwnerReference(TypedDict, total=False):
    apiVersion: str
    kind: str
    name: str
    uid: str
    controller: bool
    blockOwnerDeletion: bool


class ObjectMeta(TypedDict, total=False):
    name: str
    namespace: str
    uid: str
    resourceVersion: str
    generation: int
    labels: dict[str, str]
    annotations: dict[str, str]
    ownerReferences: list[OwnerReference]
    finalizers: list[str]
    deletionTimestamp: str


class Condition(TypedDict, total=False):
    type: str
    status: str
    reason: str
    message: str
    lastTransitionTime: str


class Secret(TypedDict, total=False):
    apiVersion: str
    kind: str
    metadata: ObjectMeta
    type: str
    data: dict[str, str]
    immutable: bool


def encode_data(data: Mapping[str, bytes]) -> dict[str, str]:
    """Values as the API server wants them in ``Secret.data``."""
    return {k: base64.b64encode(v).decode("ascii") for k, v in data.items()}


def decode_data(data: Mapping[str, str] | None) -> dict[str, bytes]:
    """``Secret.data`` back to bytes; ``None`` (no data) is an empty map."""
    return {k: base64.b64decode(v) for k, v in (data or {}).items()}
