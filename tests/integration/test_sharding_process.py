"""Active-active sharding with three ``eso run`` processes: balance, safety, takeover.

Three replicas run with ``--shards`` against the ``cluster`` fixture (the local control plane,
or ESO_TEST_KUBECONFIG's server), scoped to one test namespace that also holds their Leases.
Every write of a Secret is recorded from the writer's own log (``secret_written`` at debug,
with the ExternalSecret's key), and every slot term from ``slot_acquired`` / ``slot_released``
/ ``slot_lost`` (logged once the slot's work has stopped). The test proves from these records
that each write came from the replica holding the key's slot at that moment and that no slot
was held by two replicas at once; it SIGKILLs one replica and checks that its slots are taken
over and every ExternalSecret, old and new, is synced; then it plays one step of a rolling
update (a new replica joins, an old one gets SIGTERM and hands its slots over). Deadlines are
polling bounds, not timing assertions; handover times are printed (run with ``-s``).
"""

from __future__ import annotations

import itertools
import json
import math
import secrets
import time
from contextlib import AsyncExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from test_process import ES_API, REGION, EsoProcess, Scrape, eso_run, install_crds

from eso.kube.shards import slot_of
from localkube.moto import MotoSecrets, MotoServer
from localkube.pytest_cluster import Cluster

pytestmark = pytest.mark.slow

SHARDS = 6
REPLICAS = 3
COUNT = 18
# Short Lease timings (controller-runtime's 15/10/2 scaled down) keep the takeover quick.
TIMINGS = ("--leader-election-lease-duration", "3s", "--leader-election-renew-deadline", "2s")
RETRY = ("--leader-election-retry-period", "500ms")
DEADLINE = 60.0


def _records(eso: EsoProcess) -> list[dict[str, Any]]:
    return [json.loads(line) for line in eso.logs().splitlines() if line.startswith("{")]


def _at(record: dict[str, Any]) -> float:
    return datetime.fromisoformat(record["timestamp"]).timestamp()


def _terms(records: list[dict[str, Any]], end: float) -> dict[int, list[tuple[float, float]]]:
    """Per slot, the [start, end] intervals this replica held it (open ones end at ``end``)."""
    terms: dict[int, list[tuple[float, float]]] = {}
    opened: dict[int, float] = {}
    for r in records:
        if r.get("event") == "slot_acquired":
            opened[r["slot"]] = _at(r)
        elif r.get("event") in ("slot_released", "slot_lost") and r["slot"] in opened:
            terms.setdefault(r["slot"], []).append((opened.pop(r["slot"]), _at(r)))
    for slot, start in opened.items():
        terms.setdefault(slot, []).append((start, end))
    return terms


class Replicas:
    def __init__(self, cluster: Cluster, moto: MotoServer, ns: str, tmp: Path) -> None:
        self.cluster, self.moto, self.ns, self.tmp = cluster, moto, ns, tmp
        self.lease = f"eso-shard-test-{secrets.token_hex(3)}"
        self.procs: list[EsoProcess] = []
        self.ended: dict[int, float] = {}

    async def start(self, stack: AsyncExitStack, i: int) -> EsoProcess:
        args = [
            "--namespace", self.ns,
            "--enable-cluster-store-reconciler=false",
            "--enable-cluster-external-secret-reconciler=false",
            "--shards", str(SHARDS),
            "--leader-election-id", self.lease,
            "--leader-election-namespace", self.ns,
            *TIMINGS, *RETRY,
            "--concurrent", "4",
            "--loglevel", "debug",
        ]  # fmt: skip
        log = self.tmp / f"replica-{i}.log"
        eso = await stack.enter_async_context(eso_run(self.cluster, self.moto, log, *args))
        self.procs.append(eso)
        return eso

    async def held(self, eso: EsoProcess) -> float:
        status, body = await eso.get(eso.metrics_url + "/metrics")
        if status != 200:
            return 0.0  # not listening yet
        return Scrape.parse(body).value("eso_shard_slots_held") or 0.0

    async def slots(self, alive: list[EsoProcess]) -> list[float]:
        return [await self.held(p) for p in alive]

    def writes(self) -> list[tuple[int, str, float]]:
        """(replica, ExternalSecret key, time) of every Secret write."""
        return [
            (i, r["key"], _at(r))
            for i, p in enumerate(self.procs)
            for r in _records(p)
            if r.get("event") == "secret_written"
        ]

    def check_safety(self) -> None:
        """Each write inside its writer's term of the key's slot; no slot held twice.

        A term still open has no end yet (``inf``), not "now": a replica logs a write once the
        API server answered, so its line may carry a time after this check began.
        """
        terms = [_terms(_records(p), self.ended.get(i, math.inf)) for i, p in enumerate(self.procs)]
        writes = self.writes()
        assert writes, "no Secret write was recorded"
        for replica, key, at in writes:
            slot = slot_of(key, SHARDS)
            held = terms[replica].get(slot, [])
            assert any(start <= at <= end for start, end in held), (replica, key, slot, at)
        for slot in range(SHARDS):
            spans = sorted((s, e, i) for i, t in enumerate(terms) for s, e in t.get(slot, []))
            for (_, end, a), (start, _, b) in itertools.pairwise(spans):
                assert a == b or start >= end, f"slot {slot} held by {a} and {b} at once"


async def _world(cluster: Cluster, moto: MotoServer, ns: str) -> None:
    await MotoSecrets(moto.url, region=REGION).create("shared", {"password": "p"})
    creds = {"access-key": "AKIAEXAMPLE000000001", "secret-access-key": "example-secret-key"}
    await cluster.client.create(
        "v1",
        "secrets",
        {"metadata": {"name": "awssm-secret", "namespace": ns}, "stringData": creds},
        namespace=ns,
    )
    ref = {"name": "awssm-secret"}
    auth = {
        "secretRef": {
            "accessKeyIDSecretRef": {**ref, "key": "access-key"},
            "secretAccessKeySecretRef": {**ref, "key": "secret-access-key"},
        }
    }
    store = {
        "apiVersion": ES_API,
        "kind": "SecretStore",
        "metadata": {"name": "aws", "namespace": ns},
        "spec": {
            "provider": {"aws": {"service": "SecretsManager", "region": REGION, "auth": auth}}
        },
    }
    await cluster.client.create(ES_API, "secretstores", store, namespace=ns)


async def _external_secrets(cluster: Cluster, ns: str, names: list[str]) -> None:
    for name in names:
        body = {
            "apiVersion": ES_API,
            "kind": "ExternalSecret",
            "metadata": {"name": name, "namespace": ns},
            "spec": {
                "refreshInterval": "1h",
                "secretStoreRef": {"kind": "SecretStore", "name": "aws"},
                "data": [{"secretKey": "password", "remoteRef": {"key": "shared"}}],
            },
        }
        await cluster.client.create(ES_API, "externalsecrets", body, namespace=ns)


async def _all_synced(cluster: Cluster, ns: str, names: list[str], eso: EsoProcess) -> None:
    async def probe() -> bool:
        listed = await cluster.client.list("v1", "secrets", namespace=ns)
        have = {s["metadata"]["name"] for s in listed.get("items") or []}
        return set(names) <= have

    await eso.poll(probe, within=DEADLINE)


async def test_replicas_share_the_slots_write_only_their_keys_and_survive_kill_and_rollout(
    cluster: Cluster, moto_server: MotoServer, tmp_path: Path
) -> None:
    await install_crds(cluster)
    ns = await cluster.create_namespace("eso-shards-")
    await _world(cluster, moto_server, ns)
    world = Replicas(cluster, moto_server, ns, tmp_path)
    async with AsyncExitStack() as stack:
        procs = [await world.start(stack, i) for i in range(REPLICAS)]

        async def balanced() -> bool:
            return await world.slots(procs) == [SHARDS / REPLICAS] * REPLICAS

        # The first replica to sync takes every slot, and hands them over as the others join.
        await procs[0].poll(balanced, within=DEADLINE)
        first = [f"before-{i}" for i in range(COUNT)]
        await _external_secrets(cluster, ns, first)
        await _all_synced(cluster, ns, first, procs[0])
        world.check_safety()
        assert {i for i, _, _ in world.writes()} == set(range(REPLICAS)), "every replica works"

        victim, survivors = procs[0], procs[1:]
        victim.proc.kill()  # SIGKILL: no release, its Leases must expire
        killed = time.time()
        await victim.proc.wait()
        world.ended[0] = killed
        after = [f"after-{i}" for i in range(COUNT)]
        await _external_secrets(cluster, ns, after)

        async def taken_over() -> bool:
            return sum(await world.slots(survivors)) == SHARDS

        await survivors[0].poll(taken_over, within=DEADLINE)
        print(f"\ntakeover after SIGKILL: {time.time() - killed:.1f} s (lease 3 s, retry 0.5 s)")
        await _all_synced(cluster, ns, first + after, survivors[0])
        world.check_safety()
        late = [k for i, k, at in world.writes() if i == 0 and at > killed]
        assert not late, late

        # One step of a rolling update: a new pod joins, then an old one gets SIGTERM.
        joined = await world.start(stack, REPLICAS)
        pods = [*survivors, joined]

        async def rebalanced() -> bool:
            return await world.slots(pods) == [SHARDS / REPLICAS] * REPLICAS

        await joined.poll(rebalanced, within=DEADLINE)
        leaving, staying = pods[0], pods[1:]
        terminated = time.time()
        assert await leaving.terminate() == 0
        assert "slot_released" in leaving.events()

        async def handed_over() -> bool:
            return sum(await world.slots(staying)) == SHARDS

        await staying[0].poll(handed_over, within=DEADLINE)
        print(f"handover after SIGTERM: {time.time() - terminated:.1f} s")
        rolled = [f"rolled-{i}" for i in range(COUNT)]
        await _external_secrets(cluster, ns, rolled)
        await _all_synced(cluster, ns, first + after + rolled, staying[0])
        world.check_safety()
