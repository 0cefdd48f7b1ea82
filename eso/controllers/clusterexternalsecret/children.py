"""The child ExternalSecrets of a ClusterExternalSecret: create, update and delete them, each
only when the informer's cached copy says it is needed.

``ChildWriter.provision`` is ESO's ``gatherProvisionedNamespaces``: the cached child is
compared with the desired one and written only on a difference, so a CES over 1,000
unchanged namespaces costs no request. Writes run a bounded number at a time
(the client's QPS limiter still governs the rate). A child that exists but is not controlled by
this CES is never touched and reported with ESO's reason. A create that finds the child
already there (the cache had not seen our own earlier write yet) reads it once and carries on.
Failures are returned per namespace, never raised; ``Outcome.retry`` says whether one of them
is worth a prompt retry (a conflict or a transport error) rather than the next refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from eso.api import conditions as c
from eso.api.clusterexternalsecret import ClusterExternalSecret
from eso.controllers.clusterexternalsecret.desired import (
    child_is_current,
    desired_child,
    owning_ces,
    updated_child,
)
from eso.controllers.clusterexternalsecret.errors import delete_failure, write_failure
from eso.kube.cache import Cache, Obj
from eso.kube.client import KubeClient
from eso.kube.errors import (
    AlreadyExists,
    ApiError,
    Conflict,
    KubeError,
    NotFound,
    ServerError,
    TooManyRequests,
)
from eso.kube.keys import make_key
from eso.kube.resources import EXTERNAL_SECRETS

log = structlog.get_logger(__name__)

# Child writes in flight per reconcile: enough to keep a cold start over 1,000 namespaces at
# the client's QPS limit, few enough that one CES cannot hold every connection.
WRITES_IN_FLIGHT = 16
_TRANSIENT = (Conflict, ServerError, TooManyRequests)


@dataclass(slots=True)
class Outcome:
    """What provisioning or cleaning up did: per-namespace failures and a retry hint."""

    failures: dict[str, str] = field(default_factory=dict)
    retry: bool = False


class ChildWriter:
    """Writes a CES's children; reads only ``external_secrets`` (the ExternalSecret cache)."""

    def __init__(self, client: KubeClient, *, external_secrets: Cache) -> None:
        self._client = client
        self._cache = external_secrets

    async def provision(
        self, ces: ClusterExternalSecret, raw: Mapping[str, Any], namespaces: Iterable[str]
    ) -> Outcome:
        """Make the child in each of ``namespaces`` what ``ces`` wants; failures per namespace."""
        outcome = Outcome()
        gate = asyncio.Semaphore(WRITES_IN_FLIGHT)

        async def one(namespace: str) -> None:
            async with gate:
                await self._guarded(outcome, namespace, self._provision_one(ces, raw, namespace))

        await asyncio.gather(*(one(ns) for ns in namespaces))
        return outcome

    async def delete(self, children: Iterable[Obj]) -> Outcome:
        """Delete each child (already checked to be ours); a vanished one is no failure."""
        outcome = Outcome()
        gate = asyncio.Semaphore(WRITES_IN_FLIGHT)

        async def one(child: Obj) -> None:
            async with gate:
                ns = child["metadata"].get("namespace", "")
                await self._guarded(outcome, ns, self._delete_one(child), deleting=True)

        await asyncio.gather(*(one(ch) for ch in children))
        return outcome

    async def _guarded(
        self,
        outcome: Outcome,
        namespace: str,
        work: Awaitable[str | None],
        *,
        deleting: bool = False,
    ) -> None:
        # ``work`` is the coroutine for one namespace: its failure is that namespace's only.
        try:
            reason = await work
        except ApiError as e:
            outcome.retry = outcome.retry or isinstance(e, _TRANSIENT)
            reason = delete_failure(e) if deleting else write_failure(e)
        except KubeError as e:
            outcome.retry = True
            reason = str(e)
        if reason is not None:
            outcome.failures[namespace] = reason

    async def _provision_one(
        self, ces: ClusterExternalSecret, raw: Mapping[str, Any], namespace: str
    ) -> str | None:
        desired = desired_child(ces, raw, namespace=namespace)
        existing = self._cache.get(make_key(namespace, ces.external_secret_name))
        if existing is None:
            try:
                await self._client.create(EXTERNAL_SECRETS, body=desired)
                return None
            except AlreadyExists:
                existing = await self._client.get(
                    EXTERNAL_SECRETS, name=ces.external_secret_name, namespace=namespace
                )
        if owning_ces(existing) != ces.name:
            return c.MSG_CES_ES_EXISTS
        if not child_is_current(existing, desired):
            await self._client.replace(EXTERNAL_SECRETS, body=updated_child(existing, desired))
        return None

    async def _delete_one(self, child: Obj) -> str | None:
        meta = child["metadata"]
        with contextlib.suppress(NotFound):
            await self._client.delete(
                EXTERNAL_SECRETS,
                name=meta["name"],
                namespace=meta.get("namespace"),
                preconditions={"uid": meta.get("uid", "")},
            )
        return None
