"""The STSSessionToken generator: temporary credentials from STS GetSessionToken.

ESO's outputs: ``access_key_id``, ``secret_access_key``, ``session_token`` and
``expiration`` (Unix seconds); ``requestParameters`` become the call's ``DurationSeconds``,
``SerialNumber`` and ``TokenCode``. As in ESO, ``auth.jwt`` is refused: GetSessionToken needs
long-term IAM user keys, which web identity never has. The endpoint is STS's
(``AWS_ENDPOINT_URL_STS``, ESO's ``AWS_STS_ENDPOINT``, ``AWS_ENDPOINT_URL``). The credentials
are never logged or put in a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from eso.api.generators import STSSessionTokenSpec
from eso.clock import Clock
from eso.generators.aws import AWSCaller, standin_store
from eso.generators.base import Generated, GeneratorError, GeneratorRequest
from eso.metrics import ProviderMetrics
from eso.providers.aws.session import STS_ENDPOINT_ENV
from eso.settings import AWSSettings

PROVIDER_LABEL: Final = "AWS/STS"
CALL: Final = "GetSessionToken"
ERR_JWT: Final = "jwt auth cannot be used for STS Session Token generation"
ERR_TOKEN: Final = "unable to get authorization token: {error}"
ERR_NO_CREDENTIALS: Final = "no credentials found"


def request_args(spec: STSSessionTokenSpec) -> dict[str, Any]:
    """GetSessionToken's parameters from ``requestParameters`` (unset ones left out)."""
    params = spec.request_parameters
    if params is None:
        return {}
    args = {
        "DurationSeconds": params.session_duration,
        "SerialNumber": params.serial_number,
        "TokenCode": params.token_code,
    }
    return {k: v for k, v in args.items() if v is not None}


def credentials(answer: Mapping[str, Any]) -> Generated:
    """ESO's outputs from a GetSessionToken answer."""
    creds = answer.get("Credentials")
    if not creds:
        raise GeneratorError(ERR_NO_CREDENTIALS)
    expires = creds.get("Expiration")
    seconds = int(expires.timestamp()) if isinstance(expires, datetime) else 0
    return {
        "access_key_id": str(creds.get("AccessKeyId", "")).encode(),
        "expiration": str(seconds).encode(),
        "secret_access_key": str(creds.get("SecretAccessKey", "")).encode(),
        "session_token": str(creds.get("SessionToken", "")).encode(),
    }


class STSGenerator:
    """``Generator`` for kind STSSessionToken."""

    def __init__(
        self, *, settings: AWSSettings, metrics: ProviderMetrics, clock: Clock | None = None
    ) -> None:
        self._sts = AWSCaller(
            service="sts",
            label=PROVIDER_LABEL,
            endpoint_env=STS_ENDPOINT_ENV,
            settings=settings,
            metrics=metrics,
            clock=clock,
        )
        metrics.provider_started(PROVIDER_LABEL, calls=(CALL,))

    async def generate(self, request: GeneratorRequest) -> Generated:
        """New session credentials."""
        spec = request.spec
        assert isinstance(spec, STSSessionTokenSpec)
        if spec.auth.jwt is not None:
            raise GeneratorError(ERR_JWT)
        store = standin_store(request, region=spec.region, auth=spec.auth, role=spec.role)
        args = request_args(spec)
        answer = await self._sts.call(
            request,
            store,
            name=CALL,
            do=lambda client: client.get_session_token(**args),
            error=ERR_TOKEN,
        )
        return credentials(answer)

    async def close(self) -> None:
        """Close the clients still open; safe to call twice."""
        await self._sts.close()
