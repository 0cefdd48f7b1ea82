"""The generated CRDs: committed files are current, schemas are structural and agree with the
models field for field, names/versions/columns are ESO's, and the CEL rules compile and stay
within the API server's cost budget."""

from __future__ import annotations

import copy
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import celpy
import kubernetes_validate
import pytest

from eso.api.crdgen import (
    CRDS,
    GENERATOR_CRDS,
    build_crd,
    main,
    render,
    root_schema,
    write_all,
)
from eso.api.meta import EsoModel

CRD_DIR = Path(__file__).resolve().parents[3] / "manifests" / "crds"
IDS = [c.kind for c in CRDS]
ES_CRDS = [c for c in CRDS if c not in GENERATOR_CRDS and c.versions[0] == "v1"]


def crd_named(kind: str) -> dict[str, Any]:
    return build_crd(next(c for c in CRDS if c.kind == kind))


def nodes(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from nodes(sub, f"{path}.{name}")
    if "items" in schema:
        yield from nodes(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from nodes(schema["additionalProperties"], f"{path}{{}}")


@pytest.mark.parametrize("crd", CRDS, ids=IDS)
def test_committed_crd_files_are_up_to_date(crd: Any) -> None:
    """Run `make manifests` (or `python -m eso.api.crdgen manifests/crds`) when this fails."""
    assert (CRD_DIR / crd.file_name).read_text(encoding="utf-8") == render(crd)


def test_check_mode_reports_stale_files_without_writing(tmp_path: Path) -> None:
    assert len(write_all(tmp_path)) == len(CRDS)
    assert write_all(tmp_path, check=True) == []
    stale = tmp_path / "secretstore.yaml"
    stale.write_text("stale\n")
    assert main([str(tmp_path), "--check"]) == 1
    assert stale.read_text() == "stale\n"
    assert main([str(tmp_path)]) == 0
    assert main([str(tmp_path), "--check"]) == 0


@pytest.mark.parametrize("crd", CRDS, ids=IDS)
def test_schema_is_structural(crd: Any) -> None:
    """Every node typed; anyOf only for int-or-string; no $ref; metadata left to the server."""
    schema = root_schema(crd.model)
    assert schema["properties"]["metadata"] == {"type": "object"}
    for path, node in nodes(schema):
        assert "$ref" not in node, path
        if node.get("x-kubernetes-int-or-string"):
            assert node["anyOf"] == [{"type": "integer"}, {"type": "string"}], path
            continue
        assert "anyOf" not in node and "oneOf" not in node, path
        assert node.get("type") in {"object", "array", "string", "integer", "boolean"}, path
        if node.get("x-kubernetes-preserve-unknown-fields"):
            assert node["type"] == "object", path


@pytest.mark.parametrize("crd", CRDS, ids=IDS)
def test_crd_is_a_valid_kubernetes_object(crd: Any) -> None:
    for version in ("1.30.0", "1.32.0"):
        kubernetes_validate.validate(build_crd(crd), version, strict=True)


def nested_models(tp: Any) -> list[type[EsoModel]]:
    origin = get_origin(tp)
    if origin is Annotated:
        return nested_models(get_args(tp)[0])
    if origin in (Union, types.UnionType, list, dict):
        return [m for arg in get_args(tp) for m in nested_models(arg)]
    return [tp] if isinstance(tp, type) and issubclass(tp, EsoModel) else []


def disagreements(model: type[EsoModel], schema: dict[str, Any], path: str) -> Iterator[str]:
    """Fields the model has and the schema lacks, or the reverse, recursively."""
    while schema.get("type") == "array" or isinstance(schema.get("additionalProperties"), dict):
        schema = schema["items"] if schema["type"] == "array" else schema["additionalProperties"]
    fields = {(info.alias or name): info for name, info in model.model_fields.items()}
    opaque = set(getattr(model, "crd_opaque_properties", ()))
    props = schema.get("properties", {})
    for missing in sorted(set(fields) - set(props)):
        yield f"{path}.{missing}: in the model, not in the schema"
    for extra in sorted(set(props) - set(fields) - opaque):
        yield f"{path}.{extra}: in the schema, not in the model"
    for alias, info in fields.items():
        for sub_model in nested_models(info.annotation):
            if alias in props:
                yield from disagreements(sub_model, props[alias], f"{path}.{alias}")


@pytest.mark.parametrize("crd", CRDS, ids=IDS)
def test_schema_and_model_have_the_same_fields(crd: Any) -> None:
    schema = root_schema(crd.model)
    top = {(i.alias or n) for n, i in crd.model.model_fields.items()}
    assert top == set(schema["properties"])
    problems = [
        p
        for name in ("spec", "status")
        if name in crd.model.model_fields  # generator kinds have no status
        for m in nested_models(crd.model.model_fields[name].annotation)
        for p in disagreements(m, schema["properties"][name], name)
    ]
    assert problems == []


def test_agreement_check_notices_a_missing_or_extra_field() -> None:
    model = crd_named_model("ExternalSecret")
    schema = copy.deepcopy(root_schema(model))
    target = schema["properties"]["spec"]["properties"]["target"]["properties"]
    del target["immutable"]
    target["surprise"] = {"type": "string"}
    spec_model = nested_models(model.model_fields["spec"].annotation)[0]
    assert list(disagreements(spec_model, schema["properties"]["spec"], "spec")) == [
        "spec.target.immutable: in the model, not in the schema",
        "spec.target.surprise: in the schema, not in the model",
    ]


@pytest.mark.parametrize("crd", ES_CRDS, ids=[c.kind for c in ES_CRDS])
def test_names_versions_and_subresources_follow_eso(crd: Any) -> None:
    obj = build_crd(crd)
    spec = obj["spec"]
    assert obj["metadata"]["name"] == f"{crd.plural}.external-secrets.io"
    assert spec["names"]["categories"] == ["external-secrets"]
    assert spec["names"]["shortNames"] == [
        {
            "ExternalSecret": "es",
            "SecretStore": "ss",
            "ClusterSecretStore": "css",
            "ClusterExternalSecret": "ces",
        }[crd.kind]
    ]
    assert spec["scope"] == ("Cluster" if crd.kind.startswith("Cluster") else "Namespaced")
    v1, v1beta1 = spec["versions"]
    assert (v1["name"], v1["served"], v1["storage"]) == ("v1", True, True)
    assert (v1beta1["name"], v1beta1["served"], v1beta1["storage"]) == ("v1beta1", True, False)
    assert v1["schema"] == v1beta1["schema"]
    assert v1["subresources"] == {"status": {}}


@pytest.mark.parametrize("crd", GENERATOR_CRDS, ids=[c.kind for c in GENERATOR_CRDS])
def test_generator_kinds_are_served_as_eso_serves_them(crd: Any) -> None:
    obj = build_crd(crd)
    spec = obj["spec"]
    assert obj["metadata"]["name"] == f"{crd.plural}.generators.external-secrets.io"
    assert spec["names"]["categories"] == ["external-secrets", "external-secrets-generators"]
    assert "shortNames" not in spec["names"]
    assert spec["scope"] == ("Cluster" if crd.kind == "ClusterGenerator" else "Namespaced")
    (version,) = spec["versions"]
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"] == {"status": {}}


@pytest.mark.parametrize(("kind", "short"), [("PushSecret", ["ps"]), ("ClusterPushSecret", None)])
def test_push_kinds_are_served_as_v1alpha1_only_as_in_eso(kind: str, short: Any) -> None:
    if kind not in IDS:
        pytest.fail(f"{kind} has no CRD")
    spec = crd_named(kind)["spec"]
    assert [(v["name"], v["served"], v["storage"]) for v in spec["versions"]] == [
        ("v1alpha1", True, True)
    ]
    assert spec["names"].get("shortNames") == short
    assert spec["versions"][0]["subresources"] == {"status": {}}


def test_printer_columns() -> None:
    def columns(kind: str) -> dict[str, str]:
        version = crd_named(kind)["spec"]["versions"][0]
        return {c["name"]: c["jsonPath"] for c in version["additionalPrinterColumns"]}

    ready = '.status.conditions[?(@.type=="Ready")]'
    es = columns("ExternalSecret")
    assert es["Store"] == ".spec.secretStoreRef.name"
    assert es["Refresh Interval"] == ".spec.refreshInterval"
    assert es["Status"] == f"{ready}.reason"
    assert es["Ready"] == f"{ready}.status"
    for kind in ("SecretStore", "ClusterSecretStore"):
        assert columns(kind) == {
            "AGE": ".metadata.creationTimestamp",
            "Status": f"{ready}.reason",
            "Capabilities": ".status.capabilities",
            "Ready": f"{ready}.status",
        }
    assert columns("ClusterExternalSecret") == {
        "Store": ".spec.externalSecretSpec.secretStoreRef.name",
        "Refresh Interval": ".spec.refreshTime",
        "Ready": f"{ready}.status",
    }


def test_server_side_defaults_match_esos_v1_crd() -> None:
    spec = root_schema(crd_named_model("ExternalSecret"))["properties"]["spec"]["properties"]
    assert spec["refreshInterval"]["default"] == "1h0m0s"
    assert spec["target"]["default"] == {"creationPolicy": "Owner", "deletionPolicy": "Retain"}
    target = spec["target"]["properties"]
    assert (target["creationPolicy"]["default"], target["deletionPolicy"]["default"]) == (
        "Owner",
        "Retain",
    )
    remote_ref = spec["data"]["items"]["properties"]["remoteRef"]["properties"]
    assert not any("default" in remote_ref[f] for f in remote_ref), "ESO v1 defaults these in code"
    assert "default" not in spec["refreshPolicy"]
    assert "default" not in spec["secretStoreRef"]["properties"]["kind"]
    rewrite = spec["dataFrom"]["items"]["properties"]["rewrite"]["items"]["properties"]
    assert rewrite["merge"]["properties"]["into"]["default"] == ""
    status = root_schema(crd_named_model("ExternalSecret"))["properties"]["status"]["properties"]
    assert status["binding"]["properties"]["name"]["default"] == ""  # LocalObjectReference's


def crd_named_model(kind: str) -> type[EsoModel]:
    return next(c.model for c in CRDS if c.kind == kind)


def all_rules() -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    for crd in CRDS:
        for path, node in nodes(root_schema(crd.model)):
            for rule in node.get("x-kubernetes-validations", []):
                yield crd.kind, path, node, rule


RULES = list(all_rules())
RULE_IDS = [f"{kind}{path}:{rule['message'][:40]}" for kind, path, _, rule in RULES]


@pytest.mark.parametrize(("kind", "path", "node", "rule"), RULES, ids=RULE_IDS)
def test_cel_rule_compiles(
    kind: str, path: str, node: dict[str, Any], rule: dict[str, Any]
) -> None:
    celpy.Environment().compile(rule["rule"])
    assert rule["message"]


_ITERATION = re.compile(r"self\.([\w.]+)\.(all|exists|exists_one|filter|map)\(")
_STRING_SCAN = re.compile(r"\b(\w+)\.(\w+)\.(matches|lowerAscii|upperAscii|contains)\(")


@pytest.mark.parametrize(("kind", "path", "node", "rule"), RULES, ids=RULE_IDS)
def test_rules_only_iterate_bounded_lists(
    kind: str, path: str, node: dict[str, Any], rule: dict[str, Any]
) -> None:
    """kube-apiserver estimates an unbounded list or string from the request size limit and
    rejects the CRD when a rule could exceed its cost budget; every iterated list and every
    scanned string needs maxItems / maxLength."""
    for match in _ITERATION.finditer(rule["rule"]):
        target = node
        for step in match.group(1).split("."):
            target = target["properties"][step]
        assert target["type"] == "array" and "maxItems" in target, match.group(0)
        for var_match in _STRING_SCAN.finditer(rule["rule"]):
            field = target["items"]["properties"].get(var_match.group(2))
            if field is not None:
                assert "maxLength" in field, var_match.group(0)
