"""The ECRAuthorizationToken generator: a registry login from ECR's GetAuthorizationToken.

ESO's outputs: ``username`` and ``password`` (the decoded ``user:password`` token),
``proxy_endpoint`` (the registry URL; private scope only) and ``expires_at`` (Unix seconds).
``scope: public`` asks ECR Public instead (``ecr-public``, which AWS serves in us-east-1).
Endpoints as ESO's, plus the SDK's own variables: ``AWS_ENDPOINT_URL_ECR``,
``AWS_ECR_ENDPOINT``, ``AWS_ENDPOINT_URL`` (public: ``AWS_ENDPOINT_URL_ECR_PUBLIC``,
``AWS_ECR_PUBLIC_ENDPOINT``, ``AWS_ENDPOINT_URL``). A token is never logged or put in a message.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from eso.api.generators import ECRAuthorizationTokenSpec
from eso.clock import Clock
from eso.generators.aws import AWSCaller, standin_store
from eso.generators.base import Generated, GeneratorError, GeneratorRequest
from eso.metrics import ProviderMetrics
from eso.settings import AWSSettings

PROVIDER_LABEL: Final = "AWS/ECR"
PUBLIC_PROVIDER_LABEL: Final = "AWS/ECRPublic"
CALL: Final = "GetAuthorizationToken"
ENDPOINT_ENV: Final = ("AWS_ENDPOINT_URL_ECR", "AWS_ECR_ENDPOINT", "AWS_ENDPOINT_URL")
PUBLIC_ENDPOINT_ENV: Final = (
    "AWS_ENDPOINT_URL_ECR_PUBLIC",
    "AWS_ECR_PUBLIC_ENDPOINT",
    "AWS_ENDPOINT_URL",
)
ERR_PRIVATE: Final = "unable to get authorization token: {error}"
ERR_PUBLIC: Final = "unable to get public authorization token: {error}"
ERR_COUNT: Final = "unexpected number of authorization tokens. expected 1, found {found}"
ERR_FORMAT: Final = "unexpected token format"


def login(data: Mapping[str, Any]) -> Generated:
    """``username``, ``password`` and ``expires_at`` of one ``authorizationData`` entry."""
    try:
        decoded = base64.b64decode(str(data.get("authorizationToken", "")), validate=True)
    except (binascii.Error, ValueError):
        raise GeneratorError(ERR_FORMAT) from None
    parts = decoded.split(b":")
    if len(parts) != 2:
        raise GeneratorError(ERR_FORMAT)
    expires = data.get("expiresAt")
    seconds = int(expires.timestamp()) if isinstance(expires, datetime) else 0
    return {"username": parts[0], "password": parts[1], "expires_at": str(seconds).encode()}


def private_login(answer: Mapping[str, Any]) -> Generated:
    """ESO's private-scope outputs from a GetAuthorizationToken answer."""
    entries = answer.get("authorizationData") or []
    if len(entries) != 1:
        raise GeneratorError(ERR_COUNT.format(found=len(entries)))
    out = login(entries[0])
    out["proxy_endpoint"] = str(entries[0].get("proxyEndpoint", "")).encode()
    return out


def public_login(answer: Mapping[str, Any]) -> Generated:
    """ESO's public-scope outputs (no proxy endpoint) from an ECR Public answer."""
    return login(answer.get("authorizationData") or {})


class ECRGenerator:
    """``Generator`` for kind ECRAuthorizationToken."""

    def __init__(
        self, *, settings: AWSSettings, metrics: ProviderMetrics, clock: Clock | None = None
    ) -> None:
        self._private = AWSCaller(
            service="ecr",
            label=PROVIDER_LABEL,
            endpoint_env=ENDPOINT_ENV,
            settings=settings,
            metrics=metrics,
            clock=clock,
        )
        self._public = AWSCaller(
            service="ecr-public",
            label=PUBLIC_PROVIDER_LABEL,
            endpoint_env=PUBLIC_ENDPOINT_ENV,
            settings=settings,
            metrics=metrics,
            clock=clock,
        )
        for label in (PROVIDER_LABEL, PUBLIC_PROVIDER_LABEL):
            metrics.provider_started(label, calls=(CALL,))

    async def generate(self, request: GeneratorRequest) -> Generated:
        """A new token from ECR (or ECR Public with ``scope: public``)."""
        spec = request.spec
        assert isinstance(spec, ECRAuthorizationTokenSpec)
        store = standin_store(request, region=spec.region, auth=spec.auth, role=spec.role)
        public = spec.scope == "public"
        caller = self._public if public else self._private
        answer = await caller.call(
            request,
            store,
            name=CALL,
            do=lambda client: client.get_authorization_token(),
            error=ERR_PUBLIC if public else ERR_PRIVATE,
        )
        return public_login(answer) if public else private_login(answer)

    async def close(self) -> None:
        """Close the clients still open; safe to call twice."""
        await self._private.close()
        await self._public.close()
