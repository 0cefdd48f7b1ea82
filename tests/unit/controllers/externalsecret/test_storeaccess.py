"""Which stores an ExternalSecret reads from: main and per-entry, by ESO's rules."""

from __future__ import annotations

from typing import Any

import pytest

from eso.api.models import ExternalSecret
from eso.controllers.externalsecret.errors import StoreUnavailableError
from eso.controllers.externalsecret.storeaccess import awaiting_validation, lookup_stores
from eso.kube.cache import Cache
from eso.settings import ControllerSettings


def _store(
    name: str, *, kind: str = "SecretStore", controller: str = "", ready: str | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if kind == "SecretStore":
        meta["namespace"] = "team"
    spec: dict[str, Any] = {"provider": {"aws": {"service": "SecretsManager", "region": "x"}}}
    if controller:
        spec["controller"] = controller
    body = {"apiVersion": "external-secrets.io/v1", "kind": kind, "metadata": meta, "spec": spec}
    if ready is not None:
        body["status"] = {"conditions": [{"type": "Ready", "status": ready, "reason": "x"}]}
    return body


def _caches(*stores: dict[str, Any]) -> dict[str, Cache]:
    namespaced, cluster = Cache(), Cache()
    for s in stores:
        (namespaced if s["kind"] == "SecretStore" else cluster).upsert(s)
    return {"secret_stores": namespaced, "cluster_secret_stores": cluster}


def _es(main: str = "main", **spec: Any) -> ExternalSecret:
    body = {"secretStoreRef": {"name": main}, **spec}
    return ExternalSecret.model_validate(
        {"metadata": {"name": "es", "namespace": "team"}, "spec": body}
    )


def _ref(name: str, kind: str = "SecretStore") -> dict[str, Any]:
    return {"storeRef": {"name": name, "kind": kind}}


SETTINGS = ControllerSettings()


def test_entry_stores_are_resolved_once_each_and_a_missing_one_is_kept_as_its_error() -> None:
    es = _es(
        data=[
            {"secretKey": "a", "remoteRef": {"key": "a"}, "sourceRef": _ref("other")},
            {"secretKey": "b", "remoteRef": {"key": "b"}, "sourceRef": _ref("other")},
            {"secretKey": "c", "remoteRef": {"key": "c"}, "sourceRef": _ref("gone")},
        ],
        dataFrom=[{"extract": {"key": "m"}, "sourceRef": _ref("css", "ClusterSecretStore")}],
    )
    caches = _caches(_store("other"), _store("css", kind="ClusterSecretStore"))
    stores = lookup_stores(es, settings=SETTINGS, **caches)
    assert stores is not None
    assert stores.main is None  # every entry names its own store
    assert set(stores.entries) == {
        ("SecretStore", "other"),
        ("SecretStore", "gone"),
        ("ClusterSecretStore", "css"),
    }
    assert isinstance(stores.entries[("SecretStore", "gone")], StoreUnavailableError)


def test_the_main_store_is_needed_when_an_entry_has_no_store_of_its_own() -> None:
    es = _es(data=[{"secretKey": "a", "remoteRef": {"key": "a"}}])
    with pytest.raises(StoreUnavailableError, match='SecretStore "main"'):
        lookup_stores(es, settings=SETTINGS, **_caches())
    stores = lookup_stores(es, settings=SETTINGS, **_caches(_store("main")))
    assert stores is not None and stores.main is not None and stores.main.name == "main"


def test_an_entry_store_of_another_controller_class_skips_the_external_secret() -> None:
    """ESO's shouldSkipUnmanagedStore: any referenced store that is not ours."""
    es = _es(data=[{"secretKey": "a", "remoteRef": {"key": "a"}, "sourceRef": _ref("theirs")}])
    caches = _caches(_store("main"), _store("theirs", controller="other-class"))
    assert lookup_stores(es, settings=SETTINGS, **caches) is None


_GENERATED = {"sourceRef": {"generatorRef": {"kind": "Password", "name": "pw"}}}


def test_generator_entries_need_no_store() -> None:
    stores = lookup_stores(_es(dataFrom=[_GENERATED]), settings=ControllerSettings(), **_caches())
    assert stores is not None and stores.main is None and not stores.entries


def test_an_unused_main_store_of_another_class_still_skips_as_in_eso() -> None:
    caches = _caches(_store("main", controller="other"))
    assert (
        lookup_stores(_es(dataFrom=[_GENERATED]), settings=ControllerSettings(), **caches) is None
    )


def test_generators_beside_a_store_entry_still_resolve_the_main_store() -> None:
    spec = {"dataFrom": [_GENERATED, {"extract": {"key": "k"}}]}
    stores = lookup_stores(_es(**spec), settings=ControllerSettings(), **_caches(_store("main")))
    assert stores is not None and stores.main is not None and stores.main.name == "main"


def test_only_a_store_with_no_ready_condition_is_awaiting_validation() -> None:
    es = _es(
        "main",
        data=[
            {"secretKey": "a", "remoteRef": {"key": "a"}, "sourceRef": _ref("fresh")},
            {"secretKey": "b", "remoteRef": {"key": "b"}, "sourceRef": _ref("broken")},
            {"secretKey": "c", "remoteRef": {"key": "c"}, "sourceRef": _ref("gone")},
            {"secretKey": "d", "remoteRef": {"key": "d"}},
        ],
    )
    caches = _caches(_store("main", ready="True"), _store("fresh"), _store("broken", ready="False"))
    stores = lookup_stores(es, settings=SETTINGS, **caches)
    assert stores is not None
    # never validated: wait; Ready False or a missing store: ESO's errors, as before
    assert [s.name for s in awaiting_validation(stores)] == ["fresh"]


def test_a_main_store_never_validated_is_awaited_and_a_validated_one_is_not() -> None:
    es = _es("main", data=[{"secretKey": "a", "remoteRef": {"key": "a"}}])
    fresh = lookup_stores(es, settings=SETTINGS, **_caches(_store("main")))
    judged = lookup_stores(es, settings=SETTINGS, **_caches(_store("main", ready="False")))
    assert fresh is not None and judged is not None
    assert [s.name for s in awaiting_validation(fresh)] == ["main"]
    assert awaiting_validation(judged) == []
