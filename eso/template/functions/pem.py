"""ESO's PEM functions: ``filterPEM``, ``filterCertChain`` and ``certSANs`` (``pem.go``).

Outputs are re-encoded PEM in Go's exact form (``_gopem.encode``), so a template that pipes
them into a Secret writes the bytes ESO writes. Like ESO, text before the first
``-----BEGIN`` is ignored; junk between blocks ends decoding.
"""

from __future__ import annotations

import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from eso.template.values import StringSlice

from . import _gopem
from ._certchain import ChainError, authority_key_id, is_root, order_chain, subject_key_id
from ._gostr import go_bytes, go_string
from ._keys import X509Error, parse_certificate
from .registry import FuncError, FuncMap

__all__ = ["cert_pem", "cert_sans", "filter_cert_chain", "filter_pem", "register"]

ERR_JUNK = "error filtering pem: found junk"
ERR_DECODE_PEM = "failed to decode PEM block"
ERR_PARSE_CERT = "failed to parse certificate: {}"


def cert_pem(cert: x509.Certificate) -> str:
    return go_string(_gopem.encode(_gopem.Block("CERTIFICATE", cert.public_bytes(Encoding.DER))))


def filter_pem(pem_type: str, text: str) -> str:
    """``filterPEM``: the blocks whose type equals ``pem_type`` ignoring case, re-encoded."""
    data = go_bytes(_gopem.trim_junk(text))
    out: list[bytes] = []
    while True:
        block, data = _gopem.decode(data)
        if block is None:
            break
        if block.type.lower() == pem_type.lower():  # close to Go's EqualFold (no ß→ss)
            try:
                out.append(_gopem.encode(block))
            except ValueError as e:
                raise FuncError(str(e)) from e
    if not out and data:
        raise FuncError(ERR_JUNK)
    return go_string(b"".join(out))


def _intermediates(chain: list[x509.Certificate]) -> str:
    out: list[str] = []
    for cert in chain[1:]:
        if is_root(cert):
            break
        out.append(cert_pem(cert))
    return "".join(out)


def filter_cert_chain(cert_type: str, text: str) -> str:
    """``filterCertChain``: the ``leaf``, ``intermediate`` or ``root`` part of a PEM chain.

    ``""`` when that part is absent (a lone root has no leaf) or ``cert_type`` is unknown.
    """
    try:
        chain = order_chain(go_bytes(text))
    except ChainError as e:
        raise FuncError(str(e)) from e
    if cert_type == "leaf":
        aki = authority_key_id(chain[0])
        return cert_pem(chain[0]) if aki and aki != subject_key_id(chain[0]) else ""
    if cert_type == "intermediate":
        return _intermediates(chain)
    if cert_type == "root":
        return cert_pem(chain[-1]) if is_root(chain[-1]) else ""
    return ""


def _ip(value: ipaddress.IPv4Address | ipaddress.IPv6Address | object) -> str:
    # Go prints an IPv4-mapped IPv6 address in dotted form.
    if isinstance(value, ipaddress.IPv6Address) and value.ipv4_mapped is not None:
        return str(value.ipv4_mapped)
    return str(value)


def cert_sans(text: str) -> StringSlice:
    """``certSANs``: DNS names, IP addresses, emails then URIs of the first PEM certificate."""
    block, _ = _gopem.decode(go_bytes(_gopem.trim_junk(text)))
    if block is None:
        raise FuncError(ERR_DECODE_PEM)
    try:
        cert = parse_certificate(block.data)
    except X509Error as e:
        raise FuncError(ERR_PARSE_CERT.format(e)) from e
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return StringSlice()
    sans = list(san.get_values_for_type(x509.DNSName))
    sans += [_ip(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    sans += san.get_values_for_type(x509.RFC822Name)
    sans += san.get_values_for_type(x509.UniformResourceIdentifier)
    return StringSlice(sans)


def register(funcs: FuncMap) -> None:
    funcs.register("filterPEM", "string", "string", result="string", returns_error=True)(filter_pem)
    funcs.register("filterCertChain", "string", "string", result="string", returns_error=True)(
        filter_cert_chain
    )
    funcs.register("certSANs", "string", result="[]string", returns_error=True)(cert_sans)
