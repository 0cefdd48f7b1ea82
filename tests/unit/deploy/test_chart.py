"""The Helm chart, the install bundle rendered from it, and the image's Dockerfile.

The chart is rendered with the helm binary that `make helm` installs (no cluster needed) and
the objects are checked three ways: the values map onto `eso run` flags that eso's own parser
accepts, core objects validate offline against the Kubernetes 1.30 OpenAPI schemas
(kubernetes-validate), and prometheus-operator objects, which those schemas do not know, are
checked structurally here, including that every series they query is one eso exports, and the
rules are evaluated by `promtool test rules` on series shaped as each kind of scrape delivers
them (issue 14) when promtool is installed.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from eso.api.duration import parse_duration
from eso.cli import build_parser, settings_from_args
from eso.metrics import Metrics
from eso.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
CHART = ROOT / "charts" / "eso"
NAMESPACE = "external-secrets"
KUBE_VERSION = "1.30.0"
# prometheus-operator kinds: kubernetes-validate has no schema for them; checked structurally.
OPERATOR_KINDS = {"ServiceMonitor", "PrometheusRule"}

Obj = dict[str, Any]


def run_helm(helm: Path, *args: str, values: Obj | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(helm), *args, "-f", "-"],
        input=yaml.safe_dump(values or {}),
        capture_output=True,
        text=True,
        check=False,
    )


def render(helm: Path, values: Obj | None = None, *, chart: Path = CHART) -> list[Obj]:
    """The objects `helm template` renders for these values, in order (a fresh copy)."""
    return copy.deepcopy(_render(helm, json.dumps(values or {}, sort_keys=True), chart))


@functools.cache
def _render(helm: Path, values_json: str, chart: Path) -> list[Obj]:
    values = json.loads(values_json)
    out = run_helm(helm, "template", "eso", str(chart), "--namespace", NAMESPACE, values=values)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def one(objs: list[Obj], kind: str, name: str | None = None) -> Obj:
    found = [o for o in objs if o["kind"] == kind and name in (None, o["metadata"]["name"])]
    assert len(found) == 1, f"expected one {kind} {name or ''}, got {len(found)}"
    return found[0]


def kinds(objs: list[Obj]) -> list[str]:
    return [o["kind"] for o in objs]


def container(objs: list[Obj]) -> Obj:
    c: Obj = one(objs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    return c


def args_of(objs: list[Obj]) -> list[str]:
    a: list[str] = container(objs)["args"]
    return a


def rules_of(role: Obj) -> set[tuple[str, str, str]]:
    """(apiGroup, resource, verb) triples a Role or ClusterRole grants."""
    return {
        (g, r, v)
        for rule in role["rules"]
        for g in rule["apiGroups"]
        for r in rule["resources"]
        for v in rule["verbs"]
    }


def triples(group: str, resources: list[str], verbs: list[str]) -> set[tuple[str, str, str]]:
    return {(group, r, v) for r in resources for v in verbs}


VARIANTS = {
    "defaults": {},
    "scoped": {"scopedNamespace": "team-a", "leaderElect": True, "replicaCount": 2},
    "monitoring": {
        "serviceMonitor": {"enabled": True, "additionalLabels": {"release": "prom"}},
        "prometheusRule": {"enabled": True},
        "grafanaDashboard": {"enabled": True},
        "podDisruptionBudget": {"enabled": True},
    },
    "no-crds": {"installCRDs": False, "rbac": {"create": False}},
    "extra-args": {"extraArgs": {"client-qps": 1000000, "loglevel": "debug"}},
    "sharded": {"replicaCount": 3, "sharding": {"shards": 12}},
    "rollout": {"rolloutOnChange": {"enabled": True}},
}


# --- lint and render ---------------------------------------------------------------------


@pytest.mark.helm
def test_chart_lints_strictly(helm: Path) -> None:
    out = run_helm(helm, "lint", "--strict", str(CHART), "--namespace", NAMESPACE)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.helm
def test_default_install_renders_the_expected_objects(helm: Path) -> None:
    objs = render(helm)
    assert sorted(set(kinds(objs)) - {"CustomResourceDefinition"}) == [
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
    ]
    for o in objs:
        if o["kind"] not in ("ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"):
            assert o["metadata"]["namespace"] == NAMESPACE, o["kind"]


@pytest.mark.helm
def test_default_args_map_values_onto_eso_run_flags(helm: Path) -> None:
    args = args_of(render(helm))
    assert args[0] == "run"
    for flag in (
        "--concurrent=64",
        "--client-qps=1000",
        "--client-burst=2000",
        "--loglevel=info",
        "--log-format=json",
        "--metrics-addr=:8080",
        "--live-addr=:8082",
        "--enable-leader-election=false",
        "--enable-cluster-store-reconciler=true",
        "--enable-cluster-external-secret-reconciler=true",
        "--store-requeue-interval=5m",
        "--aws-batch=true",
        "--aws-batch-window=5ms",
        "--aws-batch-size=20",
        "--aws-cache=true",
        "--aws-cache-ttl=30s",
        "--aws-cache-max-entries=200000",
        "--concurrent-waiting=192",
        "--aws-batch-max-inflight=1",
        "--aws-batch-prefetch=true",
        "--aws-throttle-decrease=0.7",
        "--aws-throttle-increase=2",
        "--aws-throttle-recovery=0.5",
        "--aws-throttle-min-rate=1",
        "--aws-throttle-reset-after=5m",
        "--controller-class=default",
    ):
        assert flag in args
    assert not any(a.startswith("--namespace") for a in args)


@pytest.mark.helm
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_rendered_args_are_accepted_by_eso_run(helm: Path, variant: str) -> None:
    args = args_of(render(helm, VARIANTS[variant]))
    settings_from_args(build_parser().parse_args(args))


@pytest.mark.helm
def test_chart_defaults_are_esos_own_defaults(helm: Path) -> None:
    """values.yaml spells out eso's defaults; they must not drift from eso.settings."""
    s = settings_from_args(build_parser().parse_args(args_of(render(helm))))
    d = Settings()
    assert s.controller == d.controller
    assert s.client == d.client
    assert s.aws == d.aws
    assert s.server == d.server
    assert s.leader.enabled == d.leader.enabled
    assert s.log.level == d.log.level
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert parse_duration(values["storeRequeueInterval"]) == d.controller.store_requeue_interval


@pytest.mark.helm
def test_values_map_onto_flags(helm: Path) -> None:
    values = {
        "concurrent": 4,
        "concurrentWaiting": 0,
        "clientQPS": 50.5,
        "clientBurst": 100,
        "log": {"level": "debug", "format": "console"},
        "leaderElect": True,
        "controllerClass": "team-a",
        "processClusterStore": False,
        "processClusterExternalSecret": False,
        "storeRequeueInterval": "1m30s",
        "aws": {
            "batch": {
                "enabled": False,
                "window": "10ms",
                "size": 10,
                "maxInflight": 3,
                "prefetch": False,
            },
            "cache": {"enabled": False, "ttl": "1m", "maxEntries": 1000000},
            "throttle": {
                "decrease": 0.5,
                "increase": 5,
                "recovery": 0,
                "minRate": 0.25,
                "resetAfter": "90s",
            },
        },
    }
    s = settings_from_args(build_parser().parse_args(args_of(render(helm, values))))
    assert (s.controller.concurrent, s.client.qps, s.client.burst) == (4, 50.5, 100)
    assert (s.log.level, s.log.format) == ("debug", "console")
    assert (s.leader.enabled, s.leader.lease_namespace) == (True, NAMESPACE)
    assert s.controller.controller_class == "team-a"
    assert s.controller.process_cluster_store is False
    assert s.controller.process_cluster_external_secret is False
    assert s.controller.store_requeue_interval == 90.0
    assert (s.aws.batch_enabled, s.aws.batch_window, s.aws.batch_size) == (False, 0.01, 10)
    assert (s.aws.cache_enabled, s.aws.cache_ttl) == (False, 60.0)
    assert s.aws.cache_max_entries == 1000000
    assert s.controller.concurrent_waiting == 0
    assert (s.aws.batch_max_inflight, s.aws.batch_prefetch) == (3, False)
    throttle = (s.aws.throttle_decrease, s.aws.throttle_increase, s.aws.throttle_recovery)
    assert throttle == (0.5, 5.0, 0.0)
    assert (s.aws.throttle_min_rate, s.aws.throttle_reset_after) == (0.25, 90.0)


@pytest.mark.helm
def test_extra_args_become_flags_after_the_charts_own(helm: Path) -> None:
    values = {"extraArgs": {"loglevel": "debug", "client-qps": 1000000, "flag": None, "off": False}}
    args = args_of(render(helm, values))
    tail = args[-4:]
    assert tail == ["--client-qps=1000000", "--flag", "--loglevel=debug", "--off=false"]
    assert args.index("--loglevel=info") < args.index("--loglevel=debug")


@pytest.mark.helm
def test_deployment_has_probes_ports_and_rolling_update(helm: Path) -> None:
    objs = render(helm)
    c = container(objs)
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"metrics": 8080, "live": 8082}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "live"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "live"}
    pod_namespace = {
        "name": "POD_NAMESPACE",
        "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
    }
    assert pod_namespace in c["env"]
    spec = one(objs, "Deployment")["spec"]
    assert spec["strategy"]["type"] == "RollingUpdate"
    assert spec["template"]["spec"]["terminationGracePeriodSeconds"] == 30
    assert container(objs)["image"] == "ghcr.io/eso/eso:0.1.0"


@pytest.mark.helm
def test_deployment_runs_locked_down(helm: Path) -> None:
    objs = render(helm)
    pod = one(objs, "Deployment")["spec"]["template"]["spec"]
    sc = container(objs)["securityContext"]
    assert sc["runAsNonRoot"] is True
    assert sc["runAsUser"] == 65532
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert {"name": "tmp", "mountPath": "/tmp"} in container(objs)["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in pod["volumes"]


@pytest.mark.helm
def test_security_context_can_be_left_out_as_in_esos_chart(helm: Path) -> None:
    objs = render(helm, {"securityContext": {"enabled": False}})
    assert "securityContext" not in container(objs)


@pytest.mark.helm
def test_pod_scheduling_values_pass_through(helm: Path) -> None:
    values = {
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "priorityClassName": "system-cluster-critical",
        "podAnnotations": {"a": "b"},
        "podLabels": {"team": "platform"},
        "serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x"}},
        "extraEnv": [{"name": "AWS_REGION", "value": "eu-west-1"}],
    }
    objs = render(helm, values)
    tpl = one(objs, "Deployment")["spec"]["template"]
    assert tpl["spec"]["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert tpl["spec"]["tolerations"] == [{"key": "k", "operator": "Exists"}]
    assert tpl["spec"]["priorityClassName"] == "system-cluster-critical"
    assert tpl["metadata"]["annotations"] == {"a": "b"}
    assert tpl["metadata"]["labels"]["team"] == "platform"
    assert container(objs)["env"][-1] == {"name": "AWS_REGION", "value": "eu-west-1"}
    sa = one(objs, "ServiceAccount")
    assert sa["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x"}


# --- RBAC ----------------------------------------------------------------------------------

ES = "external-secrets.io"
STORE_KINDS = ["externalsecrets", "secretstores"]
CORE_RULES = (
    triples("", ["secrets"], ["get", "list", "watch", "create", "update", "patch", "delete"])
    | triples("", ["configmaps"], ["get", "list", "watch"])
    | triples("", ["events"], ["create", "patch"])
    # auth.jwt: exactly the ServiceAccount GET and TokenRequest, nothing broader.
    | triples("", ["serviceaccounts"], ["get"])
    | triples("", ["serviceaccounts/token"], ["create"])
)


GENERATORS = "generators.external-secrets.io"
GENERATOR_KINDS = ["ecrauthorizationtokens", "passwords", "sshkeys", "stssessiontokens", "uuids"]


def controller_rules(
    kinds_: list[str], *, cluster_generators: bool = False, push: bool = True
) -> set[tuple[str, str, str]]:
    generators = GENERATOR_KINDS + (["clustergenerators"] if cluster_generators else [])
    kinds_ = [*kinds_, "pushsecrets"] if push else kinds_
    rules = (
        triples(ES, kinds_, ["get", "list", "watch"])
        | triples(GENERATORS, generators, ["get", "list", "watch"])
        | triples(ES, [f"{k}/status" for k in kinds_], ["update", "patch"])
        | triples(ES, [f"{k}/finalizers" for k in kinds_], ["update"])
        | CORE_RULES
    )
    # deletionPolicy Delete: ESO's finalizer on a PushSecret is added and removed by a patch.
    return rules | triples(ES, ["pushsecrets"], ["patch"]) if push else rules


@pytest.mark.helm
def test_cluster_rbac_grants_exactly_what_the_controllers_need(helm: Path) -> None:
    objs = render(helm)
    role = one(objs, "ClusterRole")
    kinds_ = [*STORE_KINDS, "clustersecretstores", "clusterexternalsecrets", "clusterpushsecrets"]
    assert rules_of(role) == controller_rules(kinds_, cluster_generators=True) | triples(
        "", ["namespaces"], ["get", "list", "watch"]
    ) | triples(ES, ["externalsecrets"], ["create", "update", "delete"]) | triples(
        ES, ["clusterexternalsecrets"], ["patch"]
    ) | triples("", ["namespaces"], ["patch"]) | triples(
        ES, ["pushsecrets"], ["create", "update", "delete"]
    )
    binding = one(objs, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "eso", "namespace": NAMESPACE}
    ]
    lease = one(objs, "Role", "eso-leaderelection")
    assert lease["metadata"]["namespace"] == NAMESPACE
    assert rules_of(lease) == triples(
        "coordination.k8s.io", ["leases"], ["get", "create", "update"]
    )


@pytest.mark.helm
def test_without_cluster_external_secrets_no_external_secret_writes_are_granted(
    helm: Path,
) -> None:
    objs = render(helm, {"processClusterExternalSecret": False, "processClusterPushSecret": False})
    assert rules_of(one(objs, "ClusterRole")) == controller_rules(
        [*STORE_KINDS, "clustersecretstores"], cluster_generators=True
    ) | triples("", ["namespaces"], ["get", "list", "watch"])
    assert "--enable-cluster-external-secret-reconciler=false" in args_of(objs)


@pytest.mark.helm
def test_without_push_secrets_nothing_about_them_is_granted(helm: Path) -> None:
    objs = render(helm, {"processPushSecret": False})
    rules = rules_of(one(objs, "ClusterRole"))
    assert not {r for r in rules if r[1].startswith("pushsecrets")}
    assert "--enable-push-secret-reconciler=false" in args_of(objs)
    assert "--enable-cluster-push-secret-reconciler=false" in args_of(objs)
    assert "--enable-push-secret-reconciler=true" in args_of(render(helm))
    assert "--enable-cluster-push-secret-reconciler=true" in args_of(render(helm))


@pytest.mark.helm
@pytest.mark.parametrize(
    ("values", "namespace"),
    [
        pytest.param({"scopedNamespace": "team-a"}, "team-a", id="scopedNamespace"),
        pytest.param({"scopedRBAC": True}, NAMESPACE, id="scopedRBAC"),
    ],
)
def test_scoped_install_gets_a_namespaced_role(helm: Path, values: Obj, namespace: str) -> None:
    objs = render(helm, values)
    assert "ClusterRole" not in kinds(objs)
    assert "ClusterRoleBinding" not in kinds(objs)
    role = one(objs, "Role", "eso-controller")
    assert role["metadata"]["namespace"] == namespace
    assert rules_of(role) == controller_rules(STORE_KINDS)
    binding = one(objs, "RoleBinding", "eso-controller")
    assert binding["metadata"]["namespace"] == namespace
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "eso-controller",
    }
    args = args_of(objs)
    assert f"--namespace={namespace}" in args
    assert "--enable-cluster-store-reconciler=false" in args
    assert "--enable-cluster-external-secret-reconciler=false" in args
    assert "--enable-cluster-push-secret-reconciler=false" in args


WORKLOADS = ["deployments", "statefulsets", "daemonsets"]


@pytest.mark.helm
@pytest.mark.parametrize(
    ("values", "kind"),
    [
        pytest.param({}, "ClusterRole", id="cluster"),
        pytest.param({"scopedNamespace": "team-a"}, "Role", id="scoped"),
    ],
)
def test_rollout_on_change_adds_workload_patch_rbac_and_its_flags_only_when_enabled(
    helm: Path, values: Obj, kind: str
) -> None:
    off = render(helm, values)
    assert not {r for r in rules_of(one(off, kind, "eso-controller")) if r[0] == "apps"}
    assert not any("rollout" in a for a in args_of(off))

    on = render(helm, {**values, "rolloutOnChange": {"enabled": True, "minInterval": "2m"}})
    granted = rules_of(one(on, kind, "eso-controller")) - rules_of(one(off, kind, "eso-controller"))
    assert granted == triples("apps", WORKLOADS, ["get", "patch"])
    s = settings_from_args(build_parser().parse_args(args_of(on)))
    assert (s.controller.rollout_on_change, s.controller.rollout_min_interval) == (True, 120.0)


@pytest.mark.helm
def test_cluster_generators_can_be_left_out(helm: Path) -> None:
    """ESO's crds.createClusterGenerator and processClusterGenerator switches."""
    objs = render(
        helm, {"processClusterGenerator": False, "crds": {"createClusterGenerator": False}}
    )
    rules = rules_of(one(objs, "ClusterRole"))
    assert (GENERATORS, "clustergenerators", "get") not in rules
    assert (GENERATORS, "passwords", "get") in rules
    crds = {o["spec"]["names"]["kind"] for o in objs if o["kind"] == "CustomResourceDefinition"}
    assert "ClusterGenerator" not in crds
    assert {"Password", "UUID", "SSHKey", "ECRAuthorizationToken", "STSSessionToken"} <= crds


@pytest.mark.helm
def test_rbac_and_service_account_can_be_left_to_the_user(helm: Path) -> None:
    objs = render(
        helm, {"rbac": {"create": False}, "serviceAccount": {"create": False, "name": "x"}}
    )
    assert not {"ClusterRole", "Role", "RoleBinding", "ServiceAccount"} & set(kinds(objs))
    assert one(objs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "x"


# --- CRDs ----------------------------------------------------------------------------------

SAMPLE_CRD: Obj = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "externalsecrets.external-secrets.io"},
    "spec": {
        "group": "external-secrets.io",
        "names": {"kind": "ExternalSecret", "plural": "externalsecrets"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "maxProperties": 10000000}},
            }
        ],
    },
}


@pytest.fixture
def chart_with_crd(tmp_path: Path) -> Path:
    """A copy of the chart holding one known CRD, whatever manifests/crds holds today."""
    chart = tmp_path / "eso"
    shutil.copytree(CHART, chart)
    crds = chart / "files" / "crds"
    shutil.rmtree(crds, ignore_errors=True)
    crds.mkdir(parents=True)
    (crds / "sample.yaml").write_text(yaml.safe_dump(SAMPLE_CRD))
    return chart


@pytest.mark.helm
def test_crds_are_installed_unchanged_and_kept_on_uninstall(
    helm: Path, chart_with_crd: Path
) -> None:
    crd = one(render(helm, chart=chart_with_crd), "CustomResourceDefinition")
    assert crd["spec"] == SAMPLE_CRD["spec"]
    assert crd["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert crd["metadata"]["labels"]["app.kubernetes.io/name"] == "eso"


@pytest.mark.helm
def test_install_crds_false_leaves_crds_out(helm: Path, chart_with_crd: Path) -> None:
    objs = render(helm, {"installCRDs": False}, chart=chart_with_crd)
    assert "CustomResourceDefinition" not in kinds(objs)


@pytest.mark.helm
def test_chart_installs_the_generated_crds_unchanged(helm: Path) -> None:
    generated = {
        crd["metadata"]["name"]: crd
        for p in sorted((ROOT / "manifests" / "crds").glob("*.yaml"))
        for crd in yaml.safe_load_all(p.read_text())
        if crd
    }
    rendered = {
        o["metadata"]["name"]: o for o in render(helm) if o["kind"] == "CustomResourceDefinition"
    }
    assert rendered.keys() == generated.keys(), "run `make manifests`"
    for name, crd in generated.items():
        assert rendered[name]["spec"] == crd["spec"], f"{name} changed in the chart"


# --- values.schema.json --------------------------------------------------------------------


@pytest.mark.helm
def test_sharded_replicas_work_without_leader_election_and_are_kept_apart(helm: Path) -> None:
    objs = render(helm, VARIANTS["sharded"])
    args = args_of(objs)
    assert "--shards=12" in args and "--enable-leader-election=false" in args
    assert f"--leader-election-namespace={NAMESPACE}" in args
    s = settings_from_args(build_parser().parse_args(args))
    assert (s.sharding.shards, s.leader.enabled) == (12, False)
    pdb = one(objs, "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1
    pod = one(objs, "Deployment")["spec"]["template"]["spec"]
    (term,) = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert (
        term["podAffinityTerm"]["labelSelector"]["matchLabels"]
        == pdb["spec"]["selector"]["matchLabels"]
    )
    role = one(objs, "Role", "eso-leaderelection")
    assert rules_of(role) == triples(
        "coordination.k8s.io", ["leases"], ["get", "create", "update", "list", "delete"]
    )


@pytest.mark.helm
def test_one_replica_gets_no_pdb_no_anti_affinity_and_no_lease_listing(helm: Path) -> None:
    objs = render(helm)
    assert "PodDisruptionBudget" not in kinds(objs)
    assert "affinity" not in one(objs, "Deployment")["spec"]["template"]["spec"]
    assert "--shards=1" in args_of(objs)
    role = one(objs, "Role", "eso-leaderelection")
    assert rules_of(role) == triples("coordination.k8s.io", ["leases"], ["get", "create", "update"])


@pytest.mark.helm
def test_leader_election_stays_for_one_shard_with_replicas(helm: Path) -> None:
    objs = render(helm, {"replicaCount": 2, "leaderElect": True})
    assert "--enable-leader-election=true" in args_of(objs)
    assert "PodDisruptionBudget" in kinds(objs)


@pytest.mark.helm
@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param({"concurent": 4}, "concurent", id="top-level-typo"),
        pytest.param({"image": {"reposiotry": "x"}}, "reposiotry", id="image-typo"),
        pytest.param({"aws": {"batch": {"windw": "1s"}}}, "windw", id="aws-typo"),
        pytest.param(
            {"securityContext": {"readOnlyRootFileSystem": True}},
            "readOnlyRootFileSystem",
            id="security-context-typo",
        ),
        pytest.param({"serviceMonitor": {"enable": True}}, "enable", id="service-monitor-typo"),
        pytest.param({"concurrent": "8"}, "concurrent", id="string-for-integer"),
        pytest.param({"leaderElect": "yes"}, "leaderElect", id="string-for-boolean"),
        pytest.param({"storeRequeueInterval": "5 minutes"}, "storeRequeueInterval", id="duration"),
        pytest.param({"log": {"format": "text"}}, "format", id="enum"),
        pytest.param({"aws": {"batch": {"size": 50}}}, "size", id="batch-above-api-maximum"),
        pytest.param(
            {"replicaCount": 2, "leaderElect": False}, "needs leaderElect", id="replicas-no-leader"
        ),
        pytest.param({"sharding": {"shards": 0}}, "shards", id="no-slots"),
        pytest.param(
            {"aws": {"throttle": {"decrease": 1.5}}}, "decrease", id="throttle-cut-not-a-cut"
        ),
        pytest.param({"aws": {"throttle": {"resetAfter": "300"}}}, "resetAfter", id="throttle-dur"),
        pytest.param({"concurrentWaiting": -1}, "concurrentWaiting", id="negative-waiting"),
    ],
)
def test_schema_rejects_bad_values(helm: Path, values: Obj, message: str) -> None:
    out = run_helm(helm, "template", "eso", str(CHART), values=values)
    assert out.returncode != 0
    assert message in out.stderr


# --- offline validation --------------------------------------------------------------------


def all_variant_objects(helm: Path) -> Iterator[tuple[str, Obj]]:
    for name, values in VARIANTS.items():
        for o in render(helm, values):
            yield f"{name}/{o['kind']}/{o['metadata']['name']}", o


@pytest.mark.helm
def test_rendered_objects_validate_against_kubernetes_schemas(helm: Path) -> None:
    checked = set()
    for where, o in all_variant_objects(helm):
        if o["kind"] in OPERATOR_KINDS:
            continue  # prometheus-operator kinds: checked structurally below
        try:
            kubernetes_validate.validate(o, KUBE_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(f"{where}: {e.message}")
        checked.add(o["kind"])
    assert {"Deployment", "Service", "ClusterRole", "Role", "PodDisruptionBudget"} <= checked


def exported_series() -> set[str]:
    """Every sample name eso's /metrics can show (prometheus_client adds _total and friends)."""
    suffixes = {
        "counter": ["_total", "_created"],
        "histogram": ["_bucket", "_count", "_sum", "_created"],
        "gauge": [""],
        "unknown": [""],
    }
    return {
        family.name + suffix
        for family in Metrics().registry.collect()
        for suffix in suffixes[family.type]
    }


PROMQL_WORDS = {
    "sum",
    "min",
    "by",
    "rate",
    "max",
    "absent",
    "histogram_quantile",
    "topk",
    "up",
    "le",
    "without",
    "label_replace",
}


def series_in(expr: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers outside label matchers and ranges."""
    bare = re.sub(r"\b(by|without)\s*\([^)]*\)", " ", expr)
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"", " ", bare)
    names = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", bare))
    return {n for n in names if n not in PROMQL_WORDS and not n.startswith("$")}


@pytest.mark.helm
def test_service_monitor_scrapes_the_metrics_service(helm: Path) -> None:
    objs = render(helm, VARIANTS["monitoring"])
    sm, svc = one(objs, "ServiceMonitor"), one(objs, "Service")
    assert sm["apiVersion"] == "monitoring.coreos.com/v1"
    assert sm["metadata"]["labels"]["release"] == "prom"
    selector = sm["spec"]["selector"]["matchLabels"]
    assert selector.items() <= svc["metadata"]["labels"].items()
    assert sm["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    (endpoint,) = sm["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in svc["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"
    assert parse_duration(endpoint["scrapeTimeout"]) < parse_duration(endpoint["interval"])
    assert svc["spec"]["ports"][0]["targetPort"] == "metrics"
    assert svc["spec"]["selector"].items() <= (
        one(objs, "Deployment")["spec"]["template"]["metadata"]["labels"].items()
    )


@pytest.mark.helm
def test_prometheus_rule_alerts_on_eso_series(helm: Path) -> None:
    rule = one(render(helm, VARIANTS["monitoring"]), "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    (group,) = rule["spec"]["groups"]
    alerts = {r["alert"]: r for r in group["rules"]}
    assert set(alerts) == {
        "ExternalSecretSyncErrors",
        "SecretStoreNotReady",
        "ClusterSecretStoreNotReady",
        "ClusterExternalSecretNotReady",
        "PushSecretNotReady",
        "ClusterPushSecretNotReady",
        "ESOWorkqueueBacklog",
        "ESOControllerDown",
        "ESOProviderThrottled",
    }
    known = exported_series() | {"up"}
    for name, r in alerts.items():
        assert set(r) == {"alert", "expr", "for", "labels", "annotations"}, name
        assert r["labels"]["severity"] in {"warning", "critical"}
        assert r["annotations"]["summary"] and r["annotations"]["description"]
        parse_duration(r["for"])
        assert series_in(r["expr"]) <= known, name
    assert alerts["ESOWorkqueueBacklog"]["for"] == "10m"
    assert "> 1000" in alerts["ESOWorkqueueBacklog"]["expr"]


@pytest.mark.helm
def test_grafana_dashboard_plots_eso_series(helm: Path) -> None:
    cm = one(render(helm, VARIANTS["monitoring"]), "ConfigMap")
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = json.loads(cm["data"]["eso.json"])
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = set().union(*(series_in(e) for e in exprs))
    assert used <= exported_series()
    assert {
        "externalsecret_sync_calls_total",
        "externalsecret_sync_calls_error",
        "eso_externalsecret_reconcile_duration_seconds_bucket",
        "workqueue_depth",
        "externalsecret_provider_api_calls_count",
        "clusterexternalsecret_status_condition",
        "eso_clusterexternalsecret_reconcile_duration_seconds_bucket",
        "eso_provider_throttled_calls_total",
        "eso_provider_allowed_rate",
        "pushsecret_status_condition",
        "eso_pushsecret_reconcile_duration_seconds_bucket",
        "clusterpushsecret_status_condition",
    } <= used
    assert any("histogram_quantile(0.99" in e for e in exprs)
    assert any("histogram_quantile(0.5" in e for e in exprs)


# --- monitoring under the ServiceMonitor we ship (issue 14) --------------------------------

JOB = "eso-metrics"
OBJECT_NS = '"namespace", "$1", "exported_namespace", "(.+)"'
# Per-object series: their `namespace` label is the object's, which a scrape with honor_labels
# false renames `exported_namespace`.
PER_OBJECT = ("externalsecret_", "secretstore_status_condition", "pushsecret_status_condition")


def rules(objs: list[Obj]) -> dict[str, Any]:
    return {r["alert"]: r for r in one(objs, "PrometheusRule")["spec"]["groups"][0]["rules"]}


def dashboard_exprs(objs: list[Obj]) -> dict[str, list[str]]:
    dashboard = json.loads(one(objs, "ConfigMap")["data"]["eso.json"])
    return {p["title"]: [t["expr"] for t in p["targets"]] for p in dashboard["panels"]}


@pytest.mark.helm
def test_service_monitor_honors_esos_labels_by_default(helm: Path) -> None:
    """Item 1: the object's ``namespace`` wins over the target's unless the user says no."""
    (endpoint,) = one(render(helm, VARIANTS["monitoring"]), "ServiceMonitor")["spec"]["endpoints"]
    assert endpoint["honorLabels"] is True
    values = {"serviceMonitor": {"enabled": True, "honorLabels": False}}
    (endpoint,) = one(render(helm, values), "ServiceMonitor")["spec"]["endpoints"]
    assert endpoint["honorLabels"] is False


@pytest.mark.helm
def test_every_namespace_grouping_reads_the_objects_namespace(helm: Path) -> None:
    """Item 1: queries grouping per-object series by namespace restore it from
    ``exported_namespace``, so they hold whatever ``honorLabels`` is."""
    objs = render(helm, VARIANTS["monitoring"])
    exprs = [r["expr"] for r in rules(objs).values()]
    exprs += [e for panel in dashboard_exprs(objs).values() for e in panel]
    grouped = [e for e in exprs if "namespace" in e and any(s in e for s in PER_OBJECT)]
    assert len(grouped) >= 4
    for expr in grouped:
        assert "label_replace(" in expr and OBJECT_NS in expr, expr


@pytest.mark.helm
def test_controller_down_selects_on_the_job_alone(helm: Path) -> None:
    """Item 2: a scrape without the operator's labels has no ``namespace`` on ``up``."""
    expr = rules(render(helm, VARIANTS["monitoring"]))["ESOControllerDown"]["expr"]
    assert expr == f'absent(up{{job="{JOB}"}} == 1)'


@pytest.mark.helm
def test_sync_errors_alert_watches_the_ready_condition_not_a_rate(helm: Path) -> None:
    """Item 3: a failure retried every 5 minutes leaves Ready False in between."""
    expr = rules(render(helm, VARIANTS["monitoring"]))["ExternalSecretSyncErrors"]["expr"]
    assert "rate(" not in expr
    assert (
        'externalsecret_status_condition{job="eso-metrics", condition="Ready", status="False"}'
        in expr
    )
    assert expr.endswith("== 1")


@pytest.mark.helm
def test_alert_durations_come_from_values(helm: Path) -> None:
    durations = {"syncErrors": "1m", "storeNotReady": "2m", "workqueueBacklog": "3m"}
    values = {"prometheusRule": {"enabled": True, "durations": durations}}
    got = {name: r["for"] for name, r in rules(render(helm, values)).items()}
    assert got == {
        "ExternalSecretSyncErrors": "1m",
        "SecretStoreNotReady": "2m",
        "ClusterSecretStoreNotReady": "2m",
        "ClusterExternalSecretNotReady": "1m",
        "PushSecretNotReady": "1m",
        "ClusterPushSecretNotReady": "1m",
        "ESOWorkqueueBacklog": "3m",
        "ESOControllerDown": "5m",
        "ESOProviderThrottled": "15m",
    }
    assert (
        "1m"
        in rules(render(helm, values))["ExternalSecretSyncErrors"]["annotations"]["description"]
    )


@pytest.mark.helm
def test_dashboard_shows_batch_outcomes_and_the_leader(helm: Path) -> None:
    """Items 6 and 7: missing keys inside a batch, and whether a replica may write."""
    panels = dashboard_exprs(render(helm, VARIANTS["monitoring"]))
    (batch,) = panels["Batch reads by outcome"]
    assert "eso_provider_batch_secrets_total" in batch and "outcome" in batch
    (leader,) = panels["Leader"]
    assert "leader_election_master_status" in leader


# --- evaluated by promtool -----------------------------------------------------------------

# The labels a series arrives with, per scrape shape; {ns} is the object's namespace.
TARGET = f'job="{JOB}", instance="10.0.0.7:8080", pod="eso-0", service="{JOB}"'
SHAPES = {
    "honor-labels-true": f'{TARGET}, namespace="{{ns}}"',
    "honor-labels-false": f'{TARGET}, namespace="{NAMESPACE}", exported_namespace="{{ns}}"',
    "static-target": f'job="{JOB}", instance="127.0.0.1:8080", namespace="{{ns}}"',
}


def _series(metric: str, shape: str, ns: str, extra: str, values: str) -> dict[str, str]:
    labels = SHAPES[shape].format(ns=ns)
    return {"series": f"{metric}{{{labels}, {extra}}}", "values": values}


def _expected(rule: Obj, *, namespace: str, name: str) -> dict[str, Any]:
    """The alert ``rule`` should raise for one object: its labels and filled-in annotations."""

    def fill(text: str) -> str:
        return text.replace("{{ $labels.namespace }}", namespace).replace(
            "{{ $labels.name }}", name
        )

    return {
        "exp_labels": {**rule["labels"], "namespace": namespace, "name": name},
        "exp_annotations": {k: fill(v) for k, v in rule["annotations"].items()},
    }


def _rule_tests(shape: str, alerts: dict[str, Obj]) -> dict[str, Any]:
    ready = 'condition="Ready", status="False"'
    es, store = "externalsecret_status_condition", "secretstore_status_condition"
    # Two ExternalSecrets named "app": team-b's has failed for 15 minutes (its error counter
    # rises once per 5-minute retry), team-a's is fine; SecretStore team-b/s is not Ready.
    series = [
        _series(es, shape, "team-b", f'name="app", {ready}', "1x15"),
        _series(es, shape, "team-a", f'name="app", {ready}', "0x15"),
        _series("externalsecret_sync_calls_error", shape, "team-b", 'name="app"', "1x4 2x4 3x4"),
        _series(store, shape, "team-b", f'name="s", {ready}', "1x15"),
        {"series": f"up{{{SHAPES[shape].format(ns=NAMESPACE)}}}", "values": "1x15"},
    ]
    sync, not_ready = alerts["ExternalSecretSyncErrors"], alerts["SecretStoreNotReady"]
    expected = [
        ("ExternalSecretSyncErrors", [_expected(sync, namespace="team-b", name="app")]),
        ("SecretStoreNotReady", [_expected(not_ready, namespace="team-b", name="s")]),
        ("ESOControllerDown", []),
    ]
    return {
        "interval": "1m",
        "input_series": series,
        "alert_rule_test": [
            {"eval_time": "12m", "alertname": name, "exp_alerts": exp} for name, exp in expected
        ],
    }


@pytest.mark.helm
@pytest.mark.parametrize("shape", list(SHAPES))
def test_rules_fire_for_the_right_object_under_every_scrape_shape(
    helm: Path, tmp_path: Path, shape: str
) -> None:
    """Items 1-3 under promtool: one alert per broken object, with its own namespace and name,
    after 10 minutes of failure retried every 5; no ESOControllerDown while ``up`` is 1."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (make promtool)")
    rule = one(render(helm, VARIANTS["monitoring"]), "PrometheusRule")
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    alerts = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    tests = {"rule_files": ["rules.yml"], "tests": [_rule_tests(shape, alerts)]}
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(tests))
    out = subprocess.run(
        [promtool, "test", "rules", "tests.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.helm
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param({}, {"minAvailable": 1}, id="minAvailable"),
        pytest.param({"maxUnavailable": "50%"}, {"maxUnavailable": "50%"}, id="maxUnavailable"),
    ],
)
def test_pod_disruption_budget(helm: Path, values: Obj, expected: Obj) -> None:
    objs = render(helm, {"podDisruptionBudget": {"enabled": True, **values}})
    spec = one(objs, "PodDisruptionBudget")["spec"]
    assert {k: v for k, v in spec.items() if k != "selector"} == expected
    assert spec["selector"]["matchLabels"].items() <= (
        one(objs, "Deployment")["spec"]["template"]["metadata"]["labels"].items()
    )


# --- the install bundle ----------------------------------------------------------------------


@pytest.mark.helm
def test_install_yaml_is_rendered_from_the_current_chart(helm: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "render-manifests"),
            "--check",
            "--helm",
            str(helm),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr


def test_install_yaml_starts_with_its_namespace() -> None:
    docs = [d for d in yaml.safe_load_all((ROOT / "manifests" / "install.yaml").read_text()) if d]
    assert docs[0]["kind"] == "Namespace"
    assert docs[0]["metadata"]["name"] == NAMESPACE
    assert {"Deployment", "ServiceAccount", "ClusterRole"} <= {d["kind"] for d in docs}


# --- Dockerfile ----------------------------------------------------------------------------


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages, each a list of (INSTRUCTION, arguments)."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [ln for ln in text.replace("\\\n", " ").splitlines() if ln.strip()]
    stages: list[list[tuple[str, str]]] = []
    for line in lines:
        if line.lstrip().startswith("#"):
            continue
        op, _, rest = line.strip().partition(" ")
        if op.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((op.upper(), rest.strip()))
    return stages


def test_dockerfile_is_multi_stage_and_final_stage_is_clean() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    final = stages[-1]
    assert not [args for op, args in final if op == "RUN"], "final stage must not build"
    assert any(op == "COPY" and args.startswith("--from=") for op, args in final)


def test_image_runs_eso_as_numeric_non_root_user() -> None:
    final = dict(dockerfile_stages()[-1])
    assert re.fullmatch(r"[0-9]+(:[0-9]+)?", final["USER"])
    assert int(final["USER"].split(":")[0]) != 0
    assert json.loads(final["ENTRYPOINT"]) == ["eso"]
    assert json.loads(final["CMD"]) == ["run"]


def test_dockerignore_keeps_the_build_context_small() -> None:
    """Everything is ignored but what the build copies, so .venv and .tools never leak in."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in lines
    assert {"!pyproject.toml", "!README.md", "!eso/"} <= set(lines)


@pytest.mark.helm
def test_ces_alert_fires_for_the_failing_cluster_external_secret_only(
    helm: Path, tmp_path: Path
) -> None:
    """Under promtool: a CES not Ready for 10 minutes alerts under its name; a Ready one not."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (make promtool)")
    rule = one(render(helm, VARIANTS["monitoring"]), "PrometheusRule")
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    alert = rules(render(helm, VARIANTS["monitoring"]))["ClusterExternalSecretNotReady"]
    series = "clusterexternalsecret_status_condition"
    labels = f'{TARGET}, namespace="{NAMESPACE}", condition="Ready", status="False"'
    fill = {k: v.replace("{{ $labels.name }}", "fleet") for k, v in alert["annotations"].items()}
    test = {
        "interval": "1m",
        "input_series": [
            {"series": f'{series}{{{labels}, name="fleet"}}', "values": "1x15"},
            {"series": f'{series}{{{labels}, name="fine"}}', "values": "0x15"},
        ],
        "alert_rule_test": [
            {
                "eval_time": "12m",
                "alertname": "ClusterExternalSecretNotReady",
                "exp_alerts": [
                    {
                        "exp_labels": {**alert["labels"], "name": "fleet"},
                        "exp_annotations": fill,
                    }
                ],
            }
        ],
    }
    tests = {"rule_files": ["rules.yml"], "tests": [test]}
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(tests))
    out = subprocess.run(
        [promtool, "test", "rules", "tests.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
