"""Generators through ``dataFrom[].sourceRef.generatorRef``: ESO's own doc manifests apply and
sync, values are made anew on each refresh, ECR and STS tokens come from AWS (moto), and a
failing generator is a clear condition and event with the Secret left as it was."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from controller_env import ES_API, Env

from eso.api import conditions as c
from eso.api.generators import GENERATOR_API_VERSION
from localkube.pytest_cluster import wait_for

SNIPPETS = Path(__file__).resolve().parents[2] / "fixtures" / "eso-docs" / "generators"
PLURALS = {
    "Password": "passwords",
    "UUID": "uuids",
    "SSHKey": "sshkeys",
    "ECRAuthorizationToken": "ecrauthorizationtokens",
    "STSSessionToken": "stssessiontokens",
    "ClusterGenerator": "clustergenerators",
    "ExternalSecret": "externalsecrets",
}
ROLE_ARN = "arn:aws:iam::123456789012:role/my-role"


def _data(secret: dict[str, Any]) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


def snippet(name: str) -> list[dict[str, Any]]:
    """An ESO doc snippet's objects, without mkdocs' raw markers."""
    text = (SNIPPETS / f"generator-{name}.yaml").read_text()
    lines = [ln for ln in text.splitlines() if ln.strip() not in ("{% raw %}", "{% endraw %}")]
    return [d for d in yaml.safe_load_all("\n".join(lines)) if d]


class Objects:
    """Creates manifests in the test's namespace; cluster-scoped ones get a unique name."""

    def __init__(self, env: Env, namespace: str) -> None:
        self.env, self.ns = env, namespace
        self.cluster_generators: list[str] = []

    async def apply(self, doc: dict[str, Any]) -> dict[str, Any]:
        plural = PLURALS[doc["kind"]]
        if doc["kind"] == "ClusterGenerator":
            self.cluster_generators.append(doc["metadata"]["name"])
            return await self.env.raw.create(doc["apiVersion"], plural, doc)
        return await self.env.raw.create(doc["apiVersion"], plural, doc, namespace=self.ns)

    async def generator(self, kind: str, name: str, spec: dict[str, Any]) -> None:
        body = {"apiVersion": GENERATOR_API_VERSION, "kind": kind, "metadata": {"name": name}}
        await self.apply({**body, "spec": spec})

    async def external_secret(
        self, name: str, kind: str, generator: str, *, refresh: str = "1h", **extra: Any
    ) -> None:
        ref = {"apiVersion": GENERATOR_API_VERSION, "kind": kind, "name": generator}
        entry = {"sourceRef": {"generatorRef": ref}, **extra}
        spec = {"refreshInterval": refresh, "target": {"name": name}, "dataFrom": [entry]}
        body = {"apiVersion": ES_API, "kind": "ExternalSecret", "metadata": {"name": name}}
        await self.apply({**body, "spec": spec})


@pytest.fixture
async def objs(env: Env) -> AsyncIterator[Objects]:
    """The test's namespace (with AWS credentials ``my-aws-creds`` as ESO's docs name them)."""
    ns = await env.cluster.create_namespace()
    creds = {"key-id": "AKIAEXAMPLE000000001", "access-secret": "example-secret-key"}
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "my-aws-creds"}}
    await env.raw.create("v1", "secrets", {**secret, "stringData": creds}, namespace=ns)
    objects = Objects(env, ns)
    try:
        yield objects
    finally:
        for name in objects.cluster_generators:
            await env.cluster.delete_and_wait(GENERATOR_API_VERSION, "clustergenerators", name)


async def _synced(env: Env, objs: Objects, name: str, target: str) -> dict[str, bytes]:
    await env.wait_ready("externalsecrets", name, objs.ns)
    return _data(await env.wait_secret(target, objs.ns))


# --- ESO's documentation, applied as written --------------------------------------------------


@pytest.mark.parametrize(
    ("generator", "example", "target", "keys"),
    [
        pytest.param("password", "password-example", "password-secret", {"password"}, id="pw"),
        pytest.param("uuid", "uuid-example", "uuid-secret", {"uuid"}, id="uuid"),
        pytest.param(
            "sshkey", "sshkey-example", "ssh-key-secret", {"privateKey", "publicKey"}, id="ed25519"
        ),
        pytest.param(
            "sshkey-rsa",
            "sshkey-rsa-example",
            "ssh-rsa-secret",
            {"privateKey", "publicKey"},
            id="rsa",
        ),
        pytest.param("password-multiple-keys", None, "auth-secrets", {"key1", "key2"}, id="keys"),
    ],
)
async def test_eso_doc_generators_apply_and_their_external_secrets_sync(
    env: Env, objs: Objects, generator: str, example: str | None, target: str, keys: set[str]
) -> None:
    docs = snippet(generator) + (snippet(example) if example else [])
    for doc in docs:
        await objs.apply(doc)
    es = next(d for d in docs if d["kind"] == "ExternalSecret")["metadata"]["name"]
    data = await _synced(env, objs, es, target)
    assert set(data) == keys


async def test_eso_doc_password_is_made_as_its_spec_says(env: Env, objs: Objects) -> None:
    for doc in snippet("password") + snippet("password-example"):
        await objs.apply(doc)
    password = (await _synced(env, objs, "password", "password-secret"))["password"].decode()
    assert len(password) == 42
    assert sum(ch.isdigit() for ch in password) == 5
    assert sum(ch in "-_$@" for ch in password) == 5


async def test_eso_doc_ssh_key_carries_its_comment(env: Env, objs: Objects) -> None:
    for doc in snippet("sshkey") + snippet("sshkey-example"):
        await objs.apply(doc)
    data = await _synced(env, objs, "example-ssh-key", "ssh-key-secret")
    assert data["publicKey"].startswith(b"ssh-ed25519 ")
    assert data["publicKey"].endswith(b" user@example.com\n")
    assert data["privateKey"].startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----\n")


async def test_eso_doc_ecdsa_key_uses_the_curve_of_its_key_size(env: Env, objs: Objects) -> None:
    (gen,) = snippet("sshkey-ecdsa")
    await objs.apply(gen)
    await objs.external_secret("ecdsa", "SSHKey", gen["metadata"]["name"])
    data = await _synced(env, objs, "ecdsa", "ecdsa")
    assert data["publicKey"].startswith(b"ecdsa-sha2-nistp521 ")
    assert data["publicKey"].endswith(b" ecdsa@example.com\n")


async def test_eso_doc_password_encodings_apply(env: Env, objs: Objects) -> None:
    docs = snippet("password-encoding-examples")
    for doc in docs:
        await objs.apply(doc)
    await objs.external_secret("hex", "Password", "password-hex")
    hexed = (await _synced(env, objs, "hex", "hex"))["password"]
    assert len(bytes.fromhex(hexed.decode())) == 16


async def test_eso_doc_cluster_generator_serves_every_namespace(env: Env, objs: Objects) -> None:
    gen, es = snippet("cluster") + snippet("cluster-example")
    gen["metadata"]["name"] = unique = f"cluster-gen-{env.suffix}"
    es["spec"]["dataFrom"][0]["sourceRef"]["generatorRef"]["name"] = unique
    await objs.apply(gen)
    await objs.apply(es)
    password = (await _synced(env, objs, "cluster-secret", "cluster-secret"))["password"]
    assert len(password) == 42


async def test_eso_doc_ecr_example_renders_a_docker_config_from_moto(
    env: Env, objs: Objects
) -> None:
    gen, es = snippet("ecr") + snippet("ecr-example")
    gen["spec"]["region"] = "us-east-1"
    gen["spec"]["role"] = ROLE_ARN  # the doc's "my-role" is no ARN AWS accepts
    await objs.apply(gen)
    await objs.apply(es)
    await env.wait_ready("externalsecrets", "ecr-secret", objs.ns)
    secret = await env.wait_secret("ecr-secret", objs.ns)
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    config = json.loads(_data(secret)[".dockerconfigjson"])
    login = config["auths"]["123456789012.dkr.ecr.us-east-1.amazonaws.com"]
    assert (login["username"], login["password"]) == ("AWS", "123456789012-auth-token")
    assert base64.b64decode(login["auth"]) == b"AWS:123456789012-auth-token"
    assert secret["metadata"]["annotations"]["expiresAt"] == "1420070400"
    labels = {"provider": "AWS/ECR", "call": "GetAuthorizationToken", "status": "success"}
    calls = env.metrics.registry.get_sample_value("externalsecret_provider_api_calls_count", labels)
    assert calls is not None and calls >= 1


async def test_eso_doc_sts_example_syncs_session_credentials(env: Env, objs: Objects) -> None:
    gen, es = snippet("sts") + snippet("sts-example")
    gen["spec"]["role"] = ROLE_ARN
    await objs.apply(gen)
    await objs.apply(es)
    data = await _synced(env, objs, "sts-secret", "sts-secret")
    assert set(data) == {"access_key_id", "secret_access_key", "session_token", "expiration"}
    assert data["access_key_id"].startswith(b"AKIA")
    assert int(data["expiration"]) > 0


# --- refresh, rewrite ---------------------------------------------------------------------


async def test_a_password_is_generated_anew_on_each_refresh(env: Env, objs: Objects) -> None:
    await objs.generator("Password", "pw", {"length": 16})
    await objs.external_secret("app", "Password", "pw", refresh="1s")
    first = (await _synced(env, objs, "app", "app"))["password"]
    await env.wait_secret("app", objs.ns, where=lambda s: _data(s)["password"] != first)


async def test_rewrite_renames_generated_keys(env: Env, objs: Objects) -> None:
    await objs.generator("UUID", "id", {})
    rewrite = [{"regexp": {"source": "uuid", "target": "instance-id"}}]
    await objs.external_secret("app", "UUID", "id", rewrite=rewrite)
    assert set(await _synced(env, objs, "app", "app")) == {"instance-id"}


# --- failures -------------------------------------------------------------------------------


async def _failed(env: Env, objs: Objects, name: str) -> str:
    cond = await env.wait_ready("externalsecrets", name, objs.ns, status="False")
    assert cond["reason"] == c.REASON_SECRET_SYNCED_ERROR
    return cond["message"]


async def _warning(env: Env, objs: Objects, name: str, text: str) -> None:
    async def seen() -> bool:
        events = (await env.raw.list("v1", "events", namespace=objs.ns)).get("items", [])
        return any(
            e.get("type") == "Warning"
            and e.get("involvedObject", {}).get("name") == name
            and text in e.get("message", "")
            for e in events
        )

    await wait_for(seen, timeout=20.0)


async def test_a_deleted_generator_fails_the_sync_and_leaves_the_secret(
    env: Env, objs: Objects
) -> None:
    await objs.generator("Password", "pw", {"length": 16})
    await objs.external_secret("app", "Password", "pw")
    before = await _synced(env, objs, "app", "app")
    await env.raw.delete(GENERATOR_API_VERSION, "passwords", "pw", namespace=objs.ns)
    annotations = {"metadata": {"annotations": {"force-sync": "1"}}}
    await env.raw.patch(ES_API, "externalsecrets", "app", annotations, namespace=objs.ns)

    message = await _failed(env, objs, "app")
    assert "spec.dataFrom[0].sourceRef.generatorRef" in message
    assert 'unable to get generator: passwords.generators.external-secrets.io "pw" not found' in (
        message
    )
    await _warning(env, objs, "app", "unable to get generator")
    assert _data(await env.wait_secret("app", objs.ns)) == before


@pytest.mark.parametrize(
    ("kind", "spec", "expected"),
    [
        pytest.param(
            "Password",
            {"length": 4, "digits": 3, "symbols": 3},
            "error using generator: number of digits and symbols must be less than total length",
            id="impossible-password",
        ),
        pytest.param(
            "STSSessionToken",
            {"region": "us-east-1", "auth": {"jwt": {"serviceAccountRef": {"name": "default"}}}},
            "error using generator: jwt auth cannot be used for STS Session Token generation",
            id="sts-with-jwt",
        ),
        pytest.param(
            "ECRAuthorizationToken",
            {"region": "us-east-1", "auth": {"secretRef": {
                "accessKeyIDSecretRef": {"name": "nope", "key": "k"},
                "secretAccessKeySecretRef": {"name": "nope", "key": "s"}}}},
            "error using generator: unable to create aws session: cannot get Kubernetes secret",
            id="ecr-credentials-missing",
        ),
    ],
)  # fmt: skip
async def test_a_failing_generator_is_a_clear_condition_and_no_secret(
    env: Env, objs: Objects, kind: str, spec: dict[str, Any], expected: str
) -> None:
    await objs.generator(kind, "gen", spec)
    await objs.external_secret("app", kind, "gen")
    assert expected in await _failed(env, objs, "app")
    await _warning(env, objs, "app", expected)
    assert await env.get("secrets", "app", objs.ns) is None


async def test_a_generator_kind_eso_lacks_is_named(env: Env, objs: Objects) -> None:
    await objs.external_secret("app", "Fake", "fake")
    message = await _failed(env, objs, "app")
    assert "generator kind Fake is not implemented yet by eso" in message


async def test_a_generator_in_data_is_refused_pointing_at_data_from(
    env: Env, objs: Objects
) -> None:
    ref = {"apiVersion": GENERATOR_API_VERSION, "kind": "Password", "name": "pw"}
    item = {"secretKey": "pw", "remoteRef": {"key": "x"}, "sourceRef": {"generatorRef": ref}}
    spec = {"refreshInterval": "1h", "target": {"name": "app"}, "data": [item]}
    body = {"apiVersion": ES_API, "kind": "ExternalSecret", "metadata": {"name": "app"}}
    await objs.apply({**body, "spec": spec})
    message = await _failed(env, objs, "app")
    assert "spec.data[0] (key: x)" in message
    assert "use spec.dataFrom[].sourceRef.generatorRef" in message
