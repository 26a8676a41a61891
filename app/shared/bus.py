"""The bus of shared mode: events reach subscribers on every process that shares the Redis.

`publish` (synchronous, as the `Bus` Protocol says) hands the event to this process's own
subscribers at once, as `InMemoryBus` does, and queues it for Redis; one task sends the
queue in order through a pipeline: `PUBLISH` on the topic's channel (`spawnit:bus:<topic>`)
and, for a line of a job's log, `XADD` to the job's stream (`spawnit:log:<job>`, the entry
id `0-<line number + 1>`: the stream's order is the log's). One task per process listens
with `PSUBSCRIBE spawnit:bus:*` (one subscription, no per-topic race) and hands what other
processes published to the local subscribers of that topic; its own events it skips (it
delivered them already).

Each subscriber keeps a bounded queue of its own (the `Overrun` promise of `app.bus`).
Pub/sub is at most once: when the listener loses Redis and gets it back, every local
subscriber is overrun once, so streams that can catch up (a log from its stream or
storage, a job from its record) do, and a service-event stream tells its client to
resubscribe. The outbox is bounded too: while Redis is away, the oldest events go first.

A job's log stream lives `running_ttl` seconds after its last line (a dead worker's stream
goes by itself) and `ended_ttl` seconds once the job's final record was published (its log
is archived in storage by then); it is also trimmed to `max_lines` entries (older lines
are read from storage, see `app/shared/logs.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import deque
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app import metrics
from app.bus import DEFAULT_LIMIT, MemorySubscription
from app.shared import codec
from app.shared.connection import key

log = logging.getLogger("spawnit.shared.bus")

CHANNELS = key("bus", "")  # spawnit:bus:<topic>
OUTBOX_LIMIT = 100_000  # events kept for Redis while it is away (oldest dropped first)
BATCH = 500  # events per pipeline
RETRY_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0)  # back-off while Redis is away


def log_key(job_id: str) -> str:
    return key("log", job_id)


def where(redis: aioredis.Redis) -> str:
    """host:port/db of the client's Redis (never its password)."""
    kwargs = redis.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix:{kwargs['path']}"
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


class RedisBus:
    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        limit: int = DEFAULT_LIMIT,
        running_ttl: float = 7 * 3600,
        ended_ttl: float = 300,
        max_lines: int = 200_000,
        outbox_limit: int = OUTBOX_LIMIT,
    ) -> None:
        self._redis = redis
        self._limit = limit
        self._running_ttl = max(int(running_ttl), 1)
        self._ended_ttl = max(int(ended_ttl), 1)
        self._max_lines = max_lines
        self._outbox: deque[tuple[str, dict[str, Any]]] = deque()
        self._outbox_limit = outbox_limit
        self._dropped = 0
        self._wake = asyncio.Event()
        self._topics: dict[str, set[MemorySubscription]] = {}
        self._origin = uuid.uuid4().hex  # this process: its own events come back, and are skipped
        self._tasks: list[asyncio.Task[None]] = []
        self.listening = asyncio.Event()  # set while the listener's PSUBSCRIBE holds
        self.problem: str | None = "not connected to Redis yet"

    # -- the Bus Protocol ----------------------------------------------------------------

    def subscribe(self, topic: str) -> MemorySubscription:
        sub = MemorySubscription(self, topic, self._limit)
        self._topics.setdefault(topic, set()).add(sub)
        return sub

    def publish(self, topic: str, event: Any) -> None:
        self._deliver(topic, event)
        data = codec.encode(event)
        if data is None:
            return
        if len(self._outbox) >= self._outbox_limit:
            self._outbox.popleft()
            self._dropped += 1
        self._outbox.append((topic, data))
        self._wake.set()

    def subscribers(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    @property
    def waiting(self) -> int:
        """Events not yet sent to Redis (at most the outbox's limit)."""
        return len(self._outbox)

    @property
    def subscriptions(self) -> int:
        """Every subscription this process holds (the live-subscribers gauge)."""
        return sum(len(subs) for subs in self._topics.values())

    def _deliver(self, topic: str, event: Any) -> None:
        for sub in tuple(self._topics.get(topic, ())):
            sub.offer(event)

    def _unsubscribe(self, sub: MemorySubscription) -> None:
        subs = self._topics.get(sub.topic)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._topics[sub.topic]

    # -- its life ------------------------------------------------------------------------

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="redis-bus-listen"),
            asyncio.create_task(self._send(), name="redis-bus-send"),
        ]

    async def close(self) -> None:
        """Stop (what is still in the outbox gets one last try)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._outbox:
            with contextlib.suppress(RedisError, OSError, asyncio.TimeoutError):
                await asyncio.wait_for(self._send_batch(list(self._outbox)), 5)

    async def check(self) -> str | None:
        """None while Redis answers a PING, else why not (for /readyz and mutations)."""
        try:
            await asyncio.wait_for(self._redis.ping(), 3)
        except (TimeoutError, RedisError, OSError) as exc:
            return f"Redis at {where(self._redis)} cannot be reached ({type(exc).__name__})"
        return None

    # -- the listener ------------------------------------------------------------------

    async def _listen(self) -> None:
        attempt = 0
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(CHANNELS + "*")
                async for message in pubsub.listen():
                    if message["type"] == "psubscribe":
                        attempt = 0
                        self._connected()
                    elif message["type"] == "pmessage":
                        self._received(message["channel"], message["data"])
            except (RedisError, OSError) as exc:
                self._lost(f"Redis at {where(self._redis)} cannot be reached ({type(exc).__name__})")
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            attempt += 1

    def _connected(self) -> None:
        was_lost = self.problem is not None  # at start no one subscribed yet: nobody to tell
        self.problem = None
        self.listening.set()
        metrics.BUS_CONNECTED.set(1)
        if was_lost and self._topics:  # events published meanwhile never come: every subscriber catches up
            log.warning("Redis is back: %d subscription(s) catch up", self.subscriptions)
            for subs in list(self._topics.values()):
                for sub in tuple(subs):
                    sub.overrun("Redis was away: events published meanwhile never came")
        self._wake.set()

    def _lost(self, reason: str) -> None:
        if self.problem is None:
            log.error("%s: events wait (at most %d), mutations are refused", reason, self._outbox_limit)
        self.problem = reason
        self.listening.clear()
        metrics.BUS_CONNECTED.set(0)

    def _received(self, channel: bytes, raw: bytes) -> None:
        topic = channel.decode(errors="replace").removeprefix(CHANNELS)
        if topic not in self._topics:
            return  # nobody here follows it: not even decoded
        try:
            envelope = json.loads(raw)
            if envelope.get("o") == self._origin:
                return
            event = codec.decode(envelope["e"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("an event on %s could not be read: %s", topic, exc)
            return
        self._deliver(topic, event)

    # -- the sender --------------------------------------------------------------------

    async def _send(self) -> None:
        attempt = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox:
                batch = [self._outbox.popleft() for _ in range(min(BATCH, len(self._outbox)))]
                try:
                    await self._send_batch(batch)
                    attempt = 0
                except (RedisError, OSError) as exc:
                    self._outbox.extendleft(reversed(batch))  # in order, once Redis is back
                    self._lost(f"Redis at {where(self._redis)} cannot be reached ({type(exc).__name__})")
                    await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
                    attempt += 1
            if self._dropped:
                log.warning("%d event(s) for Redis were dropped while it was away", self._dropped)
                self._dropped = 0

    async def _send_batch(self, batch: list[tuple[str, dict[str, Any]]]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        streams: set[str] = set()
        for topic, data in batch:
            pipe.publish(CHANNELS + topic, codec.dumps({"o": self._origin, "e": data}))
            job_id = topic.removeprefix("job:") if topic.startswith("job:") else None
            if job_id is None:
                continue
            if data["type"] == "line":
                fields: dict[Any, Any] = {"t": data["t"], "at": data["at"]}
                pipe.xadd(log_key(job_id), fields, id=f"0-{data['n'] + 1}", maxlen=self._max_lines, approximate=True)
                streams.add(job_id)
            elif data["type"] == "job" and data["job"]["state"] not in ("QUEUED", "RUNNING"):
                streams.discard(job_id)
                pipe.expire(log_key(job_id), self._ended_ttl)
        for job_id in streams:
            pipe.expire(log_key(job_id), self._running_ttl)
        # a line sent twice (a batch re-sent after Redis came back) is refused by XADD: ignored
        await pipe.execute(raise_on_error=False)
