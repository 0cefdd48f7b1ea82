"""What push metadata references (a resource policy's ConfigMap or Secret key), read for the
provider in the PushSecret's namespace, as ESO's Secrets Manager client reads it.

Providers never import kube, so the controller hands the writer a ``MetadataRefReader``. Each
push GETs the object afresh (no informer): only PushSecrets with a ``resourcePolicy`` use it,
once per refresh, and ConfigMaps of the whole cluster are not worth holding for that. A
missing object may be created later (retried with backoff); a missing key waits for the next
refresh. Messages name the object and key, never its data.
"""

from __future__ import annotations

from typing import Final

from eso.kube.client import KubeClient
from eso.kube.errors import KubeError, NotFound
from eso.kube.objects import decode_data
from eso.kube.resources import CONFIGMAPS, SECRETS
from eso.providers.base import ConfigError, MetadataRefReader, ProviderUnavailableError

ERR_GET: Final = "failed to get {kind} {namespace}/{name}: {error}"
ERR_KEY: Final = "key {key} not found in {kind} {namespace}/{name}"


def metadata_refs(client: KubeClient, *, namespace: str) -> MetadataRefReader:
    """A reader of ConfigMap and Secret keys in ``namespace``."""

    async def read(kind: str, name: str, key: str) -> str:
        where = {"kind": kind, "namespace": namespace, "name": name}
        resource = CONFIGMAPS if kind == "ConfigMap" else SECRETS
        try:
            obj = await client.get(resource, name=name, namespace=namespace)
        except NotFound:
            raise ProviderUnavailableError(ERR_GET.format(**where, error="not found")) from None
        except KubeError as e:
            detail = ERR_GET.format(**where, error=type(e).__name__)
            raise ProviderUnavailableError(detail) from None
        if kind == "ConfigMap":
            data = {k: str(v) for k, v in (obj.get("data") or {}).items()}
        else:
            data = {
                k: v.decode("utf-8", "replace") for k, v in decode_data(obj.get("data")).items()
            }
        if key not in data:
            raise ConfigError(ERR_KEY.format(key=key, **where))
        return data[key]

    return read
