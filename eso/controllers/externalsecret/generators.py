"""``dataFrom[].sourceRef.generatorRef``: read the generator object, then let it generate.

ESO's ``resolvers.GeneratorRef``, restated: the ref must name the generators group and a known
kind; a namespaced generator is read in the ExternalSecret's namespace, a ClusterGenerator by
name; its spec goes to the kind's ``Generator`` with credential getters bound to the
ExternalSecret's namespace (a generator authenticates as a SecretStore there would).

Each sync that uses a generator GETs its object instead of watching the generator kinds: a
sync runs only when a refresh is due (or the spec or Secret changed), and each one generates
new values anyway, so one GET per generator per refresh adds little to what the generation
costs, while an informer per kind (six watches, every generator object held in memory) would
cost connections and memory for objects that are read once an hour. It also keeps the
manager free of kinds whose CRDs may not be installed (``crds.createClusterGenerator``).
A missing generator is retried with backoff (it is often applied just after its
ExternalSecret); a bad reference or spec waits for a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from eso.api.generators import GENERATOR_GROUP, GENERATOR_VERSION, KIND_CLUSTER_GENERATOR
from eso.api.meta import ObjectMeta
from eso.api.models import GeneratorRef, SecretStore
from eso.controllers.secretstore.access import ProviderAccess
from eso.generators.base import Generated, GeneratorError, GeneratorRequest
from eso.generators.registry import GeneratorRegistry, not_implemented, spec_of
from eso.kube.errors import Forbidden, KubeError, NotFound
from eso.kube.resources import Resource

ERR_GROUP: Final = "generatorRef may only reference the generators group, but got {group}"
ERR_GVK: Final = "generatorRef references unknown GVK {group}/{version}, Kind={kind}"
ERR_GET: Final = "unable to get generator: {error}"
ERR_GENERATE: Final = "error using generator: {error}"
ERR_NOT_FOUND: Final = '{plural}.{group} "{name}" not found'
ERR_API: Final = "{kind} {name!r}: {error}"


def _resource(kind: str, plural: str, *, namespaced: bool = True) -> Resource:
    return Resource(GENERATOR_GROUP, GENERATOR_VERSION, plural, kind, namespaced)


RESOURCES: Final[Mapping[str, Resource]] = {
    "ECRAuthorizationToken": _resource("ECRAuthorizationToken", "ecrauthorizationtokens"),
    "STSSessionToken": _resource("STSSessionToken", "stssessiontokens"),
    "Password": _resource("Password", "passwords"),
    "UUID": _resource("UUID", "uuids"),
    "SSHKey": _resource("SSHKey", "sshkeys"),
    KIND_CLUSTER_GENERATOR: _resource(
        KIND_CLUSTER_GENERATOR, "clustergenerators", namespaced=False
    ),
}


def resource_of(ref: GeneratorRef) -> Resource:
    """The API resource ``ref`` names; raises ``GeneratorError`` for anything else."""
    group, _, version = ref.api_version.rpartition("/")
    if group != GENERATOR_GROUP:
        raise GeneratorError(ERR_GROUP.format(group=group or "(core)"))
    if version != GENERATOR_VERSION:
        raise GeneratorError(ERR_GVK.format(group=group, version=version, kind=ref.kind))
    resource = RESOURCES.get(ref.kind)
    if resource is None:
        raise not_implemented(ref.kind)
    return resource


@dataclass(frozen=True)
class GeneratorReader:
    """Resolves generator refs of one process: the kube client, credentials, the registry."""

    access: ProviderAccess
    registry: GeneratorRegistry

    async def generate(self, ref: GeneratorRef, *, namespace: str) -> Generated:
        """Fresh values from the generator ``ref`` names, read from ``namespace``.

        Raises ``GeneratorError`` with ESO's wording: "unable to get generator: ..." when the
        object cannot be read or parsed, "error using generator: ..." when generation fails.
        """
        resource = resource_of(ref)
        obj = await self._get(resource, ref.name, namespace=namespace)
        kind, spec = spec_of(ref.kind, obj)
        request = self._request(kind, ref.name, namespace=namespace, spec=spec)
        try:
            return await self.registry.generate(request)
        except GeneratorError as e:
            raise GeneratorError(ERR_GENERATE.format(error=e), transient=e.transient) from None

    async def _get(self, resource: Resource, name: str, *, namespace: str) -> Mapping[str, Any]:
        where = namespace if resource.namespaced else None
        try:
            return await self.access.client.get(resource, name=name, namespace=where)
        except NotFound:
            error = ERR_NOT_FOUND.format(plural=resource.plural, group=GENERATOR_GROUP, name=name)
            raise GeneratorError(ERR_GET.format(error=error), transient=True) from None
        except KubeError as e:
            detail = ERR_API.format(kind=resource.kind, name=name, error=type(e).__name__)
            # Forbidden is RBAC (processClusterGenerator off): a change, not time, heals it.
            transient = not isinstance(e, Forbidden)
            raise GeneratorError(ERR_GET.format(error=detail), transient=transient) from None

    def _request(self, kind: str, name: str, *, namespace: str, spec: Any) -> GeneratorRequest:
        # Credentials resolve as for a namespaced SecretStore in the ExternalSecret's namespace.
        standin = SecretStore(metadata=ObjectMeta(name=name, namespace=namespace))
        tokens = self.access.tokens
        return GeneratorRequest(
            kind=kind,
            name=name,
            namespace=namespace,
            spec=spec,
            get_secret=self.access.credentials.getter(standin),
            get_token=None if tokens is None else tokens.getter(standin),
        )
