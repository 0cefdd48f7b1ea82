"""eso: an asyncio-native External Secrets Operator for Kubernetes.

It speaks the External Secrets Operator API (group ``external-secrets.io``) so ESO
manifests apply unchanged, and is built as a small stack of layers that only import
downward: ``api``/``metrics`` → ``kube``/``providers`` → ``controllers`` → ``cli``.
"""

from __future__ import annotations

__version__ = "0.1.0"
