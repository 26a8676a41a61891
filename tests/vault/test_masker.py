"""The masker's guarantees (value, encodings, any 8+ characters in a row) at a cost that
does not grow with the secrets: its size is linear in their length (the former one was
quadratic: 7,386 patterns for a 128-character password). No timing here; the figures
are in the bench (`python -m bench --only masker`)."""

from __future__ import annotations

import base64
import json
import random
import string
from urllib.parse import quote, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from app.vault.masker import FRAGMENT, MASK, Masker, variants

# letters, digits and the characters every encoding treats differently (no '*': MASK's)
ALPHABET = string.ascii_letters + string.digits + ' &/+=?%"\\:é\n'


def hostile(length: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def test_the_masker_grows_linearly_with_the_secret() -> None:
    sizes = {n: Masker([hostile(n)]).size for n in (16, 128, 1024, 4096)}
    for n, size in sizes.items():
        assert size <= 120 * n, sizes  # the former masker: n * (n - 7) / 2 patterns and more
    assert sizes[4096] <= 34 * sizes[128], sizes  # 32 times the length, ~32 times the size
    assert Masker([hostile(128)]).size < 7386 / 2


def test_several_secrets_add_up() -> None:
    one = Masker([hostile(128, seed=1)]).size
    assert Masker([hostile(128, seed=s) for s in range(10)]).size <= 10 * one


@settings(max_examples=300, deadline=None)
@given(
    secret=st.text(alphabet=ALPHABET, min_size=FRAGMENT, max_size=60),
    noise=st.lists(st.text(alphabet=string.ascii_lowercase + " .-", max_size=12), min_size=1, max_size=5),
    cut=st.tuples(st.integers(0, 60), st.integers(FRAGMENT, 60)),
    kind=st.sampled_from(["value", "fragment", "quote", "quote_plus", "json", "hex", "b64", "b64url", "b64inside"]),
)
def test_every_form_is_hidden_wherever_it_sits(secret: str, noise: list[str], cut: tuple[int, int], kind: str) -> None:
    start = min(cut[0], len(secret) - FRAGMENT)
    raw = secret.encode()
    form = {
        "value": secret,
        "fragment": secret[start : start + cut[1]],
        "quote": quote(secret, safe=""),
        "quote_plus": quote_plus(secret),
        "json": json.dumps(secret)[1:-1],
        "hex": raw.hex(),
        "b64": base64.b64encode(raw).decode(),
        "b64url": base64.urlsafe_b64encode(raw).decode(),
        "b64inside": base64.b64encode(b"user:" + raw + b"!").decode(),
    }[kind]
    text = noise[0] + form + "".join(noise[1:]) + form[: len(form) // 2]
    masked = Masker([secret])(text)
    assert MASK in masked
    for piece in {secret[i : i + FRAGMENT] for i in range(len(secret) - FRAGMENT + 1)}:
        assert piece not in masked
    for whole in variants(secret):
        assert whole not in masked


@settings(max_examples=200, deadline=None)
@given(
    secret=st.text(alphabet=string.ascii_uppercase, min_size=4, max_size=40),
    text=st.text(alphabet=" .,;:!?()[]{}<>#@~é\n", max_size=200),  # no character of any form
)
def test_text_that_holds_no_form_is_left_alone(secret: str, text: str) -> None:
    masker = Masker([secret])
    assert masker(text) == text


def test_short_secrets_are_masked_whole_only() -> None:
    masker = Masker(["k3y!"])
    assert masker("the k3y! and k3y%21 here") == f"the {MASK} and {MASK} here"
    assert masker("k3y") == "k3y"


def test_runs_of_one_secret_become_one_mask() -> None:
    secret = hostile(40, seed=7)
    assert Masker([secret])(f"<{secret}{secret}>") == f"<{MASK}>"
