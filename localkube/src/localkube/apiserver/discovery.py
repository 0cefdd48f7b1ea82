"""Discovery documents: /version, /api, /api/v1, /apis, /apis/{group}[/{version}].

kubectl and client libraries map kinds to URLs through these. Only the legacy (unaggregated)
form is served; a client asking for aggregated discovery (apidiscovery.k8s.io/v2) gets the
legacy documents with ``Content-Type: application/json`` and falls back, as it does with
older servers. Everything is derived from the Registry, so a CRD appears here the moment it
is served.
"""

from __future__ import annotations

import hashlib
from typing import Any

from localkube.apiserver.registry import ALL_VERBS, Registry, ResourceType

JSONDict = dict[str, Any]

# The release the local plane emulates, the one the suite also runs against for real
# (kube-apiserver v1.36.2); k3s-style build metadata says it is not that binary. /version and
# the OpenAPI documents' info.version both say it. kubectl 1.32, the local tool, only warns
# about the skew.
EMULATED_MINOR = 36
EMULATED_VERSION = f"v1.{EMULATED_MINOR}.2+localkube"
VERSION_INFO: JSONDict = {
    "major": "1",
    "minor": str(EMULATED_MINOR),
    # compatibility versions (KEP-4330, 1.33+): what it emulates, and the oldest it is
    # compatible with (n-1), as kube-apiserver reports by default
    "emulationMajor": "1",
    "emulationMinor": str(EMULATED_MINOR),
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": str(EMULATED_MINOR - 1),
    "gitVersion": EMULATED_VERSION,
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.25.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}
_ADDRESS = [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]


def core_versions() -> JSONDict:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": _ADDRESS}


def _group(name: str, versions: list[str]) -> JSONDict:
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def group_list(registry: Registry) -> JSONDict:
    groups = [_group(g, vs) for g, vs in registry.groups().items() if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(registry: Registry, name: str) -> JSONDict | None:
    versions = registry.groups().get(name)
    if not versions or not name:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


def _hash(rt: ResourceType) -> str:
    digest = hashlib.sha256(f"{rt.group}/{rt.version}/{rt.kind}".encode()).digest()
    import base64

    return base64.b64encode(digest[:8]).decode()


def _entry(rt: ResourceType) -> JSONDict:
    out: JSONDict = {
        "name": rt.plural,
        "singularName": rt.singular,
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": list(ALL_VERBS),
        "storageVersionHash": _hash(rt),
    }
    if rt.short_names:
        out["shortNames"] = list(rt.short_names)
    if rt.categories:
        out["categories"] = list(rt.categories)
    return out


# kube-apiserver's entry for the TokenRequest subresource (``tokenrequest.py``): the only
# subresource whose kind lives in another group, so it names group and version.
TOKEN_SUBRESOURCE: JSONDict = {
    "name": "serviceaccounts/token",
    "singularName": "",
    "namespaced": True,
    "group": "authentication.k8s.io",
    "version": "v1",
    "kind": "TokenRequest",
    "verbs": ["create"],
}


def _sub_entry(rt: ResourceType, sub: str) -> JSONDict:
    verbs = ["update"] if sub == "finalize" else ["get", "patch", "update"]
    return {
        "name": f"{rt.plural}/{sub}",
        "singularName": "",
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": verbs,
    }


def resource_list(registry: Registry, group_name: str, version: str) -> JSONDict | None:
    types = registry.in_group_version(group_name, version)
    if not types:
        return None
    resources: list[JSONDict] = []
    for rt in sorted(types, key=lambda t: t.plural):
        resources.append(_entry(rt))
        resources += [_sub_entry(rt, s) for s in sorted(rt.subresources)]
        if (rt.group, rt.plural) == ("", "serviceaccounts"):
            resources.append(TOKEN_SUBRESOURCE)
    gv = f"{group_name}/{version}" if group_name else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }
