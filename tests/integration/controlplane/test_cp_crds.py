"""CustomResourceDefinitions: registration, discovery, structural schemas, status subresource."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from cp_helpers import API, GROUP, widget, widget_crd

from localkube.pytest_cluster import Cluster, wait_for
from localkube.rawclient import ApiStatusError


async def test_installed_crd_is_established(cluster: Cluster, widgets: dict[str, Any]) -> None:
    conditions = {c["type"]: c["status"] for c in widgets["status"]["conditions"]}
    assert conditions["Established"] == "True"
    assert conditions["NamesAccepted"] == "True"


async def test_a_new_crd_has_no_conditions_until_its_names_are_accepted_then_established(
    cluster: Cluster,
) -> None:
    """kube-apiserver's create stores conditions: null; two controller writes follow."""
    c = cluster.client
    crd = widget_crd(group=f"seq{secrets.token_hex(3)}.eso.example.com")
    name = crd["metadata"]["name"]
    created = await c.create("apiextensions.k8s.io/v1", "customresourcedefinitions", crd)
    try:
        assert created["status"]["conditions"] is None
        assert created["status"]["acceptedNames"] == {"kind": "", "plural": ""}
        async with c.watch(
            "apiextensions.k8s.io/v1",
            "customresourcedefinitions",
            resource_version=created["metadata"]["resourceVersion"],
            field_selector=f"metadata.name={name}",
        ) as w:
            established = await w.next_matching(
                lambda e: _condition(e["object"], "Established") == "True", timeout=30
            )
        status = established["object"]["status"]
        assert [cond["type"] for cond in status["conditions"]] == ["NamesAccepted", "Established"]
        assert status["acceptedNames"]["kind"] == "Widget"
        assert int(established["object"]["metadata"]["resourceVersion"]) > int(
            created["metadata"]["resourceVersion"]
        )
    finally:
        await cluster.delete_crd(name)


async def test_names_are_accepted_in_a_write_before_the_crd_is_established(
    cluster: Cluster,
) -> None:
    """The naming controller's write: NamesAccepted True, Established False (Installing)."""
    c = cluster.client
    crd = widget_crd(group=f"nam{secrets.token_hex(3)}.eso.example.com")
    name = crd["metadata"]["name"]
    created = await c.create("apiextensions.k8s.io/v1", "customresourcedefinitions", crd)
    try:
        async with c.watch(
            "apiextensions.k8s.io/v1",
            "customresourcedefinitions",
            resource_version=created["metadata"]["resourceVersion"],
            field_selector=f"metadata.name={name}",
        ) as w:
            named = await w.next_matching(lambda e: e["type"] == "MODIFIED", timeout=30)
        conditions = {cond["type"]: cond for cond in named["object"]["status"]["conditions"]}
        assert conditions["NamesAccepted"]["status"] == "True"
        assert (conditions["Established"]["status"], conditions["Established"]["reason"]) == (
            "False",
            "Installing",
        )
    finally:
        await cluster.delete_crd(name)


def _condition(crd: dict[str, Any], type_: str) -> str | None:
    listed = (crd.get("status") or {}).get("conditions") or []
    return next((cond["status"] for cond in listed if cond["type"] == type_), None)


async def test_crd_is_listed_in_discovery(cluster: Cluster, widgets: dict[str, Any]) -> None:
    groups = await cluster.client.request("GET", "/apis")
    assert GROUP in {g["name"] for g in groups["groups"]}
    resources = await cluster.client.request("GET", f"/apis/{API}")
    entry = next(r for r in resources["resources"] if r["name"] == "widgets")
    assert entry["kind"] == "Widget" and entry["namespaced"] is True
    assert entry["singularName"] == "widget"
    assert entry["shortNames"] == ["wdg"] and entry["categories"] == ["eso-test"]
    assert {"create", "get", "list", "watch", "patch", "update", "delete"} <= set(entry["verbs"])
    assert "widgets/status" in {r["name"] for r in resources["resources"]}


async def test_custom_resource_round_trips(
    cluster: Cluster, widgets: dict[str, Any], ns: str
) -> None:
    created = await cluster.client.create(API, "widgets", widget("w"), namespace=ns)
    assert created["metadata"]["generation"] == 1
    got = await cluster.client.get(API, "widgets", "w", namespace=ns)
    assert got["spec"]["size"] == 3 and got["kind"] == "Widget"


async def test_invalid_custom_resource_gets_422_listing_every_cause(
    cluster: Cluster, widgets: dict[str, Any], ns: str
) -> None:
    body = widget("w", size=11, color="green", code="ABC")
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create(API, "widgets", body, namespace=ns)
    assert (e.value.status, e.value.reason) == (422, "Invalid")
    assert e.value.message.startswith(f'Widget.{GROUP} "w" is invalid: [')
    causes = {c["field"]: c["reason"] for c in e.value.body["details"]["causes"]}
    assert causes == {
        "spec.size": "FieldValueInvalid",
        "spec.color": "FieldValueNotSupported",
        "spec.code": "FieldValueInvalid",
    }
    assert e.value.body["details"]["kind"] == "Widget"
    assert e.value.body["details"]["group"] == GROUP


async def test_missing_required_field_is_reported(
    cluster: Cluster, widgets: dict[str, Any], ns: str
) -> None:
    body = {"apiVersion": API, "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create(API, "widgets", body, namespace=ns)
    assert e.value.body["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.size"}
    ]


async def test_defaults_are_applied_and_unknown_fields_pruned(
    cluster: Cluster, widgets: dict[str, Any], ns: str
) -> None:
    body = widget("w", unknown="x", extra={"kept": {"deep": 1}})
    body["topLevelJunk"] = True
    created = await cluster.client.create(API, "widgets", body, namespace=ns)
    assert created["spec"] == {"size": 3, "color": "red", "extra": {"kept": {"deep": 1}}}
    assert "topLevelJunk" not in created


async def test_strict_field_validation_rejects_unknown_fields(
    cluster: Cluster, widgets: dict[str, Any], ns: str
) -> None:
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create(
            API, "widgets", widget("w", unknown="x"), namespace=ns, field_validation="Strict"
        )
    assert e.value.status == 400
    assert 'unknown field "spec.unknown"' in e.value.message


async def test_status_subresource_ignores_spec_and_main_resource_ignores_status(
    cluster: Cluster, widgets: dict[str, Any], ns: str
) -> None:
    c = cluster.client
    created = await c.create(API, "widgets", widget("w"), namespace=ns)
    with_status = {**created, "spec": {"size": 9}, "status": {"phase": "Ready"}}
    after_status = await c.update(API, "widgets", with_status, namespace=ns, subresource="status")
    assert after_status["spec"]["size"] == 3 and after_status["status"] == {"phase": "Ready"}
    assert after_status["metadata"]["generation"] == 1
    main = {**after_status, "spec": {"size": 4}, "status": {"phase": "Lost"}}
    after_main = await c.update(API, "widgets", main, namespace=ns)
    assert after_main["status"] == {"phase": "Ready"} and after_main["spec"]["size"] == 4
    assert after_main["metadata"]["generation"] == 2


async def test_generation_is_unchanged_by_metadata_changes(
    cluster: Cluster, widgets: dict[str, Any], ns: str
) -> None:
    c = cluster.client
    await c.create(API, "widgets", widget("w"), namespace=ns)
    patched = await c.patch(API, "widgets", "w", {"metadata": {"labels": {"a": "b"}}}, namespace=ns)
    assert patched["metadata"]["generation"] == 1
    status = await c.patch(
        API, "widgets", "w", {"status": {"observed": 1}}, namespace=ns, subresource="status"
    )
    assert status["metadata"]["generation"] == 1 and status["status"] == {"observed": 1}


SMP_REFUSED = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
)


@pytest.mark.parametrize("name", ["w", "missing"])
async def test_strategic_merge_patch_of_a_custom_resource_is_an_unsupported_media_type(
    cluster: Cluster, widgets: dict[str, Any], ns: str, name: str
) -> None:
    """Custom resources have no merge keys: 415, decided before the object is looked up."""
    c = cluster.client
    await c.create(API, "widgets", widget("w"), namespace=ns)
    with pytest.raises(ApiStatusError) as e:
        await c.patch(
            API, "widgets", name, {"spec": {"size": 4}}, namespace=ns, patch_type="strategic"
        )
    assert (e.value.status, e.value.reason) == (415, "UnsupportedMediaType")
    # kube-apiserver appends application/apply-patch+cbor when CBOR serving is enabled
    assert e.value.message.startswith(SMP_REFUSED)
    assert (await c.get(API, "widgets", "w", namespace=ns))["spec"]["size"] == 3


async def test_update_of_a_custom_resource_needs_a_resource_version(
    cluster: Cluster, widgets: dict[str, Any], ns: str
) -> None:
    c = cluster.client
    created = await c.create(API, "widgets", widget("w"), namespace=ns)
    del created["metadata"]["resourceVersion"]
    with pytest.raises(ApiStatusError) as e:
        await c.update(API, "widgets", {**created, "spec": {"size": 5}}, namespace=ns)
    assert e.value.status == 422
    assert e.value.body["details"]["causes"][0]["field"] == "metadata.resourceVersion"


async def test_served_versions_share_storage(cluster: Cluster, ns: str) -> None:
    group = f"mv{secrets.token_hex(3)}.eso.example.com"
    await cluster.install_crd(widget_crd(group=group, versions=("v1", "v1beta1")))
    c = cluster.client
    body = {**widget("w"), "apiVersion": f"{group}/v1"}
    await c.create(f"{group}/v1", "widgets", body, namespace=ns)
    other = await c.get(f"{group}/v1beta1", "widgets", "w", namespace=ns)
    assert other["apiVersion"] == f"{group}/v1beta1" and other["spec"]["size"] == 3
    await cluster.delete_crd(f"widgets.{group}")


async def test_deleting_a_crd_deletes_its_objects_and_stops_serving(
    cluster: Cluster, ns: str
) -> None:
    group = f"del{secrets.token_hex(3)}.eso.example.com"
    await cluster.install_crd(widget_crd(group=group))
    c = cluster.client
    await c.create(
        f"{group}/v1", "widgets", {**widget("w"), "apiVersion": f"{group}/v1"}, namespace=ns
    )
    await c.delete("apiextensions.k8s.io/v1", "customresourcedefinitions", f"widgets.{group}")

    async def unserved() -> bool:
        try:
            await c.list(f"{group}/v1", "widgets", namespace=ns)
        except ApiStatusError as e:
            return e.status == 404
        return False

    await wait_for(unserved, timeout=60)
    # the instances went with their CRD: a CRD of the same name starts out empty
    await cluster.install_crd(widget_crd(group=group))
    try:
        assert (await c.list(f"{group}/v1", "widgets", namespace=ns))["items"] == []
    finally:
        await cluster.delete_crd(f"widgets.{group}")


async def test_invalid_crd_is_rejected(cluster: Cluster) -> None:
    crd = widget_crd(group="bad.eso.example.com")
    crd["metadata"]["name"] = "wrong.bad.eso.example.com"
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create("apiextensions.k8s.io/v1", "customresourcedefinitions", crd)
    assert e.value.status == 422
    assert "metadata.name" in {c["field"] for c in e.value.body["details"]["causes"]}


async def test_crd_with_a_rule_that_does_not_compile_is_rejected(cluster: Cluster) -> None:
    crd = widget_crd(group="badrule.eso.example.com")
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    schema["properties"]["spec"]["x-kubernetes-validations"] = [{"rule": "self.size >"}]
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create("apiextensions.k8s.io/v1", "customresourcedefinitions", crd)
    assert e.value.status == 422


async def test_pruned_fields_are_reported_as_warnings_by_default(
    cluster: Cluster, widgets: dict[str, Any], ns: str
) -> None:
    warnings: list[str] = []
    await cluster.client.request(
        "POST",
        f"/apis/{API}/namespaces/{ns}/widgets",
        body=widget("w", unknown="x"),
        warnings=warnings,
    )
    assert any('unknown field \\"spec.unknown\\"' in w for w in warnings)


async def test_a_failed_rule_is_reported_without_a_value_and_listed_once(
    cluster: Cluster, ns: str
) -> None:
    """1.36's CEL error: no "object" value; the message dedups what the causes repeat."""
    group = f"cel{secrets.token_hex(3)}.eso.example.com"
    crd = widget_crd(group=group)
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    spec["x-kubernetes-validations"] = [
        {"rule": "self.size > 5", "message": "size must exceed 5"},
        {"rule": "self.size > 6", "message": "size must exceed 5"},
    ]
    await cluster.install_crd(crd)
    try:
        body = {**widget("w"), "apiVersion": f"{group}/v1"}
        with pytest.raises(ApiStatusError) as e:
            await cluster.client.create(f"{group}/v1", "widgets", body, namespace=ns)
        assert e.value.message == (
            f'Widget.{group} "w" is invalid: spec: Invalid value: size must exceed 5'
        )
        assert e.value.body["details"]["causes"] == 2 * [
            {
                "reason": "FieldValueInvalid",
                "message": "Invalid value: size must exceed 5",
                "field": "spec",
            }
        ]
    finally:
        await cluster.delete_crd(f"widgets.{group}")
