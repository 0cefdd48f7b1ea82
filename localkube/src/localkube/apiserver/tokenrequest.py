"""The TokenRequest API (``POST .../serviceaccounts/{name}/token``), as kube-apiserver serves it.

kube-apiserver signs service account tokens with its own key (RS256, ``kid`` = the base64url
SHA-256 of the public key's DER) and publishes the public half at ``/openid/v1/jwks``, with the
issuer document at ``/.well-known/openid-configuration`` (what an OIDC relying party such as AWS
STS reads). A token's claims: ``aud`` (the request's audiences, else the API server's own, the
issuer), ``exp`` (``expirationSeconds`` after ``iat``, default 3600, at least 600), ``iat``,
``nbf``, ``iss``, ``jti``, ``sub: system:serviceaccount:<ns>:<name>`` and the ``kubernetes.io``
claim with the namespace, the ServiceAccount's name and uid and, for a ``boundObjectRef``, the
bound Pod's or Secret's name and uid. A missing ServiceAccount is 404 like any GET; a bound
object that is missing is 404, one whose uid differs is 409, an unsupported kind is 400; a short
expiration is 422. The response is the TokenRequest with ``status.token`` and
``status.expirationTimestamp``, 201 Created.

The body is JSON, or protobuf as ``kubectl create token`` sends it (``protobuf.py``); the
answer is JSON, which kubectl accepts. Other media types are 415 with kube-apiserver's message.
Discovery lists the subresource as kube-apiserver does (``serviceaccounts/token``, kind
TokenRequest of authentication.k8s.io/v1, verb create: ``discovery.py``). Self-contained: the
server asks ``match`` whether a path is ours before its generic routing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from eso.clock import Clock
from localkube.apiserver import protobuf
from localkube.apiserver import status as st
from localkube.apiserver.objects import timestamp
from localkube.apiserver.operations import Operations
from localkube.apiserver.registry import Registry

JSONDict = dict[str, Any]
ISSUER = "https://kubernetes.default.svc.cluster.local"
DEFAULT_EXPIRATION = 3600
MIN_EXPIRATION = 600
MAX_EXPIRATION = 1 << 32
TOKEN_GROUP = "authentication.k8s.io"
BOUND_KINDS = {"Pod": "pods", "Secret": "secrets"}
MSG_SHORT = "may not specify a duration less than 10 minutes"
MSG_LONG = "may not specify a duration larger than 2^32 seconds"
MSG_UID = (
    "the UID in the bound object reference ({got}) does not match the UID in record. "
    "The object might have been deleted and then recreated"
)
MSG_KIND = "cannot bind token for object of kind {kind!r}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenIssuer:
    """Issues and publishes service account tokens for one local control plane."""

    def __init__(self, ops: Operations, *, registry: Registry, clock: Clock) -> None:
        self._ops = ops
        self._registry = registry
        self._clock = clock
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = _b64(hashlib.sha256(der).digest())

    @staticmethod
    def match(method: str, parts: list[str]) -> tuple[str, str] | None:
        """(namespace, name) when ``parts`` is a TokenRequest POST, else None."""
        match parts:
            case ["api", "v1", "namespaces", ns, "serviceaccounts", name, "token"]:
                return (ns, name) if method == "POST" else None
        return None

    def document(self, parts: list[str]) -> JSONDict | None:
        """The OpenID discovery document or the JWKS; None for other paths."""
        match parts:
            case [".well-known", "openid-configuration"]:
                return {
                    "issuer": ISSUER,
                    "jwks_uri": f"{ISSUER}/openid/v1/jwks",
                    "response_types_supported": ["id_token"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
            case ["openid", "v1", "jwks"]:
                return {"keys": [self.jwk()]}
        return None

    def jwk(self) -> JSONDict:
        """The public signing key as a JSON Web Key."""
        numbers = self._key.public_key().public_numbers()

        def enc(n: int) -> str:
            return _b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))

        return {
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "n": enc(numbers.n),
            "e": enc(numbers.e),
        }

    async def handle(self, request: web.Request, *, namespace: str, name: str) -> web.Response:
        """Serve one TokenRequest; ``ApiError`` for every refusal."""
        if request.content_type not in ("application/json", "", protobuf.MEDIA):
            raise st.unsupported_media_type(request.content_type)
        raw = await request.read()
        try:
            if request.content_type == protobuf.MEDIA:
                body = protobuf.decode_token_request(raw)
            else:
                body = json.loads(raw) if raw else {}
        except (ValueError, IndexError, UnicodeDecodeError) as e:
            raise st.bad_request(f"invalid TokenRequest body: {e}") from None
        if not isinstance(body, dict):
            raise st.bad_request("invalid TokenRequest body: not an object")
        out = self.issue(namespace=namespace, name=name, spec=body.get("spec") or {})
        return web.json_response(out, status=201)

    def issue(self, *, namespace: str, name: str, spec: JSONDict) -> JSONDict:
        """The TokenRequest response for ServiceAccount ``namespace/name``."""
        sa = self._get("serviceaccounts", namespace, name)
        expiration = self._expiration(name, spec)
        audiences = [str(a) for a in spec.get("audiences") or []] or [ISSUER]
        bound = spec.get("boundObjectRef")
        now = self._clock.wall().replace(microsecond=0)
        claim: JSONDict = {
            "namespace": namespace,
            "serviceaccount": {"name": name, "uid": sa["metadata"].get("uid", "")},
        }
        if bound:
            ref_kind, ref = self._bound(namespace, bound)
            claim[ref_kind] = ref
        exp = now + timedelta(seconds=expiration)
        claims = self._claims(namespace, name, audiences=audiences, now=now, exp=exp)
        claims["kubernetes.io"] = claim
        return {
            "kind": "TokenRequest",
            "apiVersion": f"{TOKEN_GROUP}/v1",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": None},
            "spec": {
                "audiences": audiences,
                "expirationSeconds": expiration,
                "boundObjectRef": bound or None,
            },
            "status": {"token": self.sign(claims), "expirationTimestamp": timestamp(exp)},
        }

    def _claims(
        self, namespace: str, name: str, *, audiences: list[str], now: datetime, exp: datetime
    ) -> JSONDict:
        return {
            "aud": audiences,
            "exp": int(exp.timestamp()),
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "iss": ISSUER,
            "jti": str(uuid.uuid4()),
            "sub": f"system:serviceaccount:{namespace}:{name}",
        }

    def sign(self, claims: JSONDict) -> str:
        """An RS256 JWS of ``claims`` with this issuer's key."""
        header = {"alg": "RS256", "kid": self.kid}
        signing_input = ".".join(
            _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        sig = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(sig)}"

    def _get(self, plural: str, namespace: str, name: str) -> JSONDict:
        rt = self._registry.get("", "v1", plural)
        assert rt is not None
        return self._ops.get(rt, namespace=namespace, name=name)

    @staticmethod
    def _expiration(name: str, spec: JSONDict) -> int:
        value = spec.get("expirationSeconds")
        if value is None:
            return DEFAULT_EXPIRATION
        seconds = int(value)
        too_long = MSG_LONG if seconds > MAX_EXPIRATION else ""
        why = MSG_SHORT if seconds < MIN_EXPIRATION else too_long
        if why:
            cause = st.Cause(
                "FieldValueInvalid", f"Invalid value: {seconds}: {why}", "spec.expirationSeconds"
            )
            raise st.invalid(kind="TokenRequest", group=TOKEN_GROUP, name=name, causes=[cause])
        return seconds

    def _bound(self, namespace: str, ref: JSONDict) -> tuple[str, JSONDict]:
        """The ``kubernetes.io`` entry of a bound Pod or Secret (which must exist)."""
        kind = str(ref.get("kind") or "")
        plural = BOUND_KINDS.get(kind)
        if plural is None or str(ref.get("apiVersion") or "v1") != "v1":
            raise st.bad_request(MSG_KIND.format(kind=kind))
        obj = self._get(plural, namespace, str(ref.get("name") or ""))
        uid = str(obj["metadata"].get("uid", ""))
        wanted = str(ref.get("uid") or "")
        if wanted and wanted != uid:
            raise st.ApiError(409, "Conflict", MSG_UID.format(got=wanted))
        return kind.lower(), {"name": obj["metadata"]["name"], "uid": uid}
