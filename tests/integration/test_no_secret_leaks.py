"""No secret value ever leaves eso except into the target Secret.

Known, distinctive values (a string, a property nested in JSON, binary bytes, the AWS secret
access key of the store's credentials) flow through full syncs of a real ``eso run`` process
at ``--loglevel debug``, including failure paths (a property that does not exist, a JSON
object with keys a Secret cannot hold, ``extract`` of a value that is not JSON, ``property``
of a value that is not JSON), the same through a Parameter Store store (a SecureString, a
StringList, a JSON property; a property of a StringList, a missing property, a missing version)
and an update of a value in AWS; generators too (a Password, an SSHKey, ECR and STS tokens
from moto, and failing generators), whose values are read from their Secrets and scanned for
like the canaries. Afterwards every log line the
process wrote, every Event in the cluster, every ExternalSecret and store object (statuses
included) and the /metrics text are scanned for each value, raw, JSON-escaped and base64'd
at every byte alignment. None may appear.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from test_process import ES_API, REGION, EsoProcess, eso_run, install_crds

from localkube.moto import MotoParameters, MotoSecrets, MotoServer
from localkube.pytest_cluster import Cluster
from localkube.rawclient import ApiStatusError

pytestmark = pytest.mark.slow

STRING = b"s7r1ng-LEAK-canary-9f3e1b0c"
STRING_V2 = b"s7r1ng-LEAK-canary-v2-51aa07"
NESTED = b"n3st3d-LEAK-canary-4a7c2d6e"
BINARY = b"\x00\xff\x10b1n-LEAK-canary-e8\x80\x01\xfe"
BAD_KEY_VALUE = b"b4dk3y-LEAK-canary-77e0f1a9"
NOT_JSON = b"n0tjs0n-LEAK-canary-{3c5d: 'x'"
NESTED_ONLY_VALUE = b"s1bl1ng-LEAK-canary-0b9e44c2"
ACCESS_SECRET = b"cr3d-LEAK-canary-secretaccesskey"
SSM_SECURE = b"ssm-s3cure-LEAK-canary-c0ffee11"
SSM_LIST = b"ssm-l1st-LEAK-canary,second-7d21"
SSM_JSON_VALUE = b"ssm-js0n-LEAK-canary-5e6f7a8b"
CANARIES = [STRING, STRING_V2, NESTED, BINARY, BAD_KEY_VALUE, NOT_JSON, NESTED_ONLY_VALUE,
            ACCESS_SECRET, SSM_SECURE, SSM_LIST, SSM_JSON_VALUE]  # fmt: skip

AWS_SECRETS: dict[str, str | bytes | dict[str, Any]] = {
    "leak/string": STRING.decode(),
    "leak/json": {
        "user": "app",
        "nested": {"deep": NESTED.decode(), "sibling": NESTED_ONLY_VALUE.decode()},
    },
    "leak/binary": BINARY,
    # non-ASCII letters survive the Default key conversion but no Secret accepts them
    "leak/bad-keys": {"clé": BAD_KEY_VALUE.decode(), "ok": "fine"},
    "leak/not-json": NOT_JSON.decode(),
}
# Parameter Store, through a second store: name → (value, type)
SSM_PARAMETERS: dict[str, tuple[str, str]] = {
    "/leak/secure": (SSM_SECURE.decode(), "SecureString"),
    "/leak/list": (SSM_LIST.decode(), "StringList"),
    "/leak/json": (json.dumps({"k": SSM_JSON_VALUE.decode()}), "SecureString"),
}
SSM_STORE = "ssm-store"
GOOD_SSM = "leak-ssm-good"
FAILING_SSM: dict[str, dict[str, Any]] = {
    "leak-ssm-list-property": {
        "data": [{"secretKey": "x", "remoteRef": {"key": "/leak/list", "property": "0"}}]
    },
    "leak-ssm-missing-property": {
        "data": [{"secretKey": "x", "remoteRef": {"key": "/leak/json", "property": "nope"}}]
    },
    "leak-ssm-missing-version": {
        "data": [{"secretKey": "x", "remoteRef": {"key": "/leak/secure", "version": "9"}}]
    },
}
GOOD = "leak-good"
# name → spec fragment; every one of these must fail, naming the item, never the value
FAILING: dict[str, dict[str, Any]] = {
    "leak-missing-property": {
        "data": [{"secretKey": "x", "remoteRef": {"key": "leak/json", "property": "nested.nope"}}]
    },
    "leak-bad-keys": {"dataFrom": [{"extract": {"key": "leak/bad-keys"}}]},
    "leak-extract-not-json": {"dataFrom": [{"extract": {"key": "leak/not-json"}}]},
    "leak-property-of-not-json": {
        "data": [{"secretKey": "x", "remoteRef": {"key": "leak/not-json", "property": "a.b"}}]
    },
    "leak-property-of-binary": {
        "data": [{"secretKey": "x", "remoteRef": {"key": "leak/binary", "property": "k"}}]
    },
}


def leak_forms(value: bytes) -> list[str]:
    """Every text form ``value`` could leak in: raw, escaped, and base64 at any alignment."""
    forms = {value.decode("utf-8", errors="ignore"), json.dumps(value.decode("latin-1"))[1:-1]}
    forms.add(repr(value)[2:-1])
    for shift in range(3):
        encoded = base64.b64encode(bytes(shift) + value).decode()
        # chars touched by the prefix bytes or the final padding differ with the neighbours
        forms.add(encoded[(shift + 2) // 3 * 4 : -4])
    printable = "".join(ch for ch in value.decode("latin-1") if ch.isprintable())
    forms.add(printable)
    return sorted(f for f in forms if len(f) >= 8)


def find_leaks(where: str, text: str, values: list[bytes] = CANARIES) -> list[str]:
    return [
        f"{where}: {value!r} as {form!r}"
        for value in values
        for form in leak_forms(value)
        if form in text
    ]


GENERATOR_API = "generators.external-secrets.io/v1alpha1"
CREDS_REF = {
    "secretRef": {
        "accessKeyIDSecretRef": {"name": "awssm-secret", "key": "access-key"},
        "secretAccessKeySecretRef": {"name": "awssm-secret", "key": "secret-access-key"},
    }
}
# name → (kind, plural, spec, keys of the Secret whose values are secret)
GENERATORS: dict[str, tuple[str, str, dict[str, Any], tuple[str, ...]]] = {
    "leak-password": ("Password", "passwords", {"length": 32}, ("password",)),
    "leak-sshkey": ("SSHKey", "sshkeys", {"keyType": "ed25519"}, ("privateKey",)),
    "leak-ecr": ("ECRAuthorizationToken", "ecrauthorizationtokens",
                 {"region": REGION, "auth": CREDS_REF}, ("password",)),
    "leak-sts": ("STSSessionToken", "stssessiontokens", {"region": REGION, "auth": CREDS_REF},
                 ("secret_access_key", "session_token")),
}  # fmt: skip
FAILING_GENERATORS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "leak-gen-impossible": ("Password", "passwords", {"length": 4, "digits": 3, "symbols": 3}),
    "leak-gen-no-creds": ("ECRAuthorizationToken", "ecrauthorizationtokens", {"region": REGION,
        "auth": {"secretRef": {"accessKeyIDSecretRef": {"name": "awssm-secret", "key": "nope"},
                               "secretAccessKeySecretRef": {"name": "awssm-secret",
                                                            "key": "secret-access-key"}}}}),
}  # fmt: skip


def _es(
    namespace: str, name: str, spec: dict[str, Any], *, store: str = "aws-store"
) -> dict[str, Any]:
    return {
        "apiVersion": ES_API,
        "kind": "ExternalSecret",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "SecretStore", "name": store},
            "target": {"name": name},
            **spec,
        },
    }


class World:
    """One namespace with credentials, a SecretStore and the ExternalSecrets above."""

    def __init__(self, cluster: Cluster, eso: EsoProcess, namespace: str) -> None:
        self.cluster = cluster
        self.raw = cluster.client
        self.eso = eso
        self.ns = namespace

    async def create_store(self) -> None:
        creds = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "awssm-secret", "namespace": self.ns},
            "data": {
                "access-key": base64.b64encode(b"AKIAIOSFODNN7EXAMPLE").decode(),
                "secret-access-key": base64.b64encode(ACCESS_SECRET).decode(),
            },
        }
        await self.raw.create("v1", "secrets", creds, namespace=self.ns)
        ref = {"name": "awssm-secret"}
        store = {
            "apiVersion": ES_API,
            "kind": "SecretStore",
            "metadata": {"name": "aws-store", "namespace": self.ns},
            "spec": {
                "provider": {
                    "aws": {
                        "service": "SecretsManager",
                        "region": REGION,
                        "auth": {
                            "secretRef": {
                                "accessKeyIDSecretRef": {**ref, "key": "access-key"},
                                "secretAccessKeySecretRef": {**ref, "key": "secret-access-key"},
                            }
                        },
                    }
                }
            },
        }
        await self.raw.create(ES_API, "secretstores", store, namespace=self.ns)
        ssm = json.loads(json.dumps(store))
        ssm["metadata"]["name"] = SSM_STORE
        ssm["spec"]["provider"]["aws"]["service"] = "ParameterStore"
        await self.raw.create(ES_API, "secretstores", ssm, namespace=self.ns)

    async def create_es(self, name: str, spec: dict[str, Any], *, store: str = "aws-store") -> None:
        await self.raw.create(ES_API, "externalsecrets", _es(self.ns, name, spec, store=store),
                              namespace=self.ns)  # fmt: skip

    async def ready(self, name: str) -> dict[str, Any]:
        es = await self.raw.get(ES_API, "externalsecrets", name, namespace=self.ns)
        for cond in (es.get("status") or {}).get("conditions") or []:
            if cond.get("type") == "Ready":
                return dict(cond)
        return {}

    async def wait_reason(self, name: str, reason: str) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            cond = await self.ready(name)
            return cond if cond.get("reason") == reason else None

        return await self.eso.poll(probe, within=30.0)

    async def secret_data(self, name: str) -> dict[str, bytes]:
        try:
            secret = await self.raw.get("v1", "secrets", name, namespace=self.ns)
        except ApiStatusError as e:
            if e.status == 404:
                return {}
            raise
        return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}

    async def objects_text(self) -> str:
        """Every ExternalSecret, SecretStore and ClusterSecretStore, as JSON."""
        found = [
            await self.raw.list(ES_API, "externalsecrets", namespace=self.ns),
            await self.raw.list(ES_API, "secretstores", namespace=self.ns),
            await self.raw.list(ES_API, "clustersecretstores"),
        ]
        return json.dumps(found)

    async def events_text(self) -> str:
        """Every Event in the cluster (ours name objects in this namespace, or none)."""
        events = await self.raw.list("v1", "events")
        return json.dumps(events)


@pytest.fixture
async def world(cluster: Cluster, moto_server: MotoServer, tmp_path: Path) -> AsyncIterator[World]:
    await install_crds(cluster)
    await MotoSecrets(moto_server.url, region=REGION).create_many(AWS_SECRETS)
    parameters = MotoParameters(moto_server.url, region=REGION)
    for name, (value, type_) in SSM_PARAMETERS.items():
        await parameters.put(name, value, type_=type_)
    namespace = await cluster.create_namespace("eso-leaks-")
    args = ["--loglevel", "debug"]
    async with eso_run(cluster, moto_server, tmp_path / "eso.log", *args) as eso:

        async def ready() -> bool:
            return (await eso.get(eso.live_url + "/readyz"))[0] == 200

        await eso.poll(ready, within=30.0)  # objects then arrive as watch events
        yield World(cluster, eso, namespace)


async def _sync_everything(world: World, moto: MotoServer) -> None:
    await world.create_store()
    good = {
        "data": [
            {"secretKey": "string", "remoteRef": {"key": "leak/string"}},
            {"secretKey": "nested", "remoteRef": {"key": "leak/json", "property": "nested.deep"}},
            {"secretKey": "binary", "remoteRef": {"key": "leak/binary"}},
        ],
        "dataFrom": [{"extract": {"key": "leak/json", "property": "nested"}}],
    }
    await world.create_es(GOOD, good)
    for name, spec in FAILING.items():
        await world.create_es(name, spec)
    good_ssm = {
        "data": [
            {"secretKey": "secure", "remoteRef": {"key": "/leak/secure"}},
            {"secretKey": "list", "remoteRef": {"key": "/leak/list"}},
            {"secretKey": "k", "remoteRef": {"key": "/leak/json", "property": "k"}},
        ]
    }
    await world.create_es(GOOD_SSM, good_ssm, store=SSM_STORE)
    for name, spec in FAILING_SSM.items():
        await world.create_es(name, spec, store=SSM_STORE)

    await world.wait_reason(GOOD, "SecretSynced")
    await world.wait_reason(GOOD_SSM, "SecretSynced")
    assert await world.secret_data(GOOD_SSM) == {
        "secure": SSM_SECURE,
        "list": SSM_LIST,
        "k": SSM_JSON_VALUE,
    }
    for name in [*FAILING, *FAILING_SSM]:
        cond = await world.wait_reason(name, "SecretSyncedError")
        assert cond["status"] == "False"
    assert await world.secret_data(GOOD) == {
        "string": STRING,
        "nested": NESTED,
        "binary": BINARY,
        "deep": NESTED,
        "sibling": NESTED_ONLY_VALUE,
    }

    # an update flows through too: new value in AWS, forced refresh, the Secret follows
    await MotoSecrets(moto.url, region=REGION).put("leak/string", STRING_V2.decode())
    patch = {"metadata": {"annotations": {"force-sync": str(time.time_ns())}}}
    await world.raw.patch(ES_API, "externalsecrets", GOOD, patch, namespace=world.ns)

    async def updated() -> bool:
        return (await world.secret_data(GOOD)).get("string") == STRING_V2

    await world.eso.poll(updated, within=30.0)


async def _generate_everything(world: World) -> list[bytes]:
    """Generators that work and fail; returns the generated secret values to scan for."""
    made = {n: (kind, plural, spec) for n, (kind, plural, spec, _) in GENERATORS.items()}
    for name, (kind, plural, spec) in {**made, **FAILING_GENERATORS}.items():
        body = {"apiVersion": GENERATOR_API, "kind": kind, "metadata": {"name": name}}
        await world.raw.create(GENERATOR_API, plural, {**body, "spec": spec}, namespace=world.ns)
        ref = {"apiVersion": GENERATOR_API, "kind": kind, "name": name}
        es = _es(world.ns, name, {"dataFrom": [{"sourceRef": {"generatorRef": ref}}]})
        await world.raw.create(ES_API, "externalsecrets", es, namespace=world.ns)
    values: list[bytes] = []
    for name, (*_, keys) in GENERATORS.items():
        await world.wait_reason(name, "SecretSynced")
        data = await world.secret_data(name)
        values.extend(data[k] for k in keys)
    for name in FAILING_GENERATORS:
        await world.wait_reason(name, "SecretSyncedError")
    return values


async def test_no_secret_value_in_logs_events_statuses_or_metrics(
    world: World, moto_server: MotoServer
) -> None:
    await _sync_everything(world, moto_server)
    generated = await _generate_everything(world)
    metrics = await world.eso.scrape()
    objects = await world.objects_text()
    events = await world.events_text()
    assert await world.eso.terminate() == 0
    logs = world.eso.logs()

    # the scan is only meaningful if the failures and syncs were actually logged and recorded
    lines = logs.splitlines()
    assert all(line.startswith("{") for line in lines), "a log line that is not JSON"
    logged = [json.loads(line) for line in lines]
    levels = {e.get("level") for e in logged}
    assert {"debug", "info"} <= levels, f"no debug lines ({levels}): is --loglevel debug applied?"
    logged_names = {e.get("name") for e in logged}
    expected = {GOOD, GOOD_SSM, *FAILING, *FAILING_SSM, *GENERATORS, *FAILING_GENERATORS}
    assert expected <= logged_names, expected - logged_names
    for name in [*FAILING, *FAILING_SSM, *FAILING_GENERATORS]:
        assert name in events, f"no Event for {name}"

    values = CANARIES + generated
    leaks = [
        *(
            leak
            for i, line in enumerate(lines)
            for leak in find_leaks(f"log line {i}", line, values)
        ),
        *find_leaks("events", events, values),
        *find_leaks("ExternalSecret/store objects", objects, values),
        *find_leaks("/metrics", metrics, values),
    ]
    assert not leaks, "\n".join(leaks)


def test_leak_forms_find_a_value_embedded_in_base64_at_any_offset() -> None:
    """The scanner itself: a value inside a larger base64'd blob is found at every offset."""
    for prefix in (b"", b"a", b"ab", b"abc"):
        blob = base64.b64encode(prefix + BINARY + b"tail").decode()
        assert find_leaks("blob", blob), prefix
