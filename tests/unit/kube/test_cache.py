"""The informer cache: keys, indexes, and the relist diff with tombstones."""

from __future__ import annotations

from typing import Any

import pytest

from eso.clock import FakeClock
from eso.kube.cache import Cache, Tombstone
from eso.kube.informer import Backoff, drop_managed_fields


def obj(name: str, rv: str = "1", ns: str | None = "ns", store: str = "s1") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "resourceVersion": rv}
    if ns:
        meta["namespace"] = ns
    return {"metadata": meta, "spec": {"store": store}}


def by_store(o: dict[str, Any]) -> list[str]:
    return [o["spec"]["store"]]


def test_keys_are_namespace_slash_name_or_name_when_cluster_scoped() -> None:
    cache = Cache()
    cache.upsert(obj("a"))
    cache.upsert(obj("b", ns=None))
    assert sorted(cache.keys()) == ["b", "ns/a"]
    assert cache.get_by_name("ns", "a") is cache.get("ns/a")


def test_index_maps_value_to_keys_and_follows_updates() -> None:
    cache = Cache(indexers={"store": by_store})
    cache.upsert(obj("a", store="s1"))
    cache.upsert(obj("b", store="s1"))
    cache.upsert(obj("a", rv="2", store="s2"))
    assert cache.index_keys("store", "s1") == {"ns/b"}
    assert [o["metadata"]["name"] for o in cache.by_index("store", "s2")] == ["a"]


def test_removing_the_last_key_drops_the_index_value() -> None:
    cache = Cache(indexers={"store": by_store})
    cache.upsert(obj("a"))
    assert cache.remove("ns/a") is not None
    assert cache.index_values("store") == []
    assert cache.remove("ns/a") is None


def test_indexes_share_the_stored_dict() -> None:
    cache = Cache(indexers={"store": by_store})
    o = obj("a")
    cache.upsert(o)
    assert cache.by_index("store", "s1")[0] is o is cache.get("ns/a")


def test_indexer_added_later_indexes_existing_objects() -> None:
    cache = Cache()
    cache.upsert(obj("a"))
    cache.add_indexer("store", by_store)
    assert cache.index_keys("store", "s1") == {"ns/a"}


def test_replace_reports_added_updated_and_tombstoned_deletes() -> None:
    cache = Cache(indexers={"store": by_store})
    for o in (obj("keep"), obj("change"), obj("gone")):
        cache.upsert(o)
    kept = cache.get("ns/keep")
    deltas = cache.replace([obj("keep"), obj("change", rv="2"), obj("new")])
    summary = sorted((d.type, cache.key_of(d.old or d.new)) for d in deltas)  # type: ignore[arg-type]
    assert summary == [("added", "ns/new"), ("deleted", "ns/gone"), ("updated", "ns/change")]
    deleted = next(d for d in deltas if d.type == "deleted")
    assert isinstance(deleted.new, Tombstone)
    assert deleted.new.key == "ns/gone"
    assert deleted.new.obj["metadata"]["name"] == "gone"
    assert cache.get("ns/keep") is kept
    assert sorted(cache.keys()) == ["ns/change", "ns/keep", "ns/new"]
    assert cache.index_keys("store", "s1") == {"ns/change", "ns/keep", "ns/new"}


def test_replace_with_identical_state_reports_nothing() -> None:
    cache = Cache()
    cache.upsert(obj("a"))
    assert cache.replace([obj("a")]) == []


def test_default_transform_drops_managed_fields_in_place() -> None:
    o = obj("a")
    o["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    assert drop_managed_fields(o) is o
    assert "managedFields" not in o["metadata"]


async def test_backoff_doubles_with_jitter_up_to_cap_and_resets_when_quiet() -> None:
    clock = FakeClock()
    b = Backoff(initial=0.8, cap=30.0, reset_after=120.0, clock=clock)
    delays = [b.next() for _ in range(8)]
    assert 0.8 <= delays[0] <= 1.6
    assert 1.6 <= delays[1] <= 3.2
    assert all(d <= 30.0 for d in delays)
    assert delays[-1] == pytest.approx(30.0)
    await clock.advance(121)
    assert b.next() <= 1.6
