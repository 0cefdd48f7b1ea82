"""Rollouts after a data change: what is patched, when it is deferred, what is reported."""

from __future__ import annotations

from typing import Any, cast

import pytest

from eso.clock import FakeClock
from eso.controllers.rollout import messages as m
from eso.controllers.rollout.podhash import annotation_key, data_hmac
from eso.controllers.rollout.rollouts import RETRY_AFTER, Rollouts
from eso.kube.client import KubeClient
from eso.kube.errors import Forbidden, NotFound, ServerError
from eso.kube.events import EventRecorder
from eso.kube.keys import ObjectKey
from eso.metrics import Metrics

KEY = ObjectKey("team/db-creds")
KEY_KEY = annotation_key("db-creds")


class FakeClient:
    """Records workload patches; ``fail`` maps a workload name to the errors it raises next."""

    def __init__(self) -> None:
        self.patches: list[tuple[str, str, str, str]] = []
        self.fail: dict[str, list[Exception]] = {}

    async def patch(self, resource: Any, *, name: str, namespace: str, body: Any) -> None:
        errors = self.fail.get(name)
        if errors:
            raise errors.pop(0)
        annotations = body["spec"]["template"]["metadata"]["annotations"]
        ((key, value),) = annotations.items()
        self.patches.append((f"{resource.kind}/{name}", namespace, key, value))


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    def record(self, obj: Any, *, type_: str, reason: str, message: str) -> None:
        self.events.append((type_, reason, message))


class World:
    def __init__(self, *, enabled: bool = True, min_interval: float = 60.0) -> None:
        self.client, self.recorder, self.clock = FakeClient(), Recorder(), FakeClock()
        self.metrics = Metrics()
        self.rollouts = Rollouts(
            cast(KubeClient, self.client),
            enabled=enabled,
            min_interval=min_interval,
            recorder=cast(EventRecorder, self.recorder),
            metrics=self.metrics.rollout,
            clock=self.clock,
        )

    def change(self, value: str, *, raw: dict[str, Any], key: ObjectKey = KEY) -> None:
        secret = {"metadata": {"uid": "secret-uid"}, "data": {"password": value}}
        self.rollouts.data_changed(key, raw, secret)

    def counted(self, result: str) -> float:
        value = self.metrics.registry.get_sample_value("eso_rollout_total", {"result": result})
        return value or 0.0


def es(annotation: str | None = "deployment/api,statefulset/db", name: str = "db-creds") -> Any:
    meta: dict[str, Any] = {"name": name, "namespace": "team", "uid": "es-uid"}
    if annotation is not None:
        meta["annotations"] = {m.ANNOTATION_ROLLOUT_ON_CHANGE: annotation}
    return {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": meta}


async def test_a_data_change_patches_every_named_workload_once_with_an_event_each() -> None:
    w, raw = World(), es()
    w.change("djE=", raw=raw)
    assert await w.rollouts.run(KEY, raw) is None
    assert [(p[0], p[1], p[2]) for p in w.client.patches] == [
        ("Deployment/api", "team", KEY_KEY),
        ("StatefulSet/db", "team", KEY_KEY),
    ]
    assert [e[:2] for e in w.recorder.events] == [("Normal", m.EVENT_REASON_ROLLOUT)] * 2
    assert "deployment/api" in w.recorder.events[0][2]
    assert await w.rollouts.run(KEY, raw) is None  # nothing pending any more
    assert len(w.client.patches) == 2
    assert w.counted("rolled") == 2


async def test_without_a_data_change_nothing_is_patched() -> None:
    w, raw = World(), es()
    assert await w.rollouts.run(KEY, raw) is None
    assert w.client.patches == [] and w.recorder.events == []


async def test_an_external_secret_without_the_annotation_rolls_nothing() -> None:
    w, raw = World(), es(annotation=None)
    w.change("djE=", raw=raw)
    assert await w.rollouts.run(KEY, raw) is None
    assert w.client.patches == [] and w.recorder.events == []


async def test_a_change_inside_the_interval_is_deferred_then_rolls_with_the_latest_data() -> None:
    w, raw = World(min_interval=60.0), es("deployment/api")
    w.change("djE=", raw=raw)
    await w.rollouts.run(KEY, raw)
    await w.clock.advance(20.0)
    w.change("djI=", raw=raw)
    assert await w.rollouts.run(KEY, raw) == pytest.approx(40.0)
    await w.clock.advance(10.0)
    w.change("djM=", raw=raw)  # a third value before the deferred one rolled
    assert await w.rollouts.run(KEY, raw) == pytest.approx(30.0)
    assert len(w.client.patches) == 1
    assert w.counted("deferred") == 2

    await w.clock.advance(30.0)
    assert await w.rollouts.run(KEY, raw) is None
    first, latest = w.client.patches
    assert latest[3] == data_hmac({"password": "djM="}, secret_uid="secret-uid") != first[3]


async def test_two_external_secrets_naming_one_workload_share_its_interval() -> None:
    w = World(min_interval=60.0)
    one, two = es("deploy/api", name="one"), es("deploy/api", name="two")
    w.change("djE=", raw=one, key=ObjectKey("team/one"))
    w.change("djE=", raw=two, key=ObjectKey("team/two"))
    assert await w.rollouts.run(ObjectKey("team/one"), one) is None
    assert await w.rollouts.run(ObjectKey("team/two"), two) == pytest.approx(60.0)
    assert len(w.client.patches) == 1


async def test_disabled_feature_warns_on_a_change_and_patches_nothing() -> None:
    w, raw = World(enabled=False), es()
    w.change("djE=", raw=raw)
    assert await w.rollouts.run(KEY, raw) is None
    assert w.client.patches == []
    assert w.recorder.events == [("Warning", m.EVENT_REASON_ROLLOUT_DISABLED, m.EVENT_MSG_DISABLED)]


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        pytest.param(NotFound(404, "NotFound"), m.ERR_NOT_FOUND, id="missing"),
        pytest.param(Forbidden(403, "Forbidden"), m.ERR_FORBIDDEN, id="forbidden"),
    ],
)
async def test_a_workload_that_cannot_be_patched_is_reported_and_not_retried(
    error: Exception, detail: str
) -> None:
    w, raw = World(), es()
    w.client.fail["api"] = [error]
    w.change("djE=", raw=raw)
    assert await w.rollouts.run(KEY, raw) is None
    assert [p[0] for p in w.client.patches] == ["StatefulSet/db"]
    failed = [e for e in w.recorder.events if e[0] == "Warning"]
    message = m.EVENT_MSG_FAILED.format(workload="deployment/api", detail=detail)
    assert failed == [("Warning", m.EVENT_REASON_ROLLOUT_FAILED, message)]
    assert w.counted("failed") == 1


async def test_a_transient_api_error_is_retried_without_spending_the_interval() -> None:
    w, raw = World(min_interval=60.0), es("deployment/api")
    w.client.fail["api"] = [ServerError(503, "ServiceUnavailable")]
    w.change("djE=", raw=raw)
    assert await w.rollouts.run(KEY, raw) == RETRY_AFTER
    await w.clock.advance(RETRY_AFTER)
    assert await w.rollouts.run(KEY, raw) is None
    assert [p[0] for p in w.client.patches] == ["Deployment/api"]


async def test_bad_entries_are_reported_once_per_change_and_the_rest_rolls() -> None:
    w, raw = World(), es("other/deployment/api,cronjob/x,daemonset/agent")
    w.change("djE=", raw=raw)
    await w.rollouts.run(KEY, raw)
    assert [p[0] for p in w.client.patches] == ["DaemonSet/agent"]
    warnings = [e[2] for e in w.recorder.events if e[0] == "Warning"]
    assert warnings == [
        m.EVENT_MSG_BAD_ENTRY.format(entry="other/deployment/api", detail=m.ERR_CROSS_NAMESPACE),
        m.EVENT_MSG_BAD_ENTRY.format(
            entry="cronjob/x", detail=m.ERR_UNKNOWN_KIND.format(kind="cronjob")
        ),
    ]
    w.change("djI=", raw=raw)  # a new change reports again, once, while its rollout waits
    assert await w.rollouts.run(KEY, raw) is not None
    assert await w.rollouts.run(KEY, raw) is not None
    assert len([e for e in w.recorder.events if e[0] == "Warning"]) == 4


async def test_removing_the_annotation_drops_a_deferred_rollout() -> None:
    w, raw = World(), es("deployment/api")
    w.change("djE=", raw=raw)
    await w.rollouts.run(KEY, raw)
    w.change("djI=", raw=raw)
    assert await w.rollouts.run(KEY, raw) is not None
    assert await w.rollouts.run(KEY, es(annotation=None)) is None
    await w.clock.advance(120.0)
    assert await w.rollouts.run(KEY, raw) is None
    assert len(w.client.patches) == 1


async def test_messages_hold_no_secret_value_or_hash() -> None:
    w, raw = World(), es("deployment/api,deployment/gone")
    w.client.fail["gone"] = [NotFound(404, "NotFound")]
    w.change("c2VjcmV0", raw=raw)
    await w.rollouts.run(KEY, raw)
    value = w.client.patches[0][3]
    for _, _, message in w.recorder.events:
        assert "c2VjcmV0" not in message and "secret" + "-uid" not in message
        assert value not in message
