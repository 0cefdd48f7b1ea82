"""Series of active-active sharding (``kube.shards``): who holds which slots, how often slots
change hands, and how the keys spread over slots.

eso-only names (ESO has no sharding), prefixed ``eso_shard_``. Labels are bounded: ``slot``
takes at most ``--shards`` values, ``event`` three. Every replica exports its own view; a
dashboard sums ``eso_shard_slots_held`` over replicas (it must equal ``--shards`` when every
slot is served) and reads ``eso_shard_keys`` from any one replica (all see the same caches).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

EVENT_ACQUIRED = "acquired"
EVENT_RELEASED = "released"
EVENT_LOST = "lost"


class ShardMetrics:
    """``eso_shard_slots_held``, ``eso_shard_slot_handovers_total``, ``eso_shard_keys``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.slots_held = Gauge(
            "eso_shard_slots_held", "Slots whose Lease this replica holds", registry=registry
        )
        self.live_replicas = Gauge(
            "eso_shard_live_replicas",
            "Replicas this replica counts as live (membership Leases), itself included",
            registry=registry,
        )
        self.handovers = Counter(
            "eso_shard_slot_handovers",
            "Slots this replica acquired, released (balancing or shutdown) or lost (renew "
            "deadline passed or another holder)",
            ["event"],
            registry=registry,
        )
        self.keys = Gauge(
            "eso_shard_keys",
            "ExternalSecrets (as cached by this replica) whose key hashes into each slot",
            ["slot"],
            registry=registry,
        )
        for event in (EVENT_ACQUIRED, EVENT_RELEASED, EVENT_LOST):
            self.handovers.labels(event)
