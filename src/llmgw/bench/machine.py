"""What the figures were measured on: CPUs, memory, load, software versions."""

from __future__ import annotations

import importlib.util
import os
import platform
import subprocess
from pathlib import Path

from llmgw.paths import VENV_BIN


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_mb() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _venv_has(venv_bin: Path, module: str) -> bool:
    """Whether ``module`` is importable by the python of ``venv_bin`` (the one LiteLLM runs with)."""
    python = venv_bin / "python"
    if not python.exists():
        return importlib.util.find_spec(module) is not None
    code = f"import importlib.util,sys; sys.exit(0 if importlib.util.find_spec({module!r}) else 1)"
    return subprocess.run([str(python), "-c", code], check=False, capture_output=True).returncode == 0


def _version(venv_bin: Path, dist: str) -> str | None:
    python = venv_bin / "python"
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    done = subprocess.run([str(python), "-c", code], check=False, capture_output=True, text=True)
    return done.stdout.strip() or None


def describe(venv_bin: Path | None = None) -> dict[str, object]:
    venv_bin = venv_bin or VENV_BIN
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "mem_total_mb": _mem_total_mb(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "litellm": _version(venv_bin, "litellm"),
        "uvicorn": _version(venv_bin, "uvicorn"),
        "uvloop": _version(venv_bin, "uvloop"),
        "httptools": _version(venv_bin, "httptools") if _venv_has(venv_bin, "httptools") else None,
        "loadavg_start": loadavg(),
    }
