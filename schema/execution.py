"""The execution context of every operation: strawberry's, with a memo of its own per
subscription event.

graphql-core 3.3 makes each event's executor a shallow copy of the subscription's, so
the copies share one memo of collected subfields, keyed by the identity of a field list
each event makes anew: one entry per event, kept (with the lists) until the subscription
ends. A job's log followed line by line grew by ~14 objects per line, and the collector's
full pass over them stalled the process (a GIL held ~100 ms: the engine's reader thread
stamped lines late). graphql-js keys that memo on the event's own context; so do we.
"""

from __future__ import annotations

from typing import Any

from graphql.pyutils.ref_map import RefMap
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class EventExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}  # per event: dropped with the event's executor
        executor._stream_usages = RefMap()
        return executor
