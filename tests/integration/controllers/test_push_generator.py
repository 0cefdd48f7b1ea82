"""PushSecrets with ``selector.generatorRef``: generated values pushed to Secrets Manager (moto),
made anew on each refresh as ESO does, a missing generator a clear condition until it appears,
and the generated value nowhere but in the remote secret."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import structlog
from controller_env import Env
from test_push_secret import PS_API, data_entry, push_secret, ready, remote, wait_ps

from eso.api import pushconditions as pc
from eso.api.generators import GENERATOR_API_VERSION
from localkube.pytest_cluster import wait_for

# 24 characters: exactly 5 digits, no symbols, no upper case (ESO's Password spec).
PASSWORD_SPEC = {"length": 24, "digits": 5, "symbols": 0, "noUpper": True, "allowRepeat": True}


@pytest.fixture
async def ns(env: Env) -> str:
    """A namespace with working credentials and a Ready SecretStore ``aws-store``."""
    name = await env.cluster.create_namespace()
    await env.credentials(name)
    await env.secret_store(name)
    await env.wait_ready("secretstores", "aws-store", name)
    return name


async def password(env: Env, ns: str, name: str = "pw") -> None:
    body = {
        "apiVersion": GENERATOR_API_VERSION,
        "kind": "Password",
        "metadata": {"name": name, "namespace": ns},
        "spec": PASSWORD_SPEC,
    }
    await env.raw.create(GENERATOR_API_VERSION, "passwords", body, namespace=ns)


def generator_selector(name: str = "pw") -> dict[str, Any]:
    ref = {"apiVersion": GENERATOR_API_VERSION, "kind": "Password", "name": name}
    return {"generatorRef": ref}


async def pushed_value(env: Env, name: str) -> bytes:
    async def probe() -> bytes | None:
        got = await remote(env, name)
        return None if got is None else got.get("SecretBinary")

    return await wait_for(probe, timeout=20.0)


def assert_password_shape(value: bytes) -> None:
    text = value.decode()
    assert len(text) == 24
    assert sum(ch.isdigit() for ch in text) == 5
    assert all(ch.isdigit() or ch.islower() for ch in text)


async def test_a_generated_password_is_pushed(env: Env, ns: str) -> None:
    await password(env, ns)
    await push_secret(
        env,
        ns,
        selector=generator_selector(),
        data=[data_entry("password", f"{ns}/generated")],
    )
    obj = await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    assert_password_shape(await pushed_value(env, f"{ns}/generated"))
    synced = obj["status"]["syncedPushSecrets"]["SecretStore/aws-store"]
    assert list(synced) == [f"{ns}/generated"]


async def test_each_refresh_pushes_a_newly_generated_value(env: Env, ns: str) -> None:
    await password(env, ns)
    await push_secret(
        env,
        ns,
        refresh="1s",
        selector=generator_selector(),
        data=[data_entry("password", f"{ns}/rotating")],
    )
    first = await pushed_value(env, f"{ns}/rotating")

    async def changed() -> bytes | None:
        now = await pushed_value(env, f"{ns}/rotating")
        return now if now != first else None

    assert_password_shape(await wait_for(changed, timeout=30.0))


async def test_a_missing_generator_is_reported_until_it_exists(env: Env, ns: str) -> None:
    await push_secret(
        env,
        ns,
        selector=generator_selector("late"),
        data=[data_entry("password", f"{ns}/late")],
    )
    obj = await wait_ps(env, ns, status="False", reason=pc.REASON_ERRORED)
    message = ready(obj)["message"]
    assert message.startswith(pc.ERR_GET_SOURCE)
    assert 'passwords.generators.external-secrets.io "late" not found' in message
    assert await remote(env, f"{ns}/late") is None
    await password(env, ns, "late")  # retried with backoff: no edit of the PushSecret needed
    await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    assert_password_shape(await pushed_value(env, f"{ns}/late"))


async def test_a_generated_value_never_reaches_status_events_or_logs(env: Env, ns: str) -> None:
    await password(env, ns)
    with structlog.testing.capture_logs() as logs:
        await push_secret(
            env,
            ns,
            selector=generator_selector(),
            data=[data_entry("password", f"{ns}/quiet")],
        )
        await wait_ps(env, ns, reason=pc.REASON_SYNCED)
        value = (await pushed_value(env, f"{ns}/quiet")).decode()
    objects = await env.raw.list(PS_API, "pushsecrets", namespace=ns)
    events = await env.raw.list("v1", "events", namespace=ns)
    seen = json.dumps([objects, events]) + repr(logs)
    for form in (value, base64.b64encode(value.encode()).decode()):
        assert form not in seen


async def test_if_not_exists_pushes_a_generated_value_once(env: Env, ns: str) -> None:
    """ESO's guide: with ``updatePolicy: IfNotExists`` the value is generated once, not rotated."""
    await password(env, ns)
    await push_secret(
        env,
        ns,
        refresh="1s",
        selector=generator_selector(),
        data=[data_entry("password", f"{ns}/once")],
        updatePolicy="IfNotExists",
    )
    first = await pushed_value(env, f"{ns}/once")

    async def refreshed_again() -> bool:
        obj = await wait_ps(env, ns, reason=pc.REASON_SYNCED)
        return obj["status"]["refreshTime"] != refreshed_at

    obj = await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    refreshed_at = obj["status"]["refreshTime"]
    await wait_for(refreshed_again, timeout=30.0)
    assert await pushed_value(env, f"{ns}/once") == first
