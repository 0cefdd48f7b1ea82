"""AWS clients for the ECR and STS generators, built as a store's are.

A generator's ``auth`` block has the shape of a store's (``secretRef``, ``jwt``) plus a
``role``, so it is turned into a stand-in namespaced SecretStore living in the reading
ExternalSecret's namespace and handed to the AWS provider's own ``principal.client_spec``:
credential Secrets and ServiceAccounts resolve in that namespace under the same rules, and
``role`` is assumed on top, as ESO's ``NewGeneratorSession`` does. Clients come from a
``SessionPool`` per service, taken for one call and given back at once (a generator runs once
per refresh, so there is nothing to keep warm; concurrent calls with one identity share a
client). Every call is counted in ESO's ``externalsecret_provider_api_calls_count``.
AWS errors are sanitised by the provider's ``classify`` before they become messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from eso.api.meta import ObjectMeta
from eso.api.secretstore import AWSAuth, SecretStore, SecretStoreProvider, SecretStoreSpec
from eso.api.secretstore import AWSProvider as AWSProviderSpec
from eso.clock import Clock
from eso.generators.base import GeneratorError, GeneratorRequest
from eso.metrics import ProviderMetrics
from eso.providers.aws.errors import classify
from eso.providers.aws.principal import client_spec
from eso.providers.aws.session import SessionPool, resolve_endpoint
from eso.providers.base import ProviderError, ProviderUnavailableError
from eso.settings import AWSSettings

ERR_CREATE_SESSION: Final = "unable to create aws session: {error}"
# A stand-in store needs a service; it only names the principal, nothing reads it.
_STANDIN_SERVICE: Final = "SecretsManager"

AWSCall = Callable[[Any], Awaitable[Any]]


def standin_store(
    request: GeneratorRequest, *, region: str, auth: AWSAuth, role: str
) -> SecretStore:
    """The namespaced SecretStore whose principal the generator's ``auth`` and ``role`` name.

    Unlike a store, a generator with both ``secretRef`` and ``jwt`` uses ``secretRef`` (ESO's
    ``NewGeneratorSession`` reads it last); ESO's own ECR example sets both.
    """
    if auth.secret_ref is not None and auth.jwt is not None:
        auth = AWSAuth(secret_ref=auth.secret_ref)
    aws = AWSProviderSpec(service=_STANDIN_SERVICE, region=region, auth=auth, role=role)
    return SecretStore(
        metadata=ObjectMeta(name=request.name, namespace=request.namespace),
        spec=SecretStoreSpec(provider=SecretStoreProvider(aws=aws)),
    )


def failure(error: ProviderError, template: str) -> GeneratorError:
    """A sanitised provider error as ESO words it; transient when AWS may recover."""
    return GeneratorError(
        template.format(error=error), transient=isinstance(error, ProviderUnavailableError)
    )


class AWSCaller:
    """Calls one AWS service as a generator's principal; one per service and process."""

    def __init__(
        self,
        *,
        service: str,
        label: str,
        endpoint_env: tuple[str, ...],
        settings: AWSSettings,
        metrics: ProviderMetrics,
        clock: Clock | None = None,
    ) -> None:
        self._pool = SessionPool(settings=settings, clock=clock, service=service)
        self._label = label
        self._endpoint_env = endpoint_env
        self._metrics = metrics

    async def call(
        self,
        request: GeneratorRequest,
        store: SecretStore,
        *,
        name: str,
        do: AWSCall,
        error: str,
    ) -> Any:
        """``do(client)`` as ``store``'s principal, counted as call ``name``; raises
        ``GeneratorError`` worded with ``error`` (``{error}``: the sanitised cause)."""
        aws = store.spec.provider.aws
        assert aws is not None
        try:
            spec = await client_spec(
                store,
                aws,
                namespace=request.namespace,
                endpoint_url=resolve_endpoint(None, names=self._endpoint_env),
                get_secret=request.get_secret,
                get_token=request.get_token,
            )
        except ProviderError as e:
            raise failure(e, ERR_CREATE_SESSION) from None
        slot = object()  # this call's own slot: the client is retired when no call holds it
        try:
            shared = await self._pool.acquire(slot, spec)
            result = await do(shared.client)
        except Exception as e:
            self._metrics.api_calls.labels(self._label, name, "error").inc()
            raise failure(classify(e, what=name), error) from None
        finally:
            await self._pool.release(slot)
        self._metrics.api_calls.labels(self._label, name, "success").inc()
        return result

    async def close(self) -> None:
        """Close every client still open (shutdown); safe to call twice."""
        await self._pool.close()
