"""`make up` as a developer runs it: stopped with Ctrl-C in its terminal or `make down` from another one, it ends
without an error from make (no "Error 143", no "Interrupt"). Ctrl-C is typed into a real pseudo-terminal
(pexpect), so the kernel delivers SIGINT to the terminal's foreground process group exactly as it does for a
developer."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from llmgw.paths import REPO
from support.stack import free_port

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]


def _args(run_dir: Path) -> str:
    ports = " ".join(f"--{name}={free_port()}" for name in ("port", "emulator-port"))
    return f"--bedrock=emulator --no-metrics --run-dir={run_dir} {ports}"


@pytest.fixture
def make_up(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, Path, Path]]:
    run_dir, log = tmp_path / "run", tmp_path / "make-up.log"
    run_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LITELLM_", "PROMETHEUS_", "MAKE"))}
    with log.open("wb") as out:
        popen = subprocess.Popen(
            ["make", "--no-print-directory", "up", f"ARGS={_args(run_dir)}"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while not (run_dir / "ready").exists():
            assert popen.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        yield popen, run_dir, log
    finally:
        if popen.poll() is None:
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait(10)


def test_ctrl_c_stops_make_up_cleanly(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LITELLM_", "PROMETHEUS_", "MAKE"))}
    terminal = pexpect.spawn(
        "make", ["--no-print-directory", "up", f"ARGS={_args(run_dir)}"],
        cwd=str(REPO), env=env, encoding="utf-8", timeout=180, dimensions=(50, 200),
    )  # fmt: skip
    try:
        terminal.expect("Ctrl-C stops everything")
        terminal.sendcontrol("c")
        terminal.expect(pexpect.EOF, timeout=60)
    finally:
        terminal.close(force=True)
    output = terminal.before or ""
    assert terminal.exitstatus == 0 and terminal.signalstatus is None, output[-2000:]
    assert "local stack stopped" in output
    assert "Error" not in output and "Interrupt" not in output, output[-2000:]
    assert not (run_dir / "stack.pid").exists()


def test_make_down_stops_make_up_cleanly(make_up) -> None:
    popen, run_dir, log = make_up
    down = subprocess.run(
        ["make", "--no-print-directory", "down", f"ARGS=--run-dir={run_dir}"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (down.returncode, down.stdout.strip()) == (0, "local stack stopped"), down.stderr
    assert popen.wait(60) == 0, log.read_text()
    output = log.read_text()
    assert "Error" not in output, output[-2000:]
    assert not (run_dir / "stack.pid").exists()
