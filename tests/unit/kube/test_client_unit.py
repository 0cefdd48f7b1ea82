"""KubeClient against a scripted HTTP server: retries, headers, watch framing, config loading."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from eso.clock import FakeClock
from eso.kube import errors as kerr
from eso.kube.client import KubeClient
from eso.kube.resources import CONFIGMAPS, NAMESPACES, SECRETS
from eso.kube.throttle import TokenBucket
from eso.kube.watchstream import iter_json_lines
from eso.metrics import Metrics
from eso.settings import ClientSettings

Reply = Callable[[web.Request], Any]


@dataclass
class Script:
    """Replies served in order (the last one repeats); every request is recorded."""

    replies: list[Reply] = field(default_factory=list)
    seen: list[tuple[str, str, dict[str, str], dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(
            (request.method, request.path, dict(request.query), dict(request.headers), body)
        )
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        result = reply(request)
        if hasattr(result, "__await__"):
            result = await result
        assert isinstance(result, web.StreamResponse)
        return result


class InstantClock(FakeClock):
    """Sleeps return at once but are recorded, so backoff delays can be asserted."""

    def __init__(self) -> None:
        super().__init__()
        self.slept: list[float] = []

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        self._now += max(0.0, delay)


def ok(obj: dict[str, Any], status: int = 200) -> Reply:
    return lambda _r: web.json_response(obj, status=status)


def fail(code: int, reason: str = "", headers: dict[str, str] | None = None) -> Reply:
    body = {"kind": "Status", "code": code, "reason": reason, "message": f"m{code}"}
    return lambda _r: web.json_response(body, status=code, headers=headers)


def write_kubeconfig(path: Path, server: str, token: str = "tok") -> Path:
    cfg = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": token}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }
    path.write_text(json.dumps(cfg))
    return path


@pytest.fixture
async def script() -> AsyncIterator[tuple[Script, str]]:
    s = Script()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", s.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield s, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def api(
    script: tuple[Script, str], tmp_path: Path
) -> AsyncIterator[tuple[KubeClient, Script, InstantClock, Metrics]]:
    s, url = script
    clock, metrics = InstantClock(), Metrics()
    client = await KubeClient.from_config(
        kubeconfig=str(write_kubeconfig(tmp_path / "kc", url)),
        settings=ClientSettings(qps=0, max_retries=3),
        metrics=metrics.client,
        clock=clock,
    )
    try:
        yield client, s, clock, metrics
    finally:
        await client.close()


Api = tuple[KubeClient, Script, InstantClock, Metrics]


async def test_get_returns_plain_dict_and_sends_bearer_token(api: Api) -> None:
    client, s, _, _ = api
    s.replies = [ok({"kind": "Secret", "metadata": {"name": "a"}})]
    obj = await client.get(SECRETS, namespace="ns", name="a")
    assert obj == {"kind": "Secret", "metadata": {"name": "a"}}
    method, path, _, headers, _ = s.seen[0]
    assert (method, path) == ("GET", "/api/v1/namespaces/ns/secrets/a")
    assert headers["Authorization"] == "Bearer tok"


async def test_not_found_surfaces_without_retry(api: Api) -> None:
    client, s, clock, _ = api
    s.replies = [fail(404, "NotFound")]
    with pytest.raises(kerr.NotFound):
        await client.get(SECRETS, namespace="ns", name="a")
    assert len(s.seen) == 1
    assert clock.slept == []


async def test_transient_errors_are_retried_with_growing_backoff(api: Api) -> None:
    client, s, clock, metrics = api
    s.replies = [fail(500), fail(503), ok({"items": []})]
    assert await client.list(CONFIGMAPS, namespace="ns") == {"items": []}
    assert len(s.seen) == 3
    assert len(clock.slept) == 2
    assert clock.slept[0] <= 0.2 < clock.slept[1] * 2
    assert metrics.registry.get_sample_value(
        "rest_client_requests_total", {"verb": "LIST", "resource": "configmaps", "code": "500"}
    )


async def test_retries_stop_after_max_retries(api: Api) -> None:
    client, s, _, _ = api
    s.replies = [fail(500)]
    with pytest.raises(kerr.ServerError):
        await client.get(SECRETS, namespace="ns", name="a")
    assert len(s.seen) == 4


async def test_not_implemented_is_not_retried(api: Api) -> None:
    client, s, _, _ = api
    s.replies = [fail(501)]
    with pytest.raises(kerr.ServerError):
        await client.get(SECRETS, namespace="ns", name="a")
    assert len(s.seen) == 1


async def test_post_is_not_retried_on_server_error(api: Api) -> None:
    client, s, _, _ = api
    s.replies = [fail(500), ok({})]
    with pytest.raises(kerr.ServerError):
        await client.create(SECRETS, body={"metadata": {"name": "a", "namespace": "ns"}})
    assert len(s.seen) == 1


async def test_post_is_retried_on_429_honouring_retry_after(api: Api) -> None:
    client, s, clock, _ = api
    s.replies = [fail(429, "TooManyRequests", {"Retry-After": "4"}), ok({"metadata": {}}, 201)]
    await client.create(SECRETS, body={"metadata": {"name": "a", "namespace": "ns"}})
    assert [m for m, *_ in s.seen] == ["POST", "POST"]
    assert s.seen[0][1] == "/api/v1/namespaces/ns/secrets"
    assert clock.slept[0] >= 4


async def test_connection_refused_maps_to_connection_error(tmp_path: Path) -> None:
    kc = write_kubeconfig(tmp_path / "kc", "http://127.0.0.1:1")
    client = await KubeClient.from_config(
        kubeconfig=str(kc), settings=ClientSettings(max_retries=0), clock=InstantClock()
    )
    try:
        with pytest.raises(kerr.KubeConnectionError):
            await client.get(NAMESPACES, name="x")
    finally:
        await client.close()


async def test_metadata_only_asks_for_partial_object_metadata(api: Api) -> None:
    client, s, _, _ = api
    s.replies = [ok({"items": []})]
    await client.list(SECRETS, metadata_only=True, label_selector="a=b")
    _, path, query, headers, _ = s.seen[0]
    assert path == "/api/v1/secrets"
    assert query == {"labelSelector": "a=b"}
    assert "as=PartialObjectMetadataList;g=meta.k8s.io;v=v1" in headers["Accept"]


@pytest.mark.parametrize(
    ("patch_type", "content_type"),
    [
        pytest.param("merge", "application/merge-patch+json", id="merge"),
        pytest.param("json", "application/json-patch+json", id="json"),
        pytest.param("strategic", "application/strategic-merge-patch+json", id="strategic"),
        pytest.param("apply", "application/apply-patch+yaml", id="apply"),
    ],
)
async def test_patch_sends_the_content_type_of_its_kind(
    api: Api, patch_type: Any, content_type: str
) -> None:
    client, s, _, _ = api
    s.replies = [ok({})]
    await client.patch(
        SECRETS, namespace="ns", name="a", body={"x": 1}, patch_type=patch_type, force=True
    )
    method, path, query, headers, body = s.seen[0]
    assert (method, path, headers["Content-Type"]) == (
        "PATCH",
        "/api/v1/namespaces/ns/secrets/a",
        content_type,
    )
    assert query["fieldManager"] == "external-secrets"
    assert json.loads(body) == {"x": 1}


async def test_delete_sends_propagation_policy_and_preconditions(api: Api) -> None:
    client, s, _, _ = api
    s.replies = [ok({"kind": "Status"})]
    await client.delete(
        SECRETS,
        namespace="ns",
        name="a",
        propagation_policy="Foreground",
        preconditions={"uid": "u1", "resourceVersion": "7"},
    )
    body = json.loads(s.seen[0][4])
    assert body["propagationPolicy"] == "Foreground"
    assert body["preconditions"] == {"uid": "u1", "resourceVersion": "7"}


async def test_list_all_follows_continue_tokens(api: Api) -> None:
    client, s, _, _ = api
    s.replies = [
        ok({"metadata": {"continue": "c1", "resourceVersion": "5"}, "items": [{"n": 1}]}),
        ok({"metadata": {"resourceVersion": "5"}, "items": [{"n": 2}]}),
    ]
    page = await client.list_all(SECRETS, namespace="ns", page_size=1)
    assert page["items"] == [{"n": 1}, {"n": 2}]
    assert page["metadata"] == {"resourceVersion": "5"}
    assert s.seen[1][2] == {"limit": "1", "continue": "c1"}


async def test_list_all_falls_back_to_full_list_when_continue_expires(api: Api) -> None:
    client, s, _, _ = api
    s.replies = [
        ok({"metadata": {"continue": "c1", "resourceVersion": "5"}, "items": [{"n": 1}]}),
        fail(410, "Expired"),
        ok({"metadata": {"resourceVersion": "9"}, "items": [{"n": 1}, {"n": 2}]}),
    ]
    page = await client.list_all(SECRETS, page_size=1)
    assert len(page["items"]) == 2
    assert "limit" not in s.seen[2][2]


async def test_watch_reassembles_lines_split_across_chunks(api: Api) -> None:
    client, s, _, _ = api
    big = "x" * (3 * 1024 * 1024)
    events = [
        {"type": "ADDED", "object": {"metadata": {"name": "a", "resourceVersion": "1"}}},
        {"type": "MODIFIED", "object": {"metadata": {"name": "b"}, "data": {"k": big}}},
        {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "3"}}},
    ]
    raw = b"".join(json.dumps(e).encode() + b"\n" for e in events)

    async def stream(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        for i in range(0, len(raw), 7777):
            await resp.write(raw[i : i + 7777])
        await resp.write_eof()
        return resp

    s.replies = [stream]
    got = [e async for e in client.watch(SECRETS, namespace="ns", resource_version="1")]
    assert got == events
    query = s.seen[0][2]
    assert query["watch"] == "true"
    assert query["allowWatchBookmarks"] == "true"
    assert query["resourceVersion"] == "1"


async def test_watch_start_failure_is_typed(api: Api) -> None:
    client, s, _, _ = api
    s.replies = [fail(410, "Expired")]
    with pytest.raises(kerr.Gone):
        async for _ in client.watch(SECRETS, resource_version="1"):
            pass


async def test_json_lines_accept_many_lines_per_chunk_and_a_trailing_line() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"a":1}\n{"a":2}\n{"a"'
        yield b":3}"

    assert [e async for e in iter_json_lines(chunks())] == [{"a": 1}, {"a": 2}, {"a": 3}]


async def test_kubeconfig_env_is_used_when_no_path_given(
    script: tuple[Script, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, url = script
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kc", url, token="env")))
    s.replies = [ok({})]
    client = await KubeClient.from_config()
    try:
        await client.get(NAMESPACES, name="x")
    finally:
        await client.close()
    assert s.seen[0][3]["Authorization"] == "Bearer env"


async def test_token_bucket_allows_burst_then_spaces_requests() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, burst=2, clock=clock)
    assert [bucket.reserve() for _ in range(4)] == pytest.approx([0, 0, 0.1, 0.2])
    await clock.advance(1.0)
    assert bucket.reserve() == 0


def exec_kubeconfig(path: Path, server: str, counter: Path) -> Path:
    """A kubeconfig whose exec plugin returns token ``exec-N`` on its N-th run."""
    plugin = path.parent / "plugin.py"
    plugin.write_text(
        "import json, pathlib, sys\n"
        f"p = pathlib.Path({str(counter)!r})\n"
        "n = int(p.read_text()) + 1 if p.exists() else 1\n"
        "p.write_text(str(n))\n"
        "print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1beta1',"
        " 'kind': 'ExecCredential', 'status': {'token': f'exec-{n}'}}))\n"
    )
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": sys.executable,
            "args": [str(plugin)],
        }
    }
    cfg = {
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }
    path.write_text(json.dumps(cfg))
    return path


async def test_exec_plugin_token_is_reused_and_refreshed_after_401(
    script: tuple[Script, str], tmp_path: Path
) -> None:
    s, url = script
    counter = tmp_path / "runs"
    kc = exec_kubeconfig(tmp_path / "kc", url, counter)
    s.replies = [ok({}), ok({}), fail(401, "Unauthorized"), ok({})]
    client = await KubeClient.from_config(kubeconfig=str(kc), settings=ClientSettings(qps=0))
    try:
        for _ in range(3):
            await client.get(NAMESPACES, name="x")
    finally:
        await client.close()
    tokens = [headers["Authorization"] for _, _, _, headers, _ in s.seen]
    assert tokens == ["Bearer exec-1", "Bearer exec-1", "Bearer exec-1", "Bearer exec-2"]
    assert counter.read_text() == "2"
