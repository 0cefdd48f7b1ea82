"""The local control plane lists in etcd key order while objects come and go, page by page."""

from __future__ import annotations

from localkube.apiserver.listing import list_objects
from localkube.apiserver.registry import ResourceType
from localkube.apiserver.store import Store, key_of

SECRETS = ResourceType(
    group="", version="v1", plural="secrets", singular="secret", kind="Secret", namespaced=True
)


def obj(ns: str, name: str) -> dict[str, object]:
    return {"metadata": {"namespace": ns, "name": name}}


def names(items: list[dict[str, object]]) -> list[tuple[str, str]]:
    return [key_of(o) for o in items]


def page_through(store: Store, *, namespace: str | None, limit: int) -> list[tuple[str, str]]:
    seen, token = [], ""
    while True:
        page = list_objects(
            store,
            SECRETS,
            namespace=namespace,
            labels=None,
            fields=None,
            limit=limit,
            continue_=token,
            floor=0,
        )
        seen += names(page.items)
        if not page.continue_:
            return seen
        assert page.remaining == len(store.objects(SECRETS.storage, namespace=namespace)) - len(
            seen
        )
        token = page.continue_


def test_lists_stay_in_key_order_as_objects_are_created_and_deleted() -> None:
    store = Store()
    for ns, name in [("b", "2"), ("a", "9"), ("b-x", "1"), ("b", "1")]:
        store.create(SECRETS.storage, obj(ns, name))
    assert names(store.objects(SECRETS.storage)) == [
        ("a", "9"),
        ("b", "1"),
        ("b", "2"),
        ("b-x", "1"),
    ]
    store.create(SECRETS.storage, obj("a", "0"))
    store.delete(SECRETS.storage, store.objects(SECRETS.storage, namespace="b")[0])
    assert names(store.objects(SECRETS.storage)) == [
        ("a", "0"),
        ("a", "9"),
        ("b", "2"),
        ("b-x", "1"),
    ]
    assert names(store.objects(SECRETS.storage, namespace="b")) == [("b", "2")]


def test_pages_cover_every_object_once_in_order() -> None:
    store = Store()
    keys = [(f"ns-{i % 3}", f"obj-{i:03d}") for i in range(50)]
    for ns, name in keys:
        store.create(SECRETS.storage, obj(ns, name))
    assert page_through(store, namespace=None, limit=7) == sorted(keys)
    assert page_through(store, namespace="ns-1", limit=4) == sorted(
        k for k in keys if k[0] == "ns-1"
    )
