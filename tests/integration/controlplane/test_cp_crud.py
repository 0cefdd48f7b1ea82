"""Object semantics every client relies on: metadata, conflicts, Status bodies, Secrets."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from localkube.pytest_cluster import Cluster, wait_for
from localkube.rawclient import ApiStatusError, RawClient


def secret(name: str, **fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, **fields}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def test_created_object_gets_server_metadata(cluster: Cluster, ns: str) -> None:
    created = await cluster.client.create("v1", "secrets", secret("a"), namespace=ns)
    md = created["metadata"]
    assert md["uid"] and md["creationTimestamp"] and md["resourceVersion"].isdigit()
    assert md["namespace"] == ns
    assert created["type"] == "Opaque"


async def test_get_of_a_missing_object_is_a_not_found_status(cluster: Cluster, ns: str) -> None:
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.get("v1", "secrets", "missing", namespace=ns)
    assert e.value.status == 404
    assert e.value.body["kind"] == "Status"
    assert e.value.body["reason"] == "NotFound"
    assert e.value.body["message"] == 'secrets "missing" not found'
    assert e.value.body["details"] == {"name": "missing", "kind": "secrets"}


async def test_creating_an_existing_name_is_already_exists(cluster: Cluster, ns: str) -> None:
    await cluster.client.create("v1", "configmaps", {"metadata": {"name": "x"}}, namespace=ns)
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create("v1", "configmaps", {"metadata": {"name": "x"}}, namespace=ns)
    assert (e.value.status, e.value.reason) == (409, "AlreadyExists")
    assert e.value.message == 'configmaps "x" already exists'


async def test_update_with_a_stale_resource_version_conflicts(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    first = await c.create("v1", "configmaps", {"metadata": {"name": "x"}}, namespace=ns)
    await c.update("v1", "configmaps", {**first, "data": {"a": "1"}}, namespace=ns)
    with pytest.raises(ApiStatusError) as e:
        await c.update("v1", "configmaps", {**first, "data": {"a": "2"}}, namespace=ns)
    assert (e.value.status, e.value.reason) == (409, "Conflict")
    assert "the object has been modified" in e.value.message


async def test_generate_name_gives_distinct_names(cluster: Cluster, ns: str) -> None:
    body = {"metadata": {"generateName": "gen-"}}
    a = await cluster.client.create("v1", "configmaps", body, namespace=ns)
    b = await cluster.client.create("v1", "configmaps", body, namespace=ns)
    assert a["metadata"]["name"].startswith("gen-")
    assert a["metadata"]["name"] != b["metadata"]["name"]


async def test_resource_versions_increase_across_kinds(cluster: Cluster, ns: str) -> None:
    a = await cluster.client.create("v1", "configmaps", {"metadata": {"name": "a"}}, namespace=ns)
    b = await cluster.client.create("v1", "secrets", secret("b"), namespace=ns)
    assert int(b["metadata"]["resourceVersion"]) > int(a["metadata"]["resourceVersion"])


async def test_an_update_that_changes_nothing_keeps_the_resource_version(
    cluster: Cluster, ns: str
) -> None:
    c = cluster.client
    created = await c.create(
        "v1", "configmaps", {"metadata": {"name": "a"}, "data": {"k": "v"}}, namespace=ns
    )
    same = await c.update("v1", "configmaps", created, namespace=ns)
    assert same["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


async def test_secret_string_data_is_merged_into_data(cluster: Cluster, ns: str) -> None:
    body = secret("s", data={"a": b64("1"), "b": b64("old")}, stringData={"b": "new"})
    created = await cluster.client.create("v1", "secrets", body, namespace=ns)
    assert created["data"] == {"a": b64("1"), "b": b64("new")}
    assert "stringData" not in created


async def test_secret_data_that_is_not_base64_is_rejected(cluster: Cluster, ns: str) -> None:
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create(
            "v1", "secrets", secret("s", data={"a": "not base64!"}), namespace=ns
        )
    assert (e.value.status, e.value.reason) == (400, "BadRequest")
    assert "illegal base64 data" in e.value.message


async def test_secret_type_cannot_change(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    created = await c.create("v1", "secrets", secret("s"), namespace=ns)
    with pytest.raises(ApiStatusError) as e:
        await c.update("v1", "secrets", {**created, "type": "example.com/other"}, namespace=ns)
    assert (e.value.status, e.value.reason) == (422, "Invalid")
    assert e.value.body["details"]["causes"][0]["field"] == "type"


async def test_create_in_a_missing_namespace_is_not_found(cluster: Cluster) -> None:
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create("v1", "secrets", secret("s"), namespace="no-such-ns-eso")
    assert e.value.status == 404
    assert e.value.message == 'namespaces "no-such-ns-eso" not found'


async def test_invalid_name_is_rejected_with_a_field_cause(cluster: Cluster, ns: str) -> None:
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create(
            "v1", "configmaps", {"metadata": {"name": "Bad_Name"}}, namespace=ns
        )
    assert (e.value.status, e.value.reason) == (422, "Invalid")
    assert e.value.message.startswith('ConfigMap "Bad_Name" is invalid: metadata.name: ')
    assert e.value.body["details"]["causes"][0]["field"] == "metadata.name"


async def test_deleting_a_secret_answers_a_success_status(cluster: Cluster, ns: str) -> None:
    await cluster.client.create("v1", "secrets", secret("s"), namespace=ns)
    answer = await cluster.client.delete("v1", "secrets", "s", namespace=ns)
    assert answer["kind"] == "Status" and answer["status"] == "Success"
    with pytest.raises(ApiStatusError):
        await cluster.client.get("v1", "secrets", "s", namespace=ns)


async def test_delete_with_a_wrong_uid_precondition_conflicts(cluster: Cluster, ns: str) -> None:
    created = await cluster.client.create("v1", "secrets", secret("s"), namespace=ns)
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.delete(
            "v1",
            "secrets",
            "s",
            namespace=ns,
            preconditions={"uid": "00000000-0000-0000-0000-000000000000"},
        )
    assert (e.value.status, e.value.reason) == (409, "Conflict")
    # rest.BeforeDelete names the kind, not the resource
    assert e.value.message == (
        'Operation cannot be fulfilled on Secret "s": the UID in the precondition '
        "(00000000-0000-0000-0000-000000000000) does not match the UID in record "
        f"({created['metadata']['uid']}). The object might have been deleted and then recreated"
    )
    assert e.value.body["details"] == {"name": "s", "kind": "Secret"}


async def test_delete_with_a_stale_resource_version_precondition_conflicts(
    cluster: Cluster, ns: str
) -> None:
    c = cluster.client
    created = await c.create("v1", "secrets", secret("s"), namespace=ns)
    current = await c.patch(
        "v1", "secrets", "s", {"metadata": {"labels": {"a": "b"}}}, namespace=ns
    )
    stale = created["metadata"]["resourceVersion"]
    with pytest.raises(ApiStatusError) as e:
        await c.delete("v1", "secrets", "s", namespace=ns, preconditions={"resourceVersion": stale})
    assert (e.value.status, e.value.reason) == (409, "Conflict")
    assert e.value.message == (
        f'Operation cannot be fulfilled on Secret "s": the ResourceVersion in the precondition '
        f"({stale}) does not match the ResourceVersion in record "
        f"({current['metadata']['resourceVersion']}). The object might have been modified"
    )


@pytest.mark.parametrize(
    ("patch_type", "patch", "expected"),
    [
        pytest.param("merge", {"data": {"a": None, "b": "2"}}, {"b": "2", "c": "3"}, id="merge"),
        pytest.param(
            "strategic", {"data": {"a": None, "b": "2"}}, {"b": "2", "c": "3"}, id="strategic"
        ),
        pytest.param(
            "json",
            [{"op": "remove", "path": "/data/a"}, {"op": "add", "path": "/data/b", "value": "2"}],
            {"b": "2", "c": "3"},
            id="json",
        ),
    ],
)
async def test_patch_types_apply_their_semantics(
    cluster: Cluster, ns: str, patch_type: str, patch: Any, expected: dict[str, str]
) -> None:
    c = cluster.client
    await c.create(
        "v1", "configmaps", {"metadata": {"name": "p"}, "data": {"a": "1", "c": "3"}}, namespace=ns
    )
    patched = await c.patch("v1", "configmaps", "p", patch, namespace=ns, patch_type=patch_type)
    assert patched["data"] == expected


async def test_patch_with_a_stale_resource_version_conflicts(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    created = await c.create("v1", "configmaps", {"metadata": {"name": "p"}}, namespace=ns)
    await c.patch("v1", "configmaps", "p", {"data": {"a": "1"}}, namespace=ns)
    stale = {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"]}}
    with pytest.raises(ApiStatusError) as e:
        await c.patch("v1", "configmaps", "p", stale, namespace=ns)
    assert e.value.status == 409


async def test_failed_json_patch_test_operation_is_rejected(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    await c.create(
        "v1", "configmaps", {"metadata": {"name": "p"}, "data": {"a": "1"}}, namespace=ns
    )
    with pytest.raises(ApiStatusError) as e:
        await c.patch(
            "v1",
            "configmaps",
            "p",
            [{"op": "test", "path": "/data/a", "value": "2"}],
            namespace=ns,
            patch_type="json",
        )
    assert e.value.status == 422


async def test_metadata_only_get_returns_partial_object_metadata(cluster: Cluster, ns: str) -> None:
    await cluster.client.create("v1", "secrets", secret("s", data={"a": b64("x")}), namespace=ns)
    got = await cluster.client.get("v1", "secrets", "s", namespace=ns, metadata_only=True)
    assert got["kind"] == "PartialObjectMetadata"
    assert got["apiVersion"] == "meta.k8s.io/v1"
    assert got["metadata"]["name"] == "s" and "data" not in got


async def test_metadata_only_list_returns_partial_object_metadata_list(
    cluster: Cluster, ns: str
) -> None:
    await cluster.client.create("v1", "secrets", secret("s"), namespace=ns)
    got = await cluster.client.list("v1", "secrets", namespace=ns, metadata_only=True)
    assert got["kind"] == "PartialObjectMetadataList"
    assert [i["kind"] for i in got["items"]] == ["PartialObjectMetadata"]


async def test_request_without_a_token_is_unauthorized(cluster: Cluster) -> None:
    if not cluster.is_local:
        pytest.skip("a real cluster may allow anonymous requests (403 instead of 401)")
    async with await RawClient.from_kubeconfig(cluster.kubeconfig) as c:
        with pytest.raises(ApiStatusError) as e:
            await c.request("GET", "/api/v1/namespaces", auth=False)
    assert (e.value.status, e.value.reason) == (401, "Unauthorized")
    assert e.value.body["kind"] == "Status"


async def test_pod_is_stored_without_being_run(cluster: Cluster, ns: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    created = await cluster.client.create("v1", "pods", pod, namespace=ns)
    assert created["spec"]["containers"][0]["name"] == "c"


async def test_lease_and_events_are_served(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    lease = {"metadata": {"name": "l"}, "spec": {"holderIdentity": "me"}}
    got = await c.create("coordination.k8s.io/v1", "leases", lease, namespace=ns)
    assert got["spec"]["holderIdentity"] == "me"
    event = {
        "metadata": {"name": "e1"},
        "involvedObject": {"kind": "Lease", "name": "l", "namespace": ns},
        "reason": "Test",
        "message": "hello",
        "type": "Normal",
    }
    await c.create("v1", "events", event, namespace=ns)
    v1 = await c.get("events.k8s.io/v1", "events", "e1", namespace=ns)
    assert v1["note"] == "hello" and v1["regarding"]["name"] == "l"


@pytest.mark.parametrize(
    ("involved_namespace", "event_namespace", "accepted"),
    [
        pytest.param("same", "same", True, id="namespaced-object-in-its-namespace"),
        pytest.param("", "default", True, id="cluster-object-in-default"),
        pytest.param("other", "same", False, id="namespaced-object-elsewhere"),
        pytest.param("", "same", False, id="cluster-object-outside-default"),
    ],
)
async def test_an_event_lives_in_the_namespace_of_its_involved_object(
    cluster: Cluster, ns: str, involved_namespace: str, event_namespace: str, accepted: bool
) -> None:
    """kube-apiserver's Event validation, which an event recorder must satisfy."""
    resolve = {"same": ns, "other": "default", "": "", "default": "default"}
    event = {
        "metadata": {"name": f"e.{ns}"},
        "involvedObject": {"kind": "ConfigMap", "name": "c"},
        "reason": "Test",
        "message": "hello",
        "type": "Normal",
    }
    if involved_namespace:
        event["involvedObject"]["namespace"] = resolve[involved_namespace]
    target = resolve[event_namespace]
    if accepted:
        await cluster.client.create("v1", "events", event, namespace=target)
        await cluster.client.delete("v1", "events", f"e.{ns}", namespace=target)
        return
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create("v1", "events", event, namespace=target)
    assert (e.value.status, e.value.reason) == (422, "Invalid")
    invalid = resolve[involved_namespace]
    assert e.value.message == (
        f'Event "e.{ns}" is invalid: involvedObject.namespace: '
        f'Invalid value: "{invalid}": does not match event.namespace'
    )


async def test_immutable_secret_data_cannot_change(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    created = await c.create(
        "v1", "secrets", secret("s", immutable=True, data={"a": b64("1")}), namespace=ns
    )
    with pytest.raises(ApiStatusError) as e:
        await c.update("v1", "secrets", {**created, "data": {"a": b64("2")}}, namespace=ns)
    assert e.value.status == 422
    assert e.value.body["details"]["causes"][0]["reason"] == "FieldValueForbidden"


async def test_invalid_label_value_is_rejected(cluster: Cluster, ns: str) -> None:
    body = {"metadata": {"name": "x", "labels": {"app": "not ok!"}}}
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create("v1", "configmaps", body, namespace=ns)
    assert e.value.status == 422
    assert e.value.body["details"]["causes"][0]["field"] == "metadata.labels"


async def test_dry_run_create_stores_nothing(cluster: Cluster, ns: str) -> None:
    got = await cluster.client.create(
        "v1", "configmaps", {"metadata": {"name": "d"}}, namespace=ns, dry_run=True
    )
    assert got["metadata"]["name"] == "d"
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.get("v1", "configmaps", "d", namespace=ns)
    assert e.value.status == 404


async def test_create_with_a_resource_version_is_refused(cluster: Cluster, ns: str) -> None:
    body = {"metadata": {"name": "x", "resourceVersion": "12"}}
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create("v1", "configmaps", body, namespace=ns)
    assert e.value.status == 500
    assert e.value.message == "resourceVersion should not be set on objects to be created"


async def test_the_default_namespace_cannot_be_deleted(cluster: Cluster) -> None:
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.delete("v1", "namespaces", "default")
    assert (e.value.status, e.value.reason) == (403, "Forbidden")


async def test_unknown_fields_of_a_built_in_kind_are_dropped_or_refused(
    cluster: Cluster, ns: str
) -> None:
    c = cluster.client
    body = {"metadata": {"name": "u", "bogus": 1}, "data": {"a": "1"}, "spec": {"x": 1}}
    created = await c.create("v1", "configmaps", body, namespace=ns)
    assert "spec" not in created and "bogus" not in created["metadata"]
    with pytest.raises(ApiStatusError) as e:
        await c.create(
            "v1",
            "configmaps",
            {**body, "metadata": {"name": "v"}},
            namespace=ns,
            field_validation="Strict",
        )
    assert e.value.status == 400
    assert 'strict decoding error: unknown field "spec"' in e.value.message


async def test_service_account_create_get_update_delete(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    body = {"metadata": {"name": "robot"}, "automountServiceAccountToken": False}
    created = await c.create("v1", "serviceaccounts", body, namespace=ns)
    assert created["kind"] == "ServiceAccount"
    assert created["automountServiceAccountToken"] is False
    got = await c.get("v1", "serviceaccounts", "robot", namespace=ns)
    assert got["metadata"]["uid"] == created["metadata"]["uid"]
    pulled = {**got, "imagePullSecrets": [{"name": "registry"}]}
    updated = await c.update("v1", "serviceaccounts", pulled, namespace=ns)
    assert updated["imagePullSecrets"] == [{"name": "registry"}]
    assert int(updated["metadata"]["resourceVersion"]) > int(got["metadata"]["resourceVersion"])
    await c.delete("v1", "serviceaccounts", "robot", namespace=ns)
    with pytest.raises(ApiStatusError) as e:
        await c.get("v1", "serviceaccounts", "robot", namespace=ns)
    assert e.value.status == 404


async def namespace_defaults(c: RawClient, ns: str) -> tuple[dict[str, Any], ...] | None:
    """kube-root-ca.crt and the default ServiceAccount of ``ns``; None while one is missing."""
    try:
        return (
            await c.get("v1", "configmaps", "kube-root-ca.crt", namespace=ns),
            await c.get("v1", "serviceaccounts", "default", namespace=ns),
        )
    except ApiStatusError as e:
        if e.status == 404:
            return None
        raise


async def test_a_new_namespace_gets_the_root_ca_and_a_default_service_account(
    cluster: Cluster, ns: str
) -> None:
    """kube-controller-manager's doing on a real cluster: new namespaces are never empty."""
    ca, sa = await wait_for(lambda: namespace_defaults(cluster.client, ns), timeout=60)
    assert ca["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE-----")
    assert sa["metadata"]["namespace"] == ns


@pytest.mark.parametrize(
    ("plural", "name"),
    [("configmaps", "kube-root-ca.crt"), ("serviceaccounts", "default")],
)
async def test_a_deleted_namespace_default_object_is_recreated(
    cluster: Cluster, ns: str, plural: str, name: str
) -> None:
    c = cluster.client
    before = await wait_for(lambda: namespace_defaults(c, ns), timeout=60)
    uid = before[0 if plural == "configmaps" else 1]["metadata"]["uid"]
    await c.delete("v1", plural, name, namespace=ns)

    async def recreated() -> bool:
        try:
            obj = await c.get("v1", plural, name, namespace=ns)
        except ApiStatusError as e:
            if e.status == 404:
                return False
            raise
        return bool(obj["metadata"]["uid"] != uid)

    await wait_for(recreated, timeout=60)


# A > 1 MiB request body makes aiohttp (the test client) warn that raw bytes may block the
# loop; the size is the point of these tests.
_LARGE_BODY = pytest.mark.filterwarnings("ignore:Sending a large body directly:ResourceWarning")


@_LARGE_BODY
async def test_secret_data_over_one_mebibyte_is_rejected(cluster: Cluster, ns: str) -> None:
    """kube-apiserver's ValidateSecret: decoded values may total at most 1048576 bytes."""
    half = base64.b64encode(b"x" * (512 * 1024)).decode()
    body = secret("big", data={"a": half, "b": half, "c": base64.b64encode(b"x").decode()})
    with pytest.raises(ApiStatusError) as e:
        await cluster.client.create("v1", "secrets", body, namespace=ns)
    assert (e.value.status, e.value.reason) == (422, "Invalid")
    # field.TooLong's wording since Kubernetes 1.32 (kubernetes/kubernetes#128553); older
    # servers said "must have at most". The local control plane speaks the current one.
    assert e.value.message in (
        'Secret "big" is invalid: data: Too long: may not be more than 1048576 bytes',
        'Secret "big" is invalid: data: Too long: must have at most 1048576 bytes',
    )
    assert "may not be more than" in e.value.message or not cluster.is_local
    cause = e.value.body["details"]["causes"][0]
    assert (cause["reason"], cause["field"]) == ("FieldValueTooLong", "data")


@_LARGE_BODY
async def test_secret_data_of_exactly_one_mebibyte_is_accepted(cluster: Cluster, ns: str) -> None:
    half = base64.b64encode(b"x" * (512 * 1024)).decode()
    created = await cluster.client.create(
        "v1", "secrets", secret("full", data={"a": half, "b": half}), namespace=ns
    )
    assert set(created["data"]) == {"a", "b"}


@_LARGE_BODY
async def test_an_update_past_one_mebibyte_is_rejected(cluster: Cluster, ns: str) -> None:
    c = cluster.client
    created = await c.create("v1", "secrets", secret("s", data={"a": b64("1")}), namespace=ns)
    big = base64.b64encode(b"x" * (1024 * 1024 + 1)).decode()
    with pytest.raises(ApiStatusError) as e:
        await c.update("v1", "secrets", {**created, "data": {"a": big}}, namespace=ns)
    assert (e.value.status, e.value.reason) == (422, "Invalid")
    assert e.value.body["details"]["causes"][0]["field"] == "data"
