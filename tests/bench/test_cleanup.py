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
from llmgw.paths import REPO

pytestmark = pytest.mark.timeout(240)


def _processes_of(directory: Path) -> dict[int, str]:
    """pid -> command line of every process whose environment or command line names `directory`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(directory).encode() in environ + cmdline:
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


def test_a_killed_run_leaves_no_gateway_behind(tmp_path: Path) -> None:
    """`kill -9` of a benchmark (or of the test worker that ran it) gives it no chance to stop what it started:
    the emulator and the gateways get SIGTERM from the kernel when it dies (PR_SET_PDEATHSIG), never orphans
    that keep a core busy."""
    bench = subprocess.Popen([sys.executable, str(BENCH), "soak", "--quick", "--out", str(tmp_path)], cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("litellm" in c for c in _processes_of(tmp_path).values()):
            assert bench.poll() is None, "the soak ended before it started a gateway"
            time.sleep(0.2)
        started = _processes_of(tmp_path)
        assert any("litellm" in c for c in started.values()), started
    finally:
        bench.kill()
        bench.wait(10)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _processes_of(tmp_path):
        time.sleep(0.5)
    left = _processes_of(tmp_path)
    for pid in left:  # do not leave them to the next test either
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left running after the benchmark was killed: {left}"
