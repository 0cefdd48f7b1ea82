"""ECRAuthorizationToken and STSSessionToken against moto: ESO's outputs, counted calls, and
failures that name the cause without credentials."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime

import pytest

from eso.api.generators import ECRAuthorizationTokenSpec, STSSessionTokenSpec
from eso.api.meta import EsoModel
from eso.generators.base import GeneratorError, GeneratorRequest
from eso.generators.ecr import ECRGenerator, private_login, public_login
from eso.generators.registry import GeneratorRegistry
from eso.generators.sts import STSGenerator, request_args
from eso.metrics import Metrics
from eso.providers.base import SecretDataGetter
from eso.settings import AWSSettings
from localkube.moto import MotoServer

KEY_ID = "AKIAEXAMPLE000000001"
SECRET = "example-secret-key"
SECRET_REF = {
    "secretRef": {
        "accessKeyIDSecretRef": {"name": "creds", "key": "id"},
        "secretAccessKeySecretRef": {"name": "creds", "key": "secret"},
    }
}


def _getter(data: Mapping[str, bytes] | None) -> SecretDataGetter:
    async def get(namespace: str, name: str) -> Mapping[str, bytes] | None:
        assert (namespace, name) == ("apps", "creds")
        return data

    return get


def _request(
    kind: str, spec: EsoModel, data: Mapping[str, bytes] | None = None
) -> GeneratorRequest:
    creds = {"id": KEY_ID.encode(), "secret": SECRET.encode()} if data is None else data
    return GeneratorRequest(
        kind=kind, name="gen", namespace="apps", spec=spec, get_secret=_getter(creds)
    )


@pytest.fixture
async def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def registry(moto_server: MotoServer, metrics: Metrics) -> AsyncIterator[GeneratorRegistry]:
    reg = GeneratorRegistry(settings=AWSSettings(), metrics=metrics.provider)
    try:
        yield reg
    finally:
        await reg.close()


def _calls(metrics: Metrics, provider: str, call: str, status: str) -> float | None:
    labels = {"provider": provider, "call": call, "status": status}
    return metrics.registry.get_sample_value("externalsecret_provider_api_calls_count", labels)


async def test_ecr_gives_esos_four_keys_and_counts_the_call(
    registry: GeneratorRegistry, metrics: Metrics
) -> None:
    spec = ECRAuthorizationTokenSpec.model_validate({"region": "eu-west-1", "auth": SECRET_REF})
    got = await registry.generate(_request("ECRAuthorizationToken", spec))
    assert got == {
        "username": b"AWS",
        "password": b"123456789012-auth-token",
        "proxy_endpoint": b"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        "expires_at": b"1420070400",
    }
    assert _calls(metrics, "AWS/ECR", "GetAuthorizationToken", "success") == 1
    assert _calls(metrics, "AWS/ECR", "GetAuthorizationToken", "error") == 0


async def test_sts_passes_request_parameters_and_gives_esos_keys(
    registry: GeneratorRegistry, metrics: Metrics
) -> None:
    spec = STSSessionTokenSpec.model_validate(
        {"region": "us-east-1", "auth": SECRET_REF, "requestParameters": {"sessionDuration": 900}}
    )
    before = datetime.now(UTC).timestamp()
    got = await registry.generate(_request("STSSessionToken", spec))
    assert set(got) == {"access_key_id", "secret_access_key", "session_token", "expiration"}
    assert before + 800 < int(got["expiration"]) < before + 1000  # moto honours the duration
    assert _calls(metrics, "AWS/STS", "GetSessionToken", "success") == 1


async def test_rejected_credentials_fail_without_showing_them(
    moto_server: MotoServer, registry: GeneratorRegistry, metrics: Metrics
) -> None:
    moto_server.enable_iam_auth()  # KEY_ID is no user moto knows
    spec = ECRAuthorizationTokenSpec.model_validate({"region": "us-east-1", "auth": SECRET_REF})
    with pytest.raises(GeneratorError) as caught:
        await registry.generate(_request("ECRAuthorizationToken", spec))
    message = str(caught.value)
    assert message.startswith("unable to get authorization token: GetAuthorizationToken")
    assert KEY_ID not in message and SECRET not in message
    assert not caught.value.transient
    assert _calls(metrics, "AWS/ECR", "GetAuthorizationToken", "error") == 1


async def test_a_credential_secret_without_the_key_is_a_session_error(
    registry: GeneratorRegistry,
) -> None:
    spec = ECRAuthorizationTokenSpec.model_validate({"region": "us-east-1", "auth": SECRET_REF})
    with pytest.raises(GeneratorError, match=r"^unable to create aws session: cannot find secret"):
        await registry.generate(_request("ECRAuthorizationToken", spec, data={}))


def test_request_parameters_map_onto_get_session_token() -> None:
    spec = STSSessionTokenSpec.model_validate(
        {
            "region": "r",
            "requestParameters": {"sessionDuration": 900, "serialNumber": "s", "tokenCode": "1"},
        }
    )
    assert request_args(spec) == {"DurationSeconds": 900, "SerialNumber": "s", "TokenCode": "1"}
    assert request_args(STSSessionTokenSpec(region="r")) == {}


def _token(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_public_scope_has_no_proxy_endpoint() -> None:
    when = datetime(2030, 1, 1, tzinfo=UTC)
    answer = {"authorizationData": {"authorizationToken": _token("AWS:pw"), "expiresAt": when}}
    assert public_login(answer) == {
        "username": b"AWS",
        "password": b"pw",
        "expires_at": str(int(when.timestamp())).encode(),
    }


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param({"authorizationData": []}, "expected 1, found 0", id="none"),
        pytest.param(
            {"authorizationData": [{"authorizationToken": _token("a:b:c")}]},
            "unexpected token format",
            id="three-parts",
        ),
        pytest.param(
            {"authorizationData": [{"authorizationToken": "%%%"}]},
            "unexpected token format",
            id="not-base64",
        ),
    ],
)
def test_odd_ecr_answers_are_errors_without_the_token(
    answer: dict[str, object], message: str
) -> None:
    with pytest.raises(GeneratorError, match=message) as caught:
        private_login(answer)
    assert "a:b:c" not in str(caught.value)


async def test_sts_refuses_jwt_auth_as_eso_does(metrics: Metrics) -> None:
    sts = STSGenerator(settings=AWSSettings(), metrics=metrics.provider)
    spec = STSSessionTokenSpec.model_validate(
        {"region": "r", "auth": {"jwt": {"serviceAccountRef": {"name": "sa"}}}}
    )
    with pytest.raises(GeneratorError, match="jwt auth cannot be used"):
        await sts.generate(_request("STSSessionToken", spec))
    await sts.close()


async def test_secret_ref_wins_over_jwt_as_in_esos_generator_session(
    registry: GeneratorRegistry,
) -> None:
    """ESO's own ECR example sets both; without a token getter jwt alone would fail."""
    auth = {**SECRET_REF, "jwt": {"serviceAccountRef": {"name": "oci-token-sync"}}}
    spec = ECRAuthorizationTokenSpec.model_validate({"region": "us-east-1", "auth": auth})
    got = await registry.generate(_request("ECRAuthorizationToken", spec))
    assert got["username"] == b"AWS"


async def test_ecr_generator_closes_cleanly_twice(metrics: Metrics) -> None:
    ecr = ECRGenerator(settings=AWSSettings(), metrics=metrics.provider)
    await ecr.close()
    await ecr.close()
