"""The external-secrets.io/v1 models: ESO manifests parse and round-trip, ESO's defaults apply,
status parsing tolerates anything, and unimplemented features are named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pydantic
import pytest
import yaml

from eso.api.features import (
    EXTERNAL_SECRET_UNIMPLEMENTED,
    STORE_UNIMPLEMENTED,
    unimplemented_features,
)
from eso.api.models import (
    ClusterSecretStore,
    ExternalSecret,
    ExternalSecretDataRemoteRef,
    SecretStore,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "manifests" / "examples"

ES_FULL = """
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: database-credentials
  namespace: payments
  uid: 0b6e2a4c-9d7e-4b43-8d47-2b1b7f0c1d11
  resourceVersion: "48213"
  generation: 3
  labels: {team: payments}
  annotations: {force-sync: "1732760000"}
  finalizers: [externalsecrets.external-secrets.io/externalsecret-cleanup]
  creationTimestamp: "2026-11-27T10:00:00Z"
spec:
  refreshInterval: 15m
  refreshPolicy: Periodic
  secretStoreRef: {name: aws-store, kind: SecretStore}
  target:
    name: db-secret
    creationPolicy: Orphan
    deletionPolicy: Delete
    immutable: false
    template:
      type: kubernetes.io/basic-auth
      engineVersion: v2
      mergePolicy: Merge
      metadata:
        labels: {app: payments}
        annotations: {owner: payments}
      data:
        username: "{{ .username }}"
        password: "{{ .password }}"
      templateFrom:
        - configMap:
            name: db-templates
            items: [{key: dsn, templateAs: Values}]
          target: Annotations
        - literal: "url: postgres://{{ .username }}@db"
  data:
    - secretKey: username
      remoteRef:
        key: prod/db
        property: creds.user
        version: AWSCURRENT
    - secretKey: password
      remoteRef:
        key: prod/db
        property: creds.password
        version: uuid/6f1c0e39-0b7c-4e24-98f8-9a4bd8f7e0c2
        decodingStrategy: Base64
        conversionStrategy: Default
        metadataPolicy: None
        nullBytePolicy: Fail
      sourceRef:
        storeRef: {name: other-store, kind: ClusterSecretStore}
  dataFrom:
    - extract: {key: prod/db-extra, version: AWSPREVIOUS}
      rewrite:
        - regexp: {source: "(.*)", target: "db_$1"}
status:
  refreshTime: "2026-11-27T10:15:00Z"
  syncedResourceVersion: 3-0f8a9c
  binding: {name: db-secret}
  conditions:
    - type: Ready
      status: "True"
      reason: SecretSynced
      message: secret synced
      lastTransitionTime: "2026-11-27T10:00:05Z"
"""

ES_FIND_AND_GENERATOR = """
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: everything, namespace: apps}
spec:
  secretStoreRef: {name: global, kind: ClusterSecretStore}
  refreshInterval: "0"
  refreshPolicy: OnChange
  syncWindows:
    kind: deny
    windows: [{schedule: "0 22 * * 1-5", duration: 8h}]
  dataFrom:
    - find:
        path: apps/
        name: {regexp: "^apps-.*"}
        tags: {env: prod}
        decodingStrategy: Auto
      rewrite:
        - merge: {into: all, strategy: JSON, conflictPolicy: Ignore, priority: [a, b]}
        - transform: {template: "{{ .value | upper }}"}
    - sourceRef:
        generatorRef:
          apiVersion: generators.external-secrets.io/v1alpha1
          kind: Password
          name: strong-password
"""

STORE_PARAMETER_STORE = """
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata: {name: ssm, namespace: apps}
spec:
  controller: dev
  refreshInterval: 300
  retrySettings: {maxRetries: 5, retryInterval: 10s}
  provider:
    aws:
      service: ParameterStore
      region: eu-west-1
      role: arn:aws:iam::123456789012:role/eso-reader
      additionalRoles: [arn:aws:iam::123456789012:role/hop]
      externalID: ext-123
      prefix: /apps/
      sessionTags: [{key: team, value: apps}]
      transitiveTagKeys: [team]
      sessionTagsPolicy: Custom
      customSessionTags: {cost-center: "42"}
      secretsManager: {forceDeleteWithoutRecovery: true, recoveryWindowInDays: 7}
      auth:
        jwt:
          serviceAccountRef: {name: eso-reader, audiences: [sts.amazonaws.com]}
"""

CLUSTER_STORE_VAULT = """
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: vault}
spec:
  conditions:
    - namespaceSelector:
        matchLabels: {tier: prod}
        matchExpressions: [{key: team, operator: In, values: [a, b]}]
      namespaces: [apps]
      namespaceRegexes: ["^team-.*$"]
  provider:
    vault:
      server: https://vault.example.com
      path: secret
      version: v2
      auth: {kubernetes: {mountPath: kubernetes, role: eso}}
status:
  capabilities: ReadWrite
  conditions:
    - {type: Ready, status: "True", reason: Valid, message: store validated}
"""

MINIMAL_ES = {
    "apiVersion": "external-secrets.io/v1",
    "kind": "ExternalSecret",
    "metadata": {"name": "app", "namespace": "default"},
    "spec": {"data": [{"secretKey": "k", "remoteRef": {"key": "app"}}]},
}

SAMPLES = [
    pytest.param(ExternalSecret, ES_FULL, id="es-full"),
    pytest.param(ExternalSecret, ES_FIND_AND_GENERATOR, id="es-find-generator"),
    pytest.param(SecretStore, STORE_PARAMETER_STORE, id="ss-parameter-store"),
    pytest.param(ClusterSecretStore, CLUSTER_STORE_VAULT, id="css-vault"),
]


def contained(small: Any, big: Any, path: str = "") -> list[str]:
    """Paths in ``small`` that ``big`` lacks or holds with another value."""
    if isinstance(small, dict) and isinstance(big, dict):
        return [p for k, v in small.items() for p in contained(v, big.get(k), f"{path}.{k}")]
    if isinstance(small, list) and isinstance(big, list) and len(small) == len(big):
        pairs = enumerate(zip(small, big, strict=True))
        return [p for i, (a, b) in pairs for p in contained(a, b, f"{path}[{i}]")]
    return [] if small == big else [path]


@pytest.mark.parametrize(("model", "text"), SAMPLES)
def test_eso_manifest_round_trips_without_losing_fields(model: Any, text: str) -> None:
    original = yaml.safe_load(text)
    parsed = model.model_validate(original)
    dumped = parsed.to_dict()
    assert contained(original, dumped) == []
    assert model.model_validate(dumped) == parsed


def test_external_secret_gets_eso_defaults() -> None:
    es = ExternalSecret.model_validate(MINIMAL_ES)
    spec = es.spec
    assert spec.refresh_interval == "1h0m0s"
    assert spec.refresh_interval_seconds() == 3600
    assert spec.refresh_policy == "Periodic"
    assert spec.secret_store_ref.kind == "SecretStore"
    assert spec.target.creation_policy == "Owner"
    assert spec.target.deletion_policy == "Retain"
    assert spec.target.immutable is False
    ref = spec.data[0].remote_ref
    assert (ref.conversion_strategy, ref.decoding_strategy) == ("Default", "None")
    assert (ref.metadata_policy, ref.null_byte_policy) == ("None", "Ignore")
    assert (ref.property, ref.version) == ("", "")
    assert spec.data_from == []


def test_target_name_defaults_to_the_external_secret_name() -> None:
    assert ExternalSecret.model_validate(MINIMAL_ES).target_name == "app"
    named = yaml.safe_load(ES_FULL)
    assert ExternalSecret.model_validate(named).target_name == "db-secret"


def test_fields_accept_python_names_too() -> None:
    ref = ExternalSecretDataRemoteRef(key="k", decoding_strategy="Base64")
    assert ref.to_dict()["decodingStrategy"] == "Base64"


def test_aws_fields_keep_esos_irregular_capitalisation() -> None:
    store = SecretStore.model_validate(yaml.safe_load(STORE_PARAMETER_STORE))
    aws = store.provider.aws
    assert aws is not None
    assert aws.external_id == "ext-123"
    dumped = store.to_dict()["spec"]["provider"]["aws"]
    assert dumped["externalID"] == "ext-123"
    secret_ref = ClusterSecretStore.model_validate(
        yaml.safe_load((EXAMPLES / "cluster-secret-store.yaml").read_text())
    ).spec.provider.aws
    assert secret_ref is not None and secret_ref.auth.secret_ref is not None
    assert secret_ref.auth.secret_ref.access_key_id.key == "access-key"
    assert secret_ref.auth.secret_ref.secret_access_key.namespace == "default"
    assert secret_ref.auth.secret_ref.session_token is None


def test_unknown_fields_are_ignored() -> None:
    obj = {**MINIMAL_ES, "spec": {**MINIMAL_ES["spec"], "futureField": {"x": 1}}}  # type: ignore[dict-item]
    assert ExternalSecret.model_validate(obj).spec == ExternalSecret.model_validate(MINIMAL_ES).spec


@pytest.mark.parametrize(
    "status",
    [
        {"conditions": "garbage"},
        {"conditions": [{"type": 1, "status": None}]},
        {"refreshTime": {"no": "time"}},
        "not a mapping",
        None,
    ],
)
def test_malformed_status_is_tolerated(status: Any) -> None:
    es = ExternalSecret.model_validate({**MINIMAL_ES, "status": status})
    assert es.status.conditions == []
    store = ClusterSecretStore.model_validate({"metadata": {"name": "s"}, "status": status})
    assert store.status.conditions == []
    assert not store.is_ready()


def test_status_conditions_are_readable() -> None:
    es = ExternalSecret.model_validate(yaml.safe_load(ES_FULL))
    ready = es.status.condition("Ready")
    assert ready is not None and (ready.status, ready.reason) == ("True", "SecretSynced")
    store = ClusterSecretStore.model_validate(yaml.safe_load(CLUSTER_STORE_VAULT))
    assert store.is_ready()
    assert store.status.capabilities == "ReadWrite"


def test_models_are_immutable() -> None:
    es = ExternalSecret.model_validate(MINIMAL_ES)
    with pytest.raises(pydantic.ValidationError):
        es.spec.refresh_interval = "1m"  # type: ignore[misc]


def test_other_providers_are_kept_opaque() -> None:
    store = ClusterSecretStore.model_validate(yaml.safe_load(CLUSTER_STORE_VAULT))
    assert store.provider.names() == ["vault"]
    assert store.provider.name == "vault"
    assert store.provider.aws is None
    vault = store.provider.opaque("vault")
    assert vault is not None and vault["server"] == "https://vault.example.com"


def test_store_refresh_interval_accepts_seconds_and_durations() -> None:
    def seconds(value: Any) -> float | None:
        spec = {"provider": {"aws": {"service": "SecretsManager", "region": "x"}}}
        return SecretStore.model_validate(
            {"spec": {**spec, "refreshInterval": value}}
        ).spec.refresh_interval_seconds()

    assert seconds(300) == 300
    assert seconds("5m") == 300
    assert seconds(0) is None
    assert seconds(None) is None


def test_examples_parse_and_use_only_implemented_features() -> None:
    kinds = {"ExternalSecret": ExternalSecret, "ClusterSecretStore": ClusterSecretStore}
    seen = set()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            model = kinds.get(doc["kind"])
            if model is not None:
                seen.add(doc["kind"])
                assert unimplemented_features(model.model_validate(doc)) == [], path.name
    assert seen == set(kinds)


def test_walkthrough_external_secret_reads_as_the_issue_describes() -> None:
    es = ExternalSecret.model_validate(
        yaml.safe_load((EXAMPLES / "external-secret.yaml").read_text())
    )
    assert (es.namespace, es.name, es.target_name) == (
        "allfunds",
        "allfunds-secret",
        "allfunds-secret",
    )
    assert es.spec.refresh_interval_seconds() == 60
    assert (es.store_kind, es.spec.secret_store_ref.name) == (
        "ClusterSecretStore",
        "global-secret-store",
    )
    assert [d.extract.key for d in es.spec.data_from if d.extract] == ["app-secret"]


def test_unimplemented_features_are_named_with_index_and_value() -> None:
    es = ExternalSecret.model_validate(yaml.safe_load(ES_FIND_AND_GENERATOR))
    assert unimplemented_features(es) == ["spec.syncWindows"]
    full = ExternalSecret.model_validate(yaml.safe_load(ES_FULL))
    assert unimplemented_features(full) == [
        "spec.data[1].remoteRef.nullBytePolicy=Fail",
    ]


def test_unimplemented_store_features_include_other_providers() -> None:
    ssm = SecretStore.model_validate(yaml.safe_load(STORE_PARAMETER_STORE))
    assert unimplemented_features(ssm) == []  # retrySettings: implemented (issue 11)
    vault = ClusterSecretStore.model_validate(yaml.safe_load(CLUSTER_STORE_VAULT))
    assert unimplemented_features(vault) == ["spec.provider.vault"]


def test_default_values_never_count_as_unimplemented_use() -> None:
    explicit = {
        **MINIMAL_ES,
        "spec": {
            "refreshPolicy": "Periodic",
            "target": {"immutable": False, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
            "data": [
                {
                    "secretKey": "k",
                    "remoteRef": {"key": "a", "decodingStrategy": "None", "metadataPolicy": "None"},
                }
            ],
        },
    }
    assert unimplemented_features(ExternalSecret.model_validate(explicit)) == []


@pytest.mark.parametrize(
    "feature", [*EXTERNAL_SECRET_UNIMPLEMENTED, *STORE_UNIMPLEMENTED], ids=lambda f: f.path
)
def test_every_unimplemented_feature_path_is_a_real_field(feature: Any) -> None:
    """A renamed field must not leave a feature entry that can never match."""
    from eso.api.crdgen import CRDS, root_schema

    model = ExternalSecret if feature in EXTERNAL_SECRET_UNIMPLEMENTED else SecretStore
    node: dict[str, Any] = root_schema(next(c.model for c in CRDS if c.model is model))
    for step in feature.path.split("."):
        node = node["properties"][step.removesuffix("[]")]
        if step.endswith("[]"):
            assert node["type"] == "array"
            node = node["items"]
    for value in feature.values:
        assert value in node["enum"]


def test_core_examples_are_valid_kubernetes_objects() -> None:
    core = [
        doc
        for path in sorted(EXAMPLES.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc["apiVersion"] == "v1"
    ]
    assert {d["kind"] for d in core} == {"Secret", "Namespace", "Pod", "ConfigMap"}
    for doc in core:
        kubernetes_validate.validate(doc, "1.30.0", strict=True)
