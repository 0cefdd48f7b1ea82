"""ESO's ``jwkPublicKeyPem`` and ``jwkPrivateKeyPem`` (``jwk.go``): a JSON Web Key as PEM.

ESO parses with lestrrat-go/jwx v2 and marshals the raw key with Go's x509: the public key as
PKIX ``PUBLIC KEY``, the private key as PKCS#8 ``PRIVATE KEY``. Go's marshalers only take
what they know, so a private JWK given to ``jwkPublicKeyPem`` (jwx hands over the private
key), a public JWK given to ``jwkPrivateKeyPem``, X25519 (jwx's own key type) and ``oct``
keys fail with x509's "unsupported" errors, as in ESO. RSA, EC (P-256/384/521) and Ed25519
keys are read here from RFC 7517/7518 fields; messages never contain key material.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from . import _gopem
from ._gostr import go_string
from .registry import FuncError, FuncMap

__all__ = ["jwk_private_key_pem", "jwk_public_key_pem", "register"]

_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}
_Key = (
    rsa.RSAPublicKey
    | rsa.RSAPrivateKey
    | ec.EllipticCurvePublicKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PublicKey
    | ed25519.Ed25519PrivateKey
)
# Parse errors (jwx's wording, without the input) and Go x509's marshal errors.
ERR_JSON = "failed to unmarshal JSON into key hint: not a JSON object"
ERR_KTY = "failed to parse key: invalid key type from JSON"
ERR_MISSING_FIELD = "failed to parse key: required field {} is missing"
ERR_DECODE_FIELD = "failed to parse key: failed to decode field {}"
ERR_CURVE = "failed to parse key: unsupported elliptic curve"
ERR_OKP_CURVE = "failed to parse key: unsupported curve for OKP key"
ERR_PARAMETERS = "failed to parse key: invalid key parameters"
ERR_PUBLIC_TYPE = "x509: unsupported public key type: {}"
ERR_PRIVATE_TYPE = "x509: unknown key type while marshaling PKCS#8: {}"
# The Go type jwx's Raw() yields for key types Go's x509 cannot marshal.
_UNMARSHALABLE = {"oct": "[]uint8", "X25519": "x25519"}


def _field(jwk: dict[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise FuncError(ERR_MISSING_FIELD.format(name))
    text = value.rstrip("=").replace("+", "-").replace("/", "_")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as e:
        raise FuncError(ERR_DECODE_FIELD.format(name)) from e


def _int(jwk: dict[str, Any], name: str) -> int:
    return int.from_bytes(_field(jwk, name), "big")


def _rsa(jwk: dict[str, Any]) -> _Key:
    public = rsa.RSAPublicNumbers(_int(jwk, "e"), _int(jwk, "n"))
    if "d" not in jwk:
        return public.public_key()
    d = _int(jwk, "d")
    p, q = (_int(jwk, "p"), _int(jwk, "q")) if "p" in jwk and "q" in jwk else (0, 0)
    if not p:
        p, q = rsa.rsa_recover_prime_factors(public.n, public.e, d)
    dmp1 = _int(jwk, "dp") if "dp" in jwk else rsa.rsa_crt_dmp1(d, p)
    dmq1 = _int(jwk, "dq") if "dq" in jwk else rsa.rsa_crt_dmq1(d, q)
    iqmp = _int(jwk, "qi") if "qi" in jwk else rsa.rsa_crt_iqmp(p, q)
    return rsa.RSAPrivateNumbers(p, q, d, dmp1, dmq1, iqmp, public).private_key()


def _ec(jwk: dict[str, Any]) -> _Key:
    curve = _CURVES.get(str(jwk.get("crv")))
    if curve is None:
        raise FuncError(ERR_CURVE)
    public = ec.EllipticCurvePublicNumbers(_int(jwk, "x"), _int(jwk, "y"), curve)
    if "d" not in jwk:
        return public.public_key()
    return ec.EllipticCurvePrivateNumbers(_int(jwk, "d"), public).private_key()


def _okp(jwk: dict[str, Any]) -> _Key:
    if jwk.get("crv") != "Ed25519":
        raise FuncError(ERR_OKP_CURVE)
    if "d" in jwk:
        return ed25519.Ed25519PrivateKey.from_private_bytes(_field(jwk, "d"))
    return ed25519.Ed25519PublicKey.from_public_bytes(_field(jwk, "x"))


def _parse(text: str) -> tuple[_Key | None, str]:
    """The key of JWK ``text``, or (None, Go type name) for one Go's x509 cannot marshal."""
    try:
        jwk = json.loads(text)
    except ValueError as e:
        raise FuncError(ERR_JSON) from e
    if not isinstance(jwk, dict):
        raise FuncError(ERR_JSON)
    kty = jwk.get("kty")
    if kty == "oct" or (kty == "OKP" and jwk.get("crv") == "X25519"):
        name = _UNMARSHALABLE["oct" if kty == "oct" else "X25519"]
        private = "d" in jwk or kty == "oct"
        return None, name if kty == "oct" else f"{name}.{'Private' if private else 'Public'}Key"
    parsers = {"RSA": _rsa, "EC": _ec, "OKP": _okp}
    if kty not in parsers:
        raise FuncError(ERR_KTY)  # jwx names the kty; we do not echo input
    try:
        return parsers[str(kty)](jwk), ""
    except ValueError as e:
        raise FuncError(ERR_PARAMETERS) from e


_GO_TYPES = {
    rsa.RSAPrivateKey: "*rsa.PrivateKey",
    rsa.RSAPublicKey: "*rsa.PublicKey",
    ec.EllipticCurvePrivateKey: "*ecdsa.PrivateKey",
    ec.EllipticCurvePublicKey: "*ecdsa.PublicKey",
    ed25519.Ed25519PrivateKey: "ed25519.PrivateKey",
    ed25519.Ed25519PublicKey: "ed25519.PublicKey",
}


def _go_type(key: _Key) -> str:
    return next(name for kind, name in _GO_TYPES.items() if isinstance(key, kind))


def _pem(kind: str, der: bytes) -> str:
    return go_string(_gopem.encode(_gopem.Block(kind, der)))


def jwk_public_key_pem(text: str) -> str:
    """``jwkPublicKeyPem``: a public JWK as PKIX ``PUBLIC KEY`` PEM."""
    key, go_type = _parse(text)
    if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return _pem("PUBLIC KEY", der)
    raise FuncError(ERR_PUBLIC_TYPE.format(go_type or _go_type(key)))  # type: ignore[arg-type]


def jwk_private_key_pem(text: str) -> str:
    """``jwkPrivateKeyPem``: a private JWK as PKCS#8 ``PRIVATE KEY`` PEM."""
    key, go_type = _parse(text)
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return _pem("PRIVATE KEY", der)
    name = go_type or _go_type(key)  # type: ignore[arg-type]
    raise FuncError(ERR_PRIVATE_TYPE.format(name))


def register(funcs: FuncMap) -> None:
    funcs.register("jwkPublicKeyPem", "string", result="string", returns_error=True)(
        jwk_public_key_pem
    )
    funcs.register("jwkPrivateKeyPem", "string", result="string", returns_error=True)(
        jwk_private_key_pem
    )
