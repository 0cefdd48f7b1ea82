"""Protobuf request bodies for the few kinds ``kubectl create <kind>`` sends that way.

kubectl's typed commands (``create namespace|secret|configmap|serviceaccount``) encode the
object as Kubernetes protobuf (``application/vnd.kubernetes.protobuf``: the ``k8s\\0``
magic, then a ``runtime.Unknown`` wrapping the object). Decoding those four kinds into the
JSON form lets ``eso local-cluster`` take the commands people paste from ESO's docs.
``kubectl create token`` (1.32) sends its ``authentication.k8s.io/v1`` TokenRequest the same
way; ``decode_token_request`` reads its spec (audiences, expirationSeconds, boundObjectRef),
as kube-apiserver does. Anything else is 415, the answer of a server that does not take
protobuf. Field numbers are those of k8s.io/api core/v1, authentication/v1 and apimachinery
meta/v1 ``generated.proto``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

from localkube.apiserver import status as st

JSONDict = dict[str, Any]
MEDIA = "application/vnd.kubernetes.protobuf"
_MAGIC = b"k8s\x00"


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) pairs: ints for varints, bytes for length-delimited."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
            yield number, value
        elif wire == 2:
            size, i = _varint(buf, i)
            yield number, buf[i : i + size]
            i += size
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _text(value: int | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _map_entry(value: int | bytes, *, as_base64: bool) -> tuple[str, str]:
    entry = dict(_fields(value if isinstance(value, bytes) else b""))
    raw = entry.get(2, b"")
    raw = raw if isinstance(raw, bytes) else b""
    return _text(entry.get(1, b"")), base64.b64encode(raw).decode() if as_base64 else raw.decode()


def _metadata(buf: bytes) -> JSONDict:
    out: JSONDict = {}
    names = {1: "name", 2: "generateName", 3: "namespace", 6: "resourceVersion"}
    for number, value in _fields(buf):
        if number in names:
            if text := _text(value):  # gogo-proto writes empty optional strings too
                out[names[number]] = text
        elif number in (11, 12):
            key, text = _map_entry(value, as_base64=False)
            out.setdefault("labels" if number == 11 else "annotations", {})[key] = text
        elif number == 14:
            out.setdefault("finalizers", []).append(_text(value))
    return out


def _object(buf: bytes, maps: dict[int, tuple[str, bool]], scalars: dict[int, str]) -> JSONDict:
    out: JSONDict = {}
    for number, value in _fields(buf):
        if number == 1 and isinstance(value, bytes):
            out["metadata"] = _metadata(value)
        elif number in maps:
            name, as_base64 = maps[number]
            key, text = _map_entry(value, as_base64=as_base64)
            out.setdefault(name, {})[key] = text
        elif number in scalars:
            name = scalars[number]
            out[name] = bool(value) if name == "immutable" else _text(value)
    return out


_KINDS: dict[str, Callable[[bytes], JSONDict]] = {
    "Secret": lambda b: _object(
        b, {2: ("data", True), 4: ("stringData", False)}, {3: "type", 5: "immutable"}
    ),
    "ConfigMap": lambda b: _object(
        b, {2: ("data", False), 3: ("binaryData", True)}, {4: "immutable"}
    ),
    "Namespace": lambda b: _object(b, {}, {}),
    "ServiceAccount": lambda b: _object(b, {}, {}),
}


def _unwrap(raw: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, object bytes) of a ``k8s\\0`` + ``runtime.Unknown`` body."""
    if not raw.startswith(_MAGIC):
        raise st.unsupported_media_type(MEDIA)
    unknown = dict(_fields(raw[len(_MAGIC) :]))
    meta = unknown.get(1, b"")
    type_meta = dict(_fields(meta if isinstance(meta, bytes) else b""))
    payload = unknown.get(2, b"")
    return (
        _text(type_meta.get(1, b"")),
        _text(type_meta.get(2, b"")),
        payload if isinstance(payload, bytes) else b"",
    )


def decode(raw: bytes) -> JSONDict:
    """The JSON form of a protobuf-encoded Secret, ConfigMap, Namespace or ServiceAccount."""
    api_version, kind, payload = _unwrap(raw)
    if api_version != "v1" or kind not in _KINDS:
        raise st.unsupported_media_type(MEDIA)
    return {"apiVersion": api_version, "kind": kind, **_KINDS[kind](payload)}


def _bound_ref(buf: bytes) -> JSONDict:
    names = {1: "kind", 2: "apiVersion", 3: "name", 4: "uid"}
    return {names[n]: _text(v) for n, v in _fields(buf) if n in names and _text(v)}


def _token_spec(buf: bytes) -> JSONDict:
    spec: JSONDict = {}
    for number, value in _fields(buf):
        if number == 1:
            spec.setdefault("audiences", []).append(_text(value))
        elif number == 4 and isinstance(value, int):
            spec["expirationSeconds"] = value
        elif number == 3 and isinstance(value, bytes) and (ref := _bound_ref(value)):
            spec["boundObjectRef"] = ref
    return spec


def decode_token_request(raw: bytes) -> JSONDict:
    """The JSON form of a protobuf ``authentication.k8s.io/v1`` TokenRequest (its spec)."""
    api_version, kind, payload = _unwrap(raw)
    if (api_version, kind) != ("authentication.k8s.io/v1", "TokenRequest"):
        raise st.unsupported_media_type(MEDIA)
    out: JSONDict = {"apiVersion": api_version, "kind": kind, "spec": {}}
    for number, value in _fields(payload):
        if number == 2 and isinstance(value, bytes):
            out["spec"] = _token_spec(value)
    return out
