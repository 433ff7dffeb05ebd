"""Runs of the real benchmark CLI (scripts/bench.py) with tiny counts against real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from llmgw.paths import REPO

BENCH = REPO / "scripts" / "bench.py"


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    out_dir: Path

    def result_dir(self, kind: str) -> Path:
        dirs = sorted(self.out_dir.glob(f"{kind}-*"))
        assert len(dirs) == 1, f"expected one {kind}-* directory in {self.out_dir}: {dirs}\n{self.stderr[-3000:]}"
        return dirs[0]


def run_cli(*args: str, out_dir: Path | None = None, timeout: float = 60) -> CliRun:
    argv = [sys.executable, str(BENCH), *args]
    if out_dir is not None:
        argv += ["--out", str(out_dir)]
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)
    return CliRun(done.returncode, done.stdout, done.stderr, out_dir or REPO / "bench-results")


@pytest.fixture(scope="session")
def quick_bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, dict]:
    """`scripts/bench.py --quick --json` end to end: emulator, baseline, two gateways, all scenarios."""
    out = tmp_path_factory.mktemp("bench")
    run = run_cli("--quick", "--json", out_dir=out, timeout=540)
    assert run.returncode == 0, f"bench --quick failed ({run.returncode}):\n{run.stderr[-4000:]}"
    return run, json.loads(run.stdout)


@pytest.fixture(scope="session")
def quick_soak(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, dict]:
    out = tmp_path_factory.mktemp("soak")
    run = run_cli("soak", "--quick", out_dir=out, timeout=400)
    assert run.returncode == 0, f"bench soak --quick failed ({run.returncode}):\n{run.stderr[-4000:]}"
    directory = run.result_dir("soak")
    return run, json.loads((directory / "soak.json").read_text())


@pytest.fixture(scope="session")
def recycling_soak(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, dict]:
    """Two 2-worker gateways side by side: worker recycling off, and after 100 requests (jitter 50)."""
    out = tmp_path_factory.mktemp("soak-recycle")
    run = run_cli("soak", "--workers", "2", "--concurrency", "4", "--requests", "360", "--sample-every", "20",
                  "--warmup-requests", "40", "--recycle", "off,100", "--max-seconds", "420", out_dir=out,
                  timeout=780)  # fmt: skip
    assert run.returncode == 0, f"bench soak --recycle failed ({run.returncode}):\n{run.stderr[-4000:]}"
    return run, json.loads((run.result_dir("soak") / "soak.json").read_text())
