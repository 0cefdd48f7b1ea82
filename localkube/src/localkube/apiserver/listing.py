"""Lists: selection, key order and pagination with etcd-style continue tokens.

etcd lists keys in order and a continue token names the last key served plus the
revision of the first page; kube-apiserver passes both through. Pages here are cut from
the current state after that key (not from a snapshot at the token's revision), and every
page reports the first page's resourceVersion, as on the real server. A token from before
a forced compaction (``faults.compact``) is 410 Expired.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from localkube.apiserver import status as st
from localkube.apiserver.registry import ResourceType
from localkube.apiserver.selectors import FieldSelector, LabelSelector
from localkube.apiserver.store import ObjKey, Store, key_of

JSONDict = dict[str, Any]


@dataclass(frozen=True)
class ListResult:
    items: list[JSONDict]
    resource_version: str
    continue_: str
    remaining: int | None


def encode_continue(rv: int, last: ObjKey) -> str:
    token = {"v": "meta.k8s.io/v1", "rv": rv, "start": f"{last[0]}/{last[1]}\x00"}
    return base64.urlsafe_b64encode(json.dumps(token).encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, ObjKey]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        ns, name = raw["start"].rstrip("\x00").split("/", 1)
        return int(raw["rv"]), (ns, name)
    except (ValueError, KeyError, TypeError, binascii.Error, AttributeError):
        raise st.bad_request(f"continue key is not valid: {token}") from None


def _candidates(
    store: Store,
    rt: ResourceType,
    *,
    namespace: str | None,
    fields: FieldSelector | None,
    after: ObjKey | None,
) -> tuple[Iterator[JSONDict], int]:
    """Objects after ``after`` in key order, and how many; a metadata.name field selector is
    a point lookup, as in the real server's index."""
    name = fields.only("metadata.name") if fields else None
    ns = namespace if rt.namespaced else None
    if name is not None and (ns is not None or not rt.namespaced):
        obj = store.get(rt.storage, (ns or "", name))
        found = [obj] if obj is not None and (after is None or key_of(obj) > after) else []
        return iter(found), len(found)
    return store.objects_after(rt.storage, namespace=ns, after=after)


def list_objects(
    store: Store,
    rt: ResourceType,
    *,
    namespace: str | None,
    labels: LabelSelector | None,
    fields: FieldSelector | None,
    limit: int,
    continue_: str,
    floor: int,
) -> ListResult:
    """Matching objects in key order; at most ``limit`` (0: all) with a continue token."""
    rv = store.rv
    start: ObjKey | None = None
    if continue_:
        rv, start = decode_continue(continue_)
        if rv < floor:
            raise st.expired(
                "The provided continue parameter is too old to display a consistent list "
                "result. You can start a new list without the continue parameter."
            )
    items, count = _candidates(store, rt, namespace=namespace, fields=fields, after=start)
    matched: list[JSONDict] = []
    for o in items:  # one past the page says whether there is more
        if (labels is None or labels.matches(o)) and (fields is None or fields.matches(o)):
            matched.append(o)
            if 0 < limit < len(matched):
                break
    if limit <= 0 or len(matched) <= limit:
        return ListResult(matched, str(rv), "", None)
    page = matched[:limit]
    remaining = count - limit if labels is None and fields is None else None
    return ListResult(page, str(rv), encode_continue(rv, key_of(page[-1])), remaining)
