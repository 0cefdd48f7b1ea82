"""Views of stored objects: served version, events.k8s.io Events, PartialObjectMetadata.

Objects are stored once in the form they were written; what differs between endpoints is
only presentation. Multi-version CRDs use conversion strategy None (only ``apiVersion``
changes); events.k8s.io/v1 Events are core/v1 Events with renamed fields, which is how
kube-apiserver stores both.
"""

from __future__ import annotations

from typing import Any

from localkube.apiserver.registry import ResourceType

JSONDict = dict[str, Any]

# core/v1 field → events.k8s.io/v1 field
_EVENT_RENAMES = {
    "involvedObject": "regarding",
    "message": "note",
    "source": "deprecatedSource",
    "firstTimestamp": "deprecatedFirstTimestamp",
    "lastTimestamp": "deprecatedLastTimestamp",
    "count": "deprecatedCount",
    "reportingComponent": "reportingController",
}
_EVENT_RENAMES_BACK = {v: k for k, v in _EVENT_RENAMES.items()}
EVENTS_V1 = "events.k8s.io/v1"


def is_events_v1(rt: ResourceType) -> bool:
    return rt.group == "events.k8s.io"


def _rename(obj: JSONDict, table: dict[str, str], api_version: str) -> JSONDict:
    out = {table.get(k, k): v for k, v in obj.items()}
    out["apiVersion"] = api_version
    return out


def to_storage(rt: ResourceType, obj: JSONDict) -> JSONDict:
    """The stored form of an object written through ``rt``."""
    if is_events_v1(rt):
        return _rename(obj, _EVENT_RENAMES_BACK, "v1")
    return obj


def to_served(rt: ResourceType, obj: JSONDict) -> JSONDict:
    """The stored object as ``rt`` serves it; the input is never modified."""
    if is_events_v1(rt):
        return _rename(obj, _EVENT_RENAMES, EVENTS_V1)
    if obj.get("apiVersion") != rt.api_version:
        out = dict(obj)
        out["apiVersion"] = rt.api_version
        return out
    return obj


def partial_metadata(obj: JSONDict) -> JSONDict:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"],
    }


def view(rt: ResourceType, obj: JSONDict, *, metadata_only: bool) -> JSONDict:
    return partial_metadata(obj) if metadata_only else to_served(rt, obj)
