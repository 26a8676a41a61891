"""A run killed between starting a service and recording it (`write_marker`) leaves a
process that no marker names: the next create finds it by its working folder
(`process.started_in`) and stops it, and nothing of another instance's."""

from __future__ import annotations

import os
from pathlib import Path

from app.localtarget import process


def test_an_unrecorded_process_is_found_by_its_folder_and_no_other(tmp_path: Path) -> None:
    mine, other = tmp_path / "instance-a", tmp_path / "instance-b"
    mine.mkdir()
    other.mkdir()
    env = {"PATH": os.defpath}
    stray = process.start(["sleep", "600"], mine, env, tmp_path / "a.log")
    neighbour = process.start(["sleep", "600"], other, env, tmp_path / "b.log")
    try:
        found = process.started_in(mine)
        assert [pid for pid, _ in found] == [stray.pid]
        for leftover in found:
            process.stop(*leftover)
        assert stray.wait(timeout=10) is not None
        assert process.started_in(mine) == []
        assert [pid for pid, _ in process.started_in(other)] == [neighbour.pid]  # untouched
        assert neighbour.poll() is None
    finally:
        for proc in (stray, neighbour):
            proc.kill()
            proc.wait()
