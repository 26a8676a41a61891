"""Masking secrets in text: the value itself and its common encodings.

Each secret is searched as itself, URL-encoded (both flavours), JSON-escaped, as hex,
and in base64 (standard and URL-safe) at the three alignments it can have inside a
longer encoded blob; and any FRAGMENT or more of its characters in a row, since a
shell or a tool may cut a value where it finds a special character (`a&b` echoed
unquoted prints `a`). Values shorter than MIN_LENGTH are not searched (they would mask
ordinary words); generated secrets are far longer.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "********"
MIN_LENGTH = 4
FRAGMENT = 8


def _base64_forms(raw: bytes) -> set[str]:
    forms = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for shift in range(3):
            encoded = encode(b"\0" * shift + raw).decode()
            start = -(-shift * 8 // 6)  # characters that also carry the bytes before
            end = (shift + len(raw)) * 8 // 6  # characters made only of the secret's bytes
            part = encoded[start:end]
            if len(part) >= MIN_LENGTH:
                forms.add(part)
    return forms


def variants(secret: str) -> set[str]:
    if len(secret) < MIN_LENGTH:
        return set()
    raw = secret.encode()
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1], raw.hex()}
    forms |= _base64_forms(raw)
    forms |= {secret[i:j] for i in range(len(secret)) for j in range(i + FRAGMENT, len(secret) + 1)}
    return {f for f in forms if len(f) >= MIN_LENGTH}


class Masker:
    """Replaces every known form of the given secrets by MASK."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            forms |= variants(secret)
        # longest first, so a form that contains another is masked whole
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)

    def __bool__(self) -> bool:
        return self._pattern is not None


def mask_values(masker: Masker, value: Any) -> Any:
    """A copy of a JSON-like value with every string masked."""
    if isinstance(value, str):
        return masker(value)
    if isinstance(value, dict):
        return {k: mask_values(masker, v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_values(masker, v) for v in value]
    return value
