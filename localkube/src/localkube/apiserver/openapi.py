"""OpenAPI v3 documents, just enough for kubectl.

kubectl 1.32 reads ``/openapi/v3`` to decide (a) whether the server validates fields itself
(a ``fieldValidation`` query parameter on the kind's PATCH operation — if so it sends
``fieldValidation=Strict`` instead of validating client-side) and (b) whether a kind takes
strategic merge patches (the PATCH request body media types). ``kubectl explain`` and
``describe`` use the component schemas: custom resources get their openAPIV3Schema,
built-ins an open object schema. ``/openapi/v2`` is a valid Swagger 2.0 document with no
definitions: kubectl fetches it (as protobuf) only to validate a kind that v3 does not list,
i.e. one with no CRD, finds no schema, skips client-side validation and then reports what a
real server's answer leads to: ``no matches for kind ... ensure CRDs are installed first``
(a 404 here instead made kubectl fail with "error validating data"). PATCH bodies do not list
strategic merge patch, because
kubectl would then compute it from these (property-less) schemas; without it, kubectl falls
back to its compiled-in types for built-ins, which yields the same patch a real server gets.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from localkube.apiserver.discovery import EMULATED_VERSION
from localkube.apiserver.registry import Registry, ResourceType

JSONDict = dict[str, Any]
_MERGE_TYPES = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
]


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _gvk(rt: ResourceType) -> list[JSONDict]:
    return [{"group": rt.group, "version": rt.version, "kind": rt.kind}]


def _schema_name(rt: ResourceType) -> str:
    prefix = ".".join(reversed(rt.group.split("."))) if rt.group else "io.k8s.api.core"
    return f"{prefix}.{rt.version}.{rt.kind}"


def _schema(rt: ResourceType) -> JSONDict:
    base: JSONDict = dict(rt.schema) if rt.schema else {"type": "object"}
    props = dict(base.get("properties") or {})
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    props["metadata"] = {"type": "object"}
    base["properties"] = props
    if not rt.schema:
        base["x-kubernetes-preserve-unknown-fields"] = True
    base["x-kubernetes-group-version-kind"] = _gvk(rt)
    return base


def _operations(rt: ResourceType) -> JSONDict:
    ref = {"$ref": f"#/components/schemas/{_schema_name(rt)}"}
    media = _MERGE_TYPES
    validation = {
        "name": "fieldValidation",
        "in": "query",
        "schema": {"type": "string"},
        "uniqueItems": True,
    }
    ok = {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}
    gvk = {"x-kubernetes-group-version-kind": _gvk(rt)[0]}
    return {
        "get": {"operationId": f"read{rt.kind}", "responses": ok, **gvk},
        "put": {
            "operationId": f"replace{rt.kind}",
            "parameters": [validation],
            "responses": ok,
            **gvk,
        },
        "patch": {
            "operationId": f"patch{rt.kind}",
            "parameters": [validation],
            "requestBody": {"content": {m: {"schema": {"type": "object"}} for m in media}},
            "responses": ok,
            **gvk,
        },
        "delete": {"operationId": f"delete{rt.kind}", "responses": ok, **gvk},
    }


def _item_path(rt: ResourceType) -> str:
    ns = "/namespaces/{namespace}" if rt.namespaced else ""
    return f"/{_gv_path(rt.group, rt.version)}{ns}/{rt.plural}/{{name}}"


def group_version_doc(registry: Registry, group: str, version: str) -> JSONDict | None:
    types = registry.in_group_version(group, version)
    if not types:
        return None
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": EMULATED_VERSION},
        "paths": {_item_path(rt): _operations(rt) for rt in types},
        "components": {"schemas": {_schema_name(rt): _schema(rt) for rt in types}},
    }


# kube-openapi's handler accepts the "@" form clients send and answers with the dotted one
V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
V2_DOCUMENT: JSONDict = {
    "swagger": "2.0",
    "info": {"title": "Kubernetes", "version": EMULATED_VERSION},
    "paths": {},
    "definitions": {},
}


def v2_protobuf() -> bytes:
    """``V2_DOCUMENT`` as gnostic's ``openapi_v2.Document``, what client-go's discovery reads.

    Fields used: Document.swagger (1), .info (2: Info.title 1, Info.version 2), .paths (8),
    .definitions (9); empty messages are sent as empty, which proto3 decodes as present.
    """

    def field(number: int, payload: bytes) -> bytes:  # wire type 2: length-delimited
        return _varint_bytes(number << 3 | 2) + _varint_bytes(len(payload)) + payload

    info = V2_DOCUMENT["info"]
    return (
        field(1, V2_DOCUMENT["swagger"].encode())
        + field(2, field(1, info["title"].encode()) + field(2, info["version"].encode()))
        + field(8, b"")
        + field(9, b"")
    )


def _varint_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def doc_hash(doc: JSONDict) -> str:
    return hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32].upper()


def root(registry: Registry) -> JSONDict:
    paths = {}
    for group, versions in registry.groups().items():
        for version in versions:
            doc = group_version_doc(registry, group, version)
            if doc is None:
                continue
            path = _gv_path(group, version)
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={doc_hash(doc)}"}
    return {"paths": paths}
