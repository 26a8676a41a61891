"""8. The masker: building one for a job's secrets and masking a log line, for a 1-, 16-,
128- (and 1,024-) character secret. The masker of today (set look-ups, linear) side by
side with the one it replaced (one regex alternating every fragment, quadratic: kept
here only to be measured) and a plain `str.replace` of the value (the floor: it hides the
value only). In-process, no server: this is CPU time on the event loop per job and per
line."""

from __future__ import annotations

import random
import re
import string
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from app.vault.masker import FRAGMENT, MASK, MIN_LENGTH, Masker, variants
from bench.report import Report, Section, table

LINE = (
    "module.instance.local_file.config: Creation complete after 0s "
    "[id=4f1c2a9be0d7c3f1a2b4c6d8e0f1a3b5c7d9e1f3] password={secret} (redacted?)"
)


class LegacyMasker:
    """The masker before: every form and every 8+ fragment, alternated in one regex."""

    def __init__(self, secrets: Iterable[str], compile: bool = True) -> None:
        forms: set[str] = set()
        for secret in secrets:
            forms |= variants(secret)
            n = len(secret)
            if n >= MIN_LENGTH:
                forms |= {secret[i:j] for i in range(n) for j in range(i + FRAGMENT, n + 1)}
        ordered = sorted((f for f in forms if len(f) >= MIN_LENGTH), key=len, reverse=True)
        self.size = len(ordered)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered and compile else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern is not None else text


class ReplaceMasker:
    """The floor: the value itself, replaced; nothing else is hidden."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = [s for s in secrets if len(s) >= MIN_LENGTH]
        self.size = len(self._secrets)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


def timed(fn: Callable[[], object], rounds: int) -> float:
    """The median seconds of one call over `rounds` calls."""
    took = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        took.append(time.perf_counter() - t0)
    return sorted(took)[len(took) // 2]


def measure(kind: type, secret: str, builds: int, lines: int) -> tuple[int, float, float]:
    masker = kind([secret])
    build = timed(lambda: (re.purge(), kind([secret])), builds)  # no regex from re's cache
    line = LINE.format(secret=secret[: len(secret) // 2 + 1])  # a cut value: the fragment rule
    mask = timed(lambda: masker(line), lines)
    return getattr(masker, "size", 0), build, mask


async def run(report: Report, quick: bool, tmp: Path) -> None:
    lengths = (1, 16, 128) if quick else (1, 16, 128, 1024)
    builds, lines = (5, 200) if quick else (11, 1000)
    alphabet = string.ascii_letters + string.digits + "&/+=?%"
    rows = []
    for n in lengths:
        rng = random.Random(n)
        secret = "".join(rng.choice(alphabet) for _ in range(n))
        for name, kind in (("today", Masker), ("before", LegacyMasker), ("str.replace", ReplaceMasker)):
            if kind is LegacyMasker and n > 128:  # minutes to build: counted, not run
                size = LegacyMasker([secret], compile=False).size
                rows.append((n, name, f"{size:,}", "not run (minutes)", "not run (seconds)"))
                continue
            size, build, mask = measure(kind, secret, builds, lines)
            rows.append((n, name, f"{size:,}", f"{build * 1000:.3f} ms", f"{mask * 1e6:.1f} µs"))
    body = table(("secret length", "masker", "size (strings)", "build (median)", "mask one line (median)"), rows)
    body += (
        f"\n\nOne secret; the line is {len(LINE)} characters plus half the secret (a cut value, hidden by the "
        "8-in-a-row rule). `size`: strings looked up (today: windows + probes + short forms), patterns "
        "alternated (before). `str.replace` hides the value only, not its encodings nor its fragments: "
        "the floor, not an alternative."
    )
    report.add(Section("8. Masker: build and mask, by secret length", body))
