"""``function_map`` builds every module, and the Go signatures the engine checks against."""

from __future__ import annotations

from pathlib import Path

import pytest

from eso.template.functions.library import function_map

_CRYPTO_OWNED = frozenset(
    [
        "bcrypt",
        "htpasswd",
        "genPrivateKey",
        "derivePassword",
        "buildCustomCert",
        "genCA",
        "genCAWithKey",
        "genSelfSignedCert",
        "genSelfSignedCertWithKey",
        "genSignedCert",
        "genSignedCertWithKey",
        "encryptAES",
        "decryptAES",
        "randBytes",
        "uuidv4",
    ]
)
_ESO_OWN = frozenset(
    [
        "pkcs12key",
        "pkcs12keyPass",
        "pkcs12cert",
        "pkcs12certPass",
        "pemToPkcs12",
        "pemToPkcs12Pass",
        "fullPemToPkcs12",
        "fullPemToPkcs12Pass",
        "pemTruststoreToPKCS12",
        "pemTruststoreToPKCS12Pass",
        "filterPEM",
        "filterCertChain",
        "certSANs",
        "jwkPublicKeyPem",
        "jwkPrivateKeyPem",
        "toYaml",
        "fromYaml",
        "rsaDecrypt",
    ]
)


def test_every_sprig_name_outside_the_crypto_set_is_registered() -> None:
    lines = Path(__file__).with_name("eso_function_names.txt").read_text().splitlines()
    expected = {n for n in lines if n and not n.startswith("#")} - _CRYPTO_OWNED - _ESO_OWN
    assert expected - set(function_map().names()) == set()


def test_removed_functions_are_not_served() -> None:
    names = set(function_map().names())
    assert not {"env", "expandenv", "getHostByName", "required"} & names


@pytest.mark.parametrize(
    ("name", "params", "variadic", "result", "returns_error"),
    [
        ("repeat", ("int", "string"), None, "string", False),
        ("trunc", ("int", "string"), None, "string", False),
        ("default", ("interface {}",), "interface {}", "interface {}", False),
        ("add", (), "interface {}", "int64", False),
        ("splitList", ("string", "string"), None, "[]string", False),
        ("dateModify", ("string", "time.Time"), None, "time.Time", False),
        ("mustToJson", ("interface {}",), None, "string", True),
        ("round", ("interface {}", "int"), "float64", "float64", False),
        ("get", ("map[string]interface {}", "string"), None, "interface {}", False),
        ("date_in_zone", ("string", "interface {}", "string"), None, "string", False),
        ("seq", (), "int", "string", False),
        ("regexFindAll", ("string", "string", "int"), None, "[]string", False),
    ],
)
def test_go_signature(
    name: str, params: tuple[str, ...], variadic: str | None, result: str, returns_error: bool
) -> None:
    func = function_map().get(name)
    assert func is not None
    assert (func.params, func.variadic, func.result, func.returns_error) == (
        params,
        variadic,
        result,
        returns_error,
    )
