"""`/readyz`: 200 while the store (and, in shared mode, Redis) can be used, 503 with the
reason when it cannot (the endpoint does not answer, credentials are refused, the bucket
or folder is gone, Redis does not answer).
`/healthz` stays liveness: it answers while the process runs."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

TIMEOUT = 10.0  # seconds a check may take before the store counts as unreachable


async def readyz(request: Request) -> JSONResponse:
    spawnit = getattr(request.app.state, "spawnit", None)
    if spawnit is None:
        return _unavailable("starting")
    try:
        reason = await asyncio.wait_for(spawnit.store.check(), TIMEOUT)
    except TimeoutError:
        reason = f"storage did not answer within {TIMEOUT:g} s"
    if not reason and spawnit.shared is not None:
        reason = await spawnit.shared.check()
    if reason:
        return _unavailable(reason)
    return JSONResponse({"status": "ok"})


def _unavailable(reason: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503, headers={"Retry-After": "5"})
