"""PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge patch.

Strategic merge patch is implemented with merge-patch semantics plus the directives kubectl
and controllers send (``$patch: replace|delete``, ``$retainKeys``, ``$setElementOrder``,
``$deleteFromPrimitiveList``) and merge keys for the built-in lists that have them
(finalizers, ownerReferences, conditions, containers, env, volumes). Lists without a known
merge key are replaced, as the real server does for atomic lists. Custom resources refuse it
with 415, as kube-apiserver does (their merge keys would come from Go struct tags they lack);
``check_patch_type`` answers that before the body is read or the object looked up.
"""

from __future__ import annotations

import copy
from typing import Any

from localkube.apiserver import status as st

JSONDict = dict[str, Any]

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"

# What kube-apiserver's PATCH handlers accept, in the order its 415 message lists them
# (apply-patch+cbor only with the CBORServingAndStorage feature gate, off by default).
BUILT_IN_PATCH_TYPES = (JSON_PATCH, MERGE, STRATEGIC, APPLY)
CUSTOM_PATCH_TYPES = (JSON_PATCH, MERGE, APPLY)

# list field name → merge key ("" = set of primitives, merged as a union)
_MERGE_KEYS = {
    "finalizers": "",
    "ownerReferences": "uid",
    "conditions": "type",
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "imagePullSecrets": "name",
}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "delete":
        return None
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    out = dict(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            out[field] = [v for v in out.get(field) or [] if v not in value]
            continue
        if value is None:
            out.pop(key, None)
        elif isinstance(value, list) and key in _MERGE_KEYS:
            out[key] = _merge_list(out.get(key) or [], value, _MERGE_KEYS[key])
        else:
            merged = strategic_merge_patch(out.get(key), value)
            if merged is None:
                out.pop(key, None)
            else:
                out[key] = merged
    if isinstance(retain, list):
        out = {k: v for k, v in out.items() if k in retain}
    return out


def _merge_list(current: list[Any], patch: list[Any], key: str) -> list[Any]:
    if not key:
        return [*current, *(v for v in patch if v not in current)]
    if any(isinstance(p, dict) and p.get("$patch") == "replace" for p in patch):
        return [copy.deepcopy(p) for p in patch if not (isinstance(p, dict) and "$patch" in p)]
    out = list(current)
    for item in patch:
        if not isinstance(item, dict):
            continue
        idx = next((i for i, c in enumerate(out) if c.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                del out[idx]
        elif idx is None:
            out.append(copy.deepcopy(item))
        else:
            out[idx] = strategic_merge_patch(out[idx], item)
    return out


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _patch_error(f"JSON pointer must start with '/': {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _patch_error(message: str) -> st.ApiError:
    return st.ApiError(422, "Invalid", message)


def _parent(doc: Any, parts: list[str]) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, list):
            try:
                node = node[int(part)]
            except (ValueError, IndexError):
                raise _patch_error(f"doc is missing path: {part}") from None
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise _patch_error(f"doc is missing path: {'/'.join(parts)}: missing value")
    return node, parts[-1]


def _get(doc: Any, path: str) -> Any:
    node = doc
    for part in _pointer(path):
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, ValueError, IndexError, TypeError):
            raise _patch_error(f"doc is missing path: {path}") from None
    return node


def _remove(doc: Any, path: str) -> Any:
    parent, last = _parent(doc, _pointer(path))
    try:
        if isinstance(parent, list):
            return parent.pop(int(last))
        return parent.pop(last)
    except (KeyError, ValueError, IndexError):
        raise _patch_error(f"doc is missing path: {path}: missing value") from None


def _add(doc: Any, path: str, value: Any, *, replace: bool) -> Any:
    parts = _pointer(path)
    if not parts:
        return copy.deepcopy(value)
    parent, last = _parent(doc, parts)
    if isinstance(parent, list):
        if replace:
            parent[int(last)] = copy.deepcopy(value)
        else:
            index = len(parent) if last == "-" else int(last)
            if index > len(parent):
                raise _patch_error(f"doc is missing path: {path}")
            parent.insert(index, copy.deepcopy(value))
    elif isinstance(parent, dict):
        if replace and last not in parent:
            raise _patch_error(f"doc is missing key: {path}: missing value")
        parent[last] = copy.deepcopy(value)
    else:
        raise _patch_error(f"doc is missing path: {path}")
    return doc


def json_patch(doc: Any, ops: Any) -> Any:
    """RFC 6902 on a private copy of ``doc``; 422 when an operation cannot apply."""
    if not isinstance(ops, list):
        raise st.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(doc)
    for op in ops:
        kind, path = op.get("op"), op.get("path", "")
        if kind == "add":
            doc = _add(doc, path, op.get("value"), replace=False)
        elif kind == "replace":
            doc = _add(doc, path, op.get("value"), replace=True)
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "move":
            doc = _add(doc, path, _remove(doc, op.get("from", "")), replace=False)
        elif kind == "copy":
            doc = _add(doc, path, _get(doc, op.get("from", "")), replace=False)
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise _patch_error(f"testing value {path} failed: test failed")
        else:
            raise st.bad_request(f"Unexpected kind: {kind}")
    return doc


def check_patch_type(content_type: str, *, custom: bool) -> None:
    """415 unless the real server accepts this PATCH media type for this kind of resource."""
    accepted = CUSTOM_PATCH_TYPES if custom else BUILT_IN_PATCH_TYPES
    if content_type.split(";")[0].strip() not in accepted:
        raise st.unsupported_patch_type(accepted)


def apply_patch(content_type: str, current: JSONDict, body: Any, *, custom: bool) -> JSONDict:
    """The patched object (a new dict); 415 for server-side apply, which is not served."""
    check_patch_type(content_type, custom=custom)
    media = content_type.split(";")[0].strip()
    if media == MERGE:
        out = merge_patch(current, body)
    elif media == JSON_PATCH:
        out = json_patch(current, body)
    elif media == STRATEGIC:
        out = strategic_merge_patch(current, body)
    else:  # apply: accepted by the real server, not served here; say what is
        served = CUSTOM_PATCH_TYPES if custom else BUILT_IN_PATCH_TYPES
        raise st.unsupported_patch_type([t for t in served if t != APPLY])
    if not isinstance(out, dict):
        raise _patch_error("the patched object is not a JSON object")
    return out
