"""Rollout on change: the workloads an ExternalSecret names restart when its data changes."""
