"""An STS ``AssumeRoleWithWebIdentity`` endpoint that checks tokens as AWS does.

moto's STS accepts any token for any role. This front verifies what AWS verifies for an IRSA
role: the RS256 signature against the cluster's published keys (``/openid/v1/jwks``), the
issuer, expiry, the ``sts.amazonaws.com`` audience, and the role's trust (which ServiceAccount
``sub`` may assume it). It answers STS's XML, so eso's real client code runs against it; the
keys it hands out are accepted by moto (IAM auth off). Against a real cluster the token and
the keys are the cluster's own.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

AUDIENCE = "sts.amazonaws.com"
NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class RefusedError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class VerifyingSts:
    """Serves on 127.0.0.1; ``trust`` maps a role ARN to the ``sub`` allowed to assume it."""

    def __init__(self, *, jwks: dict[str, Any], issuer: str, trust: dict[str, str]) -> None:
        self._keys = {k["kid"]: k for k in jwks["keys"]}
        self._issuer = issuer
        self.trust = trust
        self.accepted: list[str] = []  # sub of every token exchanged
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        form = {k: v[0] for k, v in parse_qs(await request.text()).items()}
        try:
            if form.get("Action") != "AssumeRoleWithWebIdentity":
                raise RefusedError(400, "InvalidAction", "only AssumeRoleWithWebIdentity")
            sub = self._verify(form.get("WebIdentityToken", ""), form.get("RoleArn", ""))
        except RefusedError as e:
            body = (
                f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{e.code}</Code>'
                f"<Message>{e.message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
            )
            return web.Response(status=e.status, text=body, content_type="text/xml")
        self.accepted.append(sub)
        return web.Response(text=self._credentials(form["RoleArn"], sub), content_type="text/xml")

    def _verify(self, token: str, role: str) -> str:
        try:
            header_b64, claims_b64, sig_b64 = token.split(".")
            header = json.loads(_unb64(header_b64))
            jwk = self._keys[header["kid"]]
            n, e = (int.from_bytes(_unb64(jwk[f]), "big") for f in ("n", "e"))
            rsa.RSAPublicNumbers(e, n).public_key().verify(
                _unb64(sig_b64),
                f"{header_b64}.{claims_b64}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
            claims = json.loads(_unb64(claims_b64))
        except Exception:
            raise RefusedError(
                400, "InvalidIdentityToken", "The web identity token is invalid"
            ) from None
        if claims.get("iss") != self._issuer or claims.get("exp", 0) < time.time():
            raise RefusedError(400, "InvalidIdentityToken", "Token issuer or expiry rejected")
        audiences = claims.get("aud")
        if AUDIENCE not in (audiences if isinstance(audiences, list) else [audiences]):
            raise RefusedError(400, "InvalidIdentityToken", "Incorrect token audience")
        sub = str(claims.get("sub"))
        if self.trust.get(role) != sub:
            raise RefusedError(
                403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"
            )
        return sub

    @staticmethod
    def _credentials(role: str, sub: str) -> str:
        expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        key = "ASIA" + secrets.token_hex(8).upper()
        return (
            f'<AssumeRoleWithWebIdentityResponse xmlns="{NS}"><AssumeRoleWithWebIdentityResult>'
            f"<Credentials><AccessKeyId>{key}</AccessKeyId>"
            f"<SecretAccessKey>{secrets.token_hex(20)}</SecretAccessKey>"
            f"<SessionToken>{secrets.token_hex(32)}</SessionToken>"
            f"<Expiration>{expires}</Expiration></Credentials>"
            f"<SubjectFromWebIdentityToken>{sub}</SubjectFromWebIdentityToken>"
            f"<AssumedRoleUser><Arn>{role}/eso</Arn><AssumedRoleId>AROA1:eso</AssumedRoleId>"
            f"</AssumedRoleUser><Audience>{AUDIENCE}</Audience>"
            "</AssumeRoleWithWebIdentityResult>"
            "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
            "</AssumeRoleWithWebIdentityResponse>"
        )
