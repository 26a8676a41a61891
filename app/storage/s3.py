"""`S3Store`: the Store on S3 (or MinIO, or moto) through aiobotocore.

Open it with `store = await S3Store.open(settings.s3)` and end it with `await
store.close()`. One client lives for the whole life of the store. Without keys in the
settings, botocore's default credential chain is used (environment, profile, instance
role). Errors that mean "storage cannot be used" become `Unavailable`: no connection, a
timeout, no credentials, refused credentials, a missing bucket, a 5xx. Their messages
are ours, built from the operation, bucket, endpoint (user info removed) and an error
class or code, and say what to do. They never hold a credential, and nothing here logs
one.

A bucket that disappears while SpawnIt runs is created again, empty, by the next call or
readiness check, if SpawnIt created it at start (it holds nothing SpawnIt did not put
there); loudly, since everything it held is lost. A bucket the operator made (perhaps
with policies, encryption, replication) is not: every call answers `Unavailable` saying
to restore it, and `/readyz` answers 503 until it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar
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

log = logging.getLogger("spawnit.storage")
T = TypeVar("T")

_MISSING = {"NoSuchKey", "404", "NotFound"}
_NO_BUCKET = {"404", "NoSuchBucket", "NotFound"}
_RETRY = ": check that the store answers there and that SpawnIt's credentials are valid, then retry"
_OUTAGE = (BotoConnectionError, HTTPClientError, NoCredentialsError, PartialCredentialsError)


class S3Store:
    def __init__(self, settings: S3Settings, client: Any, stack: contextlib.AsyncExitStack) -> None:
        """Use `await S3Store.open(settings)`; this only wires an opened client."""
        self.settings = settings
        self.bucket = settings.bucket
        self._client = client
        self._stack = stack
        self._where = f"bucket {settings.bucket!r} at {_safe_endpoint(settings.endpoint)}"
        self.created_bucket = False  # by `ensure_bucket`: then it is created again if it disappears
        self._recreating = asyncio.Lock()

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
        async def call() -> bytes | None:
            try:
                response = await self._client.get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if _code(exc) in _MISSING:
                    return None
                raise
            async with response["Body"] as body:
                data: bytes = await body.read()
                return data

        return await self._call("get", call)

    async def put(self, key: str, data: bytes) -> None:
        await self._call("put", lambda: self._client.put_object(Bucket=self.bucket, Key=key, Body=bytes(data)))

    async def delete(self, key: str) -> None:
        await self._call("delete", lambda: self._client.delete_object(Bucket=self.bucket, Key=key))

    async def keys_under(self, prefix: str) -> list[str]:
        async def call() -> list[str]:
            keys: list[str] = []
            paginator = self._client.get_paginator("list_objects_v2")
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(item["Key"] for item in page.get("Contents", ()))
            return sorted(keys)

        return await self._call("list", call)

    async def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist; calling it again is harmless. A bucket
        created here is created again if it disappears while SpawnIt runs."""
        try:
            await self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _code(exc) not in _NO_BUCKET:
                self._fail("head_bucket", exc)
        except BotoCoreError as exc:
            self._fail("head_bucket", exc)
        await self._create_bucket()
        self.created_bucket = True

    async def check(self) -> str | None:
        """None when the bucket answers, else why not (for `/readyz`). A bucket SpawnIt
        created that is gone is created again (this check still reports it gone)."""
        try:
            await self._client.head_bucket(Bucket=self.bucket)
            return None
        except ClientError as exc:
            if _code(exc) in _NO_BUCKET:
                if await self._recreate("head_bucket"):
                    return f"bucket {self.bucket!r} did not exist: SpawnIt created it again (empty)"
                return self._missing_bucket()
            return str(self._error("head_bucket", exc))
        except BotoCoreError as exc:
            return str(self._error("head_bucket", exc))

    async def _call(self, op: str, call: Callable[[], Awaitable[T]]) -> T:
        """`call()`; a bucket that is gone is created again (if SpawnIt created it) and
        the call made once more; failures become `Unavailable` as `_error` says."""
        try:
            return await call()
        except ClientError as exc:
            if _code(exc) != "NoSuchBucket" or not await self._recreate(op):
                self._fail(op, exc)
        except BotoCoreError as exc:
            self._fail(op, exc)
        try:
            return await call()
        except (ClientError, BotoCoreError) as exc:
            self._fail(op, exc)

    async def _recreate(self, op: str) -> bool:
        """Create the bucket again if SpawnIt created it at start; True when it exists."""
        if not self.created_bucket:
            return False
        async with self._recreating:  # one creation, however many writes found it gone
            try:
                await self._client.head_bucket(Bucket=self.bucket)
                return True  # another call created it meanwhile
            except (ClientError, BotoCoreError):
                pass
            try:
                await self._create_bucket()
            except Unavailable as exc:
                log.error("%s found %s gone and could not create it again: %s", op, self._where, exc)
                return False
        log.error(
            "%s found %s gone: SpawnIt created it again, EMPTY. The records, logs and engine states it held "
            "are lost (restore them from a backup if there is one); services this process knew are written "
            "again when they next change",
            op,
            self._where,
        )
        return True

    async def _create_bucket(self) -> None:
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

    def _missing_bucket(self) -> str:
        if self.created_bucket:
            return (
                f"storage unavailable: {self._where} does not exist and could not be created again: "
                "check that SpawnIt's credentials may create it (or create it), then retry"
            )
        return (
            f"storage unavailable: {self._where} does not exist. SpawnIt did not create it, so it does "
            "not create it again (it may need its policies): restore it (for the deployment, run "
            "infra/configs again), then retry; /readyz answers 200 once it is back"
        )

    def _fail(self, op: str, exc: Exception) -> NoReturn:
        error = self._error(op, exc)
        if error is exc:
            raise exc
        raise error from exc

    def _error(self, op: str, exc: Exception) -> Exception:
        if isinstance(exc, ClientError):
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code = _code(exc)
            if code == "NoSuchBucket":
                return Unavailable(self._missing_bucket())
            if status >= 500 or status in (401, 403) or code == "SlowDown":
                return Unavailable(f"storage unreachable: {op} on {self._where} failed: {code}{_RETRY}")
        elif isinstance(exc, _OUTAGE):
            return Unavailable(f"storage unreachable: {op} on {self._where}: {type(exc).__name__}{_RETRY}")
        return exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _safe_endpoint(endpoint: str | None) -> str:
    """The endpoint without any user:password@ part (or 'the default AWS endpoint')."""
    if not endpoint:
        return "the default AWS endpoint"
    parts = urlsplit(endpoint)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
