"""The local kube-apiserver: an asyncio HTTP server that behaves like the real one for eso.

``LocalControlPlane`` is the entry point (tests, ``eso local-cluster``, the demo and the
benchmark); the modules behind it are split by concern:

- storage and watch fan-out: ``store``, ``watch``, ``listing``;
- verbs and per-kind rules: ``operations``, ``objects``, ``metadata``, ``typedfields``,
  ``patch``, ``conversion``, ``custom`` and ``crds`` (``schema``/``cel`` validate custom
  resources against their structural schema);
- background controllers: ``gc`` (owner references, namespaces, CRD cleanup) and
  ``namespaces`` (``kube-root-ca.crt`` and the ``default`` ServiceAccount in each namespace);
- the HTTP surface: ``server``, ``routes``, ``handlers``, ``discovery``, ``openapi``,
  ``tables``, ``protobuf``, ``tls``, ``status``;
- test hooks: ``faults``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localkube.apiserver.faults import FaultRule, Faults
    from localkube.apiserver.server import LocalControlPlane

__all__ = ["FaultRule", "Faults", "LocalControlPlane"]


def __getattr__(name: str) -> Any:
    # Lazy, so importing ``localkube.apiserver.schema`` alone does not start aiohttp.
    if name == "LocalControlPlane":
        from localkube.apiserver.server import LocalControlPlane

        return LocalControlPlane
    if name in ("Faults", "FaultRule"):
        from localkube.apiserver import faults

        return getattr(faults, name)
    raise AttributeError(name)
