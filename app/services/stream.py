"""A tenant's service events for a subscriber: drift verdicts, health, job states."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from app.bus import Bus, Overrun, tenant_topic
from app.errors import Unavailable
from app.services.events import ServiceEvent


async def event_stream(bus: Bus, tenant: str, service_id: str | None = None) -> AsyncGenerator[ServiceEvent, None]:
    with bus.subscribe(tenant_topic(tenant)) as live:
        while True:
            try:
                event = await live.get()
            except Overrun as exc:  # events cannot be read again: the client must know
                raise Unavailable(f"{exc}: subscribe again") from None
            if isinstance(event, ServiceEvent) and (service_id is None or event.service_id == service_id):
                yield event
