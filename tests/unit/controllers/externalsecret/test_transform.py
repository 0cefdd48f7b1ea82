"""ESO's decodingStrategy and conversionStrategy, case by case (runtime/decoding, esutils)."""

from __future__ import annotations

import pytest

from eso.controllers.externalsecret.transform import (
    TransformError,
    convert_key,
    convert_keys,
    decode,
)

RAW = bytes([0xFB, 0xFF, 0xBF])  # standard alphabet "+/+/", URL alphabet "-_-_"


@pytest.mark.parametrize(
    ("strategy", "value", "expected"),
    [
        pytest.param("None", b"aGVsbG8=", b"aGVsbG8=", id="none-keeps"),
        pytest.param("Base64", b"aGVsbG8=", b"hello", id="base64"),
        pytest.param("Base64", b"aGVs\r\nbG8=", b"hello", id="base64-ignores-newlines"),
        pytest.param("Base64", b"", b"", id="base64-empty"),
        pytest.param("Base64", b"+/+/", RAW, id="base64-standard-alphabet"),
        pytest.param("Base64URL", b"-_-_", RAW, id="base64url"),
        pytest.param("Auto", b"aGVsbG8=", b"hello", id="auto-base64"),
        pytest.param("Auto", b"-_-_", RAW, id="auto-falls-back-to-base64url"),
        pytest.param("Auto", b"plain text!", b"plain text!", id="auto-keeps-undecodable"),
    ],
)
def test_decode(strategy: str, value: bytes, expected: bytes) -> None:
    assert decode(strategy, value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("strategy", "value"),
    [
        pytest.param("Base64", b"aGVsbG8", id="base64-needs-padding"),
        pytest.param("Base64", b"-_-_", id="base64-rejects-url-alphabet"),
        pytest.param("Base64URL", b"+/+/", id="base64url-rejects-standard-alphabet"),
        pytest.param("Base64", b"aG=Vs", id="padding-only-at-the-end"),
    ],
)
def test_undecodable_values_fail_without_the_value(strategy: str, value: bytes) -> None:
    with pytest.raises(TransformError) as info:
        decode(strategy, value)  # type: ignore[arg-type]
    assert str(info.value) == (
        f"error applying decoding strategy {strategy} to data: illegal base64 data"
    )


@pytest.mark.parametrize(
    ("strategy", "key", "expected"),
    [
        pytest.param("Default", "db/user name", "db_user_name", id="default"),
        pytest.param("Unicode", "db/user name", "db_U002f_user_U0020_name", id="unicode"),
        pytest.param("Unicode", "a😀", "a_U1f600_", id="unicode-beyond-bmp"),
        pytest.param("Default", "ok-key.v_1", "ok-key.v_1", id="valid-unchanged"),
        pytest.param("Default", "clé", "clé", id="letters-kept-as-eso"),
    ],
)
def test_convert_key(strategy: str, key: str, expected: str) -> None:
    assert convert_key(strategy, key) == expected  # type: ignore[arg-type]


def test_keys_colliding_after_conversion_fail() -> None:
    with pytest.raises(TransformError) as info:
        convert_keys("Default", {"a/b": b"1", "a b": b"2"})
    assert str(info.value) == (
        "error applying conversion strategy Default to keys: "
        "secret name collision during conversion: a_b"
    )
