"""``make bench``: throughput, latency, memory and API calls of eso from 1k to 10k objects.

``python -m bench --n N --out DIR`` starts a local control plane, a moto server and ``eso run``
as separate processes, syncs N ExternalSecrets and reports cold sync, a refresh storm,
restart, memory, AWS and Kubernetes calls per sync and a raw baseline (``bench.cli``). The
standalone micro benchmarks beside it (``controlplane_throughput.py``,
``workqueue_throughput.py``, ``informer_memory.py``, ``cache_memory.py``) measure single
components.
"""
