"""The Secrets a PushSecret pushes from, read fresh, and its ``template`` applied to them.

ESO reads the source with a GET (by ``selector.secret.name``) or a LIST (by
``selector.secret.selector``, in the PushSecret's namespace) on every reconcile; so does eso:
PushSecrets are few, and keeping every Secret's data in an informer would hold every secret
value of the cluster in memory.

``selector.generatorRef`` is ESO's ``resolveSecretFromGenerator``: the generator is read and
run through the ExternalSecret controller's ``GeneratorReader`` on every refresh and its values
stand in for a source Secret (named ``___generated-secret``, as in ESO). ESO keeps no state for
any of the five kinds eso implements (their ``GeneratorState`` is nil), so each refresh pushes
new values: a Password or UUID generator makes a new remote version every ``refreshInterval``
(``0`` pushes once). A missing generator is retried with backoff; a bad ref waits for an edit.

``template`` is ESO's ``applyTemplate`` for PushSecrets: templated keys are merged over the
source's keys (ESO renders into the source Secret itself, so its keys stay), labels and
annotations are templated too, and ``templateFrom`` sources are read through the shared
``TemplateSourceReader``. Nothing is ever written back to the source Secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from eso.api import pushconditions as pc
from eso.api.externalsecret import ExternalSecret, ExternalSecretSpec, ExternalSecretTarget
from eso.api.pushsecret import PushSecret
from eso.controllers.externalsecret.errors import SyncFailedError
from eso.controllers.externalsecret.generators import GeneratorReader
from eso.controllers.externalsecret.templatesources import TemplateSourceReader
from eso.controllers.externalsecret.templating import Engine, RenderError, render
from eso.controllers.pushsecret.errors import PushFailedError, SourceMissingError
from eso.controllers.pushsecret.keys import selector_string
from eso.generators.base import GeneratorError
from eso.kube.cache import Obj
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError, NotFound
from eso.kube.objects import decode_data
from eso.kube.resources import SECRETS

GENERATED_SOURCE: Final = "___generated-secret"


@dataclass(frozen=True)
class Source:
    """One source Secret's name and (templated) data; ``repr`` never shows values."""

    name: str
    data: dict[str, bytes] = field(repr=False)


async def read_sources(
    ps: PushSecret, *, client: KubeClient, generators: GeneratorReader | None = None
) -> list[Source]:
    """The source Secrets; raises ``SourceMissingError`` (by name, not found) or
    ``PushFailedError``."""
    if ps.spec.selector.generator_ref is not None:
        return [await _generated(ps, generators)]
    selector = ps.spec.selector.secret
    try:
        if selector is not None and selector.name:
            obj = await client.get(SECRETS, name=selector.name, namespace=ps.namespace)
            return [_source(obj)]
        if selector is not None and selector.selector is not None:
            page = await client.list(
                SECRETS, namespace=ps.namespace, label_selector=selector_string(selector.selector)
            )
            return [_source(obj) for obj in page.get("items") or []]
    except NotFound as e:
        raise SourceMissingError(pc.ERR_GET_SOURCE) from e
    except KubeError as e:
        raise PushFailedError(f"{pc.ERR_GET_SOURCE}: {e}") from e
    raise PushFailedError(pc.ERR_NO_SELECTOR, retry=False)


async def _generated(ps: PushSecret, generators: GeneratorReader | None) -> Source:
    """The generator's fresh values as the one source; messages never carry values."""
    ref = ps.spec.selector.generator_ref
    assert ref is not None
    where = pc.GENERATOR_REF.format(kind=ref.kind, name=ref.name)
    if generators is None:
        raise PushFailedError(pc.ERR_GENERATOR.format(ref=where, error=pc.MSG_NO_GENERATORS))
    try:
        data = await generators.generate(ref, namespace=ps.namespace)
    except GeneratorError as e:
        message = pc.ERR_GENERATOR.format(ref=where, error=e)
        raise PushFailedError(message, retry=e.transient) from None
    return Source(name=GENERATED_SOURCE, data=data)


def _source(obj: Obj) -> Source:
    name = str((obj.get("metadata") or {}).get("name", ""))
    return Source(name=name, data=decode_data(obj.get("data")))


class Templater:
    """Applies a PushSecret's ``template`` to a source (pure but for templateFrom reads)."""

    def __init__(self, *, engine: Engine, sources: TemplateSourceReader) -> None:
        self._engine = engine
        self._sources = sources

    async def apply(self, ps: PushSecret, source: Source) -> Source:
        """``source`` with the template applied (unchanged without a template)."""
        template = ps.spec.template
        if template is None:
            return source
        merged = template.model_copy(update={"merge_policy": "Merge"})
        # The reader knows ExternalSecrets; this one only carries the namespace and template.
        holder = ExternalSecret(
            metadata=ps.metadata,
            spec=ExternalSecretSpec(target=ExternalSecretTarget(template=merged)),
        )
        try:
            sources = await self._sources.read(holder)
        except SyncFailedError as e:
            raise PushFailedError(pc.ERR_TEMPLATE.format(error=e)) from e
        try:
            rendered = render(merged, data=source.data, sources=sources, engine=self._engine)
        except RenderError as e:
            raise PushFailedError(pc.ERR_TEMPLATE.format(error=e), retry=False) from e
        return Source(name=source.name, data=dict(rendered.data))
