"""The provider plugin's TLS certificate, reused from `tf`'s cache without `cryptography`."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

CERT_TRUSTED_SECONDS = 6 * 86400  # `tf` makes its plugin certificate valid for 7 days


def reuse_cached_cert() -> None:
    """`tf` caches its plugin certificate but loads it with `cryptography` (an import of
    ~25 ms of CPU on every start, and the engine starts the provider 3-5 times per job):
    read the cache without it while the file is younger than the certificate's validity,
    else let `tf` load (or make) one as before."""
    from tf import runner

    original = runner._self_signed_cert

    def load() -> tuple[bytes, Any]:
        try:
            path = runner._get_cert_cache_path()
            if time.time() - path.stat().st_mtime < CERT_TRUSTED_SECONDS:
                cached = json.loads(path.read_text())
                import grpc

                pair = (cached["key_pem"].encode(), cached["cert_pem"].encode())
                credentials = grpc.ssl_server_credentials([pair], require_client_auth=False)
                return base64.b64decode(cached["cert_chain"]), credentials
        except (OSError, ValueError, KeyError, TypeError):
            pass
        made: tuple[bytes, Any] = original()
        return made

    runner._self_signed_cert = load
