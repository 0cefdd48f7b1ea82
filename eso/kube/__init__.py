"""Talking to Kubernetes: client, typed errors, informers, cache, workqueue, leader election.

Hand-written on asyncio with client-go's contracts. Objects stay plain dicts (or our pydantic
models) on the hot path; kubernetes-asyncio is used for config, auth and transport only.
"""
