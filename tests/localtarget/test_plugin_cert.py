"""The provider plugin reuses `tf`'s cached TLS certificate without importing
`cryptography` (an import paid on each of the 3-5 starts per job), and makes one with
`tf` as before when the cache is missing or too old."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from app.localtarget.certs import CERT_TRUSTED_SECONDS

ROOT = Path(__file__).resolve().parents[2]


def start_once(home: Path) -> tuple[str, str]:
    """One provider start up to its go-plugin handshake: (the certificate it announced,
    the modules it imported)."""
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(home), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "app.localtarget.provider"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        handshake = proc.stdout.readline().decode()  # type: ignore[union-attr]
    finally:
        proc.kill()
    imported = proc.communicate(timeout=60)[1].decode()
    assert handshake.count("|") == 5, (handshake, imported[-2000:])
    return handshake.strip().rsplit("|", 1)[1], imported


def test_the_cached_certificate_is_reused_without_cryptography(tmp_path: Path) -> None:
    first, imported = start_once(tmp_path)
    assert " cryptography" in imported  # made one (and cached it) with tf's own code
    again, imported = start_once(tmp_path)
    assert again == first
    assert " cryptography" not in imported
    cache = tmp_path / ".cache" / "tf-python-provider" / "ssl_cert.json"
    stale = time.time() - CERT_TRUSTED_SECONDS - 60
    os.utime(cache, (stale, stale))
    renewed, imported = start_once(tmp_path)
    assert " cryptography" in imported  # too old to trust blindly: tf checks (or renews) it
    assert renewed == first  # still valid for tf (7 days): kept
