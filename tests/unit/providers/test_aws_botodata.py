"""botocore's data is parsed once per process, with endpoints trimmed to eso's services."""

from __future__ import annotations

import os

import pytest

from eso.providers.aws.botodata import SERVICES, new_session


def test_sessions_share_one_loader() -> None:
    a, b = new_session(), new_session()
    assert a.get_component("data_loader") is b.get_component("data_loader")


def test_the_loaded_endpoints_describe_only_the_services_eso_calls() -> None:
    endpoints = new_session().get_component("data_loader").load_data("endpoints")
    for partition in endpoints["partitions"]:
        assert set(partition["services"]) <= SERVICES
    assert "secretsmanager" in endpoints["partitions"][0]["services"]


@pytest.mark.parametrize(
    ("service", "region", "url"),
    [
        pytest.param(
            "secretsmanager", "eu-west-1", "https://secretsmanager.eu-west-1.amazonaws.com", id="sm"
        ),
        pytest.param("ssm", "us-gov-west-1", "https://ssm.us-gov-west-1.amazonaws.com", id="gov"),
        pytest.param("sts", "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn", id="china"),
        pytest.param("ecr", "eu-west-1", "https://api.ecr.eu-west-1.amazonaws.com", id="ecr"),
        pytest.param(
            "ecr-public", "us-east-1", "https://api.ecr-public.us-east-1.amazonaws.com", id="ecrpub"
        ),
    ],
)
async def test_clients_still_resolve_their_regional_endpoints(
    service: str, region: str, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building a client makes no request; the test environment's endpoint override is unset."""
    for var in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(var)
    session = new_session()
    async with session.create_client(
        service, region_name=region, aws_access_key_id="k", aws_secret_access_key="s"
    ) as client:
        assert client.meta.endpoint_url == url
