"""`S3Store`: the Store on S3 (or MinIO, or moto) through aiobotocore.

Open it with `store = await S3Store.open(settings.s3)` and end it with `await
store.close()`. One client lives for the whole life of the store. Without keys in the
settings, botocore's default credential chain is used (environment, profile, instance
role). Errors that mean "storage cannot be used" become `Unavailable`: no connection, a
timeout, no credentials, refused credentials, a missing bucket, a 5xx. Their messages
are ours, built from the operation, bucket, endpoint (user info removed) and an error
class or code. They never hold a credential, and nothing here logs one.
"""

from __future__ import annotations

import contextlib
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from app.errors import Unavailable
from app.settings import S3Settings

_MISSING = {"NoSuchKey", "404", "NotFound"}
_OUTAGE = (BotoConnectionError, HTTPClientError, NoCredentialsError, PartialCredentialsError)


class S3Store:
    def __init__(self, settings: S3Settings, client: Any, stack: contextlib.AsyncExitStack) -> None:
        """Use `await S3Store.open(settings)`; this only wires an opened client."""
        self.settings = settings
        self.bucket = settings.bucket
        self._client = client
        self._stack = stack
        self._where = f"bucket {settings.bucket!r} at {_safe_endpoint(settings.endpoint)}"

    @classmethod
    async def open(cls, settings: S3Settings, *, max_attempts: int = 3, connect_timeout: float = 5.0) -> S3Store:
        config = Config(
            region_name=settings.region,
            s3={"addressing_style": "path"} if settings.path_style else {},
            retries={"max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=60,
        )
        creds: dict[str, str] = {}
        if settings.access_key_id and settings.secret_access_key:
            creds = {
                "aws_access_key_id": settings.access_key_id.reveal(),
                "aws_secret_access_key": settings.secret_access_key.reveal(),
            }
        stack = contextlib.AsyncExitStack()
        client = await stack.enter_async_context(
            get_session().create_client("s3", endpoint_url=settings.endpoint, config=config, **creds)
        )
        return cls(settings, client, stack)

    async def close(self) -> None:
        await self._stack.aclose()

    async def get(self, key: str) -> bytes | None:
        try:
            response = await self._client.get_object(Bucket=self.bucket, Key=key)
            async with response["Body"] as body:
                data: bytes = await body.read()
                return data
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            self._fail("get", exc)
        except BotoCoreError as exc:
            self._fail("get", exc)

    async def put(self, key: str, data: bytes) -> None:
        try:
            await self._client.put_object(Bucket=self.bucket, Key=key, Body=bytes(data))
        except (ClientError, BotoCoreError) as exc:
            self._fail("put", exc)

    async def delete(self, key: str) -> None:
        try:
            await self._client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            self._fail("delete", exc)

    async def list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        try:
            paginator = self._client.get_paginator("list_objects_v2")
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(item["Key"] for item in page.get("Contents", ()))
        except (ClientError, BotoCoreError) as exc:
            self._fail("list", exc)
        return sorted(keys)

    async def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist; calling it again is harmless."""
        try:
            await self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
                self._fail("head_bucket", exc)
        except BotoCoreError as exc:
            self._fail("head_bucket", exc)
        extra = {}
        if self.settings.region != "us-east-1":
            extra["CreateBucketConfiguration"] = {"LocationConstraint": self.settings.region}
        try:
            await self._client.create_bucket(Bucket=self.bucket, **extra)
        except ClientError as exc:
            if _code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                self._fail("create_bucket", exc)
        except BotoCoreError as exc:
            self._fail("create_bucket", exc)

    def _fail(self, op: str, exc: Exception) -> NoReturn:
        if isinstance(exc, ClientError):
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code = _code(exc)
            if status >= 500 or status in (401, 403) or code in {"NoSuchBucket", "SlowDown"}:
                raise Unavailable(f"storage unreachable: {op} on {self._where} failed: {code}") from exc
            raise exc
        if isinstance(exc, _OUTAGE):
            raise Unavailable(f"storage unreachable: {op} on {self._where}: {type(exc).__name__}") from exc
        raise exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _safe_endpoint(endpoint: str | None) -> str:
    """The endpoint without any user:password@ part (or 'the default AWS endpoint')."""
    if not endpoint:
        return "the default AWS endpoint"
    parts = urlsplit(endpoint)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
