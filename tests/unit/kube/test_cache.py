"""The informer cache: keys, indexes, and the relist diff with tombstones."""

from __future__ import annotations

from typing import Any

import pytest
from structlog.testing import capture_logs

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
    assert cache.get_by_name("ns", "a") == cache.get("ns/a") == obj("a")


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


def test_readers_get_copies_so_mutating_one_cannot_corrupt_the_cache() -> None:
    cache = Cache(indexers={"store": by_store})
    o = obj("a")
    cache.upsert(o)
    o["spec"]["store"] = "changed after upsert"
    got = cache.get("ns/a")
    assert got == obj("a") and cache.by_index("store", "s1") == [obj("a")]
    assert got is not None
    got["metadata"]["name"] = "mutated by a reader"
    assert cache.get("ns/a") == obj("a")


def test_a_parsed_object_is_reparsed_only_after_it_changes_and_gone_after_removal() -> None:
    cache = Cache()
    parsed: list[str] = []

    def parse(o: dict[str, Any]) -> str:
        parsed.append(o["metadata"]["resourceVersion"])
        return str(o["spec"]["store"])

    cache.upsert(obj("a", store="s1"))
    assert cache.get_parsed("ns/a", parse) == cache.get_parsed("ns/a", parse) == "s1"
    cache.upsert(obj("a", rv="2", store="s2"))
    assert cache.get_parsed("ns/a", parse) == "s2"
    assert parsed == ["1", "2"]
    cache.remove("ns/a")
    assert cache.get_parsed("ns/a", parse) is None
    cache.upsert(obj("a", rv="3", store="s3"))
    assert cache.get_parsed("ns/a", parse) == "s3"


def test_a_relisted_object_is_parsed_anew() -> None:
    cache = Cache()
    cache.upsert(obj("a", store="s1"))
    assert cache.get_parsed("ns/a", by_store) == ["s1"]
    list(cache.replace([obj("a", rv="2", store="s2")]))
    assert cache.get_parsed("ns/a", by_store) == ["s2"]


def test_an_index_value_moves_between_one_key_and_many() -> None:
    """One key per value is stored without a set; adding and removing keys keeps lookups right."""
    cache = Cache(indexers={"store": by_store})
    cache.upsert(obj("a"))
    assert cache.index_keys("store", "s1") == {"ns/a"}
    cache.upsert(obj("b"))
    cache.upsert(obj("c"))
    assert cache.index_keys("store", "s1") == {"ns/a", "ns/b", "ns/c"}
    cache.remove("ns/a")
    cache.remove("ns/c")
    assert cache.index_keys("store", "s1") == {"ns/b"}
    assert [o["metadata"]["name"] for o in cache.by_index("store", "s1")] == ["b"]
    cache.upsert(obj("b", rv="2"))  # re-indexing the only key keeps it
    assert cache.index_keys("store", "s1") == {"ns/b"}
    cache.remove("ns/b")
    assert cache.index_values("store") == []


def test_values_json_cannot_hold_are_refused() -> None:
    cache = Cache()
    with pytest.raises(ValueError):
        cache.upsert({"metadata": {"name": "a", "namespace": "ns"}, "spec": object()})
    assert "ns/a" not in cache


def test_indexer_added_later_indexes_existing_objects() -> None:
    cache = Cache()
    cache.upsert(obj("a"))
    cache.add_indexer("store", by_store)
    assert cache.index_keys("store", "s1") == {"ns/a"}


def odd(name: str, rv: str = "1") -> dict[str, Any]:
    """An object ``by_store`` cannot index: no spec, and data no log may show."""
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": rv}, "data": "s3cr3t"}


def by_name(o: dict[str, Any]) -> list[str]:
    return [o["metadata"]["name"]]


def test_an_indexer_that_raises_leaves_the_object_out_of_that_index_only() -> None:
    cache = Cache(indexers={"store": by_store, "name": by_name})
    with capture_logs() as logs:
        deltas = cache.replace([obj("a"), odd("b")])  # a relist must get past it
    assert [d.type for d in deltas] == ["added", "added"]
    assert cache.get("ns/b") is not None
    assert cache.index_keys("name", "b") == {"ns/b"}
    assert cache.index_values("store") == ["s1"]
    assert logs == [
        {"event": "indexer_failed", "index": "store", "key": "ns/b", "error": "KeyError",
         "log_level": "warning"}
    ]  # fmt: skip
    assert "s3cr3t" not in repr(logs)


def test_an_object_that_becomes_unindexable_leaves_its_old_index_value() -> None:
    cache = Cache(indexers={"store": by_store})
    cache.upsert(obj("a", store="s1"))
    with capture_logs():
        cache.upsert(odd("a", rv="2"))
        assert cache.index_values("store") == []
        cache.upsert(obj("a", rv="3", store="s2"))
        assert cache.index_keys("store", "s2") == {"ns/a"}
        assert cache.remove("ns/a") is not None
    assert cache.index_values("store") == []


def test_an_indexer_failing_on_a_stored_object_is_swept_on_update() -> None:
    """Indexers should be pure; one that is not must still leave no stale key behind."""
    calls = {"n": 0}

    def flaky(o: dict[str, Any]) -> list[str]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError
        return [o["spec"]["store"]]

    cache = Cache(indexers={"store": flaky})
    cache.upsert(obj("a", store="s1"))
    with capture_logs():
        cache.upsert(obj("a", rv="2", store="s2"))  # unindexing "a" from s1 raises
    assert cache.index_values("store") == ["s2"]


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
    assert cache.get("ns/keep") == kept
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


def test_a_relist_is_applied_whole_before_its_first_delta_is_handed_out() -> None:
    """Handlers of a relist's deltas (decoded lazily, one at a time) see the final cache."""
    cache = Cache(indexers={"store": by_store})
    cache.upsert(obj("gone"))
    staged = [cache.stage(obj(name)) for name in ("a", "b", "c")]
    deltas = cache.apply_relist(staged, {s.key for s in staged})
    assert sorted(cache.keys()) == ["ns/a", "ns/b", "ns/c"]
    assert cache.index_keys("store", "s1") == {"ns/a", "ns/b", "ns/c"}
    seen = [(d.type, cache.key_of(d.old or d.new)) for d in deltas]  # type: ignore[arg-type]
    assert seen == [("added", "ns/a"), ("added", "ns/b"), ("added", "ns/c"), ("deleted", "ns/gone")]
