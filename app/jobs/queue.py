"""The queue of jobs to run: the `JobQueue` seam, and its in-memory implementation.

A job id is `submit`ted once; `take` hands the oldest to one taker, after which it is
pending until the taker `ack`s it (done with it: ran, or found nothing to run) or
`requeue`s it (could not run it now: it goes to the back of the queue). An id is never
queued twice nor taken twice: submitting an id that is queued or pending is refused.

In memory (`InMemoryJobQueue`, one process): an asyncio queue of ids and the set of
pending ones. It holds no more ids than there are live jobs (each tenant's are capped).

A Redis implementation will need: a Stream (`XADD`) as the queue, a consumer group
(`XREADGROUP ... >` to take, `XACK` to ack) so each entry goes to one worker; the
pending entries list for what a worker took, with `XAUTOCLAIM` past an idle time so a
dead worker's jobs are taken again (their lease renewed by the live worker meanwhile,
e.g. by `XCLAIM` with `JUSTID`); `requeue` as `XADD` + `XACK`; and a set (or a key per
job id) to refuse an id submitted twice.
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class JobQueue(Protocol):
    async def submit(self, job_id: str) -> None: ...

    async def take(self) -> str:
        """The oldest queued job id (waits for one); pending until acked or requeued."""

    async def ack(self, job_id: str) -> None: ...

    async def requeue(self, job_id: str) -> None: ...


class InMemoryJobQueue:
    def __init__(self) -> None:
        self._ids: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()
        self._pending: set[str] = set()

    async def submit(self, job_id: str) -> None:
        if job_id in self._queued or job_id in self._pending:
            raise ValueError(f"job {job_id} is already queued or taken")
        self._queued.add(job_id)
        self._ids.put_nowait(job_id)

    async def take(self) -> str:
        job_id = await self._ids.get()
        self._queued.discard(job_id)
        self._pending.add(job_id)
        return job_id

    async def ack(self, job_id: str) -> None:
        self._taken(job_id)

    async def requeue(self, job_id: str) -> None:
        self._taken(job_id)
        await self.submit(job_id)

    def _taken(self, job_id: str) -> None:
        if job_id not in self._pending:
            raise ValueError(f"job {job_id} was not taken")
        self._pending.discard(job_id)

    @property
    def queued(self) -> int:
        return len(self._queued)

    @property
    def pending(self) -> int:
        return len(self._pending)
