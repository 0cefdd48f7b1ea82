"""Our CRD schemas, run through the local control plane's validation (prune, default, OpenAPI and
CEL, as kube-apiserver does): valid ESO objects pass, and each admission check ESO's webhook makes
rejects its bad case with ESO's message."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from eso.api.crdgen import CRDS, build_crd, root_schema
from eso.api.models import (
    ExternalSecret,
    ExternalSecretStatus,
    ExternalSecretStatusCondition,
    SecretStoreStatus,
    SecretStoreStatusCondition,
    format_time,
)
from localkube.apiserver import crds
from localkube.apiserver.schema import apply_defaults, prune, validate

EXAMPLES = Path(__file__).resolve().parents[3] / "manifests" / "examples"


def schema_of(kind: str) -> dict[str, Any]:
    return root_schema(next(c.model for c in CRDS if c.kind == kind))


def errors_for(obj: dict[str, Any]) -> list[str]:
    """What the API server would say about creating ``obj``, as "<field>: <message>" lines."""
    schema = schema_of(obj["kind"])
    obj = copy.deepcopy(obj)
    prune(obj, schema)
    apply_defaults(obj, schema)
    return [e.detail() for e in validate(obj, schema)]


def example(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text())
    return doc


def es(**spec: Any) -> dict[str, Any]:
    """A valid ExternalSecret with ``spec`` fields replaced."""
    base = {
        "secretStoreRef": {"name": "store"},
        "data": [{"secretKey": "password", "remoteRef": {"key": "db", "property": "pw"}}],
    }
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "db", "namespace": "apps"},
        "spec": {**base, **spec},
    }


def store(kind: str = "SecretStore", **aws: Any) -> dict[str, Any]:
    provider = {"service": "SecretsManager", "region": "eu-west-1", **aws}
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": kind,
        "metadata": {"name": "s"},
        "spec": {"provider": {"aws": provider}},
    }


def target(**fields: Any) -> dict[str, Any]:
    return {"name": "db-secret", **fields}


def template(**fields: Any) -> dict[str, Any]:
    return target(template=fields)


SA_TOKEN = "kubernetes.io/service-account-token"
DELETE_NOT_OWNER = (
    "deletionPolicy=Delete must not be used when the controller doesn't own the secret."
    " Please set creationPolicy=Owner"
)
TEMPLATE_FROM_TARGET = (
    'templateFrom target is not allowed when targeting a Secret, must be one of "Data",'
    ' "Annotations" or "Labels"'
)


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(example("external-secret.yaml"), id="walkthrough-external-secret"),
        pytest.param(example("cluster-secret-store.yaml"), id="walkthrough-cluster-store"),
        pytest.param(es(), id="data"),
        pytest.param(es(target=target(deletionPolicy="Delete")), id="delete-owner"),
        pytest.param(
            es(target=target(creationPolicy="Orphan", deletionPolicy="Delete")),
            id="delete-orphan",
        ),
        pytest.param(
            es(target=target(creationPolicy="Merge", deletionPolicy="Merge")), id="merge-merge"
        ),
        pytest.param(
            es(dataFrom=[{"extract": {"key": "a"}, "sourceRef": {"storeRef": {"name": "x"}}}]),
            id="extract-with-store-source",
        ),
        pytest.param(
            es(dataFrom=[{"sourceRef": {"generatorRef": {"kind": "Password", "name": "pw"}}}]),
            id="generator",
        ),
        pytest.param(
            es(
                target=target(deletionPolicy="Delete"),
                data=[
                    {"secretKey": "k", "remoteRef": {"key": "a"}},
                    {"secretKey": "k", "remoteRef": {"key": "b"}},
                ],
            ),
            id="duplicate-keys-allowed-unless-retain",
        ),
        pytest.param(
            es(target=template(templateFrom=[{"literal": "x", "target": "annotations"}])),
            id="template-target-case-insensitive",
        ),
        pytest.param(
            es(
                target=target(
                    manifest={"apiVersion": "v1", "kind": "ConfigMap"},
                    template={"templateFrom": [{"literal": "x", "target": "spec.data"}]},
                )
            ),
            id="nested-template-target-for-non-secret",
        ),
        pytest.param(es(refreshInterval="0"), id="refresh-once"),
        pytest.param(es(refreshInterval="1h30m"), id="refresh-compound"),
        pytest.param(store(customSessionTags={"team": "a"}), id="store-custom-tags"),
    ],
)
def test_valid_objects_pass(obj: dict[str, Any]) -> None:
    assert errors_for(obj) == []


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(
            es(data=[]),
            "spec: Invalid value: either data or dataFrom should be specified",
            id="neither-data-nor-dataFrom",
        ),
        *(
            pytest.param(
                es(target=target(creationPolicy=policy, deletionPolicy="Delete")),
                DELETE_NOT_OWNER,
                id=f"delete-with-{policy}",
            )
            for policy in ("Merge", "None", "CreateOrMerge")
        ),
        pytest.param(
            es(target=target(creationPolicy="None", deletionPolicy="Merge")),
            "deletionPolicy=Merge must not be used with creationPolicy=None."
            " There is no Secret to merge with",
            id="merge-with-none",
        ),
        pytest.param(
            es(dataFrom=[{"extract": {"key": "a"}, "find": {"path": "p"}}]),
            "spec.dataFrom[0]: Invalid value: extract, find, or generatorRef cannot"
            " be set at the same time",
            id="extract-and-find",
        ),
        pytest.param(
            es(
                dataFrom=[
                    {
                        "find": {"path": "p"},
                        "sourceRef": {"generatorRef": {"kind": "UUID", "name": "u"}},
                    }
                ]
            ),
            "extract, find, or generatorRef cannot be set at the same time",
            id="find-and-generator",
        ),
        pytest.param(
            es(dataFrom=[{"rewrite": [{"regexp": {"source": "a", "target": "b"}}]}]),
            "either extract, find, or sourceRef must be set to dataFrom",
            id="no-dataFrom-source",
        ),
        pytest.param(
            es(data=[{"secretKey": "k", "remoteRef": {"property": "p"}}]),
            "spec.data[0].remoteRef.key: Required value",
            id="remote-ref-key-required",
        ),
        pytest.param(
            es(
                data=[
                    {"secretKey": "k", "remoteRef": {"key": "a"}},
                    {"secretKey": "k", "remoteRef": {"key": "b"}},
                ]
            ),
            "spec.data: Invalid value: duplicate secretKey found",
            id="duplicate-keys-with-retain",
        ),
        pytest.param(
            es(target=template(type="bootstrap.kubernetes.io/token")),
            'template.type="bootstrap.kubernetes.io/token" is not allowed',
            id="bootstrap-token",
        ),
        pytest.param(
            es(
                target=template(
                    type=SA_TOKEN,
                    metadata={"annotations": {"kubernetes.io/service-account.name": "default"}},
                )
            ),
            f'template.type="{SA_TOKEN}" with annotation "kubernetes.io/service-account.name"'
            " is not allowed",
            id="service-account-token-annotation",
        ),
        pytest.param(
            es(
                target=template(
                    type=SA_TOKEN, templateFrom=[{"literal": "x", "target": "Annotations"}]
                )
            ),
            f'template.type="{SA_TOKEN}" with templateFrom target="Annotations" is not allowed',
            id="service-account-token-templated-annotations",
        ),
        pytest.param(
            es(
                target=template(
                    templateFrom=[{"literal": "x", "target": "metadata.ownerReferences"}]
                )
            ),
            TEMPLATE_FROM_TARGET,
            id="privileged-template-target",
        ),
        pytest.param(
            es(refreshInterval="1 hour"),
            "spec.refreshInterval: Invalid value: must be a non-negative Go duration such as"
            ' "1h30m", "10m" or "0s"',
            id="refresh-interval-not-a-duration",
        ),
        pytest.param(
            es(secretStoreRef={"name": "store", "kind": "Vault"}),
            'spec.secretStoreRef.kind: Unsupported value: "Vault"',
            id="store-kind-enum",
        ),
        pytest.param(
            store(customSessionTags={"esoNamespace": "x"}),
            "customSessionTags cannot contain automatically injected reserved keys:"
            " esoNamespace, esoStoreName, esoStoreKind",
            id="reserved-session-tag",
        ),
        pytest.param(
            store(service="KeyVault"),
            'spec.provider.aws.service: Unsupported value: "KeyVault"',
            id="aws-service-enum",
        ),
        pytest.param(
            {
                **store(),
                "spec": {
                    "provider": {
                        "aws": {"service": "SecretsManager", "region": "r"},
                        "vault": {"server": "s"},
                    }
                },
            },
            "spec.provider: Too many",
            id="two-providers",
        ),
        pytest.param(
            {**store("ClusterSecretStore"), "spec": {}},
            "spec.provider: Required value",
            id="provider-required",
        ),
    ],
)
def test_eso_admission_check_rejects_its_bad_case(obj: dict[str, Any], expected: str) -> None:
    errors = errors_for(obj)
    assert any(expected in e for e in errors), errors


def test_status_as_eso_writes_it_passes_the_schema() -> None:
    when = format_time(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    ready = ExternalSecretStatusCondition(
        type="Ready",
        status="True",
        reason="SecretSynced",
        message="secret synced",
        last_transition_time=when,
    )
    status = ExternalSecretStatus(
        refresh_time=when, synced_resource_version="1", conditions=[ready]
    )
    assert errors_for({**es(), "status": status.to_dict()}) == []
    store_ready = SecretStoreStatusCondition(
        type="Ready",
        status="False",
        reason="InvalidProviderConfig",
        message="unable to create client",
        last_transition_time=when,
    )
    store_status = SecretStoreStatus(conditions=[store_ready], capabilities="ReadOnly")
    assert errors_for({**store(), "status": store_status.to_dict()}) == []


def test_metadata_written_from_a_model_has_no_empty_placeholders() -> None:
    obj = ExternalSecret.model_validate(es()).to_dict()
    assert obj["metadata"] == {"name": "db", "namespace": "apps"}
    assert errors_for(obj) == []


@pytest.mark.parametrize("crd", CRDS, ids=[c.kind for c in CRDS])
def test_local_control_plane_accepts_the_crds(crd: Any) -> None:
    obj = build_crd(crd)
    crds.default_crd(obj)
    assert crds.validate_crd(obj) == []
