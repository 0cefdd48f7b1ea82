"""A CES's status as ESO computes it, and when it needs writing."""

from __future__ import annotations

from eso.controllers.clusterexternalsecret.status import (
    desired_status,
    ready_of,
    status_changed,
    status_patch,
)


def test_all_namespaces_provisioned_is_ready_without_message() -> None:
    status = desired_status(None, external_secret_name="es", provisioned=["b", "a"], failures={})
    assert status == {
        "externalSecretName": "es",
        "failedNamespaces": [],
        "provisionedNamespaces": ["a", "b"],
        "conditions": [{"type": "Ready", "status": "True"}],
    }
    assert ready_of(status) == "True"


def test_failures_make_ready_false_with_esos_message_sorted_by_namespace() -> None:
    failures = {"z": "external secret already exists in namespace", "m": "boom"}
    status = desired_status(None, external_secret_name="es", provisioned=["a"], failures=failures)
    assert status["failedNamespaces"] == [
        {"namespace": "m", "reason": "boom"},
        {"namespace": "z", "reason": "external secret already exists in namespace"},
    ]
    assert status["conditions"] == [
        {"type": "Ready", "status": "False", "message": "one or more namespaces failed"}
    ]


def test_selector_failure_keeps_the_provisioned_list() -> None:
    current = {"provisionedNamespaces": ["a"], "conditions": [{"type": "Other", "status": "x"}]}
    status = desired_status(
        current, external_secret_name="es", provisioned=None, failures={"unknown": "bad"}
    )
    assert status["provisionedNamespaces"] == ["a"]
    assert status["conditions"][0] == {"type": "Other", "status": "x"}
    assert ready_of(status) == "False"


def test_an_unchanged_status_is_not_written_again() -> None:
    wanted = desired_status(None, external_secret_name="es", provisioned=["a"], failures={})
    as_served = {k: v for k, v in wanted.items() if v}  # empty lists omitted by the server
    assert not status_changed(as_served, wanted)
    assert status_changed(None, wanted)
    assert status_changed({**as_served, "provisionedNamespaces": ["a", "b"]}, wanted)


def test_patch_clears_emptied_lists() -> None:
    wanted = desired_status(None, external_secret_name="es", provisioned=[], failures={})
    patch = status_patch(wanted)["status"]
    assert patch["failedNamespaces"] is None and patch["provisionedNamespaces"] is None
