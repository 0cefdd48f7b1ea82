"""``dataFrom[].sourceRef.generatorRef`` in the fetch: another map, rewritten and key-checked
as ESO does, failing only its entry; and the refs a generator may be read through."""

from __future__ import annotations

from typing import Any

import pytest

from eso.api.models import ExternalSecret, GeneratorRef
from eso.controllers.externalsecret.fetch import fetch_all
from eso.controllers.externalsecret.generators import resource_of
from eso.generators.base import GeneratorError

API = "generators.external-secrets.io/v1alpha1"


def _es(*data_from: dict[str, Any], data: list[dict[str, Any]] | None = None) -> ExternalSecret:
    spec = {"dataFrom": list(data_from), "data": data or []}
    return ExternalSecret.model_validate(
        {"metadata": {"name": "x", "namespace": "n"}, "spec": spec}
    )


def _gen(name: str, **extra: Any) -> dict[str, Any]:
    ref = {"apiVersion": API, "kind": "Password", "name": name}
    return {"sourceRef": {"generatorRef": ref}, **extra}


def _generator(values: dict[str, Any]):  # type: ignore[no-untyped-def]
    calls: list[str] = []

    async def generate(ref: GeneratorRef) -> dict[str, bytes]:
        calls.append(ref.name)
        got = values[ref.name]
        if isinstance(got, Exception):
            raise got
        return dict(got)

    generate.calls = calls  # type: ignore[attr-defined]
    return generate


async def test_generated_values_merge_in_data_from_order() -> None:
    gen = _generator({"a": {"password": b"one"}, "b": {"password": b"two", "other": b"x"}})
    fetched = await fetch_all(_es(_gen("a"), _gen("b")), None, max_age=None, generate=gen)
    assert fetched.data == {"password": b"two", "other": b"x"}
    assert fetched.errors == []
    assert gen.calls == ["a", "b"]  # type: ignore[attr-defined]


async def test_generated_values_are_not_decoded_or_converted() -> None:
    gen = _generator({"a": {"password": b"aGk="}})
    fetched = await fetch_all(_es(_gen("a")), None, max_age=None, generate=gen)
    assert fetched.data == {"password": b"aGk="}


async def test_a_rewrite_renames_generated_keys() -> None:
    rewrite = [{"regexp": {"source": "^pass", "target": "db-pass"}}]
    gen = _generator({"a": {"password": b"v"}})
    fetched = await fetch_all(_es(_gen("a", rewrite=rewrite)), None, max_age=None, generate=gen)
    assert fetched.data == {"db-password": b"v"}


async def test_invalid_generated_keys_fail_the_entry() -> None:
    gen = _generator({"a": {"bad key": b"v"}})
    fetched = await fetch_all(_es(_gen("a")), None, max_age=None, generate=gen)
    assert fetched.data == {}
    assert fetched.errors[0].startswith(
        "error processing spec.dataFrom[0].sourceRef.generatorRef, err: invalid secret keys"
    )


async def test_a_failing_generator_fails_its_entry_with_its_message_and_transience() -> None:
    error = GeneratorError("error using generator: boom", transient=True)
    gen = _generator({"a": error, "b": {"k": b"v"}})
    fetched = await fetch_all(_es(_gen("a"), _gen("b")), None, max_age=None, generate=gen)
    assert fetched.errors == [
        "error processing spec.dataFrom[0].sourceRef.generatorRef, err: error using generator: boom"
    ]
    assert fetched.transient
    assert fetched.data == {"k": b"v"}


async def test_a_generator_in_data_fails_its_item_and_points_at_data_from() -> None:
    item = {"secretKey": "pw", "remoteRef": {"key": "x"}, "sourceRef": {"generatorRef": {
        "apiVersion": API, "kind": "Password", "name": "a"}}}  # fmt: skip
    gen = _generator({"a": {"password": b"v"}})
    fetched = await fetch_all(_es(data=[item]), None, max_age=None, generate=gen)
    assert fetched.errors[0].startswith("error processing spec.data[0] (key: x), err: ")
    assert "use spec.dataFrom[].sourceRef.generatorRef" in fetched.errors[0]
    assert gen.calls == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("api_version", "kind", "message"),
    [
        pytest.param(
            "external-secrets.io/v1",
            "Password",
            "generatorRef may only reference the generators group, but got external-secrets.io",
            id="group",
        ),
        pytest.param(
            "generators.external-secrets.io/v1",
            "Password",
            "generatorRef references unknown GVK generators.external-secrets.io/v1, Kind=Password",
            id="version",
        ),
        pytest.param(API, "VaultDynamicSecret", "VaultDynamicSecret is not implemented", id="kind"),
    ],
)
def test_refs_outside_what_eso_serves_are_refused(
    api_version: str, kind: str, message: str
) -> None:
    ref = GeneratorRef.model_validate({"apiVersion": api_version, "kind": kind, "name": "g"})
    with pytest.raises(GeneratorError, match=message) as caught:
        resource_of(ref)
    assert not caught.value.transient


def test_a_cluster_generator_is_read_without_a_namespace() -> None:
    ref = GeneratorRef.model_validate({"kind": "ClusterGenerator", "name": "g"})
    assert not resource_of(ref).namespaced
    assert resource_of(ref).path(name="g") == (
        "/apis/generators.external-secrets.io/v1alpha1/clustergenerators/g"
    )
