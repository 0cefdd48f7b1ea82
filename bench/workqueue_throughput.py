"""Workqueue throughput: add + get + done per second for many keys and 16 consumers.

    .venv/bin/python bench/workqueue_throughput.py [--keys 100000] [--consumers 16]

Two runs: ``immediate`` (one producer adds every key while consumers drain) and ``delayed``
(every key ``add_after`` a random delay below 0.2 s in the refresh lane, so the timer task and
heap are on the path; its elapsed time includes waiting for the delays, so it also prints how
long after the last key came due the queue was empty). Consumers do no work, so the figures are
the queue's own cost, metrics included, on the real clock.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from eso.clock import SystemClock
from eso.kube.ratelimit import default_controller_rate_limiter
from eso.kube.workqueue import Priority, ShutDown, WorkQueue
from eso.metrics import Metrics
from eso.settings import QueueSettings


async def consume(
    queue: WorkQueue[str], counter: list[int], *, target: int, finished: asyncio.Event
) -> None:
    while True:
        try:
            key = await queue.get()
        except ShutDown:
            return
        queue.done(key)
        counter[0] += 1
        if counter[0] == target:
            finished.set()
        if counter[0] % 64 == 0:
            await asyncio.sleep(0)  # a real worker yields in its reconcile


async def run(keys: int, consumers: int, *, delayed: bool) -> tuple[float, float]:
    """Seconds to serve every key, and seconds from the last due time to the last done."""
    clock = SystemClock()
    queue = WorkQueue[str](
        "bench",
        rate_limiter=default_controller_rate_limiter(QueueSettings(), clock=clock),
        metrics=Metrics().workqueue,
        clock=clock,
    )
    counter = [0]
    finished = asyncio.Event()
    start = last_due = time.perf_counter()
    workers = [
        asyncio.create_task(consume(queue, counter, target=keys, finished=finished))
        for _ in range(consumers)
    ]
    for i in range(keys):
        if delayed:
            delay = random.uniform(0.0, 0.2)
            last_due = max(last_due, time.perf_counter() + delay)
            queue.add_after(f"ns/es-{i}", delay, priority=Priority.REFRESH)
        else:
            queue.add(f"ns/es-{i}")
        if i % 256 == 0:
            await asyncio.sleep(0)  # let consumers run concurrently with the producer
    await finished.wait()
    end = time.perf_counter()
    await queue.shutdown_with_drain()
    await asyncio.gather(*workers)
    return end - start, max(0.0, end - last_due)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--consumers", type=int, default=16)
    args = parser.parse_args()
    for delayed in (False, True):
        elapsed, lag = asyncio.run(run(args.keys, args.consumers, delayed=delayed))
        mode = "delayed" if delayed else "immediate"
        rate = args.keys / elapsed
        print(
            f"{mode:9} {args.keys} keys, {args.consumers} consumers: {elapsed:.2f} s, "
            f"{rate:,.0f} keys/s (add+get+done), {3 * rate:,.0f} ops/s"
            + (f"; empty {lag * 1000:.0f} ms after the last due time" if delayed else "")
        )


if __name__ == "__main__":
    main()
