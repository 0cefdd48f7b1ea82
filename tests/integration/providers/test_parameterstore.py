"""The Parameter Store provider against a moto server: values, versions, properties, find, calls."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable

import pytest
from aws_helpers import NAMESPACE, FakeSecrets, ref, store_doc

from eso.api.findrewrite import ExternalSecretFind
from eso.api.secretstore import AnyStore
from eso.metrics import Metrics
from eso.providers.aws.parameterstore import ParameterStoreClient, ParameterStoreProvider
from eso.providers.aws.ssmreader import PROVIDER_LABEL, REASON_GET_PARAMETERS_DENIED
from eso.providers.base import (
    AuthError,
    ConfigError,
    Notice,
    NotImplementedFeatureError,
    PropertyNotFoundError,
    ProviderError,
    SecretNotFoundError,
)
from eso.providers.registry import default_registry
from eso.settings import AWSSettings
from localkube.moto import MotoParameters, MotoSecrets, MotoServer

ALL_SSM = ["ssm:*"]


@pytest.fixture
async def ps(
    moto_server: MotoServer, aws_settings: AWSSettings, metrics: Metrics
) -> AsyncIterator[ParameterStoreProvider]:
    p = ParameterStoreProvider(settings=aws_settings, metrics=metrics.provider)
    yield p
    await p.close()


def ps_store(**aws: object) -> AnyStore:
    return store_doc(service="ParameterStore", **aws)


async def client_of(
    ps: ParameterStoreProvider, k8s_secrets: FakeSecrets, **aws: object
) -> ParameterStoreClient:
    return await ps.new_client(ps_store(**aws), namespace=NAMESPACE, get_secret=k8s_secrets)


def calls(metrics: Metrics, call: str, status: str = "success") -> int:
    labels = {"provider": PROVIDER_LABEL, "call": call, "status": status}
    value = metrics.registry.get_sample_value("externalsecret_provider_api_calls_count", labels)
    return int(value or 0)


def regexp(pattern: str) -> Callable[[str], bool]:
    """What the ExternalSecret controller passes as ``match`` (Python's re stands in for RE2)."""
    compiled = re.compile(pattern)
    return lambda name: compiled.search(name) is not None


@pytest.mark.parametrize(
    ("type_", "key_id"),
    [
        pytest.param("String", None, id="string"),
        pytest.param("SecureString", None, id="securestring-default-key"),
        pytest.param("SecureString", "alias/app", id="securestring-custom-key"),
        pytest.param("StringList", None, id="stringlist"),
    ],
)
async def test_parameter_values_are_read_decrypted_as_stored(
    ps: ParameterStoreProvider,
    moto_parameters: MotoParameters,
    k8s_secrets: FakeSecrets,
    type_: str,
    key_id: str | None,
) -> None:
    await moto_parameters.put("/app/value", "a,b,c", type_=type_, key_id=key_id)
    client = await client_of(ps, k8s_secrets)
    assert await client.get_secret(ref("/app/value")) == b"a,b,c"


async def test_prefix_is_prepended_to_the_key(
    ps: ParameterStoreProvider, moto_parameters: MotoParameters, k8s_secrets: FakeSecrets
) -> None:
    await moto_parameters.put("/team/db", "pw")
    client = await client_of(ps, k8s_secrets, prefix="/team/")
    assert await client.get_secret(ref("db")) == b"pw"


async def test_version_selects_an_older_value(
    ps: ParameterStoreProvider, moto_parameters: MotoParameters, k8s_secrets: FakeSecrets
) -> None:
    first = await moto_parameters.put("/app/rotated", "v1")
    await moto_parameters.put("/app/rotated", "v2")
    client = await client_of(ps, k8s_secrets)
    old, new = await asyncio.gather(
        client.get_secret(ref("/app/rotated", version=str(first))),
        client.get_secret(ref("/app/rotated")),
    )
    assert (old, new) == (b"v1", b"v2")


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        pytest.param("user.name", b"admin", id="nested"),
        pytest.param("a.b", b"dotted", id="literal-key-with-dot"),
        pytest.param("port", b"5432", id="number"),
    ],
)
async def test_property_selects_inside_a_json_parameter(
    ps: ParameterStoreProvider,
    moto_parameters: MotoParameters,
    k8s_secrets: FakeSecrets,
    prop: str,
    expected: bytes,
) -> None:
    await moto_parameters.put(
        "/app/json", {"user": {"name": "admin"}, "a.b": "dotted", "port": 5432}
    )
    client = await client_of(ps, k8s_secrets)
    assert await client.get_secret(ref("/app/json", property=prop)) == expected


async def test_extract_splits_a_json_parameter(
    ps: ParameterStoreProvider, moto_parameters: MotoParameters, k8s_secrets: FakeSecrets
) -> None:
    await moto_parameters.put("/app/json", {"user": "admin", "port": 5432}, type_="SecureString")
    client = await client_of(ps, k8s_secrets)
    assert await client.get_secret_map(ref("/app/json")) == {"user": b"admin", "port": b"5432"}


async def test_a_string_list_with_a_property_is_refused_clearly(
    ps: ParameterStoreProvider, moto_parameters: MotoParameters, k8s_secrets: FakeSecrets
) -> None:
    await moto_parameters.put("/app/list", "x,y", type_="StringList")
    client = await client_of(ps, k8s_secrets)
    with pytest.raises(PropertyNotFoundError, match="StringList") as got:
        await client.get_secret(ref("/app/list", property="0"))
    assert "x,y" not in str(got.value)
    with pytest.raises(PropertyNotFoundError, match="StringList"):
        await client.get_secret_map(ref("/app/list"))


async def test_a_missing_parameter_is_not_found(
    ps: ParameterStoreProvider, k8s_secrets: FakeSecrets
) -> None:
    client = await client_of(ps, k8s_secrets)
    with pytest.raises(SecretNotFoundError, match="parameter not found"):
        await client.get_secret(ref("/no/such"))


async def test_a_missing_version_is_an_error_that_deletes_nothing(
    ps: ParameterStoreProvider, moto_parameters: MotoParameters, k8s_secrets: FakeSecrets
) -> None:
    await moto_parameters.put("/app/one", "v1")
    client = await client_of(ps, k8s_secrets)
    with pytest.raises(ProviderError, match="version not found") as got:
        await client.get_secret(ref("/app/one", version="9"))
    assert not isinstance(got.value, SecretNotFoundError)


async def test_metadata_policy_fetch_returns_tags_as_json(
    ps: ParameterStoreProvider,
    moto_parameters: MotoParameters,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
) -> None:
    await moto_parameters.put("/app/tagged", "v", tags={"team": "a", "env": "<prod>"})
    client = await client_of(ps, k8s_secrets)
    tags = await client.get_secret(ref("/app/tagged", metadataPolicy="Fetch"))
    assert tags == b'{"env":"\\u003cprod\\u003e","team":"a"}'
    one = await client.get_secret(ref("/app/tagged", metadataPolicy="Fetch", property="team"))
    assert one == b"a"
    assert calls(metrics, "ListTagsForResource") == 1


async def test_concurrent_reads_go_out_in_batches_of_ten(
    ps: ParameterStoreProvider,
    moto_parameters: MotoParameters,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
) -> None:
    names = [f"/batch/p{i:02d}" for i in range(25)]
    await moto_parameters.put_many({n: f"v-{n}" for n in names})
    client = await client_of(ps, k8s_secrets)
    got = await asyncio.gather(*(client.get_secret(ref(n)) for n in names * 4))
    assert got == [f"v-{n}".encode() for n in names * 4]
    assert calls(metrics, "GetParameters") == 3
    assert calls(metrics, "GetParameter") == 0


async def test_a_missing_parameter_in_a_batch_fails_only_its_reader(
    ps: ParameterStoreProvider,
    moto_parameters: MotoParameters,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
) -> None:
    await moto_parameters.put_many({"/m/a": "1", "/m/b": "2"})
    client = await client_of(ps, k8s_secrets)
    a, missing, b = await asyncio.gather(
        client.get_secret(ref("/m/a")),
        client.get_secret(ref("/m/none")),
        client.get_secret(ref("/m/b")),
        return_exceptions=True,
    )
    assert (a, b) == (b"1", b"2")
    assert isinstance(missing, SecretNotFoundError)
    assert calls(metrics, "GetParameters") == 1
    assert calls(metrics, "GetParameter") == 0


async def test_find_by_name_lists_the_path_and_filters_names(
    ps: ParameterStoreProvider,
    moto_parameters: MotoParameters,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
) -> None:
    await moto_parameters.put_many(
        {"/svc/db/user": "u", "/svc/db/pass": "p", "/svc/api/token": "t", "/other/db": "o"}
    )
    await moto_parameters.put("/svc/db/key", "k", type_="SecureString")
    client = await client_of(ps, k8s_secrets)
    find = ExternalSecretFind.model_validate({"path": "/svc", "name": {"regexp": "db"}})
    got = await client.get_all_secrets(find, match=regexp("db"))
    assert got == {"/svc/db/user": b"u", "/svc/db/pass": b"p", "/svc/db/key": b"k"}
    again = await client.get_all_secrets(find, match=regexp("db"))
    assert again == got
    assert calls(metrics, "GetParametersByPath") == 1  # the second find shared the listing
    everything = ExternalSecretFind.model_validate({"name": {"regexp": "."}})
    assert len(await client.get_all_secrets(everything, match=regexp("."))) == 5


async def test_find_by_tags_describes_then_reads_values_in_batches(
    ps: ParameterStoreProvider,
    moto_parameters: MotoParameters,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
) -> None:
    await moto_parameters.put_many({f"/t/p{i}": f"v{i}" for i in range(12)}, tags={"team": "blue"})
    await moto_parameters.put("/t/red", "r", tags={"team": "red"})
    client = await client_of(ps, k8s_secrets)
    find = ExternalSecretFind.model_validate({"tags": {"team": "blue"}, "path": "/t"})
    got = await client.get_all_secrets(find)
    assert got == {f"/t/p{i}": f"v{i}".encode() for i in range(12)}
    assert calls(metrics, "DescribeParameter") == 2  # moto pages by 10 whatever MaxResults says
    assert calls(metrics, "GetParameters") == 2
    assert calls(metrics, "GetParameter") == 0


async def test_find_without_name_or_tags_is_refused_as_eso_does(
    ps: ParameterStoreProvider, k8s_secrets: FakeSecrets
) -> None:
    client = await client_of(ps, k8s_secrets)
    with pytest.raises(ConfigError, match="unexpected find operator"):
        await client.get_all_secrets(ExternalSecretFind.model_validate({"path": "/x"}))


async def test_find_by_name_falls_back_to_describe_when_by_path_is_denied(
    ps: ParameterStoreProvider,
    moto_server: MotoServer,
    moto_parameters: MotoParameters,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
) -> None:
    await moto_parameters.put_many({"/f/a": "1", "/f/b": "2", "/g/c": "3"})
    user = await moto_secrets.create_user(
        "no-by-path", allow=ALL_SSM, deny=["ssm:GetParametersByPath"]
    )
    k8s_secrets.put(NAMESPACE, "limited", user.access_key_id, user.secret_access_key)
    moto_server.enable_iam_auth()
    client = await client_of(ps, k8s_secrets, cred_secret="limited")
    find = ExternalSecretFind.model_validate({"path": "/f", "name": {"regexp": "."}})
    got = await client.get_all_secrets(find, match=regexp("."))
    assert got == {"/f/a": b"1", "/f/b": b"2"}
    assert calls(metrics, "GetParametersByPath", "error") == 1
    assert calls(metrics, "DescribeParameter") == 1


async def test_denied_get_parameters_falls_back_to_get_parameter_with_a_notice(
    ps: ParameterStoreProvider,
    moto_server: MotoServer,
    moto_parameters: MotoParameters,
    moto_secrets: MotoSecrets,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
) -> None:
    await moto_parameters.put_many({f"/d/p{i}": f"v{i}" for i in range(5)})
    user = await moto_secrets.create_user("no-batch", allow=ALL_SSM, deny=["ssm:GetParameters"])
    k8s_secrets.put(NAMESPACE, "limited", user.access_key_id, user.secret_access_key)
    moto_server.enable_iam_auth()
    notices: list[Notice] = []
    client = await ps.new_client(
        ps_store(cred_secret="limited"),
        namespace=NAMESPACE,
        get_secret=k8s_secrets,
        on_notice=notices.append,
    )
    names = [f"/d/p{i}" for i in range(5)]
    got = await asyncio.gather(*(client.get_secret(ref(n)) for n in names))
    assert got == [f"v{i}".encode() for i in range(5)]
    more = await asyncio.gather(*(client.get_secret(ref(n), max_age=0) for n in names))
    assert more == got
    assert calls(metrics, "GetParameters", "error") == 1  # batching stayed off afterwards
    assert calls(metrics, "GetParameter") == 10
    assert [n.reason for n in notices] == [REASON_GET_PARAMETERS_DENIED]


async def test_wrong_credentials_fail_validation_as_auth_error(
    ps: ParameterStoreProvider, moto_server: MotoServer, k8s_secrets: FakeSecrets
) -> None:
    moto_server.enable_iam_auth()
    client = await client_of(ps, k8s_secrets)
    with pytest.raises(AuthError) as got:
        await client.validate()
    assert "AKIAFAKE" not in str(got.value)


async def test_validation_succeeds_with_working_credentials(
    ps: ParameterStoreProvider, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    client = await client_of(ps, k8s_secrets)
    await client.validate()
    assert calls(metrics, "DescribeParameter") == 1


async def test_eso_ssm_endpoint_variable_is_honoured(
    moto_server: MotoServer,
    moto_parameters: MotoParameters,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await moto_parameters.put("/e/p", "v")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("AWS_ENDPOINT_URL_SSM")
    monkeypatch.setenv("AWS_SSM_ENDPOINT", moto_server.url)
    p = ParameterStoreProvider(settings=AWSSettings(), metrics=metrics.provider)
    try:
        client = await client_of(p, k8s_secrets)
        assert await client.get_secret(ref("/e/p")) == b"v"
    finally:
        await p.close()


async def test_the_registry_serves_parameter_store_and_refuses_certificate_manager(
    moto_parameters: MotoParameters, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    await moto_parameters.put("/r/p", "v")
    registry = default_registry(settings=AWSSettings(), metrics=metrics.provider)
    try:
        store = ps_store()
        provider = registry.for_store(store)
        client = await provider.new_client(store, namespace=NAMESPACE, get_secret=k8s_secrets)
        assert await client.get_secret(ref("/r/p")) == b"v"
        acm = store_doc(service="CertificateManager")
        with pytest.raises(NotImplementedFeatureError, match="CertificateManager"):
            registry.for_store(acm).validate_store(acm)
    finally:
        await registry.close()
