"""ESO's ``pem_test.go`` and the PEM cases of ``template_test.go``, restated as table tests."""

from __future__ import annotations

import pytest
from conftest import fixture_text
from eso_go_vectors import CERT_DATA, JWK_PRIV_RSAPKCS8, KEY_DATA, OTHER_CERT, PKCS12_CERT

from eso.template.functions import pem
from eso.template.functions.registry import FuncError, FuncMap
from eso.template.values import StringSlice

LEAF, INTERMEDIATE, ROOT = "foo.crt", "intermediate-ca.crt", "root-ca.crt"


@pytest.mark.parametrize(
    ("pem_type", "text", "want"),
    [
        pytest.param("certificate", CERT_DATA + KEY_DATA, CERT_DATA, id="cert-first"),
        pytest.param("certificate", KEY_DATA + CERT_DATA, CERT_DATA, id="key-first"),
        pytest.param(
            "certificate",
            KEY_DATA + CERT_DATA + KEY_DATA + OTHER_CERT,
            CERT_DATA + OTHER_CERT,
            id="multiple-certs",
        ),
        pytest.param("private key", KEY_DATA + CERT_DATA, KEY_DATA, id="extract-key"),
        pytest.param(
            "private key", CERT_DATA + KEY_DATA + "some ---junk---", KEY_DATA, id="trailing-junk"
        ),
        pytest.param(
            "private key",
            "some junk" + CERT_DATA + KEY_DATA + "some ---junk---",
            KEY_DATA,
            id="junk-before-and-after",
        ),
        pytest.param(
            "CERTIFICATE", JWK_PRIV_RSAPKCS8 + PKCS12_CERT, PKCS12_CERT, id="template-filter-cert"
        ),
        pytest.param("certificate", "", "", id="empty-input"),
    ],
)
def test_filter_pem_returns_matching_blocks(pem_type: str, text: str, want: str) -> None:
    assert pem.filter_pem(pem_type, text) == want


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(CERT_DATA + "some junk" + KEY_DATA, id="interleaved-junk"),
        pytest.param("---junk---", id="only-junk"),
    ],
)
def test_filter_pem_reports_junk(text: str) -> None:
    with pytest.raises(FuncError, match=r"^error filtering pem: found junk$"):
        pem.filter_pem("private key", text)


def test_filter_pem_keeps_headers_in_go_order() -> None:
    block = (
        "-----BEGIN RSA PRIVATE KEY-----\nDEK-Info: AES-128-CBC,00\nProc-Type: 4,ENCRYPTED\n\n"
        "AAAA\n-----END RSA PRIVATE KEY-----\n"
    )
    want = (
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
        "AAAA\n-----END RSA PRIVATE KEY-----\n"
    )
    assert pem.filter_pem("rsa private key", block) == want


@pytest.mark.parametrize(
    ("cert_type", "files", "want"),
    [
        pytest.param("leaf", [LEAF], [LEAF], id="leaf/leaf-only"),
        pytest.param("leaf", [LEAF, INTERMEDIATE], [LEAF], id="leaf/without-root"),
        pytest.param("leaf", [ROOT], [], id="leaf/root-only"),
        pytest.param("leaf", [LEAF, INTERMEDIATE, ROOT], [LEAF], id="leaf/full-chain"),
        pytest.param("leaf", [ROOT, LEAF, INTERMEDIATE], [LEAF], id="leaf/shuffled"),
        pytest.param("intermediate", [LEAF], [], id="intermediate/leaf-only"),
        pytest.param(
            "intermediate", [LEAF, INTERMEDIATE], [INTERMEDIATE], id="intermediate/without-root"
        ),
        pytest.param(
            "intermediate", [LEAF, INTERMEDIATE, ROOT], [INTERMEDIATE], id="intermediate/full"
        ),
        pytest.param("root", [LEAF], [], id="root/leaf-only"),
        pytest.param("root", [ROOT], [ROOT], id="root/root-only"),
        pytest.param("root", [LEAF, INTERMEDIATE, ROOT], [ROOT], id="root/full-chain"),
        pytest.param("unknown", [LEAF, INTERMEDIATE, ROOT], [], id="unknown-type"),
    ],
)
def test_filter_cert_chain_selects_part(cert_type: str, files: list[str], want: list[str]) -> None:
    assert pem.filter_cert_chain(cert_type, fixture_text(*files)) == fixture_text(*want)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "no leaf certificate found", id="empty-chain"),
        pytest.param(fixture_text(LEAF, "root-ca.key"), "x509: ", id="chain-with-key"),
        pytest.param(
            fixture_text("disjunct-chain.pem"),
            "found multiple leaf or disjunct certificates",
            id="disjunct",
        ),
    ],
)
def test_filter_cert_chain_errors(text: str, message: str) -> None:
    with pytest.raises(FuncError, match=message):
        pem.filter_cert_chain("leaf", text)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param(CERT_DATA, ["gooble.com"], id="dns"),
        pytest.param("some junk\n" + CERT_DATA, ["gooble.com"], id="junk-before"),
        pytest.param(PKCS12_CERT, ["gooble.com"], id="template-cert"),
        pytest.param(
            fixture_text("sans.crt"),
            [
                "example.com",
                "www.example.com",
                "192.168.1.10",
                "10.0.0.1",
                "admin@example.com",
                "https://example.com",
            ],
            id="all-kinds",
        ),
        pytest.param(fixture_text(ROOT), [], id="no-san-extension"),
    ],
)
def test_cert_sans_lists_names_in_go_order(text: str, want: list[str]) -> None:
    got = pem.cert_sans(text)
    assert type(got) is StringSlice
    assert got == want


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("not a pem", "^failed to decode PEM block$", id="not-pem"),
        pytest.param("", "^failed to decode PEM block$", id="empty"),
        pytest.param(KEY_DATA, "^failed to parse certificate: x509: ", id="not-a-cert"),
    ],
)
def test_cert_sans_errors(text: str, message: str) -> None:
    with pytest.raises(FuncError, match=message):
        pem.cert_sans(text)


def test_register_declares_go_signatures() -> None:
    funcs = FuncMap()
    pem.register(funcs)
    assert funcs.names() == ["certSANs", "filterCertChain", "filterPEM"]
    sans = funcs.get("certSANs")
    assert sans is not None
    assert (sans.params, sans.result, sans.returns_error) == (("string",), "[]string", True)
