"""A local AWS (moto server) for tests, the demo and the benchmark.

moto's in-process mock patches botocore's HTTP layer but not aiobotocore's, so eso always talks
to a real HTTP server: ``MotoServer`` runs moto's ``ThreadedMotoServer`` on 127.0.0.1 with a
free port. ``env()`` is the environment that points every AWS SDK at it with fake credentials,
so nothing can reach real AWS. ``reset()`` wipes all state between tests (and turns IAM
authentication back off). With ``enable_iam_auth()`` moto checks signatures and IAM policies
like AWS does (unknown keys → ``UnrecognizedClientException``, missing permissions →
``AccessDeniedException``), which is how tests get wrong or under-privileged credentials.

``MotoSecrets`` creates and changes secrets (and IAM users) over the same HTTP API, with
aiobotocore, so async callers never block their loop.

Standalone, for the demo and the benchmark in another process::

    python -m localkube.moto --port 5000     # prints the URL, serves until SIGTERM/Ctrl-C
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
import urllib.request
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiobotocore.session import get_session
from moto.server import ThreadedMotoServer

HOST = "127.0.0.1"
REGION = "us-east-1"
FAKE_ACCESS_KEY = "testing"
FAKE_SECRET_KEY = "testing"
# Account id moto uses for everything (ARNs in policies and answers).
ACCOUNT_ID = "123456789012"


def fake_aws_env(url: str, *, region: str = REGION) -> dict[str, str]:
    """Environment sending every AWS SDK call to ``url`` with fake credentials.

    Also disables instance metadata and shared config files, so nothing real is picked up.
    """
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": url,
        "AWS_SECRETSMANAGER_ENDPOINT": url,
        "AWS_ENDPOINT_URL_SSM": url,
        "AWS_SSM_ENDPOINT": url,
        "AWS_ENDPOINT_URL_STS": url,
        "AWS_ENDPOINT_URL_IAM": url,
        "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


class MotoServer:
    """moto's server on 127.0.0.1; ``start``/``stop`` or use as a context manager."""

    def __init__(self, *, host: str = HOST, port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server: ThreadedMotoServer | None = None

    def start(self) -> MotoServer:
        """Start serving (port 0 picks a free port); returns self."""
        if self._server is None:
            # werkzeug logs every request at INFO; tests and the demo only want problems.
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            self._server = ThreadedMotoServer(ip_address=self._host, port=self._port, verbose=False)
            self._server.start()
            self._host, self._port = self._server.get_host_and_port()
        return self

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """The endpoint URL, e.g. ``http://127.0.0.1:40123``."""
        return f"http://{self._host}:{self._port}"

    def env(self, *, region: str = REGION) -> dict[str, str]:
        """Environment pointing every AWS SDK at this server, with fake credentials."""
        return fake_aws_env(self.url, region=region)

    def _post(self, path: str, body: bytes = b"") -> None:
        req = urllib.request.Request(
            self.url + path,
            data=body,
            method="POST",
            # not form-encoded, or werkzeug parses the body away from request.data
            headers={"Content-Type": "application/octet-stream"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()

    def reset(self) -> None:
        """Forget every resource and turn IAM authentication off."""
        self.disable_iam_auth()
        self._post("/moto-api/reset")

    def enable_iam_auth(self) -> None:
        """From now on, check signatures and IAM policies (create users first)."""
        self._post("/moto-api/reset-auth", b"0")

    def disable_iam_auth(self) -> None:
        self._post("/moto-api/reset-auth", b"inf")

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class AccessKey:
    """An IAM user's key pair created in moto."""

    access_key_id: str
    secret_access_key: str


def policy(*, allow: list[str], deny: list[str] | None = None) -> str:
    """An IAM policy document allowing ``allow`` and denying ``deny`` actions on everything."""
    statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": allow, "Resource": "*"}]
    if deny:
        statements.append({"Effect": "Deny", "Action": deny, "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class MotoSecrets:
    """Async helpers to arrange AWS state in a ``MotoServer``."""

    def __init__(self, url: str, *, region: str = REGION) -> None:
        self.url = url
        self.region = region

    @asynccontextmanager
    async def client(self, service: str = "secretsmanager") -> AsyncIterator[Any]:
        """An aiobotocore client of ``service`` against the server, with fake credentials."""
        async with get_session().create_client(
            service,
            region_name=self.region,
            endpoint_url=self.url,
            aws_access_key_id=FAKE_ACCESS_KEY,
            aws_secret_access_key=FAKE_SECRET_KEY,
        ) as c:
            yield c

    async def create(
        self,
        name: str,
        value: str | bytes | Mapping[str, Any],
        *,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """Create secret ``name`` (a dict is stored as JSON, bytes as SecretBinary); its ARN."""
        params = _value_params(value)
        if tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        async with self.client() as sm:
            resp = await sm.create_secret(Name=name, **params)
        return str(resp["ARN"])

    async def create_many(self, secrets: Mapping[str, str | bytes | Mapping[str, Any]]) -> None:
        """Create many secrets over one connection (one client per call costs ~0.2 s)."""
        async with self.client() as sm:
            for name, value in secrets.items():
                await sm.create_secret(Name=name, **_value_params(value))

    async def put(
        self, name: str, value: str | bytes | Mapping[str, Any], *, stages: list[str] | None = None
    ) -> str:
        """A new version of ``name`` (AWSCURRENT unless ``stages``); its VersionId."""
        params = _value_params(value)
        if stages is not None:
            params["VersionStages"] = stages
        async with self.client() as sm:
            resp = await sm.put_secret_value(SecretId=name, **params)
        return str(resp["VersionId"])

    async def delete(self, name: str) -> None:
        async with self.client() as sm:
            await sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)

    async def create_user(
        self, name: str, *, allow: list[str], deny: list[str] | None = None
    ) -> AccessKey:
        """An IAM user with an inline policy and an access key (for ``enable_iam_auth``)."""
        async with self.client("iam") as iam:
            await iam.create_user(UserName=name)
            await iam.put_user_policy(
                UserName=name,
                PolicyName=f"{name}-policy",
                PolicyDocument=policy(allow=allow, deny=deny),
            )
            resp = await iam.create_access_key(UserName=name)
        key = resp["AccessKey"]
        return AccessKey(key["AccessKeyId"], key["SecretAccessKey"])

    async def create_role(self, name: str, *, allow: list[str]) -> str:
        """An IAM role any principal may assume, with an inline policy; its ARN."""
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        async with self.client("iam") as iam:
            resp = await iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
            await iam.put_role_policy(
                RoleName=name, PolicyName=f"{name}-policy", PolicyDocument=policy(allow=allow)
            )
        return str(resp["Role"]["Arn"])


class MotoParameters:
    """Async helpers to arrange SSM Parameter Store state in a ``MotoServer``."""

    def __init__(self, url: str, *, region: str = REGION) -> None:
        self._secrets = MotoSecrets(url, region=region)

    async def put(
        self,
        name: str,
        value: str | Mapping[str, Any],
        *,
        type_: str = "String",
        tags: Mapping[str, str] | None = None,
        key_id: str | None = None,
    ) -> int:
        """Create or overwrite parameter ``name`` (a dict is stored as JSON); its new version."""
        return (await self.put_many({name: value}, type_=type_, tags=tags, key_id=key_id))[0]

    async def put_many(
        self,
        parameters: Mapping[str, str | Mapping[str, Any]],
        *,
        type_: str = "String",
        tags: Mapping[str, str] | None = None,
        key_id: str | None = None,
    ) -> list[int]:
        """Create or overwrite many parameters over one connection; their new versions."""
        versions = []
        async with self._secrets.client("ssm") as ssm:
            for name, value in parameters.items():
                text = value if isinstance(value, str) else json.dumps(dict(value))
                params: dict[str, Any] = {"Name": name, "Value": text, "Type": type_}
                if key_id:
                    params["KeyId"] = key_id
                resp = await ssm.put_parameter(Overwrite=True, **params)
                if tags:
                    await ssm.add_tags_to_resource(
                        ResourceType="Parameter",
                        ResourceId=name,
                        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
                    )
                versions.append(int(resp["Version"]))
        return versions

    async def delete(self, name: str) -> None:
        async with self._secrets.client("ssm") as ssm:
            await ssm.delete_parameter(Name=name)


def _value_params(value: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, bytes):
        return {"SecretBinary": value}
    if isinstance(value, str):
        return {"SecretString": value}
    return {"SecretString": json.dumps(dict(value))}


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM or Ctrl-C, printing the endpoint URL first."""
    parser = argparse.ArgumentParser(prog="python -m localkube.moto", description=__doc__)
    parser.add_argument("--host", default=HOST)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with MotoServer(host=args.host, port=args.port) as server:
        print(server.url, flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
