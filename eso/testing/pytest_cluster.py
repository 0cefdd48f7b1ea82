"""pytest plugin: the ``cluster`` fixture (local control plane or ESO_TEST_KUBECONFIG)."""

from __future__ import annotations
