"""A local Kubernetes control plane and shared fixtures for tests, the demo and the benchmark.

Not a mock: the same integration tests run against it and against a real kube-apiserver.
"""
