"""The SSHKey generator: OpenSSH key pairs of each type, with the comment where ssh puts it."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from eso.api.generators import SSHKeySpec
from eso.generators.base import GeneratorError, GeneratorRequest
from eso.generators.openssh import _with_comment, key_pair
from eso.generators.sshkey import SSHKeyGenerator


def _load(private: bytes) -> object:
    return serialization.load_ssh_private_key(private, password=None)


@pytest.mark.parametrize(
    ("spec", "kind", "prefix"),
    [
        pytest.param(SSHKeySpec(), rsa.RSAPrivateKey, b"ssh-rsa ", id="rsa-default"),
        pytest.param(SSHKeySpec(key_type="ed25519"), ed25519.Ed25519PrivateKey, b"ssh-ed25519 ",
                     id="ed25519"),
        pytest.param(SSHKeySpec(key_type="ecdsa", key_size=384), ec.EllipticCurvePrivateKey,
                     b"ecdsa-sha2-nistp384 ", id="ecdsa-384"),
    ],
)  # fmt: skip
def test_each_key_type_makes_a_matching_openssh_pair(
    spec: SSHKeySpec, kind: type, prefix: bytes
) -> None:
    got = key_pair(spec)
    key = _load(got["privateKey"])
    assert isinstance(key, kind)
    assert got["publicKey"].startswith(prefix) and got["publicKey"].endswith(b"\n")
    public = key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert got["publicKey"].split()[1] == public.split()[1]


def test_rsa_default_is_2048_bits_and_key_size_is_obeyed() -> None:
    assert _load(key_pair(SSHKeySpec())["privateKey"]).key_size == 2048  # type: ignore[attr-defined]
    big = _load(key_pair(SSHKeySpec(key_size=3072))["privateKey"])
    assert big.key_size == 3072  # type: ignore[attr-defined]


def test_an_ecdsa_size_eso_does_not_know_means_p256() -> None:
    key = _load(key_pair(SSHKeySpec(key_type="ecdsa", key_size=300))["privateKey"])
    assert key.curve.name == "secp256r1"  # type: ignore[attr-defined]


@pytest.mark.parametrize("key_type", ["rsa", "ecdsa", "ed25519"])
def test_the_comment_is_in_both_keys(key_type: str) -> None:
    got = key_pair(SSHKeySpec(key_type=key_type, comment="user@example.com"))  # type: ignore[arg-type]
    assert got["publicKey"].endswith(b" user@example.com\n")
    assert b"user@example.com" in _private_section(got["privateKey"])
    _load(got["privateKey"])  # still a valid key


def _private_section(pem: bytes) -> bytes:
    return base64.b64decode(b"".join(pem.splitlines()[1:-1]))


def test_an_unexpected_layout_is_left_unchanged() -> None:
    pem = key_pair(SSHKeySpec(key_type="ed25519", comment="already"))["privateKey"]
    assert _with_comment(pem, b"again") == pem  # its comment is not the empty one


def test_a_size_openssl_refuses_is_a_generator_error() -> None:
    with pytest.raises(GeneratorError, match="unable to generate SSH key"):
        key_pair(SSHKeySpec(key_size=256))


async def test_the_generator_returns_esos_two_keys() -> None:
    async def no_secret(namespace: str, name: str) -> None:
        return None

    request = GeneratorRequest(
        kind="SSHKey", name="k", namespace="n", spec=SSHKeySpec(key_type="ed25519"),
        get_secret=no_secret,
    )  # fmt: skip
    got = await SSHKeyGenerator().generate(request)
    assert set(got) == {"privateKey", "publicKey"}
