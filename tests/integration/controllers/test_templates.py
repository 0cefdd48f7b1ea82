"""``spec.target.template`` end to end: ESO's documented examples, template sources and their
watch, bad templates, and keys that a template stops producing."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from controller_env import ES_API, Env
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from eso.api import conditions as c
from localkube.pytest_cluster import wait_for

DB = {"user": "app user", "password": "p@ss/word", "host": "db.example.com"}
FROM_DB = [{"extract": {"key": "db"}}]


def _data(secret: dict[str, Any]) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


def _target(template: dict[str, Any], name: str = "app") -> dict[str, Any]:
    return {"name": name, "template": template}


@pytest.fixture
async def ns(env: Env) -> str:
    """A namespace with a Ready SecretStore ``aws-store`` and the AWS secret ``db`` (JSON)."""
    name = await env.cluster.create_namespace()
    await env.credentials(name)
    await env.secret_store(name)
    await env.aws.create("db", DB)
    await env.wait_ready("secretstores", "aws-store", name)
    return name


async def _config_map(env: Env, ns: str, name: str, data: dict[str, str]) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
    await env.raw.create("v1", "configmaps", body, namespace=ns)


async def _synced(env: Env, ns: str, name: str = "app", **kw: Any) -> dict[str, Any]:
    await env.wait_ready("externalsecrets", name, ns, **kw)
    secret = await env.get("secrets", name, ns)
    assert secret is not None
    return secret


# --- ESO's documented examples ------------------------------------------------------------


async def test_dockerconfigjson(env: Env, ns: str) -> None:
    await env.aws.create("registry", {"user": "robot", "token": "t0k3n"})
    auth = '{{ printf "%s:%s" .user .token | b64enc }}'
    config = '{"auths":{"registry.example.com":{"username":"{{ .user }}","auth":"' + auth + '"}}}'
    template = {"type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": config}}
    await env.external_secret(
        ns, "app", target=_target(template), data_from=[{"extract": {"key": "registry"}}]
    )
    secret = await _synced(env, ns)
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    entry = json.loads(_data(secret)[".dockerconfigjson"])["auths"]["registry.example.com"]
    assert entry == {"username": "robot", "auth": base64.b64encode(b"robot:t0k3n").decode()}


def _pkcs12() -> tuple[bytes, bytes, bytes]:
    """A PKCS#12 file (no password) and its certificate and key as PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "app.example.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        b"app", key, cert, None, serialization.NoEncryption()
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return p12, cert.public_bytes(serialization.Encoding.PEM), key_pem


async def test_tls_from_a_pkcs12_in_aws(env: Env, ns: str) -> None:
    p12, cert_pem, key_pem = _pkcs12()
    await env.aws.create("tls-p12", base64.b64encode(p12).decode())
    template = {
        "type": "kubernetes.io/tls",
        "engineVersion": "v2",
        "data": {
            "tls.crt": "{{ .keystore | b64dec | pkcs12cert }}",
            "tls.key": "{{ .keystore | b64dec | pkcs12key }}",
        },
    }
    data = [{"secretKey": "keystore", "remoteRef": {"key": "tls-p12"}}]
    await env.external_secret(ns, "app", target=_target(template), data=data)
    secret = await _synced(env, ns)
    assert secret["type"] == "kubernetes.io/tls"
    assert _data(secret) == {"tls.crt": cert_pem, "tls.key": key_pem}


async def test_ssh_auth(env: Env, ns: str) -> None:
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n"
    await env.aws.create("deploy-key", key)
    template = {"type": "kubernetes.io/ssh-auth", "data": {"ssh-privatekey": "{{ .key }}"}}
    data = [{"secretKey": "key", "remoteRef": {"key": "deploy-key"}}]
    await env.external_secret(ns, "app", target=_target(template), data=data)
    secret = await _synced(env, ns)
    assert secret["type"] == "kubernetes.io/ssh-auth"
    assert _data(secret) == {"ssh-privatekey": key.encode()}


async def test_json_and_yaml_config_files_and_a_connection_string(env: Env, ns: str) -> None:
    template = {
        "data": {
            "config.json": '{{ dict "user" .user "host" .host | toJson }}',
            "config.yaml": '{{ dict "user" .user "host" .host | toYaml }}',
            "dsn": "postgres://{{ .user | urlquery }}:{{ .password | urlquery }}@{{ .host }}/app",
        },
        "metadata": {"labels": {"db-host": "{{ .host }}"}, "annotations": {"owner": "team-a"}},
    }
    await env.external_secret(ns, "app", target=_target(template), data_from=FROM_DB)
    secret = await _synced(env, ns)
    assert _data(secret) == {
        "config.json": b'{"host":"db.example.com","user":"app user"}',
        "config.yaml": b"host: db.example.com\nuser: app user",
        "dsn": b"postgres://app+user:p%40ss%2Fword@db.example.com/app",
    }
    assert secret["metadata"]["labels"]["db-host"] == "db.example.com"
    assert secret["metadata"]["annotations"]["owner"] == "team-a"
    assert secret["type"] == "Opaque"


# --- template sources -----------------------------------------------------------------------


async def test_template_from_configmap_secret_and_literal(env: Env, ns: str) -> None:
    await _config_map(
        env,
        ns,
        "tpl",
        {"dsn": "{{ .user }}@{{ .host }}", "pairs": "a: '{{ .host }}'\nlabel-b: fixed"},
    )
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "stpl"},
        "data": {"greeting": base64.b64encode(b"hello {{ .user }}").decode()},
    }
    await env.raw.create("v1", "secrets", body, namespace=ns)
    template = {
        "templateFrom": [
            {"configMap": {"name": "tpl", "items": [{"key": "dsn"}]}},
            {
                "configMap": {
                    "name": "tpl",
                    "items": [{"key": "pairs", "templateAs": "KeysAndValues"}],
                },
                "target": "Labels",
            },
            {"secret": {"name": "stpl", "items": [{"key": "greeting"}]}},
            {"literal": "lit: '{{ .host }}'"},
        ]
    }
    await env.external_secret(ns, "app", target=_target(template), data_from=FROM_DB)
    secret = await _synced(env, ns)
    assert _data(secret) == {
        "dsn": b"app user@db.example.com",
        "greeting": b"hello app user",
        "lit": b"db.example.com",
    }
    labels = secret["metadata"]["labels"]
    assert (labels["a"], labels["label-b"]) == ("db.example.com", "fixed")


@pytest.mark.parametrize("kind", ["configMap", "secret"])
async def test_editing_a_source_renders_the_secret_again(env: Env, ns: str, kind: str) -> None:
    """A source edit re-renders at once (the watch), not at the next refresh (1h here)."""
    plural = "configmaps" if kind == "configMap" else "secrets"

    def contents(text: str) -> dict[str, str]:
        return {"out": text if kind == "configMap" else base64.b64encode(text.encode()).decode()}

    body = {"apiVersion": "v1", "metadata": {"name": "tpl"}, "data": contents("v1 {{ .user }}")}
    await env.raw.create("v1", plural, body, namespace=ns)
    template = {"templateFrom": [{kind: {"name": "tpl", "items": [{"key": "out"}]}}]}
    await env.external_secret(ns, "app", target=_target(template), data_from=FROM_DB)
    first = await _synced(env, ns)
    assert _data(first) == {"out": b"v1 app user"}
    patch = {"data": contents("v2 {{ .host }}")}
    await env.raw.patch("v1", plural, "tpl", patch, namespace=ns)
    secret = await env.wait_secret(
        "app", ns, where=lambda s: _data(s).get("out") == b"v2 db.example.com"
    )
    assert set(_data(secret)) == {"out"}


async def test_missing_source_fails_then_heals_when_it_appears(env: Env, ns: str) -> None:
    template = {"templateFrom": [{"configMap": {"name": "later", "items": [{"key": "k"}]}}]}
    await env.external_secret(ns, "app", target=_target(template), data_from=FROM_DB)
    cond = await env.wait_ready("externalsecrets", "app", ns, status="False")
    assert cond["message"] == (
        "could not update secret: could not apply template: error fetching templateFrom data: "
        'configmaps "later" not found'
    )
    await _config_map(env, ns, "later", {"x": "y"})

    async def says_missing_key() -> bool | None:
        es = await env.get("externalsecrets", "app", ns)
        conds = ((es or {}).get("status") or {}).get("conditions") or []
        return any("missing key k" in x.get("message", "") for x in conds) or None

    await wait_for(says_missing_key, timeout=20)
    await env.raw.patch("v1", "configmaps", "later", {"data": {"k": "{{ .user }}"}}, namespace=ns)
    secret = await _synced(env, ns)
    assert _data(secret) == {"k": b"app user"}


# --- bad input and removal ------------------------------------------------------------------


async def test_bad_template_is_reported_and_the_secret_kept(env: Env, ns: str) -> None:
    good = {"data": {"k": "{{ .user }}"}}
    es = await env.external_secret(ns, "app", target=_target(good), data_from=FROM_DB)
    before = await _synced(env, ns)
    bad = {"spec": {"target": _target({"data": {"k": "{{ .nope }}"}})}}
    await env.raw.patch(ES_API, "externalsecrets", "app", bad, namespace=ns)
    cond = await env.wait_ready("externalsecrets", "app", ns, status="False")
    assert cond["reason"] == c.REASON_SECRET_SYNCED_ERROR
    assert cond["message"] == (
        "could not update secret: could not apply template: could not execute template: "
        "could not execute template: unable to execute template at key k: unable to execute "
        'template at key k: template: k:1:3: executing "k" at <.nope>: map has no entry for key '
        '"nope"'
    )
    assert DB["password"] not in cond["message"]

    async def warning() -> list[dict[str, Any]] | None:
        events = await env.raw.list("v1", "events", namespace=ns)
        found = [
            e
            for e in events.get("items", [])
            if e.get("type") == "Warning"
            and e.get("involvedObject", {}).get("uid") == es["metadata"]["uid"]
            and e.get("message") == cond["message"]
        ]
        return found or None

    await wait_for(warning, timeout=20)
    after = await env.get("secrets", "app", ns)
    assert after is not None
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


async def test_keys_a_template_stops_producing_are_removed(env: Env, ns: str) -> None:
    first = {
        "data": {"keep": "{{ .user }}", "drop": "x"},
        "metadata": {"labels": {"keep-l": "1", "drop-l": "2"}, "annotations": {"drop-a": "3"}},
    }
    await env.external_secret(ns, "app", target=_target(first), data_from=FROM_DB)
    before = await _synced(env, ns)
    assert set(_data(before)) == {"keep", "drop"}
    second = {"data": {"keep": "{{ .user }}"}, "metadata": {"labels": {"keep-l": "1"}}}
    patch = {"spec": {"target": _target(second)}}
    # A merge patch keeps map keys absent from the patch: null them out explicitly.
    patch["spec"]["target"]["template"]["data"]["drop"] = None
    patch["spec"]["target"]["template"]["metadata"]["labels"]["drop-l"] = None
    patch["spec"]["target"]["template"]["metadata"]["annotations"] = None
    await env.raw.patch(ES_API, "externalsecrets", "app", patch, namespace=ns)

    def settled(s: dict[str, Any]) -> bool:
        return set(_data(s)) == {"keep"} and "drop-l" not in s["metadata"].get("labels", {})

    secret = await env.wait_secret("app", ns, where=settled)
    assert secret["metadata"]["labels"]["keep-l"] == "1"
    assert "drop-a" not in secret["metadata"].get("annotations", {})
