"""Generator objects → specs: namespaced kinds, ClusterGenerator's union, and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from eso.api.generators import PasswordSpec, SSHKeySpec, UUIDSpec
from eso.generators.base import GeneratorError
from eso.generators.registry import spec_of

API = "generators.external-secrets.io/v1alpha1"


def _obj(kind: str, spec: Any) -> dict[str, Any]:
    return {"apiVersion": API, "kind": kind, "metadata": {"name": "g"}, "spec": spec}


def test_a_namespaced_generator_gives_its_own_spec() -> None:
    kind, spec = spec_of("Password", _obj("Password", {"length": 12}))
    assert (kind, spec) == ("Password", PasswordSpec(length=12))


def test_a_uuid_without_spec_is_fine() -> None:
    assert spec_of("UUID", {"kind": "UUID", "metadata": {"name": "u"}}) == ("UUID", UUIDSpec())


def test_a_cluster_generator_acts_as_the_kind_it_names() -> None:
    obj = _obj("ClusterGenerator", {"kind": "SSHKey", "generator": {"sshKeySpec": {}}})
    assert spec_of("ClusterGenerator", obj) == ("SSHKey", SSHKeySpec())


def test_a_cluster_generator_without_its_kinds_spec_says_which_is_missing() -> None:
    obj = _obj("ClusterGenerator", {"kind": "Password", "generator": {"uuidSpec": {}}})
    with pytest.raises(GeneratorError, match="when kind is Password, PasswordSpec must be set"):
        spec_of("ClusterGenerator", obj)


@pytest.mark.parametrize(
    ("kind", "obj"),
    [
        pytest.param("Fake", _obj("Fake", {"data": {}}), id="namespaced"),
        pytest.param(
            "ClusterGenerator",
            _obj("ClusterGenerator", {"kind": "Fake", "generator": {"fakeSpec": {"data": {}}}}),
            id="cluster",
        ),
    ],
)
def test_kinds_eso_lacks_are_named_with_those_it_has(kind: str, obj: dict[str, Any]) -> None:
    with pytest.raises(GeneratorError) as caught:
        spec_of(kind, obj)
    assert str(caught.value) == (
        "generator kind Fake is not implemented yet by eso (implemented: "
        "ECRAuthorizationToken, Password, SSHKey, STSSessionToken, UUID)"
    )


def test_an_invalid_spec_names_the_field_not_the_value() -> None:
    with pytest.raises(GeneratorError, match=r"invalid Password 'g': \['spec.length'\]") as caught:
        spec_of("Password", _obj("Password", {"length": "hunter2"}))
    assert "hunter2" not in str(caught.value)
