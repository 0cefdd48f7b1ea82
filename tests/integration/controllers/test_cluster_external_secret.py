"""ClusterExternalSecrets end to end: children follow namespaces and the spec, status as ESO's.

Every object is labelled with this test's run id and the Manager serves only CESs carrying it
(``cluster_external_secret_selector``), so the tests pass against a shared API server too: the
CES names are unique per run, namespaces are created and label-selected per test and deleted
(and waited for) afterwards. The children point at a store that does not exist; what is under
test is the CES controller, not the sync of the children.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from controller_env import ES_API, Env

from eso.api import conditions as c
from eso.settings import ControllerSettings
from localkube.pytest_cluster import wait_for
from localkube.rawclient import ApiStatusError

RUN_LABEL = "eso-test/ces-run"
CES = "clusterexternalsecrets"
ES = "externalsecrets"
WRITE_VERBS = ("POST", "PUT", "PATCH", "DELETE")
CHILD_SPEC: dict[str, Any] = {
    "secretStoreRef": {"name": "no-such-store", "kind": "SecretStore"},
    "refreshInterval": "1h",
    "data": [{"secretKey": "password", "remoteRef": {"key": "db"}}],
}


@pytest.fixture
def run_id() -> str:
    return secrets.token_hex(4)


@pytest.fixture
def controller_settings(run_id: str) -> ControllerSettings:
    """The Manager serves only this test's CESs."""
    return ControllerSettings(
        concurrent=4,
        refresh_jitter=0.0,
        store_requeue_interval=300.0,
        cluster_external_secret_selector=f"{RUN_LABEL}={run_id}",
    )


class Fleet:
    """This test's namespaces and CESs, removed (and waited for) afterwards."""

    def __init__(self, env: Env, run_id: str) -> None:
        self.env, self.run_id = env, run_id
        self.namespaces: list[str] = []
        self.cess: list[str] = []

    async def namespace(self, **labels: str) -> str:
        name = f"ces-{self.run_id}-{secrets.token_hex(3)}"
        meta = {"name": name, "labels": {RUN_LABEL: self.run_id, **labels}}
        await self.env.raw.create("v1", "namespaces", {"metadata": meta})
        self.namespaces.append(name)
        return name

    async def ces(self, name: str, **spec: Any) -> str:
        name = f"{name}-{self.run_id}"
        body = {
            "apiVersion": ES_API,
            "kind": "ClusterExternalSecret",
            "metadata": {"name": name, "labels": {RUN_LABEL: self.run_id}},
            "spec": {"externalSecretSpec": CHILD_SPEC, **spec},
        }
        await self.env.raw.create(ES_API, CES, body)
        self.cess.append(name)
        return name

    def selector(self, **labels: str) -> list[dict[str, Any]]:
        return [{"matchLabels": {RUN_LABEL: self.run_id, **labels}}]

    async def children(self, name: str) -> dict[str, dict[str, Any]]:
        """The ExternalSecrets named ``name`` in this test's namespaces, by namespace."""
        found = {}
        for ns in self.namespaces:
            es = await self.env.get(ES, name, ns)
            if es is not None:
                found[ns] = es
        return found

    async def wait_status(
        self, name: str, check: Callable[[dict[str, Any]], bool], *, within: float = 20.0
    ) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            status = ((await self.env.get(CES, name)) or {}).get("status") or {}
            return status if check(status) else None

        return await wait_for(probe, timeout=within)

    async def wait_children(
        self, name: str, namespaces: list[str], *, where: Callable[[dict[str, Any]], bool] = bool
    ) -> dict[str, dict[str, Any]]:
        async def probe() -> tuple[dict[str, dict[str, Any]]] | None:
            found = await self.children(name)
            ok = sorted(found) == sorted(namespaces) and all(where(es) for es in found.values())
            return (found,) if ok else None  # a tuple: truthy even when nothing is expected

        return (await wait_for(probe, timeout=20.0))[0]

    async def cleanup(self) -> None:
        for name in self.cess:
            await _delete(self.env, ES_API, CES, name)
        for ns in self.namespaces:
            await _delete(self.env, "v1", "namespaces", ns)
        for ns in self.namespaces:
            await wait_for(lambda ns=ns: _gone(self.env, "v1", "namespaces", ns), timeout=60.0)


async def _delete(env: Env, api: str, plural: str, name: str) -> None:
    try:
        await env.raw.delete(api, plural, name)
    except ApiStatusError as e:
        if e.status != 404:
            raise


async def _gone(env: Env, api: str, plural: str, name: str) -> bool:
    try:
        await env.raw.get(api, plural, name)
    except ApiStatusError as e:
        return e.status == 404
    return False


@pytest.fixture
async def fleet(env: Env, run_id: str) -> AsyncIterator[Fleet]:
    world = Fleet(env, run_id)
    try:
        yield world
    finally:
        await world.cleanup()


def provisioned(*namespaces: str) -> Callable[[dict[str, Any]], bool]:
    def check(status: dict[str, Any]) -> bool:
        ready = [x for x in status.get("conditions") or [] if x.get("type") == "Ready"]
        return (
            status.get("provisionedNamespaces", []) == sorted(namespaces)
            and not status.get("failedNamespaces")
            and [x.get("status") for x in ready] == ["True"]
        )

    return check


def writes(env: Env) -> int:
    """API write requests this Manager made for CESs and children (ES status patches aside)."""
    total = 0.0
    for verb in WRITE_VERBS:
        for plural in (CES, ES):
            if plural == ES and verb == "PATCH":
                continue  # the ExternalSecret controller's status writes, not the CES's
            for code in ("200", "201", "409", "404", "422", "403"):
                labels = {"verb": verb, "resource": plural, "code": code}
                total += (
                    env.metrics.registry.get_sample_value("rest_client_requests_total", labels)
                    or 0.0
                )
    return int(total)


def reconciles(env: Env) -> int:
    name = "eso_clusterexternalsecret_reconcile_duration_seconds_count"
    value = env.metrics.registry.get_sample_value(name, {"result": "success"})
    return int(value or 0)


async def test_children_are_created_only_in_matching_namespaces(fleet: Fleet) -> None:
    a1, a2 = await fleet.namespace(team="a"), await fleet.namespace(team="a")
    await fleet.namespace(team="b")
    name = await fleet.ces(
        "fleet",
        namespaceSelectors=fleet.selector(team="a"),
        externalSecretMetadata={"labels": {"app": "x"}, "annotations": {"note": "y"}},
        refreshTime="1m",
    )
    status = await fleet.wait_status(name, provisioned(a1, a2))
    assert status["externalSecretName"] == name
    children = await fleet.wait_children(name, [a1, a2])
    ces = await fleet.env.get(CES, name)
    assert ces is not None
    for es in children.values():
        meta = es["metadata"]
        assert meta["labels"] == {"app": "x"} and meta["annotations"] == {"note": "y"}
        assert meta["ownerReferences"] == [
            {
                "apiVersion": ES_API,
                "kind": "ClusterExternalSecret",
                "name": name,
                "uid": ces["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        assert es["spec"]["secretStoreRef"] == CHILD_SPEC["secretStoreRef"]


async def test_namespaces_appearing_relabelled_and_deleted_are_followed(fleet: Fleet) -> None:
    a1 = await fleet.namespace(team="a")
    name = await fleet.ces("follow", namespaceSelectors=fleet.selector(team="a"))
    await fleet.wait_status(name, provisioned(a1))

    a2 = await fleet.namespace(team="a")
    await fleet.wait_status(name, provisioned(a1, a2))
    await fleet.wait_children(name, [a1, a2])

    labels = {RUN_LABEL: fleet.run_id, "team": "b"}
    await fleet.env.raw.patch("v1", "namespaces", a1, {"metadata": {"labels": labels}})
    await fleet.wait_status(name, provisioned(a2))
    await fleet.wait_children(name, [a2])

    await fleet.env.raw.delete("v1", "namespaces", a2)
    await fleet.wait_status(name, provisioned())


async def test_names_and_the_deprecated_selector_are_ored(fleet: Fleet) -> None:
    by_name, by_old, _other = (
        await fleet.namespace(),
        await fleet.namespace(old="yes"),
        await fleet.namespace(),
    )
    name = await fleet.ces(
        "ored", namespaces=[by_name], namespaceSelector=fleet.selector(old="yes")[0]
    )
    await fleet.wait_status(name, provisioned(by_name, by_old))


async def test_a_spec_change_updates_every_child_and_a_new_name_replaces_them(
    fleet: Fleet,
) -> None:
    a1, a2 = await fleet.namespace(team="a"), await fleet.namespace(team="a")
    name = await fleet.ces("change", namespaceSelectors=fleet.selector(team="a"))
    await fleet.wait_status(name, provisioned(a1, a2))

    spec = {**CHILD_SPEC, "refreshInterval": "5m"}
    await fleet.env.raw.patch(ES_API, CES, name, {"spec": {"externalSecretSpec": spec}})
    await fleet.wait_children(
        name, [a1, a2], where=lambda es: es["spec"]["refreshInterval"] == "5m"
    )

    await fleet.env.raw.patch(ES_API, CES, name, {"spec": {"externalSecretName": "renamed"}})
    await fleet.wait_status(
        name, lambda s: s.get("externalSecretName") == "renamed" and provisioned(a1, a2)(s)
    )
    await fleet.wait_children("renamed", [a1, a2])
    await fleet.wait_children(name, [])


async def test_a_foreign_external_secret_of_the_same_name_is_left_alone_and_reported(
    fleet: Fleet,
) -> None:
    mine, theirs = await fleet.namespace(team="a"), await fleet.namespace(team="a")
    name = f"foreign-{fleet.run_id}"
    body = {
        "apiVersion": ES_API,
        "kind": "ExternalSecret",
        "metadata": {"name": name, "namespace": theirs, "labels": {"owner": "someone"}},
        "spec": {**CHILD_SPEC, "refreshInterval": "2h"},
    }
    before = await fleet.env.raw.create(ES_API, ES, body, namespace=theirs)
    await fleet.ces("foreign", namespaceSelectors=fleet.selector(team="a"))

    status = await fleet.wait_status(name, lambda s: bool(s.get("failedNamespaces")))
    assert status["failedNamespaces"] == [{"namespace": theirs, "reason": c.MSG_CES_ES_EXISTS}]
    assert status["provisionedNamespaces"] == [mine]
    assert status["conditions"] == [
        {"type": "Ready", "status": "False", "message": c.MSG_CES_NAMESPACES_FAILED}
    ]
    after = await fleet.env.get(ES, name, theirs)
    assert after is not None
    assert after["metadata"].get("ownerReferences") is None
    assert after["metadata"]["labels"] == {"owner": "someone"}
    assert after["spec"]["refreshInterval"] == "2h"
    assert after["metadata"]["generation"] == before["metadata"]["generation"]


async def test_an_invalid_selector_is_reported_on_the_ready_condition(fleet: Fleet) -> None:
    bad = {"matchExpressions": [{"key": "team", "operator": "Equals", "values": ["a"]}]}
    name = await fleet.ces("invalid", namespaceSelectors=[bad])
    status = await fleet.wait_status(name, lambda s: bool(s.get("failedNamespaces")))
    [failure] = status["failedNamespaces"]
    assert failure["namespace"] == "unknown"
    assert '"Equals" is not a valid label selector operator' in failure["reason"]
    assert status["conditions"] == [
        {"type": "Ready", "status": "False", "message": c.MSG_CES_NAMESPACES_FAILED}
    ]


async def test_a_refresh_with_nothing_changed_writes_nothing(fleet: Fleet) -> None:
    namespaces = [await fleet.namespace(team="a") for _ in range(5)]
    name = await fleet.ces("quiet", namespaceSelectors=fleet.selector(team="a"), refreshTime="1s")
    await fleet.wait_status(name, provisioned(*namespaces))
    await fleet.wait_children(name, namespaces)
    # Settled: the first refresh after provisioning sees every child in the cache.
    start = reconciles(fleet.env)
    await wait_for(lambda: _at_least(fleet.env, start + 1), timeout=10.0)
    before, seen = writes(fleet.env), reconciles(fleet.env)
    assert before >= len(namespaces) + 1, "the counter sees the creates and the status write"

    await wait_for(lambda: _at_least(fleet.env, seen + 3), timeout=15.0)
    assert writes(fleet.env) == before


async def _at_least(env: Env, count: int) -> bool:
    return reconciles(env) >= count


async def test_deleting_the_ces_deletes_its_children(fleet: Fleet) -> None:
    a1 = await fleet.namespace(team="a")
    name = await fleet.ces("gc", namespaceSelectors=fleet.selector(team="a"))
    await fleet.wait_children(name, [a1])
    await fleet.env.raw.delete(ES_API, CES, name)
    await fleet.wait_children(name, [])


async def test_a_child_deleted_by_hand_is_restored(fleet: Fleet) -> None:
    a1 = await fleet.namespace(team="a")
    name = await fleet.ces("restore", namespaceSelectors=fleet.selector(team="a"))
    [old] = (await fleet.wait_children(name, [a1])).values()
    await fleet.env.raw.delete(ES_API, ES, name, namespace=a1)
    await fleet.wait_children(
        name, [a1], where=lambda es: es["metadata"]["uid"] != old["metadata"]["uid"]
    )


def esos_full_example(run_id: str) -> dict[str, Any]:
    """ESO's docs example (full-cluster-external-secret.yaml), restated, named for this run."""
    return {
        "externalSecretName": "hello-world-es",
        "externalSecretMetadata": {"labels": {}, "annotations": {}},
        "namespaceSelectors": [{"matchLabels": {"cool": "label", RUN_LABEL: run_id}}],
        "refreshTime": "1m",
        "externalSecretSpec": {
            "secretStoreRef": {"name": "secret-store-name", "kind": "SecretStore"},
            "refreshPolicy": "Periodic",
            "refreshInterval": "1h0m0s",
            "target": {
                "name": "my-secret",
                "creationPolicy": "Merge",
                "template": {
                    "type": "kubernetes.io/dockerconfigjson",
                    "metadata": {"annotations": {}, "labels": {}},
                    "data": {
                        "config.yml": "endpoints:\n- https://{{ .data.user }}:{{ .data.password }}"
                        "@api.exmaple.com\n"
                    },
                    "templateFrom": [
                        {
                            "configMap": {
                                "name": "alertmanager",
                                "items": [{"key": "alertmanager.yaml"}],
                            }
                        }
                    ],
                },
            },
            "data": [
                {
                    "secretKey": "secret-key-to-be-managed",
                    "remoteRef": {
                        "key": "provider-key",
                        "version": "provider-key-version",
                        "property": "provider-key-property",
                    },
                }
            ],
        },
    }


async def test_esos_documented_example_applies_and_provisions_matching_namespaces(
    fleet: Fleet,
) -> None:
    cool, _plain = await fleet.namespace(cool="label"), await fleet.namespace()
    example = esos_full_example(fleet.run_id)
    name = await fleet.ces("hello-world", **example)
    status = await fleet.wait_status(name, provisioned(cool))
    assert status["externalSecretName"] == "hello-world-es"
    [child] = (await fleet.wait_children("hello-world-es", [cool])).values()
    spec = child["spec"]
    [template_from] = spec["target"]["template"]["templateFrom"]
    assert template_from["configMap"]["items"][0]["key"] == "alertmanager.yaml"
    assert spec["target"]["creationPolicy"] == "Merge"
    assert spec["data"] == example["externalSecretSpec"]["data"]
    ces = await fleet.env.get(CES, name)
    assert ces is not None
    assert ces["spec"]["refreshTime"] == "1m"


async def test_force_sync_on_the_ces_is_mirrored_to_every_child(fleet: Fleet) -> None:
    a1, a2 = await fleet.namespace(team="a"), await fleet.namespace(team="a")
    name = await fleet.ces("force", namespaceSelectors=fleet.selector(team="a"))
    await fleet.wait_children(name, [a1, a2])
    patch = {"metadata": {"annotations": {c.ANNOTATION_FORCE_SYNC: "1700000000"}}}
    await fleet.env.raw.patch(ES_API, CES, name, patch)

    def forced(es: dict[str, Any]) -> bool:
        annotations = es["metadata"].get("annotations") or {}
        return annotations.get(c.ANNOTATION_FORCE_SYNC) == "1700000000"

    await fleet.wait_children(name, [a1, a2], where=forced)


async def test_finalizers_left_by_eso_are_released(fleet: Fleet) -> None:
    """A CES and a namespace migrated from ESO carry its finalizers; both still delete."""
    name = f"migrated-{fleet.run_id}"
    ns = await fleet.namespace(team="a")
    mark = {"metadata": {"finalizers": [c.FINALIZER_CES_NAMESPACE_PREFIX + name]}}
    await fleet.env.raw.patch("v1", "namespaces", ns, mark)
    await fleet.ces("migrated", namespaceSelectors=fleet.selector(team="a"))
    patch = {"metadata": {"finalizers": [c.FINALIZER_CLUSTER_EXTERNAL_SECRET]}}
    await fleet.env.raw.patch(ES_API, CES, name, patch)
    await fleet.wait_status(name, provisioned(ns))

    await fleet.env.raw.delete("v1", "namespaces", ns)
    await wait_for(lambda: _gone(fleet.env, "v1", "namespaces", ns), timeout=30.0)
    other = await fleet.namespace(team="a")
    await fleet.env.raw.patch(
        "v1",
        "namespaces",
        other,
        {"metadata": {"finalizers": [c.FINALIZER_CES_NAMESPACE_PREFIX + name]}},
    )
    await fleet.wait_status(name, provisioned(other))
    await fleet.env.raw.delete(ES_API, CES, name)
    await wait_for(lambda: _gone(fleet.env, ES_API, CES, name), timeout=30.0)
    live = await fleet.env.raw.get("v1", "namespaces", other)
    assert not live["metadata"].get("finalizers")
