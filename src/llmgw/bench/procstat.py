"""CPU time and resident memory of a process tree, read from /proc (Linux)."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.extend(int(c) for c in (task / "children").read_text().split())
    return found


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants that are alive now."""
    result, todo = [], [pid]
    while todo:
        current = todo.pop()
        if not Path(f"/proc/{current}").exists():
            continue
        result.append(current)
        todo.extend(children(current))
    return result


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (threads included, children not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # fields after "pid (comm)": state is fields[0] (= field 3)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime = fields 14, 15


def tree_cpu_seconds(root: int) -> float:
    """CPU time of ``root``'s live tree plus that of the children ``root`` has reaped (workers that exited and
    were replaced: their time moves into the parent's cutime/cstime)."""
    try:
        stat = Path(f"/proc/{root}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        reaped = (int(fields[13]) + int(fields[14])) / CLK_TCK  # cutime, cstime = fields 16, 17
    except OSError:
        reaped = 0.0
    return sum(cpu_seconds(p) for p in tree(root)) + reaped


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def worker_pids(root: int, workers: int) -> list[int]:
    """The processes that serve requests: ``root`` itself with one worker; with several, uvicorn's spawned
    children (its supervisor and helper processes such as multiprocessing's resource tracker are not workers)."""
    if workers <= 1:
        return [root] if Path(f"/proc/{root}").exists() else []
    return sorted(pid for pid in children(root) if "spawn_main" in cmdline(pid))


@dataclass(frozen=True)
class TreeSample:
    cpu_s: float
    """CPU seconds of the whole tree (supervisor, workers, helpers)."""
    rss: dict[int, int]
    """RSS in bytes per process of the tree."""
    workers: list[int]


def sample(root: int, workers: int) -> TreeSample:
    pids = tree(root)
    return TreeSample(
        cpu_s=sum(cpu_seconds(p) for p in pids),
        rss={p: rss_bytes(p) for p in pids},
        workers=worker_pids(root, workers),
    )


def self_cpu_seconds() -> float:
    """CPU time of this process (the load generator), nanosecond clock rather than the 10 ms /proc ticks."""
    return time.process_time()


def loaded_libraries(pid: int, names: tuple[str, ...] = ("httptools", "uvloop")) -> dict[str, bool]:
    """Which of ``names`` a running process has mapped (their compiled extensions): what it actually uses."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return {name: False for name in names}
    return {name: f"/{name}/" in maps for name in names}
