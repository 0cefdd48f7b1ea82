"""Per-kind write semantics ("strategies"): what the server sets, keeps and rejects.

These functions are pure: they take the incoming object (already a private copy) and the
stored one, and return what should be stored, raising ``ApiError`` for what kube-apiserver
rejects. Schema work for custom resources lives in ``custom.py``; here are the rules every
kind shares (metadata, generation, preconditions) and the built-in specifics (Secret data,
Namespace phase and finalizers).
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import uuid
from datetime import datetime
from typing import Any

from localkube.apiserver import status as st
from localkube.apiserver.metadata import finalizer_causes, immutable_causes, label_causes
from localkube.apiserver.registry import ResourceType
from localkube.apiserver.status import Cause

JSONDict = dict[str, Any]

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_CONFIG_KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)
# Server-owned metadata a client cannot change by update or patch.
_SERVER_METADATA = (
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "selfLink",
)
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
NAMESPACE_FINALIZER = "kubernetes"
MAX_SECRET_SIZE = 1024 * 1024  # core.MaxSecretSize: bytes of Secret data, summed over values


def timestamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def invalid(rt: ResourceType, name: str, causes: list[Cause]) -> st.ApiError:
    return st.invalid(kind=rt.kind, group=rt.group, name=name, causes=causes)


def _bad_value(value: Any) -> str:
    return f'Invalid value: "{value}"' if isinstance(value, str) else f"Invalid value: {value}"


def field_invalid(path: str, value: Any, detail: str) -> Cause:
    return Cause("FieldValueInvalid", f"{_bad_value(value)}: {detail}", path)


def validate_name(rt: ResourceType, name: str) -> list[Cause]:
    if rt.plural == "namespaces":
        ok, msg, limit = bool(_LABEL.match(name)), _LABEL_MSG, 63
    elif rt.plural == "events":
        return []  # events use path-segment names (anything without "/" or "%")
    else:
        ok, msg, limit = bool(_SUBDOMAIN.match(name)), _SUBDOMAIN_MSG, 253
    causes = [] if ok else [field_invalid("metadata.name", name, msg)]
    if len(name) > limit:
        causes.append(
            Cause(
                "FieldValueTooLong",
                f"Too long: may not be more than {limit} bytes",
                "metadata.name",
            )
        )
    return causes


def check_identity(rt: ResourceType, obj: JSONDict, *, namespace: str, name: str | None) -> None:
    """400 when the body's kind, namespace or name contradicts the URL, as the real server."""
    if not isinstance(obj, dict) or not isinstance(obj.get("metadata", {}), dict):
        raise st.bad_request("the body of the request was not a JSON object")
    kind = obj.get("kind") or rt.kind
    if kind != rt.kind:
        raise st.bad_request(
            f"the API version in the data ({obj.get('apiVersion')}) does not match the expected "
            f"API version ({rt.api_version})"
            if obj.get("apiVersion") not in (None, rt.api_version)
            else f'{kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
            f'no kind "{kind}" is registered for version "{rt.api_version}"'
        )
    md = obj.setdefault("metadata", {})
    if rt.namespaced:
        if md.get("namespace") and md["namespace"] != namespace:
            raise st.bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )
        md["namespace"] = namespace
    else:
        md.pop("namespace", None)
    if name is not None and md.get("name") and md["name"] != name:
        raise st.bad_request(
            f"the name of the object ({md['name']}) does not match the name on the URL ({name})"
        )
    if name is not None:
        md["name"] = name
    obj["apiVersion"] = rt.api_version
    obj["kind"] = rt.kind
    md.pop("managedFields", None)


def prepare_create(rt: ResourceType, obj: JSONDict, *, now: datetime) -> JSONDict:
    """Fill server-owned metadata on a new object and apply kind defaults; 422 if invalid."""
    md = obj["metadata"]
    if not md.get("name"):
        if not md.get("generateName"):
            raise invalid(
                rt,
                "",
                [
                    Cause(
                        "FieldValueRequired",
                        "Required value: name or generateName is required",
                        "metadata.name",
                    )
                ],
            )
        md["name"] = md["generateName"] + "".join(
            secrets.choice(_GENERATE_ALPHABET) for _ in range(5)
        )
    for k in (*_SERVER_METADATA, "resourceVersion"):
        md.pop(k, None)
    md["uid"] = str(uuid.uuid4())
    md["creationTimestamp"] = timestamp(now)
    if rt.custom or rt.has_generation:
        md["generation"] = 1
    causes = validate_name(rt, md["name"]) + label_causes(obj)
    causes += _kind_create(rt, obj)
    if causes:
        raise invalid(rt, md["name"], causes)
    return obj


def _kind_create(rt: ResourceType, obj: JSONDict) -> list[Cause]:
    if rt.group == "" and rt.plural == "secrets":
        return prepare_secret(obj)
    if rt.group == "" and rt.plural == "namespaces":
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"][
            "name"
        ]
        obj["spec"] = {"finalizers": [NAMESPACE_FINALIZER]}
        obj["status"] = {"phase": "Active"}
    if rt.group == "" and rt.plural == "pods":
        obj.setdefault("status", {}).setdefault("phase", "Pending")
    if rt.storage == ("", "events"):
        return event_causes(obj)
    return []


def event_causes(obj: JSONDict) -> list[Cause]:
    """legacyValidateEvent's namespace rule: an Event lives in its involved object's namespace.

    An Event about a cluster-scoped object goes in ``default`` (or, with ``eventTime`` set,
    ``kube-system``); kube-apiserver refuses the rest on create and update alike.
    """
    involved = (obj.get("involvedObject") or {}).get("namespace") or ""
    namespace = obj["metadata"].get("namespace") or ""
    if involved:
        ok = namespace == involved
    elif obj.get("eventTime"):
        ok = namespace in ("default", "kube-system")
    else:
        ok = namespace in ("", "default")
    if ok:
        return []
    return [field_invalid("involvedObject.namespace", involved, "does not match event.namespace")]


def prepare_secret(obj: JSONDict) -> list[Cause]:
    """Merge ``stringData`` into ``data``, default ``type``; causes for bad keys or size.

    Invalid base64 is a decoding failure on the real server (400), not a field error.
    """
    data = obj.get("data") or {}
    if isinstance(data, dict):
        data = dict(data)  # may be shared with the stored object after a patch
    else:
        raise st.bad_request('Secret in version "v1" cannot be handled as a Secret: data')
    for value in data.values():
        _check_base64(value)
    string_data = obj.pop("stringData", None) or {}
    for key, value in string_data.items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    causes = [
        field_invalid(f"data[{key}]", key, _CONFIG_KEY_MSG)
        for key in data
        if not _CONFIG_KEY.match(key)
    ]
    # ValidateSecret: the decoded values may total at most MaxSecretSize (keys not counted).
    if sum(len(base64.b64decode(v)) for v in data.values()) > MAX_SECRET_SIZE:
        causes.append(
            Cause(
                "FieldValueTooLong",
                f"Too long: may not be more than {MAX_SECRET_SIZE} bytes",
                "data",
            )
        )
    if data:
        obj["data"] = data
    else:
        obj.pop("data", None)
    obj["type"] = obj.get("type") or "Opaque"
    return causes


def _check_base64(value: Any) -> None:
    if not isinstance(value, str):
        raise st.bad_request(
            'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal '
            f"{type(value).__name__} into Go struct field Secret.data of type []uint8"
        )
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        bad = next(
            (i for i, c in enumerate(value) if not (c.isalnum() or c in "+/=")), len(value) // 4 * 4
        )
        raise st.bad_request(
            'Secret in version "v1" cannot be handled as a Secret: '
            f"illegal base64 data at input byte {bad}"
        ) from None


def check_precondition(rt: ResourceType, new: JSONDict, old: JSONDict) -> None:
    """409 on a stale resourceVersion; 422 when a kind needs one and none was sent."""
    sent = new["metadata"].get("resourceVersion")
    if sent:
        if sent != old["metadata"]["resourceVersion"]:
            raise st.conflict(
                plural=rt.plural, group=rt.group, name=old["metadata"]["name"], why=st.MODIFIED
            )
        return
    if not rt.unconditional_update:
        raise invalid(
            rt,
            old["metadata"]["name"],
            [field_invalid("metadata.resourceVersion", 0, "must be specified for an update")],
        )


def _spec_part(obj: JSONDict, *, with_status: bool) -> JSONDict:
    skip = {"metadata", "apiVersion", "kind"} | (set() if with_status else {"status"})
    return {k: v for k, v in obj.items() if k not in skip}


def prepare_update(
    rt: ResourceType, new: JSONDict, old: JSONDict, *, subresource: str | None
) -> JSONDict:
    """Carry server-owned state over from ``old``; apply status-subresource rules."""
    if subresource == "status":
        new = _status_only(rt, new, old)
    elif subresource == "finalize":
        finalizers = (new.get("spec") or {}).get("finalizers") or []
        new = {**old, "metadata": dict(old["metadata"]), "spec": {"finalizers": finalizers}}
    elif rt.plural == "namespaces" and rt.group == "":
        new["spec"], new["status"] = old.get("spec", {}), old.get("status", {})
    elif rt.has_status:
        new["status"] = old.get("status")
        if new["status"] is None:
            del new["status"]
    md, old_md = new["metadata"], old["metadata"]
    for k in _SERVER_METADATA:
        if k in old_md:
            md[k] = old_md[k]
        else:
            md.pop(k, None)
    if "generation" in old_md:
        with_status = not rt.has_status
        if _spec_part(new, with_status=with_status) != _spec_part(old, with_status=with_status):
            md["generation"] = old_md["generation"] + 1
    causes = _kind_update(rt, new, old)
    if causes:
        raise invalid(rt, md["name"], causes)
    return new


def _status_only(rt: ResourceType, new: JSONDict, old: JSONDict) -> JSONDict:
    """A /status write changes status only (metadata precondition aside)."""
    out = {k: v for k, v in old.items() if k != "status"}
    out["metadata"] = dict(old["metadata"])
    out["metadata"]["resourceVersion"] = new["metadata"].get("resourceVersion")
    if "status" in new:
        out["status"] = new["status"]
    return out


def _kind_update(rt: ResourceType, new: JSONDict, old: JSONDict) -> list[Cause]:
    causes = label_causes(new) + finalizer_causes(new, old)
    if rt.group == "" and rt.plural == "secrets":
        causes += prepare_secret(new)
        if new.get("type") != old.get("type"):
            causes.append(field_invalid("type", new.get("type"), "field is immutable"))
    if rt.group == "" and rt.plural in ("secrets", "configmaps"):
        causes += immutable_causes(new, old)
    if rt.storage == ("", "events"):
        causes += event_causes(new)
    return causes
