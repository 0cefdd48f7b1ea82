"""A throwaway CA and serving certificate for 127.0.0.1, made at startup.

kubectl (client-go) sends bearer tokens only over TLS, so a token-protected control plane
has to speak https for kubectl to authenticate at all. The CA exists only in memory and in
the kubeconfig written for this process; EC P-256 keys keep generation to about a millisecond,
and one pair is made per process (``functools.cache``), not per test.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class ServingCert:
    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _builder(subject: str, issuer: str, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365))
    )


@functools.cache
def serving_cert() -> ServingCert:
    """A CA and a 127.0.0.1/localhost certificate it signed (one pair per process)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        _builder("eso-local-ca", "eso-local-ca", ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName(
        [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    )
    cert = (
        _builder("eso-local-apiserver", "eso-local-ca", key)
        .add_extension(san, critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return ServingCert(ca.public_bytes(pem), cert.public_bytes(pem), key_pem)


def server_context(cert: ServingCert) -> ssl.SSLContext:
    """An SSLContext serving ``cert`` (the key touches disk only inside a private tempdir)."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as tmp:
        cert_path, key_path = Path(tmp) / "tls.crt", Path(tmp) / "tls.key"
        cert_path.write_bytes(cert.cert_pem)
        key_path.write_bytes(cert.key_pem)
        key_path.chmod(0o600)
        ctx.load_cert_chain(cert_path, key_path)
    return ctx
