"""TokenRequest (``serviceaccounts/{name}/token``): signed JWTs with kube-apiserver's claims."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from localkube.pytest_cluster import Cluster
from localkube.rawclient import ApiStatusError


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def verified_claims(cluster: Cluster, token: str) -> dict[str, Any]:
    """The token's claims after checking its RS256 signature against the server's JWKS."""
    header_b64, claims_b64, sig_b64 = token.split(".")
    header = json.loads(_unb64(header_b64))
    assert header["alg"] == "RS256"
    jwks = await cluster.client.request("GET", "/openid/v1/jwks")
    jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    n, e = (int.from_bytes(_unb64(jwk[f]), "big") for f in ("n", "e"))
    key = rsa.RSAPublicNumbers(e, n).public_key()
    signed = f"{header_b64}.{claims_b64}".encode()
    key.verify(_unb64(sig_b64), signed, padding.PKCS1v15(), hashes.SHA256())
    claims: dict[str, Any] = json.loads(_unb64(claims_b64))
    return claims


async def service_account(cluster: Cluster, ns: str) -> dict[str, Any]:
    body = {"metadata": {"name": f"sa-{secrets.token_hex(3)}"}}
    return await cluster.client.create("v1", "serviceaccounts", body, namespace=ns)


async def token_request(cluster: Cluster, ns: str, name: str, **spec: Any) -> dict[str, Any]:
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}
    path = f"/api/v1/namespaces/{ns}/serviceaccounts/{name}/token"
    result: dict[str, Any] = await cluster.client.request("POST", path, body=body)
    return result


async def test_token_is_signed_and_names_the_service_account(cluster: Cluster, ns: str) -> None:
    sa = await service_account(cluster, ns)
    name, uid = sa["metadata"]["name"], sa["metadata"]["uid"]
    resp = await token_request(
        cluster, ns, name, audiences=["sts.amazonaws.com", "extra"], expirationSeconds=3600
    )
    assert resp["kind"] == "TokenRequest"
    assert resp["spec"]["audiences"] == ["sts.amazonaws.com", "extra"]
    claims = await verified_claims(cluster, resp["status"]["token"])
    assert claims["aud"] == ["sts.amazonaws.com", "extra"]
    assert claims["sub"] == f"system:serviceaccount:{ns}:{name}"
    assert claims["kubernetes.io"]["namespace"] == ns
    assert claims["kubernetes.io"]["serviceaccount"] == {"name": name, "uid": uid}
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["jti"] and claims["nbf"] <= claims["iat"]


async def test_issuer_is_published_and_default_audience_is_the_issuer(
    cluster: Cluster, ns: str
) -> None:
    sa = await service_account(cluster, ns)
    oidc = await cluster.client.request("GET", "/.well-known/openid-configuration")
    resp = await token_request(cluster, ns, sa["metadata"]["name"])
    claims = await verified_claims(cluster, resp["status"]["token"])
    assert claims["iss"] == oidc["issuer"]
    assert claims["aud"] == resp["spec"]["audiences"] and claims["aud"]
    assert resp["spec"]["expirationSeconds"] == claims["exp"] - claims["iat"]
    assert resp["status"]["expirationTimestamp"].endswith("Z")


async def test_token_bound_to_a_secret_carries_its_name_and_uid(cluster: Cluster, ns: str) -> None:
    sa = await service_account(cluster, ns)
    secret = await cluster.client.create(
        "v1", "secrets", {"metadata": {"name": "bound"}}, namespace=ns
    )
    ref = {"apiVersion": "v1", "kind": "Secret", "name": "bound"}
    resp = await token_request(cluster, ns, sa["metadata"]["name"], boundObjectRef=ref)
    claims = await verified_claims(cluster, resp["status"]["token"])
    assert claims["kubernetes.io"]["secret"] == {
        "name": "bound",
        "uid": secret["metadata"]["uid"],
    }


@pytest.mark.parametrize(
    ("ref", "status"),
    [
        pytest.param({"kind": "Secret", "name": "missing"}, 404, id="missing-object"),
        pytest.param({"kind": "Secret", "name": "bound", "uid": "wrong"}, 409, id="other-uid"),
    ],
)
async def test_bound_object_must_exist_with_its_uid(
    cluster: Cluster, ns: str, ref: dict[str, str], status: int
) -> None:
    sa = await service_account(cluster, ns)
    await cluster.client.create("v1", "secrets", {"metadata": {"name": "bound"}}, namespace=ns)
    with pytest.raises(ApiStatusError) as e:
        await token_request(
            cluster, ns, sa["metadata"]["name"], boundObjectRef={"apiVersion": "v1", **ref}
        )
    assert e.value.status == status


async def test_token_for_a_missing_service_account_is_not_found(cluster: Cluster, ns: str) -> None:
    with pytest.raises(ApiStatusError) as e:
        await token_request(cluster, ns, "nope", audiences=["sts.amazonaws.com"])
    assert e.value.status == 404
    assert e.value.body["message"] == 'serviceaccounts "nope" not found'


async def test_expiration_under_ten_minutes_is_invalid(cluster: Cluster, ns: str) -> None:
    sa = await service_account(cluster, ns)
    with pytest.raises(ApiStatusError) as e:
        await token_request(cluster, ns, sa["metadata"]["name"], expirationSeconds=60)
    assert e.value.status == 422
    assert "may not specify a duration less than 10 minutes" in e.value.message
