#!/usr/bin/env python3
"""Measure the gateway's tuning levers one by one: CPU-ms per request and requests/s of LiteLLM variants, side by
side in one run, in alternating order (A B C C B A ...), against the Bedrock emulator.

    .venv/bin/python tools/tuning_levers.py [--variants stock,ours,tuned] [--scenario mix] [--concurrency 8]
        [--duration 15] [--rounds 2] [--workers 1] [--h11-venv /path/to/venv-without-httptools]

A variant is a base and levers joined by ``+`` (``ours+noprom+httptools``). Bases: ``stock`` (our model list and the
master key, nothing else: the image defaults for callbacks, logging and server), ``ours`` (the configuration before
tuning: the built-in ``prometheus`` callback beside ours, no worker recycling) and ``tuned`` (infra/litellm/config.yaml
as shipped). Levers: see LEVERS. The figures and what was kept: docs/performance/tuning.md. A dev tool: the
benchmark of record is ``make bench`` (scripts/bench.py).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from llmgw.bench import procstat
from llmgw.bench.loadgen import measure
from llmgw.bench.procs import run_emulator
from llmgw.bench.scenarios import SCENARIOS
from llmgw.bench.targets import ours_config
from llmgw.paths import CONFIG
from llmgw.stack.env import procfile_commands
from llmgw.stack.procs import Process, free_port, gateway_env, http_ok, new_master_key

OUR_CALLBACKS = [
    "llmgw_callbacks.cost_metrics.proxy_handler_instance",
    "llmgw_callbacks.policy.proxy_handler_instance",
    "llmgw_callbacks.listing.proxy_handler_instance",
]


@dataclass
class Spec:
    config: dict
    env: dict[str, str] = field(default_factory=dict)
    unset_env: set[str] = field(default_factory=set)
    args: list[str] = field(default_factory=list)
    venv_bin: Path | None = None


def _shipped() -> dict:
    return yaml.safe_load(CONFIG.read_text())


def base_stock(_: argparse.Namespace) -> Spec:
    shipped = _shipped()
    config = {
        "model_list": shipped["model_list"],
        # the dated ids Claude Code sends (part of the model list's meaning, not a tuning)
        "router_settings": {"model_group_alias": shipped["router_settings"]["model_group_alias"]},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }
    return Spec(config, unset_env={"LITELLM_LOG", "JSON_LOGS"})


def base_ours(_: argparse.Namespace) -> Spec:
    """The shipped configuration as it was before tuning: prometheus + ours, no recycling."""
    return Spec(ours_config(_shipped()))  # make bench's `ours` target


def base_tuned(_: argparse.Namespace) -> Spec:
    """infra/litellm/config.yaml with the Procfile's command as they ship (no worker recycling: performance.md)."""
    return Spec(_shipped())


def _callbacks(spec: Spec) -> list:
    return spec.config.setdefault("litellm_settings", {}).setdefault("callbacks", [])


def lever_noprom(spec: Spec, _: argparse.Namespace) -> None:
    """Drop LiteLLM's built-in prometheus callback."""
    callbacks = _callbacks(spec)
    if "prometheus" in callbacks:
        callbacks.remove("prometheus")


def lever_prom(spec: Spec, _: argparse.Namespace) -> None:
    """Add LiteLLM's built-in prometheus callback."""
    callbacks = _callbacks(spec)
    if "prometheus" not in callbacks:
        callbacks.insert(0, "prometheus")


def lever_ourcb(spec: Spec, _: argparse.Namespace) -> None:
    """Add our callbacks."""
    callbacks = _callbacks(spec)
    callbacks.extend(c for c in OUR_CALLBACKS if c not in callbacks)


def lever_h11(spec: Spec, args: argparse.Namespace) -> None:
    """LiteLLM from a virtualenv without httptools: uvicorn falls back to h11."""
    if args.h11_venv is None:
        raise SystemExit("error: lever h11 needs --h11-venv (a virtualenv with litellm and without httptools)")
    spec.venv_bin = args.h11_venv / "bin"


def lever_recycle(spec: Spec, _: argparse.Namespace) -> None:
    """uvicorn recycles the worker every 10000 requests."""
    if "--max_requests_before_restart" not in spec.args:
        spec.args += ["--max_requests_before_restart", "10000"]


def lever_norecycle(spec: Spec, _: argparse.Namespace) -> None:
    if "--max_requests_before_restart" in spec.args:
        i = spec.args.index("--max_requests_before_restart")
        del spec.args[i : i + 2]


def lever_errorlog(spec: Spec, _: argparse.Namespace) -> None:
    """LITELLM_LOG=ERROR (no uvicorn access log line per request)."""
    spec.unset_env.discard("LITELLM_LOG")
    spec.env["LITELLM_LOG"] = "ERROR"


def lever_infolog(spec: Spec, _: argparse.Namespace) -> None:
    """LITELLM_LOG=INFO: an access log line per request."""
    spec.env["LITELLM_LOG"] = "INFO"


def lever_jsonlogs(spec: Spec, _: argparse.Namespace) -> None:
    spec.config.setdefault("litellm_settings", {})["json_logs"] = True


def lever_textlogs(spec: Spec, _: argparse.Namespace) -> None:
    spec.config.setdefault("litellm_settings", {}).pop("json_logs", None)
    spec.unset_env.add("JSON_LOGS")


def _setting(section: str, key: str, value: object) -> Callable[[Spec, argparse.Namespace], None]:
    def apply(spec: Spec, _: argparse.Namespace) -> None:
        spec.config.setdefault(section, {})[key] = value

    apply.__doc__ = f"{section}.{key} = {value!r}"
    return apply


def _env(name: str, value: str) -> Callable[[Spec, argparse.Namespace], None]:
    def apply(spec: Spec, _: argparse.Namespace) -> None:
        spec.env[name] = value

    apply.__doc__ = f"{name}={value}"
    return apply


def lever_msglog(spec: Spec, _: argparse.Namespace) -> None:
    """Message logging on (turn_off_message_logging removed)."""
    spec.config.setdefault("litellm_settings", {}).pop("turn_off_message_logging", None)


def lever_promlean(spec: Spec, _: argparse.Namespace) -> None:
    """The built-in prometheus callback restricted to the series the dashboards read (the shipped
    prometheus_metrics_config)."""
    lever_prom(spec, _)
    shipped = _shipped()["litellm_settings"]["prometheus_metrics_config"]
    spec.config["litellm_settings"]["prometheus_metrics_config"] = copy.deepcopy(shipped)


BASES: dict[str, Callable[[argparse.Namespace], Spec]] = {"stock": base_stock, "ours": base_ours, "tuned": base_tuned}
LEVERS: dict[str, Callable[[Spec, argparse.Namespace], None]] = {
    "noprom": lever_noprom,
    "prom": lever_prom,
    "promlean": lever_promlean,
    "ourcb": lever_ourcb,
    "h11": lever_h11,
    "recycle": lever_recycle,
    "norecycle": lever_norecycle,
    "errorlog": lever_errorlog,
    "infolog": lever_infolog,
    "jsonlogs": lever_jsonlogs,
    "textlogs": lever_textlogs,
    "msglog": lever_msglog,
    "noenduser": _setting("litellm_settings", "disable_end_user_cost_tracking", True),
    "noinlineimg": _setting("litellm_settings", "disable_add_transform_inline_image_block", True),
    "noerrorlogs": _setting("general_settings", "disable_error_logs", True),
    "nohiddenparams": _setting("litellm_settings", "disable_hidden_params", True),
    "notokencounter": _setting("litellm_settings", "disable_token_counter", True),
    "nostreamingtoken": _setting("litellm_settings", "disable_streaming_logging", True),
    "nofeedback": _env("LITELLM_DONT_SHOW_FEEDBACK_BOX", "True"),
}


def build(name: str, args: argparse.Namespace) -> Spec:
    base, *levers = name.split("+")
    if base not in BASES:
        raise SystemExit(f"error: unknown base {base!r} in {name!r}; known: {', '.join(BASES)}")
    spec = BASES[base](args)
    spec.config = copy.deepcopy(spec.config)
    for lever in levers:
        if lever not in LEVERS:
            raise SystemExit(f"error: unknown lever {lever!r} in {name!r}; known: {', '.join(LEVERS)}")
        LEVERS[lever](spec, args)
    return spec


@dataclass
class Running:
    name: str
    url: str
    auth: dict[str, str]
    process: Process
    cpu_ms: list[float] = field(default_factory=list)
    rps: list[float] = field(default_factory=list)
    failures: int = 0


def start(name: str, spec: Spec, emulator_url: str, work: Path, workers: int) -> Running:
    port, key = free_port(), new_master_key()
    config_path = work / f"config-{port}.yaml"
    config_path.write_text(yaml.safe_dump(spec.config, sort_keys=False))
    mp = work / f"mp-{port}"
    mp.mkdir()
    env = gateway_env(emulator_url, port=port, master_key=key, config=config_path, workers=workers, multiproc_dir=mp)
    for var in spec.unset_env:
        env.pop(var, None)
    env.update(spec.env)
    if spec.venv_bin is not None:
        env["PATH"] = f"{spec.venv_bin}{os.pathsep}{env['PATH']}"
    command = procfile_commands()["litellm"] + "".join(f" {a}" for a in spec.args)
    proc = Process(f"litellm-{name}", command, env, work / f"litellm-{port}.log").start()
    return Running(name, f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}, proc)


async def run(args: argparse.Namespace) -> int:
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    specs = {name: build(name, args) for name in names}
    scenario = SCENARIOS[args.scenario]()
    work = Path(tempfile.mkdtemp(prefix="tuning-levers-"))
    print(f"# logs in {work}", file=sys.stderr)
    with run_emulator(work) as emulator:
        gateways = [start(n, s, emulator.url, work, args.workers) for n, s in specs.items()]
        try:
            for g in gateways:
                g.process.wait_ready(lambda g=g: http_ok(f"{g.url}/health/readiness"), timeout=240)
            for g in gateways:  # warm: code paths, pools, the emulator's prompt cache
                await measure(
                    g.url,
                    g.auth,
                    scenario.pool("gateway"),
                    concurrency=4,
                    warmup_s=0,
                    duration_s=4,
                    max_requests=args.warmup,
                    min_requests=1,
                )
            for r in range(args.rounds):
                order = gateways if r % 2 == 0 else list(reversed(gateways))
                for g in order:
                    pids = procstat.tree(g.process.pid)
                    before: dict[int, float] = {}

                    def window(edge: str, pids=pids, before=before) -> None:
                        now = {p: procstat.cpu_seconds(p) for p in procstat.tree(pids[0])}
                        if edge == "start":
                            before.update(now)
                        else:
                            before["delta"] = sum(c - before.get(p, 0.0) for p, c in now.items() if p != "delta")

                    spy = None
                    if args.py_spy and r == 0:
                        worker = procstat.worker_pids(g.process.pid, args.workers)[0]
                        out = work / f"profile-{g.name}.txt"
                        spy = subprocess.Popen(
                            [
                                args.py_spy,
                                "record",
                                "-p",
                                str(worker),
                                "-r",
                                "200",
                                "-f",
                                "raw",
                                "-o",
                                str(out),
                                "-d",
                                str(int(args.duration) + 1),
                            ],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        )
                    m = await measure(
                        g.url,
                        g.auth,
                        scenario.pool("gateway"),
                        concurrency=args.concurrency,
                        warmup_s=1.0,
                        duration_s=args.duration,
                        max_requests=100000,
                        on_window=window,
                    )
                    if spy is not None:
                        spy.wait(timeout=60)
                    done = max(m.completed_in_window, 1)
                    g.cpu_ms.append(1000 * before["delta"] / done)
                    g.rps.append(m.completed_in_window / m.window_s)
                    g.failures += len(m.errors)
                    print(
                        f"  {g.name:40s} round {r}: {g.cpu_ms[-1]:6.1f} CPU-ms/req {g.rps[-1]:6.1f} req/s "
                        f"({len(m.errors)} errors{': ' + m.errors[0] if m.errors else ''})",
                        file=sys.stderr,
                    )
                    sys.stderr.flush()
                    time.sleep(0.5)
        finally:
            for g in gateways:
                g.process.stop()
    ref = gateways[0]
    ref_cpu, ref_rps = statistics.median(ref.cpu_ms) or 1e-9, statistics.median(ref.rps) or 1e-9
    print(
        f"| variant | CPU-ms/request (median; each round) | req/s | CPU vs {ref.name} | req/s vs {ref.name} | errors |"
    )
    print("|---|---|---|---|---|---|")
    for g in gateways:
        cpu, rps = statistics.median(g.cpu_ms), statistics.median(g.rps)
        rounds = ", ".join(f"{c:.1f}" for c in g.cpu_ms)
        print(
            f"| `{g.name}` | {cpu:.1f} ({rounds}) | {rps:.1f} | {cpu / ref_cpu:.2f}× | {rps / ref_rps:.2f}× "
            f"| {g.failures} |"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default="stock,ours,tuned", help="comma-separated variants (base+lever+...)")
    parser.add_argument("--scenario", default="mix", choices=sorted(SCENARIOS))
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per measurement window")
    parser.add_argument("--rounds", type=int, default=2, help="measurements per variant (alternating order)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=60, help="warm-up requests per variant")
    parser.add_argument("--h11-venv", type=Path, help="a virtualenv with litellm but without httptools (lever h11)")
    parser.add_argument("--py-spy", help="py-spy binary: profile each variant's worker in the first round")
    parser.add_argument("--list-levers", action="store_true", help="print the levers and exit")
    args = parser.parse_args(argv)
    if args.list_levers:
        for name, fn in LEVERS.items():
            print(f"{name:18s} {(fn.__doc__ or '').strip()}")
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
