"""Masking secrets in text: the value itself and its common encodings.

Each secret is searched as itself, URL-encoded (both flavours), JSON-escaped, as hex,
and in base64 (standard and URL-safe) at the three alignments it can have inside a
longer encoded blob; and any FRAGMENT or more of its characters in a row, since a
shell or a tool may cut a value where it finds a special character (`a&b` echoed
unquoted prints `a`). Values shorter than MIN_LENGTH are not searched (they would mask
ordinary words); generated secrets are far longer.

The cost does not depend on the secrets. A masker holds, for each form, its FRAGMENT-
character windows (one set for all of them: a form of n characters gives n - 7), their
PROBE-character pieces, and the forms shorter than FRAGMENT whole (a set per length, at
most FRAGMENT - MIN_LENGTH of them). Masking a line looks up a probe every STEP
characters and, only where one is found, the windows around it: O(line length) set
look-ups whatever the secrets, and the masker's size is linear in their length
(the former one alternation regex of every fragment was quadratic: 7,386 patterns for
a 128-character password, ~420 ms per job to build).

An occurrence of a form (or of FRAGMENT+ characters of one) is exactly a run of windows
of the sets, so the union of the windows found is exactly what must be hidden; each
maximal run of hidden characters becomes one MASK. A run of windows from a form's
encodings is hidden too (a cut encoded value leaks as much as a cut value).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "********"
MIN_LENGTH = 4
FRAGMENT = 8
PROBE = 4  # characters of a window looked up first (FRAGMENT - PROBE + 1 = STEP)
STEP = FRAGMENT - PROBE + 1


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
    """The whole forms of a secret that are searched (each at least MIN_LENGTH long);
    any FRAGMENT characters in a row of one of them are searched too."""
    if len(secret) < MIN_LENGTH:
        return set()
    raw = secret.encode()
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1], raw.hex()}
    forms |= _base64_forms(raw)
    return {f for f in forms if len(f) >= MIN_LENGTH}


class Masker:
    """Replaces every known form of the given secrets by MASK."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._windows: set[str] = set()  # every FRAGMENT characters in a row of a form
        self._short: dict[int, set[str]] = {}  # whole forms shorter than FRAGMENT, by length
        for secret in secrets:
            for form in variants(secret):
                if len(form) >= FRAGMENT:
                    self._windows.update(form[i : i + FRAGMENT] for i in range(len(form) - FRAGMENT + 1))
                else:
                    self._short.setdefault(len(form), set()).add(form)
        # every PROBE characters in a row of a window: sampled every STEP characters
        self._probes = {w[i : i + PROBE] for w in self._windows for i in range(FRAGMENT - PROBE + 1)}
        self._shortest = min([*self._short, FRAGMENT]) if self else 0

    @property
    def size(self) -> int:
        """How many strings the masker looks up (linear in the secrets' length)."""
        return len(self._windows) + len(self._probes) + sum(len(forms) for forms in self._short.values())

    def __call__(self, text: str) -> str:
        if not self or len(text) < self._shortest:
            return text
        spans = _merged(self._window_hits(text) + self._short_hits(text))
        if not spans:
            return text
        out: list[str] = []
        last = 0
        for start, end in spans:
            out += (text[last:start], MASK)
            last = end
        out.append(text[last:])
        return "".join(out)

    def _window_hits(self, text: str) -> list[tuple[int, int]]:
        """Where a window starts. A window at s holds the probe sampled at the one
        multiple of STEP in [s, s + STEP - 1], so only the STEP starts before a probe
        found are looked at: about len(text) / STEP lookups for ordinary text."""
        hits = []
        if self._windows:
            for p in range(0, len(text) - PROBE + 1, STEP):
                if text[p : p + PROBE] in self._probes:
                    for s in range(max(p - STEP + 1, 0), p + 1):
                        if text[s : s + FRAGMENT] in self._windows:
                            hits.append((s, s + FRAGMENT))
        return hits

    def _short_hits(self, text: str) -> list[tuple[int, int]]:
        """Where a form shorter than FRAGMENT starts (secrets of 4 to 7 characters)."""
        return [
            (i, i + length)
            for length, forms in self._short.items()
            for i in range(len(text) - length + 1)
            if text[i : i + length] in forms
        ]

    def __bool__(self) -> bool:
        return bool(self._windows or self._short)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans as one, in order."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def mask_values(masker: Masker, value: Any) -> Any:
    """A copy of a JSON-like value with every string masked."""
    if isinstance(value, str):
        return masker(value)
    if isinstance(value, dict):
        return {k: mask_values(masker, v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_values(masker, v) for v in value]
    return value
