"""Server-side printing: ``meta.k8s.io/v1`` Tables for ``kubectl get``.

kubectl asks for ``as=Table`` and prints the cells it gets. Built-ins get the columns that
matter for eso (NAME, TYPE/DATA for Secrets, STATUS for Namespaces, AGE); custom resources
get their ``additionalPrinterColumns`` (simple JSONPath only), defaulting to AGE.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from localkube.apiserver.conversion import partial_metadata
from localkube.apiserver.registry import ResourceType

JSONDict = dict[str, Any]
_AGE: JSONDict = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
# kube-apiserver's default table (kinds without their own printer, e.g. CRDs) shows the
# timestamp itself rather than an age.
_CREATED_AT: JSONDict = {
    "name": "Created At",
    "type": "date",
    "format": "date-time",
    "jsonPath": ".metadata.creationTimestamp",
}
_FILTER = re.compile(r"^\[\?\(@\.([\w.]+)\s*==\s*['\"]([^'\"]*)['\"]\)\]$")


def human_duration(seconds: float) -> str:
    """apimachinery's ``duration.HumanDuration``, to the precision kubectl shows."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 120:
        return f"{max(s, 0)}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = m // 60
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    if h < 24 * 8:
        return f"{h // 24}d{h % 24}h" if h % 24 else f"{h // 24}d"
    if h < 24 * 365 * 2:
        return f"{h // 24}d"
    return f"{h // 24 // 365}y"


def _age(ts: Any, now: datetime) -> str:
    if not isinstance(ts, str):
        return "<unknown>"
    created = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return human_duration((now - created).total_seconds())


def json_path(obj: Any, path: str) -> Any:
    """Evaluate ``.a.b``, ``.a[0]`` and ``.a[?(@.k=="v")].b`` — what printer columns use."""
    tokens = re.findall(r"\.([\w-]+)|(\[[^\]]*\])", path.strip().strip("{}"))
    node = obj
    for name, bracket in tokens:
        if node is None:
            return None
        if name:
            node = node.get(name) if isinstance(node, dict) else None
        elif (m := _FILTER.match(bracket)) and isinstance(node, list):
            key, value = m.groups()
            node = next((i for i in node if str(json_path(i, "." + key)) == value), None)
        elif bracket.strip("[]").isdigit() and isinstance(node, list):
            i = int(bracket.strip("[]"))
            node = node[i] if i < len(node) else None
        else:
            return None
    return node


def _columns(rt: ResourceType) -> list[JSONDict]:
    if rt.custom:
        return list(rt.printer_columns) or [_AGE]
    if rt.group == "" and rt.plural == "secrets":
        return [
            {"name": "Type", "type": "string", "jsonPath": ".type"},
            {"name": "Data", "type": "integer", "jsonPath": ".data"},
            _AGE,
        ]
    if rt.plural == "customresourcedefinitions":
        return [_CREATED_AT]
    if rt.group == "" and rt.plural in ("namespaces", "pods"):
        return [{"name": "Status", "type": "string", "jsonPath": ".status.phase"}, _AGE]
    return [_AGE]


def _cell(col: JSONDict, obj: JSONDict, now: datetime) -> Any:
    value = json_path(obj, col["jsonPath"])
    if col is _CREATED_AT:
        return value
    if col["type"] == "date":
        return _age(value, now)
    if col["name"] == "Data" and col["jsonPath"] == ".data":
        return len(value or {})
    return value if value is not None else ""


def table(
    rt: ResourceType, objs: list[JSONDict], *, now: datetime, include: str, meta: JSONDict
) -> JSONDict:
    cols = _columns(rt)
    defs = [
        {"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0}
    ]
    defs += [
        {
            "name": c["name"],
            "type": c["type"],
            "format": c.get("format", ""),
            "description": c.get("description", ""),
            "priority": c.get("priority", 0),
        }
        for c in cols
    ]
    rows = []
    for obj in objs:
        row: JSONDict = {"cells": [obj["metadata"]["name"], *(_cell(c, obj, now) for c in cols)]}
        if include == "Object":
            row["object"] = obj
        elif include != "None":
            row["object"] = partial_metadata(obj)
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": defs,
        "rows": rows,
    }
