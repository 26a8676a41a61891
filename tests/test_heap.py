"""What a server holds from its start is out of the collector's reach while it serves
(app/heap.py), and back in it once it stopped: nothing frozen outlives it."""

from __future__ import annotations

import gc
from pathlib import Path

from tests.server import serving
from tests.server import test_settings as settings_in


async def test_the_start_s_objects_are_frozen_while_serving_and_released_after(tmp_path: Path) -> None:
    assert gc.get_freeze_count() == 0
    async with serving(settings_in(tmp_path)) as spawnit:
        held = gc.get_freeze_count()
        assert held > 10_000  # the modules, schema and wiring of a started server
        gc.collect()  # a full collection meanwhile leaves them where they are
        assert gc.get_freeze_count() >= held
        assert (await spawnit.api.run("{ catalog { id } }"))["catalog"]
    assert gc.get_freeze_count() == 0
