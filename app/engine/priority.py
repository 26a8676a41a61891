"""The share of the machine an engine gets, and with it what it starts (its providers,
and the processes of the `local` target's services): a niceness added to SpawnIt's,
optionally the CPUs it may run on, and optionally Linux's SCHED_IDLE policy.

SCHED_IDLE is what makes the niceness felt at once: a woken API thread takes the CPU from
an engine under SCHED_IDLE straight away, while one of equal policy, whatever its
niceness, may run on to the end of its slice, a scheduler tick (4 ms at HZ 250) on a
kernel without preemption. It is a one-way door for an unprivileged process (no way back
to the normal policy), so it is only for what starts no service of a tenant's: the engine
when it reattaches to a provider SpawnIt started (`Settings.engine_priority`). And it is
opt-in (`SPAWNIT_ENGINE_IDLE`): an idle-policy engine gets a CPU only when nothing else
wants one, so any busy process on the host stalls every job (1,000 log followers on 2
cores: the engine relayed its output up to 7.8 s late, and the line reader of Terraform's
`local-exec`, which pushes a partial line through after a timeout, cut lines in two; at
niceness 10 alone: 19-42 ms).

Niceness gives the API priority, not a core of its own: on a small machine the engines'
processes still take the cores the API's requests wait for. `SPAWNIT_ENGINE_CPUS` keeps
the engines off the CPUs it does not name, so those serve the API alone.

All are applied by `nice` (coreutils), `taskset` and `chrt` (util-linux) executed in front of
the engine, not in the forked child before it executes: the parent waits for that first
`exec`, and a child that lowered its own priority first waited for a busy CPU while the
API's event loop waited for it (15-140 ms stalls under 8 applies). Where a tool is
missing, the child applies what it would have before its `exec`.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from functools import cache

from app.errors import BadInput

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnginePriority:
    """How much of the machine a child gets (`ANY`: as SpawnIt)."""

    nice: int = 0  # added to the child's niceness (0: as SpawnIt)
    cpus: frozenset[int] = frozenset()  # the CPUs it may run on (empty: any)
    idle: bool = False  # Linux's SCHED_IDLE policy: any normal task on its CPU goes first

    def wrap(self, argv: list[str]) -> tuple[list[str], EnginePriority]:
        """`argv` behind the tools that apply this priority, and what is left for the
        forked child to apply itself (a tool this machine lacks)."""
        prefix: list[str] = []
        cpus, nice, idle = self.cpus, self.nice, self.idle
        if idle and not idle_allowed():
            idle = False
        if idle and (found := tool("chrt")):
            prefix += [found, "--idle", "0"]
            idle = False
        if nice and (found := tool("nice")):
            prefix += [found, "-n", str(nice)]
            nice = 0
        if cpus and (found := tool("taskset")):
            prefix += [found, "-c", ",".join(str(cpu) for cpu in sorted(cpus))]
            cpus = frozenset()
        return [*prefix, *argv], EnginePriority(nice, cpus, idle)

    def apply(self) -> None:  # pragma: no cover - runs in the forked child
        """In the child before it executes the engine: plain system calls, nothing that
        takes a lock; a refusal leaves the child as it was."""
        if self.cpus:
            try:
                os.sched_setaffinity(0, self.cpus)
            except OSError:
                pass
        if self.nice:
            try:
                os.nice(self.nice)
            except OSError:
                pass
        if self.idle:
            try:
                os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            except OSError:
                pass


ANY = EnginePriority()  # SpawnIt's own priority, any CPU


@cache
def idle_allowed() -> bool:
    """Whether a child may take SCHED_IDLE here (a container's seccomp profile may refuse
    it, and `chrt` would then fail the engine rather than start it): `chrt` tried once, on
    itself. Without `chrt` the forked child tries, and a refusal leaves it as it was."""
    chrt = tool("chrt")
    if chrt is None:
        return True
    tried = subprocess.run(
        [chrt, "--idle", "0", chrt, "--version"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        timeout=30,
    )
    if tried.returncode != 0:
        log.warning("SCHED_IDLE is refused on this machine: engines run at their niceness alone")
    return tried.returncode == 0


@cache
def tool(name: str) -> str | None:
    """The path of a system tool, looked up once."""
    return shutil.which(name, path=os.defpath + os.pathsep + os.environ.get("PATH", ""))


def parse_cpus(name: str, raw: str) -> frozenset[int]:
    """`1`, `1-3`, `0,2-3`: the CPU numbers named (empty text: any CPU)."""
    cpus: set[int] = set()
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        first, sep, last = item.partition("-")
        try:
            low, high = int(first), int(last if sep else first)
        except ValueError:
            raise BadInput(
                f"{name} must list CPU numbers and ranges such as 1-3 or 0,2, got {raw!r}", field=name
            ) from None
        if low < 0 or high < low:
            raise BadInput(f"{name}: {item!r} is not a CPU range (low-high, from 0)", field=name)
        cpus.update(range(low, high + 1))
    return frozenset(cpus)


def check_cpus(cpus: frozenset[int]) -> None:
    """Every CPU named must be one this process may run on (else the engines would not
    start on them and the setting would silently do nothing)."""
    allowed = os.sched_getaffinity(0)
    if cpus and not cpus <= allowed:
        raise BadInput(
            f"SPAWNIT_ENGINE_CPUS names CPUs {sorted(cpus - allowed)} this process may not use "
            f"(it may use {_ranges(allowed)})",
            field="engine_cpus",
        )


def _ranges(cpus: set[int]) -> str:
    out, ordered = [], sorted(cpus)
    start = prev = ordered[0] if ordered else 0
    for cpu in [*ordered[1:], None]:
        if cpu is not None and cpu == prev + 1:
            prev = cpu
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if cpu is not None:
            start = prev = cpu
    return ",".join(out)


def weigh_session(leader: int, nice: int, within: float = 2.0) -> str | None:
    """Give the scheduler group of `leader`'s session niceness `nice`; None when done, else
    why not. Where Linux groups processes by session (autogroup), a niceness counts only
    inside a group and the groups share the CPUs as equals: a session's own weight is this.
    An unprivileged process may raise it; its write is refused (EAGAIN) for 100 ms after
    anyone's, so it is retried for `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            with open(f"/proc/{leader}/autogroup", "w") as group:
                group.write(str(nice))
            return None
        except FileNotFoundError:
            return "the kernel does not group processes by session (no autogroup), or the process is gone"
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return "the kernel kept refusing the group's niceness (EAGAIN)"
            time.sleep(0.02)
        except OSError as exc:
            return f"the group's niceness was refused: {exc.strerror or exc}"
