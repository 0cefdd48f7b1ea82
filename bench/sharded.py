"""Active-active sharding at N ExternalSecrets: one replica vs R sharded replicas, and a kill.

Each run gets servers of its own (a local control plane and moto in their own processes, as
``bench.scenario``): the workload's stores, N AWS secrets and N ExternalSecrets are created
*before* the controllers start, then the run waits until the watch has seen all N Ready.

1. ``single``: one ``eso run`` (``--shards 1``): cold sync seconds and controller CPU.
2. ``sharded``: R ``eso run`` processes with ``--shards S`` started together: cold sync
   seconds (first start → all Ready), CPU and slots held per replica, reconciles per replica.
   Then replica 0 gets SIGKILL; M new ExternalSecrets are created at once; the run records when
   the survivors hold all S slots again (the takeover) and when all M are Ready, and counts the
   ExternalSecrets (old and new) without a Secret at the end: the Secrets missed. The takeover
   is given twice: from the SIGKILL as the bench polled it (100 ms polls of the Leases), and
   per slot from the killed holder's last ``renewTime`` to the new holder's ``acquireTime``
   (both written on this machine's clock), the figure the Lease contract bounds (lease
   duration + one retry period).

    python -m bench.sharded --n 10000 --replicas 3 --shards 12 --out bench/results

``--refresh 30s --steady 60`` adds a steady phase after the cold sync (both runs): every
ExternalSecret refreshes every 30 s; from one refresh interval after the first start (every
object has come due once) each replica's CPU over 60 s is taken with the syncs, AWS calls and
API requests it served then. Start-up (imports, the first list, a TLS context per AWS
identity) is a fixed cost of every process that the cold-sync CPU includes once per replica;
the steady window holds the work that sharding divides, plus each replica's decoding of every
replica's watch events (informers see all keys).

``--lease-duration``/``--renew-deadline``/``--retry-period`` set the controllers' Lease timing
(the smoke test uses short ones); the defaults are the controllers' own.

Writes ``<out>/bench-sharded-n<N>-r<R>-s<S>.json`` and prints a markdown table. Figures taken
on a shared machine are noisy (the JSON records the load average); CPU figures include each
process's start-up (imports, cache sync), which every replica pays.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bench.procs import Children, cpu_seconds, peak_rss_bytes
from bench.promtext import AWS_CALLS, REST_REQUESTS, SYNC_CALLS, scrape
from bench.services import (
    Controller,
    ControllerOptions,
    sleep_alive,
    start_control_plane,
    start_moto,
)
from bench.watcher import ReadyWatcher
from bench.workload import (
    Workload,
    create_aws_secrets,
    create_cluster_objects,
    create_external_secrets,
)
from eso.api.duration import parse_duration
from eso.settings import ControllerSettings, LeaderSettings
from localkube.rawclient import RawClient

SLOTS_HELD = "eso_shard_slots_held"
RECONCILES = "controller_runtime_reconcile_total"
NEW_PREFIX = "after-kill"
_SLOT_LEASE = re.compile(r".+-shard-([0-9]+)")


def _controllers(
    children: Children, kubeconfig: Path, moto_url: str, *, replicas: int, args: list[str]
) -> list[Controller]:
    opts = ControllerOptions(
        kubeconfig=kubeconfig,
        moto_url=moto_url,
        concurrent=ControllerSettings().concurrent,
        batch=True,
        cache=True,
        extra_args=tuple(args),
    )
    return [Controller(children, opts, name=f"replica-{i}") for i in range(replicas)]


async def _value(c: Controller, name: str, **labels: str) -> float:
    """The sum of the samples ``name`` with ``labels`` on ``c``'s /metrics."""
    async with aiohttp.ClientSession() as http, http.get(c.metrics_url) as resp:
        text = await resp.text()
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and labels.items() <= s.labels.items()
    )


async def _poll(probe: Any, *, within: float, what: str) -> float:
    """Poll ``probe()`` until truthy; the monotonic time it first was."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await probe():
            return time.monotonic()
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{what}: not within {within:.0f} s")


async def _cold(
    controllers: list[Controller], watcher: ReadyWatcher, keys: set[str], within: float
) -> dict[str, Any]:
    for c in controllers:
        c.start()
    started = min(c.started for c in controllers)
    for c in controllers:
        await c.wait_ready(within=within)

    def alive() -> None:
        for c in controllers:
            c.check_alive()

    if not await watcher.wait_ready(keys, within=within, check=alive):
        raise RuntimeError(f"cold sync: not all Ready: {watcher.reasons(keys)}")
    done = max(watcher.ready_at[k] for k in keys)
    return {
        "cold_sync_seconds": round(done - started, 3),
        "cpu_seconds": [round(cpu_seconds(c.pid), 2) for c in controllers],
        "peak_rss_bytes": [peak_rss_bytes(c.pid) for c in controllers],
        "es_reconciles": [
            await _value(c, RECONCILES, controller="externalsecret") for c in controllers
        ],
        "slots_held": [await _value(c, SLOTS_HELD) for c in controllers],
    }


def _identity(c: Controller) -> str:
    """The Lease identity of ``c``, from its own log (its elector binds ``identity``)."""
    assert c.child is not None
    for line in c.child.log_path.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"identity"' in line:
            return str(json.loads(line)["identity"])
    raise RuntimeError(f"{c.name} logged no Lease identity")


async def _slot_leases(client: RawClient, namespace: str) -> dict[int, dict[str, Any]]:
    """Slot → spec of every slot Lease (a LIST: cheap, unlike scraping 10k series)."""
    listed = await client.list("coordination.k8s.io/v1", "leases", namespace=namespace)
    found: dict[int, dict[str, Any]] = {}
    for lease in listed.get("items") or []:
        m = _SLOT_LEASE.fullmatch(lease["metadata"]["name"])
        if m:
            found[int(m.group(1))] = lease.get("spec") or {}
    return found


async def _holders(client: RawClient, namespace: str) -> dict[int, str]:
    """Slot → holder of every slot Lease."""
    leases = await _slot_leases(client, namespace)
    return {slot: spec.get("holderIdentity") or "" for slot, spec in leases.items()}


def _micro(value: str) -> float:
    """A Lease MicroTime as POSIX seconds."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def _after_last_renew(
    before: dict[int, dict[str, Any]], after: dict[int, dict[str, Any]], gone: str
) -> list[float]:
    """Per slot of ``gone``: its last renewTime → the new holder's acquireTime (seconds)."""
    return sorted(
        round(_micro(after[slot]["acquireTime"]) - _micro(spec["renewTime"]), 3)
        for slot, spec in before.items()
        if spec.get("holderIdentity") == gone and slot in after
    )


async def _kill_one(
    env: dict[str, Any], controllers: list[Controller], watcher: ReadyWatcher, shards: int
) -> dict[str, Any]:
    """SIGKILL replica 0; the takeover is polled from the Leases while M new ones are made."""
    victim, survivors = controllers[0], controllers[1:]
    w, client, n, m = env["w"], env["client"], env["n"], env["m"]
    gone = _identity(victim)
    assert victim.child is not None
    victim.child.proc.kill()
    killed = time.monotonic()
    victim.child.proc.wait()
    last_renews = await _slot_leases(client, w.system_namespace)  # nothing renews them now

    async def taken_over() -> bool:
        holders = await _holders(client, w.system_namespace)
        return len(holders) == shards and all(h and h != gone for h in holders.values())

    poll = asyncio.create_task(_poll(taken_over, within=env["within"], what="takeover"))
    created = await create_external_secrets(client, w, range(n, n + m), prefix=NEW_PREFIX)
    took = await poll
    renew_to_acquire = _after_last_renew(
        last_renews, await _slot_leases(client, w.system_namespace), gone
    )
    keys = set(created)
    ok = await watcher.wait_ready(keys, within=env["within"])
    missed = await _missing_secrets(client, w, n, m)
    return {
        "killed_replica_slots": env["victim_slots"],
        "takeover_seconds": round(took - killed, 3),
        "takeover_after_last_renew_seconds": renew_to_acquire,
        "new": m,
        "new_all_ready": ok,
        "new_all_ready_seconds": round(max(watcher.ready_at.get(k, 0) for k in keys) - killed, 3),
        "secrets_missed": missed,
        "survivor_slots_held": [await _value(c, SLOTS_HELD) for c in survivors],
    }


async def _steady(
    controllers: list[Controller], watcher: ReadyWatcher, seconds: float
) -> dict[str, Any]:
    """CPU per replica and syncs served over ``seconds`` of refreshes, after the cold sync."""
    before = [await scrape(c.metrics_url) for c in controllers]
    cpu = [cpu_seconds(c.pid) for c in controllers]
    syncs, start = len(watcher.sync_times), time.monotonic()
    await sleep_alive(controllers, seconds)
    used = [
        round(cpu_seconds(c.pid) - before, 2) for c, before in zip(controllers, cpu, strict=True)
    ]
    served = len(watcher.sync_times) - syncs
    delta = [
        (await scrape(c.metrics_url)).minus(b) for c, b in zip(controllers, before, strict=True)
    ]
    return {
        "seconds": round(time.monotonic() - start, 3),
        "syncs": served,
        "syncs_per_second": round(served / seconds, 1),
        "cpu_seconds": used,
        "cpu_ms_per_sync": round(1000 * sum(used) / served, 3) if served else None,
        "aws_calls": [d.total(AWS_CALLS) for d in delta],
        "aws_calls_per_sync": round(sum(d.total(AWS_CALLS) for d in delta) / served, 4)
        if served
        else None,
        "k8s_requests": [d.total(REST_REQUESTS) for d in delta],
        "reconciles": [d.total(SYNC_CALLS) for d in delta],
    }


async def _missing_secrets(client: RawClient, w: Workload, n: int, m: int) -> int:
    have: set[str] = set()
    for ns in w.all_namespaces():
        listed = await client.list("v1", "secrets", namespace=ns)
        have |= {f"{ns}/{s['metadata']['name']}" for s in listed.get("items") or []}
    want = {f"{w.namespace(i)}/es-{i}" for i in range(n)}
    want |= {f"{w.namespace(i)}/{NEW_PREFIX}-{i}" for i in range(n, n + m)}
    return len(want - have)


def _lease_args(lease: LeaderSettings) -> list[str]:
    return [
        *("--leader-election-lease-duration", f"{lease.lease_duration}s"),
        *("--leader-election-renew-deadline", f"{lease.renew_deadline}s"),
        *("--leader-election-retry-period", f"{lease.retry_period}s"),
    ]


async def one_run(
    label: str,
    *,
    n: int,
    m: int,
    replicas: int,
    shards: int,
    out: Path,
    within: float,
    lease: LeaderSettings,
    refresh: str,
    steady: float,
) -> dict[str, Any]:
    w = Workload(n=n, stores=4, namespaces=10, refresh_interval=refresh, prefix=f"bench-{label}")
    logs = out / "logs" / f"sharded-{label}"
    with Children(logs) as children:
        kubeconfig, _plane = await start_control_plane(children, workdir=logs)
        moto_url, _moto = await start_moto(children)
        async with await RawClient.from_kubeconfig(kubeconfig) as client:
            await create_cluster_objects(client, w)
            await create_aws_secrets(moto_url, range(n + m))
            keys = set(await create_external_secrets(client, w, range(n)))
            args = ["--shards", str(shards), "--leader-election-namespace", w.system_namespace]
            args += _lease_args(lease)
            controllers = _controllers(children, kubeconfig, moto_url, replicas=replicas, args=args)
            watcher = ReadyWatcher(client)
            await watcher.start()
            try:
                result: dict[str, Any] = {"label": label, "replicas": replicas, "shards": shards}
                result["cold"] = await _cold(controllers, watcher, keys, within)
                if steady > 0:
                    # from one refresh interval after the first start: every object has come
                    # due once, so the window holds refreshes only, not the cold sync's tail
                    first = min(c.started for c in controllers) + parse_duration(refresh)
                    await sleep_alive(controllers, first - time.monotonic())
                    result["steady"] = await _steady(controllers, watcher, steady)
                if replicas > 1:
                    env: dict[str, Any] = {"w": w, "client": client, "n": n, "m": m}
                    env["within"] = within
                    env["victim_slots"] = result["cold"]["slots_held"][0]
                    result["kill"] = await _kill_one(env, controllers, watcher, shards)
                return result
            finally:
                await watcher.stop()
                for c in controllers:
                    c.stop()


def markdown(doc: dict[str, Any]) -> str:
    single, sharded = doc["single"], doc["sharded"]
    s1, sr = single["cold"], sharded["cold"]
    kill = sharded.get("kill", {})
    rows = [
        ("ExternalSecrets", doc["n"]),
        ("cold sync, 1 replica (s)", s1["cold_sync_seconds"]),
        (
            f"cold sync, {sharded['replicas']} replicas x {sharded['shards']} slots (s)",
            sr["cold_sync_seconds"],
        ),
        ("controller CPU, 1 replica (s)", s1["cpu_seconds"]),
        ("controller CPU per sharded replica (s)", sr["cpu_seconds"]),
        ("slots held per replica after the cold sync", sr["slots_held"]),
        ("ExternalSecret reconciles per replica", sr["es_reconciles"]),
        *_steady_rows(doc),
        ("kill: slots of the killed replica", kill.get("killed_replica_slots")),
        ("kill: takeover, SIGKILL → survivors hold every slot (s)", kill.get("takeover_seconds")),
        (
            "kill: per slot, last renew → new holder's acquire (s)",
            kill.get("takeover_after_last_renew_seconds"),
        ),
        (
            f"kill: {kill.get('new')} new ExternalSecrets all Ready after SIGKILL (s)",
            kill.get("new_all_ready_seconds"),
        ),
        ("kill: Secrets missed", kill.get("secrets_missed")),
        ("load average (1 min) at start / end", doc["load_average_1m"]),
    ]
    return "\n".join(["| sharding | |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows)])


def _steady_rows(doc: dict[str, Any]) -> list[tuple[str, Any]]:
    one, many = doc["single"].get("steady"), doc["sharded"].get("steady")
    if not one or not many:
        return []
    what = f"steady ({doc['refresh']} refresh, {one['seconds']:.0f} s)"
    share = [round(c / one["cpu_seconds"][0], 3) for c in many["cpu_seconds"]]
    return [
        (
            f"{what}: syncs/s, 1 replica / sharded",
            [one["syncs_per_second"], many["syncs_per_second"]],
        ),
        (f"{what}: controller CPU, 1 replica (s)", one["cpu_seconds"]),
        (
            f"{what}: AWS calls per sync, 1 replica / sharded",
            [one.get("aws_calls_per_sync"), many.get("aws_calls_per_sync")],
        ),
        (
            f"{what}: Kubernetes requests, 1 replica / per sharded replica",
            [one.get("k8s_requests"), many.get("k8s_requests")],
        ),
        (f"{what}: controller CPU per sharded replica (s)", many["cpu_seconds"]),
        (f"{what}: CPU per sharded replica / 1 replica's", share),
        (
            f"{what}: CPU ms per sync, 1 replica / all sharded",
            [one["cpu_ms_per_sync"], many["cpu_ms_per_sync"]],
        ),
    ]


async def run(
    *,
    n: int,
    m: int,
    replicas: int,
    shards: int,
    out: Path,
    within: float,
    lease: LeaderSettings | None = None,
    refresh: str = "1h",
    steady: float = 0.0,
) -> dict[str, Any]:
    lease = lease or LeaderSettings()
    load = [os.getloadavg()[0]]
    kw = {"n": n, "m": m, "out": out, "within": within, "lease": lease}
    kw |= {"refresh": refresh, "steady": steady}
    single = await one_run("single", replicas=1, shards=1, **kw)  # type: ignore[arg-type]
    sharded = await one_run("sharded", replicas=replicas, shards=shards, **kw)  # type: ignore[arg-type]
    load.append(os.getloadavg()[0])
    return {
        "n": n,
        "refresh": refresh,
        "lease": {
            "duration": lease.lease_duration,
            "renew_deadline": lease.renew_deadline,
            "retry_period": lease.retry_period,
        },
        "load_average_1m": [round(x, 2) for x in load],
        "single": single,
        "sharded": sharded,
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.sharded", description=__doc__)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--new", type=int, default=200, help="ExternalSecrets created after the kill")
    p.add_argument("--replicas", type=int, default=3)
    p.add_argument("--shards", type=int, default=12)
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    p.add_argument("--timeout", type=float, default=900.0)
    p.add_argument("--refresh", default="1h", help="refreshInterval of every ExternalSecret")
    p.add_argument(
        "--steady",
        type=float,
        default=0.0,
        help="seconds of refreshes measured after the cold sync",
    )
    default = LeaderSettings()
    p.add_argument("--lease-duration", type=float, default=default.lease_duration)
    p.add_argument("--renew-deadline", type=float, default=default.renew_deadline)
    p.add_argument("--retry-period", type=float, default=default.retry_period)
    a = p.parse_args(argv)
    lease = LeaderSettings(
        lease_duration=a.lease_duration,
        renew_deadline=a.renew_deadline,
        retry_period=a.retry_period,
    )
    doc = asyncio.run(
        run(
            n=a.n,
            m=a.new,
            replicas=a.replicas,
            shards=a.shards,
            out=a.out,
            within=a.timeout,
            lease=lease,
            refresh=a.refresh,
            steady=a.steady,
        )
    )
    a.out.mkdir(parents=True, exist_ok=True)
    path = a.out / f"bench-sharded-n{a.n}-r{a.replicas}-s{a.shards}.json"
    path.write_text(json.dumps(doc, indent=1) + "\n")
    print(markdown(doc))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
