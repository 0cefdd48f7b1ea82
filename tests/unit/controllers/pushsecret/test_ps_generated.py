"""``selector.generatorRef`` as a source: the generator's values stand in for a Secret, and a
failing generator is a condition message (retried only when it may heal) without values."""

from __future__ import annotations

from typing import Any, cast

import pytest

from eso.api import pushconditions as pc
from eso.api.features import unimplemented_features
from eso.api.models import GeneratorRef
from eso.api.pushsecret import PushSecret
from eso.controllers.externalsecret.generators import GeneratorReader
from eso.controllers.pushsecret.errors import PushFailedError
from eso.controllers.pushsecret.source import GENERATED_SOURCE, read_sources
from eso.generators.base import GeneratorError
from eso.kube.client import KubeClient

REF = {"apiVersion": "generators.external-secrets.io/v1alpha1", "kind": "Password", "name": "pw"}


class FakeReader:
    """Generates fixed values, or fails; records what it was asked for."""

    def __init__(self, error: GeneratorError | None = None) -> None:
        self.error = error
        self.asked: list[tuple[GeneratorRef, str]] = []

    async def generate(self, ref: GeneratorRef, *, namespace: str) -> dict[str, bytes]:
        self.asked.append((ref, namespace))
        if self.error is not None:
            raise self.error
        return {"password": b"generated-value"}


def push_secret() -> PushSecret:
    return PushSecret.model_validate(
        {
            "metadata": {"name": "push", "namespace": "team"},
            "spec": {"selector": {"generatorRef": REF}, "secretStoreRefs": [{"name": "s"}]},
        }
    )


async def read(reader: FakeReader | None) -> list[Any]:
    generators = cast(GeneratorReader | None, reader)
    # The Kubernetes client is never used for a generator source.
    return await read_sources(push_secret(), client=cast(KubeClient, None), generators=generators)


def test_generator_ref_is_no_longer_reported_as_unimplemented() -> None:
    assert unimplemented_features(push_secret()) == []


async def test_generated_values_are_the_one_source_read_in_the_push_secrets_namespace() -> None:
    reader = FakeReader()
    [source] = await read(reader)
    assert source.name == GENERATED_SOURCE
    assert source.data == {"password": b"generated-value"}
    assert [(ref.name, ns) for ref, ns in reader.asked] == [("pw", "team")]
    assert "generated-value" not in repr(source)


@pytest.mark.parametrize("transient", [True, False])
async def test_a_failing_generator_names_the_ref_and_keeps_its_retry_class(
    transient: bool,
) -> None:
    error = GeneratorError("unable to get generator: not found", transient=transient)
    with pytest.raises(PushFailedError) as caught:
        await read(FakeReader(error))
    assert str(caught.value) == pc.ERR_GENERATOR.format(ref="Password/pw", error=error)
    assert caught.value.retry is transient


async def test_without_generators_the_condition_says_so() -> None:
    with pytest.raises(PushFailedError, match=pc.MSG_NO_GENERATORS):
        await read(None)
