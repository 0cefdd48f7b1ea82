"""``templating.render``: ESO's ApplyTemplate over fetched values and template sources.

Table tests from one valid template plus small tweaks; every error path checks ESO's full
message and that no value appears in it.
"""

from __future__ import annotations

from typing import Any

import pytest

from eso.api.template import ExternalSecretTemplate
from eso.controllers.externalsecret.indexes import es_template_source_index
from eso.controllers.externalsecret.templating import (
    Engine,
    Rendered,
    RenderError,
    TemplateSources,
    render,
    template_source_names,
)
from eso.template import Limits
from eso.template.functions.library import function_map

ENGINE = Engine(funcs=function_map())
DATA = {"user": b"admin", "password": b"s3cr3t-VALUE", "blob": b"\xff\x00\xfe"}
SOURCES = TemplateSources(
    config_maps={
        "tpl": {
            "config.yaml": "user: {{ .user }}",
            "pairs": "a: '{{ .user }}'\nb: fixed",
            "bad": "{{ .nope }}",
            "list": "- a\n- b",
            "number": "a: 1",
        }
    },
    secrets={"stpl": {"url": b"https://{{ .user }}@db"}},
)
UPDATE = "could not apply template: "
EXEC = UPDATE + "could not execute template: could not execute template: "
FROM = UPDATE + "error fetching templateFrom data: "


def _render(
    spec: dict[str, Any], *, data: dict[str, bytes] | None = None, engine: Engine = ENGINE
) -> Rendered:
    template = ExternalSecretTemplate.model_validate(spec)
    return render(template, data=DATA if data is None else data, sources=SOURCES, engine=engine)


def _cm(key: str, template_as: str = "Values", target: str = "Data") -> dict[str, Any]:
    items = [{"key": key, "templateAs": template_as}]
    return {"templateFrom": [{"configMap": {"name": "tpl", "items": items}, "target": target}]}


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        pytest.param({}, DATA, id="no-templates-keeps-fetched-data"),
        pytest.param({"data": {"k": "{{ .user }}"}}, {"k": b"admin"}, id="data-replace"),
        pytest.param(
            {"data": {"k": "{{ .user }}"}, "mergePolicy": "Merge"},
            {**DATA, "k": b"admin"},
            id="data-merge",
        ),
        pytest.param(
            {"data": {"user": "x"}, "mergePolicy": "Merge"},
            {**DATA, "user": b"x"},
            id="data-template-wins-over-fetched",
        ),
        pytest.param(
            {"data": {"raw": "{{ .blob }}"}}, {"raw": b"\xff\x00\xfe"}, id="binary-round-trip"
        ),
        pytest.param(
            {"data": {"q": "{{ .password | urlquery }}"}}, {"q": b"s3cr3t-VALUE"}, id="funcs"
        ),
        pytest.param(_cm("config.yaml"), {"config.yaml": b"user: admin"}, id="configmap-values"),
        pytest.param(
            _cm("pairs", "KeysAndValues"), {"a": b"admin", "b": b"fixed"}, id="configmap-kv"
        ),
        pytest.param(
            {"templateFrom": [{"secret": {"name": "stpl", "items": [{"key": "url"}]}}]},
            {"url": b"https://admin@db"},
            id="secret-values",
        ),
        pytest.param(
            {"templateFrom": [{"literal": "lit: '{{ .user }}'"}]}, {"lit": b"admin"}, id="literal"
        ),
        pytest.param(
            {"templateFrom": [{"literal": "k: from"}], "data": {"k": "data"}},
            {"k": b"data"},
            id="data-wins-over-template-from",
        ),
        pytest.param(
            {"templateFrom": [{"literal": "k: YWRtaW4=", "valuesDecodingStrategy": "Base64"}]},
            {"k": b"admin"},
            id="values-decoding-strategy",
        ),
        pytest.param({"templateFrom": [{"literal": "k: ~"}]}, {"k": b""}, id="yaml-null-is-empty"),
    ],
)
def test_rendered_data(spec: dict[str, Any], want: dict[str, bytes]) -> None:
    assert _render(spec).data == want


def test_type_and_metadata_are_templated() -> None:
    out = _render(
        {
            "type": "kubernetes.io/basic-auth",
            "metadata": {
                "labels": {"app": "{{ .user }}", "plain": "p"},
                "annotations": {"note": "for {{ .user }}"},
                "finalizers": ["example.com/keep"],
            },
            "data": {"username": "{{ .user }}"},
        }
    )
    assert out.shape.type == "kubernetes.io/basic-auth"
    assert out.shape.labels == {"app": "admin", "plain": "p"}
    assert out.shape.annotations == {"note": "for admin"}
    assert out.shape.finalizers == ("example.com/keep",)
    assert out.shape.data_keys == ("username",)


@pytest.mark.parametrize("target", ["Labels", "labels", "Annotations"])
def test_template_from_targets_metadata(target: str) -> None:
    out = _render({**_cm("pairs", "KeysAndValues", target), "data": {"k": "v"}})
    where = out.shape.labels if target.lower() == "labels" else out.shape.annotations
    assert where == {"a": "admin", "b": "fixed"}
    assert out.data == {"k": b"v"}


def test_rendered_metadata_wins_over_template_from_metadata() -> None:
    spec = {**_cm("pairs", "KeysAndValues", "Labels"), "metadata": {"labels": {"a": "meta"}}}
    assert _render(spec).shape.labels == {"a": "meta", "b": "fixed"}


def test_custom_delimiters() -> None:
    engine = Engine(funcs=function_map(), left="<<", right=">>")
    assert _render({"data": {"k": "<< .user >> {{ x }}"}}, engine=engine).data == {
        "k": b"admin {{ x }}"
    }


def test_source_names() -> None:
    spec = {
        **_cm("pairs"),
        "templateFrom": [*_cm("a")["templateFrom"], {"secret": {"name": "s", "items": []}}],
    }
    assert template_source_names(ExternalSecretTemplate.model_validate(spec)) == ({"tpl"}, {"s"})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(
            {"data": {"k": "{{ .nope }}"}},
            EXEC + "unable to execute template at key k: unable to execute template at key k: "
            'template: k:1:3: executing "k" at <.nope>: map has no entry for key "nope"',
            id="missing-key",
        ),
        pytest.param(
            {"data": {"k": "{{ .user "}},
            EXEC + "unable to execute template at key k: unable to parse template at key k: "
            "template: k:1: unclosed action",
            id="parse-error",
        ),
        pytest.param(
            {"data": {"k": "{{ nosuch .user }}"}},
            EXEC + "unable to execute template at key k: unable to parse template at key k: "
            'template: k:1: function "nosuch" not defined',
            id="unknown-function",
        ),
        pytest.param(
            {"metadata": {"labels": {"l": "{{ .nope }}"}}},
            EXEC + "unable to execute template at key l: unable to execute template at key l: "
            'template: l:1:3: executing "l" at <.nope>: map has no entry for key "nope"',
            id="label-template",
        ),
        pytest.param(
            _cm("bad"),
            FROM + "unable to execute template at key bad: unable to execute template at key "
            'bad: template: bad:1:3: executing "bad" at <.nope>: map has no entry for key "nope"',
            id="template-from-values",
        ),
        pytest.param(
            _cm("missing"),
            FROM + "error in configmap tpl: missing key missing",
            id="cm-missing-key",
        ),
        pytest.param(
            {"templateFrom": [{"configMap": {"name": "gone", "items": [{"key": "k"}]}}]},
            FROM + 'configmaps "gone" not found',
            id="cm-not-found",
        ),
        pytest.param(
            {"templateFrom": [{"secret": {"name": "stpl", "items": [{"key": "k"}]}}]},
            FROM + "error in secret stpl: missing key k",
            id="secret-missing-key",
        ),
        pytest.param(
            {"templateFrom": [{"secret": {"name": "gone", "items": [{"key": "k"}]}}]},
            FROM + 'secrets "gone" not found',
            id="secret-not-found",
        ),
        pytest.param(
            _cm("list", "KeysAndValues"),
            FROM + "could not unmarshal template to 'map[string][]byte': error unmarshaling JSON: "
            "while decoding JSON: json: cannot unmarshal array into Go value of type "
            "map[string]string",
            id="kv-not-a-map",
        ),
        pytest.param(
            _cm("number", "KeysAndValues"),
            FROM + "could not unmarshal template to 'map[string][]byte': error unmarshaling JSON: "
            "while decoding JSON: json: cannot unmarshal number into Go value of type string",
            id="kv-not-a-string",
        ),
        pytest.param(
            {
                "templateFrom": [
                    {"literal": "k: '{{ .password }}'", "valuesDecodingStrategy": "Base64"}
                ]
            },
            FROM + "failed to decode rendered template value for key k: error applying decoding "
            "strategy Base64 to data: illegal base64 data",
            id="decoding-fails",
        ),
        pytest.param(
            {"templateFrom": [{"literal": "k: v", "target": "spec"}]},
            FROM + "unsupported template target spec: expected Data, Annotations or Labels",
            id="unknown-target",
        ),
    ],
)
def test_errors_read_as_esos_and_carry_no_value(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(RenderError) as info:
        _render(spec)
    assert str(info.value) == message
    assert all(v.decode("latin-1") not in str(info.value) for v in DATA.values())


def test_hostile_template_is_capped_and_says_so() -> None:
    engine = Engine(funcs=function_map(), limits=Limits(max_steps=1000))
    with pytest.raises(RenderError) as info:
        _render({"data": {"k": "{{ range $i := until 100000 }}x{{ end }}"}}, engine=engine)
    assert "exceeded the limit of 1000 evaluation steps" in str(info.value)


def test_huge_output_is_capped() -> None:
    with pytest.raises(RenderError) as info:
        _render({"data": {"k": '{{ repeat 100000000 "x" }}'}})
    assert "limit" in str(info.value)


def test_external_secrets_are_indexed_by_the_sources_their_templates_name() -> None:
    es = {
        "metadata": {"namespace": "ns", "name": "app"},
        "spec": {
            "target": {
                "template": {
                    "templateFrom": [
                        {"configMap": {"name": "tpl", "items": []}},
                        {"secret": {"name": "stpl", "items": []}, "configMap": None},
                        {"literal": "x: y"},
                    ]
                }
            }
        },
    }
    assert es_template_source_index(es) == ["ConfigMap/ns/tpl", "Secret/ns/stpl"]
    assert es_template_source_index({"metadata": {"namespace": "ns"}, "spec": {}}) == []
