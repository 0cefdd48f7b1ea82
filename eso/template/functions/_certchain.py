"""ESO's certificate chain ordering (``pem_chain.go``): leaf first, root last.

Certificates are linked by key identifiers only (a certificate whose AuthorityKeyId equals
another's SubjectKeyId is its child); nothing is verified: not signatures, validity dates or
CA constraints. The ordered list is a formatting aid for ``filterCertChain`` and
``pkcs12cert``, never a trust decision. A missing identifier is the empty byte string, which
is how Go's ``bytes.Equal`` treats ``nil`` (two certificates without identifiers link).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from . import _gopem
from ._keys import parse_certificate

__all__ = [
    "ERR_CHAIN_CYCLE",
    "ERR_FOUND_DISJUNCT",
    "ERR_NO_LEAF",
    "ChainError",
    "authority_key_id",
    "is_root",
    "order_chain",
    "subject_key_id",
]

ERR_FOUND_DISJUNCT = "found multiple leaf or disjunct certificates"
ERR_NO_LEAF = "no leaf certificate found"
ERR_CHAIN_CYCLE = "constructing chain resulted in cycle"


class ChainError(ValueError):
    """The PEM input does not form one chain (or holds something that is not a certificate)."""


def subject_key_id(cert: x509.Certificate) -> bytes:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return b""


def authority_key_id(cert: x509.Certificate) -> bytes:
    try:
        ext = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound:
        return b""
    return ext.value.key_identifier or b""


def is_root(cert: x509.Certificate) -> bool:
    """ESO's ``isRootCertificate``: no AuthorityKeyId, or one equal to the SubjectKeyId."""
    aki = authority_key_id(cert)
    return not aki or aki == subject_key_id(cert)


@dataclass(slots=True)
class _Node:
    cert: x509.Certificate
    aki: bytes
    ski: bytes
    parent: _Node | None = None
    is_parent: bool = False


def _nodes(data: bytes) -> list[_Node]:
    nodes: list[_Node] = []
    for block in _gopem.decode_all(data):
        try:
            cert = parse_certificate(block.data)
        except ValueError as e:
            raise ChainError(str(e)) from e
        nodes.append(_Node(cert, authority_key_id(cert), subject_key_id(cert)))
    return nodes


def _link(nodes: list[_Node]) -> None:
    for i, child in enumerate(nodes):
        for j, parent in enumerate(nodes):
            if i != j and child.aki == parent.ski:
                parent.is_parent = True
                child.parent = parent
                break


def order_chain(data: bytes) -> list[x509.Certificate]:
    """``fetchX509CertChains``: the certificates of PEM ``data``, leaf → intermediates → root.

    Raises ``ChainError`` for a non-certificate block, no leaf, several leaves or a cycle.
    """
    nodes = _nodes(data)
    _link(nodes)
    leaves = [n for n in nodes if not n.is_parent]
    if len(leaves) > 1:
        raise ChainError(ERR_FOUND_DISJUNCT)
    if not leaves:
        raise ChainError(ERR_NO_LEAF)
    chain: list[x509.Certificate] = []
    node: _Node | None = leaves[0]
    while node is not None:
        if len(chain) >= len(nodes):
            raise ChainError(ERR_CHAIN_CYCLE)
        chain.append(node.cert)
        node = node.parent
    return chain
