"""Encryption at rest of sensitive values (Fernet: AES-128-CBC + HMAC-SHA256).

A stored value reads `enc:v1:<token>`. The key comes from settings
(`SPAWNIT_SECRET_KEY`, any string: a Fernet key is derived from it); with none set, a
key is generated once into the data folder (mode 0600) and start-up says so.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from app.settings import Secret

PREFIX = "enc:v1:"
log = logging.getLogger("spawnit.vault")


class SecretBox:
    def __init__(self, key: Secret) -> None:
        digest = hashlib.sha256(key.reveal().encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    @classmethod
    def from_settings(cls, key: Secret, data_dir: Path) -> SecretBox:
        if key:
            return cls(key)
        path = data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(Fernet.generate_key().decode())
            log.warning("SPAWNIT_SECRET_KEY is not set: generated a key into %s (keep it with the data)", path)
        return cls(Secret(path.read_text().strip()))

    def seal(self, value: str) -> str:
        return PREFIX + self._fernet.encrypt(value.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            raise ValueError("not a sealed value")
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise ValueError("a sealed value does not open with this key (SPAWNIT_SECRET_KEY changed?)") from None

    @staticmethod
    def is_sealed(value: object) -> bool:
        return isinstance(value, str) and value.startswith(PREFIX)
