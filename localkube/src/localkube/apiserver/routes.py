"""URL → (resource type, namespace, name, subresource, verb), as kube-apiserver routes.

``/api/v1/...`` is the core group; ``/apis/{group}/{version}/...``; then optionally
``namespaces/{ns}/``, the plural, a name, a subresource. ``/api/v1/namespaces/{name}/status``
and ``/finalize`` are the Namespace's own subresources. Unknown paths are 404 with the
Status kube-apiserver sends for a resource it does not serve.
"""

from __future__ import annotations

from dataclasses import dataclass

from localkube.apiserver import status as st
from localkube.apiserver.registry import Registry, ResourceType

_METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}


@dataclass(frozen=True)
class Target:
    rt: ResourceType
    verb: str
    namespace: str | None  # None: all namespaces (or cluster-scoped)
    name: str | None
    subresource: str | None


def split_group_version(parts: list[str]) -> tuple[str, str, list[str]] | None:
    if len(parts) >= 2 and parts[0] == "api":
        return "", parts[1], parts[2:]
    if len(parts) >= 3 and parts[0] == "apis":
        return parts[1], parts[2], parts[3:]
    return None


def _verb(method: str, *, name: str | None, watch: bool) -> str:
    if method == "GET":
        if name is not None:
            return "get"
        return "watch" if watch else "list"
    if method == "DELETE":
        return "delete" if name is not None else "deletecollection"
    verb = _METHOD_VERBS.get(method)
    if verb is None:
        raise st.ApiError(405, "MethodNotAllowed", f"{method} is not supported")
    return verb


def resolve(
    registry: Registry, *, group: str, version: str, rest: list[str], method: str, watch: bool
) -> Target:
    """The resource request a path names; 404/405 ApiError when there is none."""
    namespace = None
    is_ns_sub = group == "" and len(rest) == 3 and rest[2] in ("status", "finalize")
    if len(rest) >= 3 and rest[0] == "namespaces" and not is_ns_sub:
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise st.resource_not_found()
    rt = registry.get(group, version, rest[0])
    if rt is None or (namespace is not None and not rt.namespaced):
        raise st.resource_not_found()
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if sub is not None and sub not in rt.subresources:
        raise st.resource_not_found()
    if rt.namespaced and name is not None and namespace is None:
        raise st.resource_not_found()
    verb = _verb(method, name=name, watch=watch)
    if verb == "create" and name is not None:
        raise st.method_not_supported(plural=rt.plural, group=rt.group, verb="create")
    if verb in ("update", "patch") and name is None:
        raise st.method_not_supported(plural=rt.plural, group=rt.group, verb=verb)
    if sub is not None and verb not in ("get", "update", "patch"):
        raise st.method_not_supported(plural=rt.plural, group=rt.group, verb=verb)
    return Target(rt, verb, namespace, name, sub)
