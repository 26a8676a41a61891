"""The shared-mode fixture itself: a real redis-server that keeps its data across a restart."""

from __future__ import annotations

import redis

from tests.redis_support import RedisServer


def test_the_fixture_serves_and_keeps_data_across_a_restart(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url)
    client.set("spawnit:probe", "kept")
    redis_server.stop()
    redis_server.start()
    assert redis.Redis.from_url(redis_server.url).get("spawnit:probe") == b"kept"
