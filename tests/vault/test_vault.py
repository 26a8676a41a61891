from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from app.settings import Secret
from app.vault.box import SecretBox
from app.vault.masker import MASK, Masker

SECRET = "s3cr3t/pa ss+word=="


def test_sealed_values_open_with_the_key_only(tmp_path: Path) -> None:
    box = SecretBox(Secret("key one"))
    sealed = box.seal(SECRET)
    assert SECRET not in sealed and SecretBox.is_sealed(sealed)
    assert box.open(sealed) == SECRET
    with pytest.raises(ValueError):
        SecretBox(Secret("key two")).open(sealed)


def test_a_generated_key_is_kept_private_and_reused(tmp_path: Path) -> None:
    first = SecretBox.from_settings(Secret(""), tmp_path)
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    assert SecretBox.from_settings(Secret(""), tmp_path).open(first.seal("x")) == "x"


@pytest.mark.parametrize(
    "encoded",
    [
        SECRET,
        quote(SECRET, safe=""),
        quote_plus(SECRET),
        json.dumps(SECRET)[1:-1],
        SECRET.encode().hex(),
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode(),
        # inside a longer base64 blob, at each of the three alignments
        base64.b64encode(b"user:" + SECRET.encode()).decode(),
        base64.b64encode(b"us:" + SECRET.encode() + b"!").decode(),
        base64.b64encode(b"u:" + SECRET.encode() + b"??").decode(),
    ],
)
def test_every_common_encoding_is_masked(encoded: str) -> None:
    masked = Masker([SECRET])(f"before {encoded} after")
    assert MASK in masked
    assert encoded not in masked
    assert masked.startswith("before ")


def test_text_without_secrets_is_untouched_and_short_values_are_not_searched() -> None:
    assert Masker([SECRET])("nothing to see") == "nothing to see"
    assert Masker(["ab"])("abacus") == "abacus"
    assert not Masker([])


def test_a_long_fragment_of_a_secret_is_masked_too() -> None:
    masked = Masker(["Tr0ub4dor&3 leak/me?"])("plain=Tr0ub4dor and: 3 leak/me?")
    assert "Tr0ub4dor" not in masked and "leak/me" not in masked
    assert Masker(["Tr0ub4dor&3 leak/me?"])("Tr0ub4") == "Tr0ub4"  # shorter pieces are ordinary text
