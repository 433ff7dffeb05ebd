"""A benchmark that is killed leaves nothing running: the processes it started die with it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.conftest import BENCH
from llmgw.bench import procstat
from llmgw.paths import REPO

pytestmark = pytest.mark.timeout(240)


def _alive(pids: dict[int, str]) -> dict[int, str]:
    """Those of `pids` that still run (a zombie, dead but not yet reaped, does not)."""
    alive = {}
    for pid, command in pids.items():
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive[pid] = command
    return alive


def test_a_killed_run_leaves_no_gateway_behind(tmp_path: Path) -> None:
    """`kill -9` of a benchmark (or of the test worker that ran it) gives it no chance to stop what it started:
    the emulator and the gateways get SIGTERM from the kernel when it dies (PR_SET_PDEATHSIG), never orphans
    that keep a core busy."""
    bench = subprocess.Popen([sys.executable, str(BENCH), "soak", "--quick", "--out", str(tmp_path)], cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        started: dict[int, str] = {}
        while time.monotonic() < deadline and not any("litellm" in c for c in started.values()):
            assert bench.poll() is None, "the soak ended before it started a gateway"
            time.sleep(0.2)
            started = {pid: procstat.cmdline(pid) for pid in procstat.tree(bench.pid) if pid != bench.pid}
        assert any("litellm" in c for c in started.values()), started
        assert any("bedrock_emulator" in c for c in started.values()), started
    finally:
        bench.kill()
        bench.wait(10)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _alive(started):
        time.sleep(0.5)
    left = _alive(started)
    for pid in left:  # do not leave them to the next test either
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left running after the benchmark was killed: {left}"
