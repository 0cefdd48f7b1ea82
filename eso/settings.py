"""Every tunable of eso, in one typed object with grouped sections.

Flags (``eso run --concurrent 8``) and Helm values map onto these fields; nothing else in the
code base reads the environment or holds configuration in module globals. Each field says its
unit and why its default is what it is, because defaults are where operators get hurt (ESO's
``--concurrent=1`` and 10 QPS client are why it syncs ~25 ExternalSecrets/s at best).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClientSettings(_Section):
    """Kubernetes API client."""

    qps: float = Field(
        1000.0,
        description="Sustained requests/s to the API server. A sync costs about 3.3 requests "
        "(Secret write, status write, event), so a 10k-object cold start needs ~33k requests: "
        "at 1000/s that is ~35 s of API budget, inside the 60 s cold-sync target; at 200/s it "
        "was 165 s (measured), at client-go's 5/s it would be hours. This is a runaway guard, "
        "not the server's protection: kube-apiserver's priority-and-fairness queues or answers "
        "429 with Retry-After, which the client honours.",
    )
    burst: int = Field(
        2000,
        description="Token bucket size in requests; twice qps so a burst of new objects is "
        "not throttled.",
    )
    request_timeout: float = Field(30.0, description="Seconds per non-watch request, as kubectl.")
    max_retries: int = Field(
        5,
        description="Retries of transient errors (429/5xx/timeouts) "
        "inside the client before the error surfaces to the caller.",
    )


class InformerSettings(_Section):
    """List/watch behaviour, following client-go's reflector."""

    watch_timeout_min: float = Field(
        300.0,
        description="Seconds; each watch asks the server for "
        "a random timeout in [min, max] so watches rotate (client-go).",
    )
    watch_timeout_max: float = Field(600.0, description="Seconds; see watch_timeout_min.")
    backoff_initial: float = Field(
        0.8,
        description="Seconds before the first retry after a "
        "list/watch error (client-go's reflector value).",
    )
    backoff_max: float = Field(30.0, description="Seconds; backoff cap (client-go).")
    backoff_reset: float = Field(
        120.0,
        description="Seconds of healthy watching after which the "
        "backoff resets to its initial value.",
    )
    inactivity_timeout: float = Field(
        180.0,
        description="Seconds without any event (bookmarks included) after which a watch is "
        "considered dead and restarted; the server sends a bookmark about every minute.",
    )
    list_page_size: int = Field(500, description="Objects per list page (client-go's pager).")


class QueueSettings(_Section):
    """Workqueue retry rate limiting: max(per-item exponential, overall token bucket)."""

    base_delay: float = Field(
        1.0,
        description="Seconds; first retry delay of a failing key (ESO: 1 s). Doubles per failure.",
    )
    max_delay: float = Field(
        300.0,
        description="Seconds; cap of the per-item backoff. ESO uses "
        "7 min; 5 min matches the store requeue interval so a fixed "
        "credential is noticed as soon as the store is.",
    )
    overall_qps: float = Field(
        50.0,
        description="Retries/s across all keys. ESO's 10/s with "
        "thousands of failing objects delays retries for minutes.",
    )
    overall_burst: int = Field(500, description="Retry bucket size.")


class ControllerSettings(_Section):
    """What eso reconciles and how hard."""

    concurrent: int = Field(
        64,
        description="Reconcile workers per controller. Reconciles are I/O bound (AWS + API "
        "server) so asyncio workers are cheap. Each worker waits on one read, so reads in flight "
        "per credential identity (what a BatchGetSecretValue of up to 20 can gather) are at most "
        "the workers divided by the identities in use. Measured with `make bench N=10000` "
        "(4 identities): 20 workers 0.37 AWS calls per sync, 10k cold sync 30.9 s, peak RSS "
        "189 MB, storm new-object p99 0.26 s; 64 workers 0.23 calls per sync, 23.5 s, 201 MB, "
        "0.58 s. 64 buys 40% fewer AWS calls and a faster cold sync for ~12 MB. ESO: 1. Reconciles "
        "waiting on a read lend their slot (concurrent_waiting), so batches fill beyond this.",
    )
    concurrent_waiting: int = Field(
        192,
        ge=0,
        description="Reconciles per controller beyond --concurrent that may be in flight while "
        "waiting on a provider read: a reconcile of a new or changed object (a cold sync's) "
        "lends its worker slot while it waits. Reads waiting together fill batch calls "
        "(BatchGetSecretValue: 20 secrets per call; 10k cold sync 0.11 -> 0.057 AWS calls per "
        "sync, measured under load) while at most --concurrent reconciles work at once. "
        "Refreshes do not lend (it slowed new objects during refresh storms). 0: off.",
    )
    namespace: str | None = Field(
        None, description="Watch only this namespace (scoped install); None watches all."
    )
    controller_class: str = Field(
        "default",
        description="This controller's class (ESO --controller-class). A store with an empty "
        "spec.controller is reconciled by every controller; one with spec.controller set only "
        'by the controller of that class (ESO\'s ShouldProcessStore). Default "default", as '
        "ESO's, so stores written for ESO's default controller are served unchanged.",
    )
    store_requeue_interval: float = Field(
        300.0, description="Seconds between store revalidations (ESO default 5m)."
    )
    service_account_cache_ttl: float = Field(
        30.0,
        ge=0.0,
        description="Seconds a ServiceAccount read for auth.jwt (its uid and role annotation) "
        "is reused by ExternalSecret reads; store validation always reads it afresh. 30 s keeps "
        "a refresh wave of thousands of ExternalSecrets to one GET per ServiceAccount while a "
        "deleted ServiceAccount stops their reads within 30 s.",
    )
    process_cluster_store: bool = Field(True, description="Reconcile ClusterSecretStores.")
    process_cluster_external_secret: bool = Field(
        True,
        description="Reconcile ClusterExternalSecrets (ESO's default: on). Ignored when "
        "watching one namespace: the kind is cluster-scoped and writes into any namespace.",
    )
    process_push_secret: bool = Field(
        True,
        description="Reconcile PushSecrets (ESO's --enable-push-secret-reconciler, default "
        "on): push Secret values to stores that can be written.",
    )
    process_cluster_push_secret: bool = Field(
        True,
        description="Reconcile ClusterPushSecrets (ESO's default: on). Ignored when watching "
        "one namespace, or with PushSecrets off: its PushSecrets go to any namespace.",
    )
    cluster_external_secret_selector: str | None = Field(
        None,
        description="Label selector of the ClusterExternalSecrets to serve (eso only; None: "
        "all, as ESO). Lets two controllers split the CESs of one cluster, and tests sharing "
        "an API server serve only their own.",
    )
    refresh_jitter: float = Field(
        0.1,
        description="Fraction of refreshInterval added at random "
        "to each refresh, so objects created together do not refresh "
        "in lockstep.",
    )
    shutdown_grace: float = Field(
        25.0,
        description="Seconds in-flight reconciles may take on "
        "SIGTERM; below the pod's default 30 s grace period.",
    )
    rollout_on_change: bool = Field(
        False,
        description="Honour the eso.io/rollout-on-change annotation: when an ExternalSecret's "
        "Secret data changes, patch the Deployments, StatefulSets and DaemonSets it names so "
        "they roll. Off by default: it needs RBAC to patch workloads, which the chart grants "
        "only with rolloutOnChange.enabled.",
    )
    rollout_min_interval: float = Field(
        60.0,
        ge=0.0,
        description="Seconds between two rollouts of one workload; a change inside the "
        "interval rolls at its end. 1 min stops a flapping remote value from restarting a "
        "workload continuously while a rotation still rolls within a minute.",
    )
    template_left_delimiter: str = Field(
        "{{",
        description="Left delimiter of spec.target.template templates (ESO "
        "--template-left-delimiter); Go's default, so ESO templates render unchanged.",
    )
    template_right_delimiter: str = Field(
        "}}",
        description="Right delimiter of spec.target.template templates (ESO "
        "--template-right-delimiter); Go's default.",
    )


class LeaderSettings(_Section):
    """Lease-based leader election (ESO/controller-runtime names and timings)."""

    enabled: bool = Field(False, description="--enable-leader-election; off for one replica.")
    lease_name: str = Field("external-secrets-controller", description="--leader-election-id.")
    lease_namespace: str | None = Field(
        None, description="Namespace of the Lease; the pod's own namespace when None."
    )
    lease_duration: float = Field(15.0, description="Seconds (controller-runtime default).")
    renew_deadline: float = Field(10.0, description="Seconds (controller-runtime default).")
    retry_period: float = Field(2.0, description="Seconds (controller-runtime default).")


class ShardingSettings(_Section):
    """Active-active sharding of the namespaced key space across replicas (``kube.shards``)."""

    shards: int = Field(
        1,
        ge=1,
        le=1024,
        description="Slots the keys are split into (eso --shards), each owned through its "
        "own Lease named after --leader-election-id and timed by the leader-election "
        "settings. 1 (the default) is one active controller: today's behaviour, with leader "
        "election choosing it when there are several replicas. Above 1 every replica works "
        "on the slots it holds and leader election is not used; pick a few slots per replica "
        "(e.g. 4 x replicas) so a lost replica's load spreads over the others.",
    )


class ServerSettings(_Section):
    """Metrics and health endpoints."""

    metrics_addr: str = Field(":8080", description="host:port of /metrics (ESO default :8080).")
    live_addr: str = Field(":8082", description="host:port of /healthz and /readyz (ESO :8082).")


class LogSettings(_Section):
    level: str = Field("info", description="debug, info, warning or error (--loglevel).")
    format: str = Field(
        "auto",
        description="json, console, or auto: console on a terminal, JSON otherwise (in clusters).",
    )


class AWSSettings(_Section):
    """AWS provider call economy (see eso/providers/aws)."""

    batch_enabled: bool = Field(
        True, description="Gather concurrent AWSCURRENT reads into BatchGetSecretValue calls."
    )
    batch_window: float = Field(
        0.005,
        description="Seconds a read waits for others to join its "
        "batch; 5 ms is far below a GetSecretValue round trip (~20 ms).",
    )
    batch_size: int = Field(
        20,
        ge=1,
        le=20,
        description="Secrets per BatchGetSecretValue, sent at once when this many wait; 20 is "
        "the API's maximum for SecretIdList, and fewer only means more calls.",
    )
    batch_max_inflight: int = Field(
        1,
        ge=1,
        description="BatchGetSecretValue calls per credential identity in flight before a "
        "partial batch waits for one of them to return instead of going out on its own (a full "
        "batch always goes at once): under load batches fill up by themselves; when idle, the "
        "window alone decides. 1: one round trip of extra wait at most.",
    )
    batch_prefetch: bool = Field(
        True,
        description="Fill a batch's free seats with secrets whose periodic refresh is due within "
        "half the value's cache lifetime (needs the cache); the refresh is then a cache hit.",
    )
    cache_enabled: bool = Field(
        True,
        description="Share fetched values between ExternalSecrets "
        "of one credential identity for a short time.",
    )
    cache_ttl: float = Field(
        30.0,
        ge=0.0,
        description="Seconds a fetched value may be reused; each read also caps it at the "
        "reader's refreshInterval, so no reader sees a value older than its own interval. 30 s "
        "covers a cold sync or a refresh wave of thousands of ExternalSecrets (one call per "
        "secret instead of one per reader) while a rotated value still arrives within 30 s. "
        "0 turns the cache off.",
    )
    cache_max_entries: int = Field(
        200_000,
        description="Entries (least recently used evicted first). Memory is bounded by the TTL, "
        "not by this: an entry leaves once cache_ttl old, so the cache holds at most the "
        "distinct (identity, secret, version) values read within one TTL - at 10k "
        "ExternalSecrets about 10k entries whatever this says. An entry is ~740 B plus the "
        "value (bench/cache_memory.py: 841 B for the bench's ~100 B JSON values, 1.7 KiB for "
        "1 KiB), so 10k cost ~8-17 MiB. This cap only has to exceed what one TTL window "
        "fetches, or a value is evicted before it is reused (prefetched refreshes, shared "
        "secrets): 20k did not at 100k ExternalSecrets. Sizing rule: twice the distinct values "
        "your ExternalSecrets read; 200k covers 100k ExternalSecrets with headroom, at most "
        "~160 MiB of bench-sized values, reached only at that scale.",
    )
    batch_denied_ttl: float = Field(
        3600.0,
        description="Seconds to remember that a credential identity may not call "
        "BatchGetSecretValue (reads fall back to GetSecretValue meanwhile); an hour means one "
        "wasted call, log line and store event per hour, and a granted permission is used "
        "within the hour without a restart.",
    )
    endpoint_url: str | None = Field(
        None,
        description="Secrets Manager endpoint override; when None the AWS SDK variables "
        "AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_SECRETSMANAGER_ENDPOINT (ESO) and "
        "AWS_ENDPOINT_URL apply, else the regional endpoint.",
    )
    max_connections: int = Field(
        64,
        description="HTTP connections per credential identity; above the reconcile workers "
        "(20) plus concurrent batches so no read waits for a connection (botocore: 10).",
    )
    connect_timeout: float = Field(
        5.0, description="Seconds to open a connection to AWS; fail fast, the worker retries."
    )
    read_timeout: float = Field(
        20.0,
        description="Seconds to wait for an AWS response; a batch of 20 secrets of up to "
        "64 KiB each is ~1.3 MB, read well within this.",
    )
    throttle_decrease: float = Field(
        0.7,
        gt=0.0,
        lt=1.0,
        description="Factor a credential identity's call rate is cut by when AWS throttles it "
        "(providers/aws/throttle.py); 0.7 is CUBIC's: the rate saws between 70% and 100% of "
        "the limit, where 0.5 (classic AIMD) would waste a quarter of it.",
    )
    throttle_increase: float = Field(
        2.0,
        gt=0.0,
        description="Calls/s a throttled identity's rate grows by per second of successful "
        "calls; 2/s climbs from 35 back to a 50/s limit in ~8 s, gently enough that the next "
        "throttled answer arrives before the overshoot is more than a few calls.",
    )
    throttle_recovery: float = Field(
        0.5,
        ge=0.0,
        description="Share of the gap to the rate AWS last throttled that a throttled "
        "identity's rate regains per second (on top of throttle_increase): half, so a cut from "
        "50 to 35 calls/s is back near 50 in ~4 s and then probes slowly, instead of spending "
        "~8 s at 70-90 % of the limit.",
    )
    throttle_min_rate: float = Field(
        1.0,
        gt=0.0,
        description="Calls/s below which throttling never pushes an identity, so it keeps "
        "learning when the limit lifts.",
    )
    throttle_reset_after: float = Field(
        300.0,
        gt=0.0,
        description="Seconds without a throttled answer after which an identity's rate limit "
        "is lifted (quotas get raised and load moves); 5 min covers a refresh wave.",
    )


class Settings(_Section):
    """All of eso's configuration."""

    kubeconfig: str | None = None
    client: ClientSettings = ClientSettings()
    informer: InformerSettings = InformerSettings()
    queue: QueueSettings = QueueSettings()
    controller: ControllerSettings = ControllerSettings()
    leader: LeaderSettings = LeaderSettings()
    sharding: ShardingSettings = ShardingSettings()
    server: ServerSettings = ServerSettings()
    log: LogSettings = LogSettings()
    aws: AWSSettings = AWSSettings()
