"""Parameter Store semantics without a network: names and versions, StringList rules, find keys,
GetParameters batches of at most 10, answers matched back to reads, errors without values."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from botocore.exceptions import ClientError

from eso.api.findrewrite import ExternalSecretFind
from eso.api.secretstore import SecretStore
from eso.api.sources import ExternalSecretDataRemoteRef
from eso.clock import SystemClock
from eso.metrics import Metrics
from eso.providers.aws.cache import ValueCache
from eso.providers.aws.parameterstore import ParameterStoreClient, validate_parameter_store
from eso.providers.aws.ssmerrors import classify_ssm
from eso.providers.aws.ssmreader import Listing, Parameter, SSMIdentityReader, match_batch
from eso.providers.aws.ssmwriter import ParameterStoreWriter
from eso.providers.base import (
    AuthError,
    ConfigError,
    NotImplementedFeatureError,
    PropertyNotFoundError,
    ProviderError,
    SecretNotFoundError,
)
from eso.settings import AWSSettings

SECRET_VALUE = "hunter2-do-not-leak"


def client_error(code: str, message: str = "", op: str = "GetParameter") -> ClientError:
    body = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"RequestId": "r-1"}}
    return ClientError(body, op)  # type: ignore[arg-type]


class FakeSSM:
    """The few SSM calls the reader makes, over a dict of name → (type, [values by version])."""

    def __init__(self, params: Mapping[str, tuple[str, list[str]]]) -> None:
        self.params = dict(params)
        self.calls: list[tuple[str, Any]] = []
        self.fail: dict[str, ClientError] = {}  # id → error GetParameter(s) raise for it

    def _lookup(self, ident: str) -> dict[str, Any] | None:
        name, _, selector = ident.partition(":")
        if name not in self.params:
            return None
        type_, values = self.params[name]
        version = int(selector) if selector else len(values)
        if not 1 <= version <= len(values):
            return None
        return {"Name": name, "Type": type_, "Value": values[version - 1], "Version": version}

    async def get_parameter(self, **params: Any) -> dict[str, Any]:
        name = params["Name"]
        self.calls.append(("GetParameter", name))
        if name in self.fail:
            raise self.fail[name]
        found = self._lookup(name)
        if found is None:
            code = "ParameterVersionNotFound" if ":" in name else "ParameterNotFound"
            raise client_error(code, f"Parameter {name} not found.")
        return {"Parameter": found}

    async def get_parameters(self, **params: Any) -> dict[str, Any]:
        names: list[str] = params["Names"]
        self.calls.append(("GetParameters", list(names)))
        assert len(names) <= 10 and params["WithDecryption"]
        for n in names:
            if n in self.fail:
                raise self.fail[n]
        found = {n: self._lookup(n) for n in names}
        return {
            "Parameters": [
                {**p, "Selector": f":{n.partition(':')[2]}" if ":" in n else None}
                for n, p in found.items()
                if p
            ],
            "InvalidParameters": [n for n, p in found.items() if p is None],
        }

    async def get_parameters_by_path(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("GetParametersByPath", params))
        path = params["Path"].rstrip("/") + "/"
        hits = [self._lookup(n) for n in sorted(self.params) if n.startswith(path)]
        return {"Parameters": [h for h in hits if h]}


def reader_for(ssm: FakeSSM, **settings: Any) -> SSMIdentityReader:
    s = AWSSettings(**settings)
    clock = SystemClock()
    return SSMIdentityReader(
        ssm,
        identity="id-1",
        cache=ValueCache[Parameter](ttl=s.cache_ttl, max_entries=100, clock=clock),
        listings=ValueCache[Listing](ttl=s.cache_ttl, max_entries=100, clock=clock),
        settings=s,
        metrics=Metrics().provider,
        clock=clock,
    )


def client_for(ssm: FakeSSM, *, prefix: str = "") -> ParameterStoreClient:
    reader = reader_for(ssm)
    writer = ParameterStoreWriter(
        ssm,
        prefix=prefix,
        cache=ValueCache[Parameter](ttl=1, max_entries=1),
        metrics=Metrics().provider,
    )
    return ParameterStoreClient(
        reader, prefix=prefix, slot=("k", "ns", "n"), on_notice=None, writer=writer
    )


def ref(key: str, **fields: Any) -> ExternalSecretDataRemoteRef:
    return ExternalSecretDataRemoteRef(key=key, **fields)


PARAMS = {
    "/app/plain": ("String", ["v1", "v2"]),
    "/app/json": ("SecureString", ['{"user":{"name":"admin"},"a.b":"dot","port":5432}']),
    "/app/list": ("StringList", ["x,y,z"]),
    "/app/secret": ("SecureString", [SECRET_VALUE]),
}


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        pytest.param(ref("/app/plain"), b"v2", id="latest"),
        pytest.param(ref("/app/plain", version="1"), b"v1", id="version"),
        pytest.param(ref("plain", version="2"), b"v2", id="prefix-and-version"),
        pytest.param(ref("/app/json", property="user.name"), b"admin", id="property-path"),
        pytest.param(ref("/app/json", property="a.b"), b"dot", id="property-literal-dot"),
        pytest.param(ref("/app/list"), b"x,y,z", id="stringlist-as-stored"),
    ],
)
async def test_values_follow_esos_name_version_and_property_rules(
    reference: ExternalSecretDataRemoteRef, expected: bytes
) -> None:
    prefix = "/app/" if not reference.key.startswith("/") else ""
    assert await client_for(FakeSSM(PARAMS), prefix=prefix).get_secret(reference) == expected


async def test_a_version_is_sent_as_a_name_selector() -> None:
    ssm = FakeSSM(PARAMS)
    await client_for(ssm).get_secret(ref("/app/plain", version="1"))
    assert ssm.calls == [("GetParameters", ["/app/plain:1"])]


async def test_a_string_list_refuses_a_property_and_extract_without_showing_its_value() -> None:
    client = client_for(FakeSSM(PARAMS))
    with pytest.raises(PropertyNotFoundError, match="is a StringList") as prop:
        await client.get_secret(ref("/app/list", property="0"))
    with pytest.raises(PropertyNotFoundError, match="is a StringList") as extract:
        await client.get_secret_map(ref("/app/list"))
    assert "x,y" not in str(prop.value) + str(extract.value)


async def test_a_missing_property_of_a_json_parameter_is_property_not_found() -> None:
    with pytest.raises(PropertyNotFoundError) as got:
        await client_for(FakeSSM(PARAMS)).get_secret(ref("/app/json", property="nope"))
    assert "admin" not in str(got.value)


async def test_an_empty_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        await client_for(FakeSSM(PARAMS)).get_secret(ref(""))


async def test_concurrent_distinct_reads_are_batched_ten_names_at_a_time() -> None:
    params = {f"/b/p{i:02d}": ("String", [f"v{i}"]) for i in range(23)}
    ssm = FakeSSM(params)
    client = client_for(ssm)
    got = await asyncio.gather(*(client.get_secret(ref(n)) for n in params))
    assert got == [f"v{i}".encode() for i in range(23)]
    sizes = [len(names) for call, names in ssm.calls if call == "GetParameters"]
    assert sorted(sizes) == [3, 10, 10]
    assert all(call == "GetParameters" for call, _ in ssm.calls)


async def test_identical_concurrent_reads_share_one_call_and_then_the_cache() -> None:
    ssm = FakeSSM(PARAMS)
    client = client_for(ssm)
    await asyncio.gather(*(client.get_secret(ref("/app/plain")) for _ in range(50)))
    await client.get_secret(ref("/app/plain"))
    assert ssm.calls == [("GetParameters", ["/app/plain"])]


async def test_a_missing_version_in_a_batch_is_read_alone_to_name_the_failure() -> None:
    ssm = FakeSSM(PARAMS)
    client = client_for(ssm)
    ok, bad = await asyncio.gather(
        client.get_secret(ref("/app/plain")),
        client.get_secret(ref("/app/plain", version="9")),
        return_exceptions=True,
    )
    assert ok == b"v2"
    assert isinstance(bad, ProviderError) and not isinstance(bad, SecretNotFoundError)
    assert "version not found" in str(bad)
    assert ("GetParameter", "/app/plain:9") in ssm.calls


async def test_a_kms_denied_parameter_fails_only_its_own_reader() -> None:
    ssm = FakeSSM(PARAMS)
    ssm.fail["/app/secret"] = client_error(
        "AccessDeniedException",
        "User: arn:aws:iam::1:user/u is not authorized to perform: kms:Decrypt on key k",
    )
    client = client_for(ssm)
    plain, secret = await asyncio.gather(
        client.get_secret(ref("/app/plain")),
        client.get_secret(ref("/app/secret")),
        return_exceptions=True,
    )
    assert plain == b"v2"
    assert isinstance(secret, AuthError)
    assert "KMS" in str(secret) and SECRET_VALUE not in str(secret)
    assert client._reader.batching  # a KMS denial does not turn batching off


def test_answers_are_matched_by_selector_and_ambiguous_ones_are_read_again() -> None:
    resp = {
        "Parameters": [
            {"Name": "/p", "Type": "String", "Value": "v3", "Version": 3},
            {"Name": "/p", "Type": "String", "Value": "v1", "Version": 1},
            {"Name": "/q", "Type": "String", "Value": "q", "Version": 1, "Selector": ":1"},
            {"Name": "/r", "ARN": "arn:aws:ssm:r:1:parameter/r", "Type": "String", "Value": "r"},
        ],
        "InvalidParameters": ["/gone", "/p:9"],
    }
    ids = ["/p", "/p:1", "/q:1", "arn:aws:ssm:r:1:parameter/r", "/gone", "/p:9"]
    results, again = match_batch(ids, resp)
    assert {k: v.value for k, v in results.items() if isinstance(v, Parameter)} == {
        "/p:1": "v1",
        "/q:1": "q",
        "arn:aws:ssm:r:1:parameter/r": "r",
    }
    assert isinstance(results["/gone"], SecretNotFoundError)
    assert again == ["/p", "/p:9"]


@pytest.mark.parametrize(
    ("code", "message", "kind", "text"),
    [
        pytest.param("ParameterNotFound", "", SecretNotFoundError, "parameter not found", id="nf"),
        pytest.param("ParameterVersionNotFound", "", ProviderError, "version not found", id="ver"),
        pytest.param("InvalidKeyId", "key gone", AuthError, "KMS", id="kms-key"),
        pytest.param("AccessDeniedException", "kms:Decrypt", AuthError, "KMS", id="kms-denied"),
        pytest.param("AccessDeniedException", "ssm:GetParameter", AuthError, "Denied", id="iam"),
    ],
)
def test_ssm_errors_map_to_our_hierarchy(
    code: str, message: str, kind: type[Exception], text: str
) -> None:
    got = classify_ssm(client_error(code, message), what="parameter '/x'")
    assert type(got) is kind
    assert text in str(got) and "r-1" not in str(got)


def test_a_missing_version_is_never_treated_as_a_missing_parameter() -> None:
    got = classify_ssm(client_error("ParameterVersionNotFound"), what="p")
    assert not isinstance(got, SecretNotFoundError)


async def test_find_by_name_keys_are_parameter_names_without_prefix() -> None:
    ssm = FakeSSM(PARAMS)
    client = client_for(ssm, prefix="/ignored/")
    find = ExternalSecretFind.model_validate({"path": "/app", "name": {"regexp": "^/app/(p|l)"}})
    got = await client.get_all_secrets(find, match=lambda n: n.startswith(("/app/p", "/app/l")))
    assert got == {"/app/plain": b"v2", "/app/list": b"x,y,z"}
    assert ssm.calls[0][1] == {
        "Path": "/app",
        "Recursive": True,
        "WithDecryption": True,
        "MaxResults": 10,
    }


async def test_find_by_name_defaults_to_the_root_path() -> None:
    ssm = FakeSSM(PARAMS)
    find = ExternalSecretFind.model_validate({"name": {"regexp": "."}})
    got = await client_for(ssm).get_all_secrets(find)
    assert set(got) == set(PARAMS)
    assert ssm.calls[0][1]["Path"] == "/"


async def test_a_listed_value_is_reused_by_a_single_read() -> None:
    ssm = FakeSSM(PARAMS)
    client = client_for(ssm)
    await client.get_all_secrets(ExternalSecretFind.model_validate({"name": {"regexp": "."}}))
    assert await client.get_secret(ref("/app/plain")) == b"v2"
    assert [call for call, _ in ssm.calls] == ["GetParametersByPath"]


def _store(**aws: Any) -> SecretStore:
    doc = {
        "metadata": {"name": "s", "namespace": "ns"},
        "spec": {"provider": {"aws": {"service": "ParameterStore", "region": "eu-west-1", **aws}}},
    }
    return SecretStore.model_validate(doc)


@pytest.mark.parametrize(
    ("aws", "error", "match"),
    [
        pytest.param({"region": ""}, ConfigError, "region must be set", id="no-region"),
        pytest.param({"region": "Not A Region"}, ConfigError, "region not found", id="bad-region"),
        pytest.param({"service": "SecretsManager"}, ConfigError, "ParameterStore", id="service"),
        pytest.param(
            {"sessionTagsPolicy": "Simple"}, NotImplementedFeatureError, "sessionTags", id="tags"
        ),
    ],
)
def test_store_validation_refuses_what_eso_refuses(
    aws: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        validate_parameter_store(_store(**aws))


def test_a_valid_store_passes_validation() -> None:
    assert validate_parameter_store(_store(prefix="/team/")).prefix == "/team/"
