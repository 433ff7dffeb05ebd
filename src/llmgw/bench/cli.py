"""Benchmark the gateway against the Bedrock emulator: baseline (straight to the emulator), the stock proxy with
our model list, LiteLLM with built-in callbacks only, with ours, the tuned profile as shipped, and the peer
(Portkey's gateway), side by side in one run (llmgw.bench.targets).

    scripts/bench.py [--quick | --full] [--scenarios short,stream,mix] [--concurrency 1,16] [--workers 1,2]
                     [--targets stock,builtin,ours,tuned,portkey] ...
    scripts/bench.py soak [--quick | --long] [--requests 30000] [--workers 2] [--recycle off,10000] ...
    scripts/bench.py chaos [--quick] [--requests 240] [--clients 8] ...   (make chaos: the fault matrix)

Everything runs on free loopback ports and is stopped at the end. Results go to bench-results/<time>/
(bench.txt table, bench.json, bench.png, process logs). Method and figures: docs/performance.md.
Exit codes: 0 done, 1 the run failed (a process did not start, every request of a point failed), 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from pathlib import Path

import yaml

from llmgw.bench import chaos, loadgen, machine, report, soak
from llmgw.bench.procs import LaunchError
from llmgw.bench.runner import Plan, Runner
from llmgw.bench.scenarios import SCENARIOS
from llmgw.bench.targets import ALL_TARGETS
from llmgw.cli_types import positive_float, positive_int
from llmgw.paths import CONFIG, REPO

DEFAULT_OUT = REPO / "bench-results"

PRESETS: dict[str, dict[str, object]] = {
    # make bench: every scenario, two concurrency levels, 1 and 2 workers, A B B A — about 4 minutes on 2 cores
    "default": {"scenarios": list(SCENARIOS), "concurrency": [1, 16], "workers": [1, 2], "duration": 2.0,
                "warmup": 0.5, "max_requests": 5000, "repeats": 2, "gateway_warmup": 40},
    # --quick: smoke run (tests): tiny counts, 1 worker
    "quick": {"scenarios": list(SCENARIOS), "concurrency": [1, 4], "workers": [1], "duration": 0.4,
              "warmup": 0.1, "max_requests": 12, "repeats": 2, "gateway_warmup": 6},
    # --full: the figures of docs/performance.md — about 15 minutes
    "full": {"scenarios": list(SCENARIOS), "concurrency": [1, 4, 16, 64], "workers": [1, 2], "duration": 5.0,
             "warmup": 1.0, "max_requests": 20000, "repeats": 2, "gateway_warmup": 100},
}  # fmt: skip

SOAK_PRESETS: dict[str, dict[str, object]] = {
    "default": {"scenarios": ["short", "mix"], "workers": 2, "concurrency": 8, "requests": 20000,
                "sample_every": 500, "warmup_requests": 5000},
    "quick": {"scenarios": ["short", "mix"], "workers": 1, "concurrency": 4, "requests": 200,
              "sample_every": 20, "warmup_requests": 40},
    # --long: 200k requests through the tuned profile (the shipped config), recycling off vs 10,000 side by side,
    # 2 workers (recycling needs uvicorn's supervisor); at most 3 hours, whichever comes first
    "long": {"scenarios": ["short", "mix"], "workers": 2, "concurrency": 8, "requests": 200_000,
             "sample_every": 2000, "warmup_requests": 20_000, "recycle": [None, 10_000], "max_seconds": 3 * 3600.0},
}  # fmt: skip
SOAK_DEFAULTS = {"recycle": [None], "max_seconds": None}


def _int_list(text: str, name: str, low: int, high: int) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name} must be comma-separated integers, got {text!r}") from None
    if not values or any(not low <= v <= high for v in values):
        raise argparse.ArgumentTypeError(f"{name} values must be between {low} and {high}, got {text!r}")
    return sorted(set(values))


def _scenarios(text: str) -> list[str]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"unknown scenario(s) {unknown or text!r}; known: {', '.join(SCENARIOS)}")
    return list(dict.fromkeys(names))


def _targets(text: str) -> tuple[str, ...]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [n for n in names if n not in ALL_TARGETS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"unknown target(s) {unknown or text!r}; known: {', '.join(ALL_TARGETS)}")
    return tuple(t for t in ALL_TARGETS if t in names)


def _recycle(text: str) -> list[int | None]:
    values: list[int | None] = []
    for item in (v.strip() for v in text.split(",") if v.strip()):
        if item == "off":
            values.append(None)
        elif item.isdigit() and int(item) >= 100:
            values.append(int(item))
        else:
            raise argparse.ArgumentTypeError(f"--recycle takes 'off' or request counts >= 100, got {item!r}")
    if not values or len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"--recycle needs distinct values, e.g. off,10000; got {text!r}")
    return values


def _config(text: str) -> Path:
    path = Path(text).resolve()
    try:
        loaded = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise argparse.ArgumentTypeError(f"cannot read the config {path}: {exc}") from None
    if not isinstance(loaded, dict) or not loaded.get("model_list"):
        raise argparse.ArgumentTypeError(f"{path} is not a LiteLLM config with a model_list")
    return path


def _venv(text: str) -> Path:
    path = Path(text).resolve()
    if not (path / "bin" / "litellm").exists():
        raise argparse.ArgumentTypeError(f"{path} is not a virtualenv with litellm installed (no bin/litellm)")
    return path


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results directory (default: bench-results/)")
    parser.add_argument("--json", action="store_true", help="print the result JSON on stdout instead of the table")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")


def bench_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench.py",
        description="Gateway benchmark: emulator baseline vs the stock proxy vs LiteLLM with built-in callbacks vs "
        "with ours vs the tuned profile vs Portkey's gateway, side by side in one run (subcommand `soak` for the "
        "memory soak: bench.py soak --help).",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smoke run with tiny counts (about a minute)")
    size.add_argument("--full", action="store_true", help="the documented matrix: 4 concurrency levels, longer points")
    p.add_argument("--scenarios", type=_scenarios, help=f"comma list of {', '.join(SCENARIOS)}")
    p.add_argument("--concurrency", type=lambda t: _int_list(t, "--concurrency", 1, 1024), help="e.g. 1,16")
    p.add_argument("--workers", type=lambda t: _int_list(t, "--workers", 1, 16), help="LiteLLM --num_workers, e.g. 1,2")
    p.add_argument("--duration", type=positive_float, help="seconds measured per point and repeat")
    p.add_argument("--warmup", type=positive_float, help="seconds of load discarded before each measurement")
    p.add_argument("--max-requests", type=positive_int, help="cap of measured requests per point and repeat")
    p.add_argument("--repeats", type=positive_int, help="measurements per point, alternating the variant order")
    p.add_argument("--gateway-warmup", type=positive_int, help="requests per scenario sent to a fresh gateway")
    p.add_argument("--config", type=_config, help="the gateway config the targets are derived from (tuned = this "
                   "file; default infra/litellm/config.yaml)")  # fmt: skip
    p.add_argument("--targets", type=_targets, help=f"comma list of {', '.join(ALL_TARGETS)} (default: all)")
    p.add_argument("--alt-venv", type=_venv, help="also run our config with LiteLLM from this virtualenv "
                   "(e.g. one with httptools) and compare it with the default one in the same run")  # fmt: skip
    p.add_argument("--alt-label", default="alt", help="name of the --alt-venv variant (default: alt)")
    _common(p)
    return p


def soak_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench.py soak",
        description="Memory soak: RSS of each LiteLLM worker (repo config, our callbacks) over tens of thousands of "
        "requests; reports growth per 10,000 requests.",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smoke run: a few hundred requests, 1 worker")
    size.add_argument("--long", action="store_true", help="200,000 requests, recycling off vs 10,000 side by side, "
                      "2 workers, at most 3 hours")  # fmt: skip
    p.add_argument("--scenarios", type=_scenarios, help="requests to interleave (default short,mix)")
    p.add_argument("--workers", type=lambda t: _int_list(t, "--workers", 1, 16)[0], help="LiteLLM --num_workers")
    p.add_argument("--concurrency", type=positive_int, help="closed-loop clients (default 8)")
    p.add_argument("--requests", type=positive_int, help="requests to send (default 20000)")
    p.add_argument("--sample-every", type=positive_int, help="requests between RSS samples (default 500)")
    p.add_argument("--warmup-requests", type=int, help="requests before the growth slope starts (default 5000)")
    p.add_argument("--recycle", type=_recycle, help="one gateway per value, side by side: off or "
                   "--max_requests_before_restart N (jitter N/2), e.g. off,10000 (needs --workers >= 2)")  # fmt: skip
    p.add_argument("--max-seconds", type=positive_float, help="stop sending after this many seconds")
    p.add_argument("--venv", type=_venv, help="run LiteLLM from this virtualenv instead of .venv")
    _common(p)
    return p


def chaos_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench.py chaos",
        description="Fault matrix: bounded load while the emulator injects throttling, 5xx, latency spikes and "
        "mid-stream failures and a worker is killed; prints sent, succeeded, failed by cause, hung, metrics lost.",
    )
    p.add_argument("--quick", action="store_true", help="smoke run: 60 requests from 4 clients")
    p.add_argument("--requests", type=positive_int, help="requests to send (default 240)")
    p.add_argument("--clients", type=positive_int, help="concurrent clients (default 8)")
    p.add_argument("--duration", type=positive_float, help="upper bound of the load in seconds (default 120)")
    p.add_argument("--seed", type=int, help="seed of the fault mix (default 16)")
    _common(p)
    return p


def run_chaos(argv: list[str]) -> int:
    args = chaos_parser().parse_args(argv)
    plan = chaos.ChaosPlan(requests=60, clients=4) if args.quick else chaos.ChaosPlan()
    for name, attr in (("requests", "requests"), ("clients", "clients"), ("duration", "duration_s"), ("seed", "seed")):
        if getattr(args, name) is not None:
            plan = chaos.ChaosPlan(**{**plan.__dict__, attr: getattr(args, name)})
    out = _out_dir(args.out, "chaos")
    _logging(args.quiet)
    try:
        run = chaos.run_chaos(plan, out / "logs", progress=logging.getLogger("chaos").info)
    except (LaunchError, RuntimeError) as exc:
        print(f"bench.py chaos: the run failed: {str(exc).splitlines()[0]} (logs: {out / 'logs'})", file=sys.stderr)
        return 1
    summary = chaos.summarize(run)
    summary["machine"] = machine.describe()
    text = chaos.render(summary)
    paths = [out / "chaos.txt", out / "chaos.json"]
    paths[0].write_text(text)
    paths[1].write_text(json.dumps(summary, indent=2) + "\n")
    _emit(args, summary, text, paths)
    return 0 if chaos.passed(summary) else 1


def _resolve(
    args: argparse.Namespace, presets: dict[str, dict[str, object]], defaults: dict[str, object] | None = None
) -> dict[str, object]:
    preset = "quick" if args.quick else "full" if getattr(args, "full", False) else "default"
    preset = "long" if getattr(args, "long", False) else preset
    values = {**(defaults or {}), **presets[preset]}
    for key in values:
        given = getattr(args, key, None)
        if given is not None:
            values[key] = given
    values["preset"] = preset
    return values


def _out_dir(base: Path, kind: str) -> Path:
    path = base / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    (path / "logs").mkdir(parents=True, exist_ok=True)
    return path


def _emit(args: argparse.Namespace, result: dict, text: str, paths: list[Path]) -> None:
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(text, end="")
        print("written: " + ", ".join(str(p) for p in paths))


def run_bench(argv: list[str]) -> int:
    parser = bench_parser()
    args = parser.parse_args(argv)
    v = _resolve(args, PRESETS)
    if args.alt_label in ("baseline", *ALL_TARGETS):
        parser.error(f"--alt-label {args.alt_label!r} is taken by a built-in variant")
    plan = Plan(
        scenarios=v["scenarios"], concurrency=v["concurrency"], workers=v["workers"], warmup_s=v["warmup"],
        duration_s=v["duration"], max_requests=v["max_requests"], repeats=v["repeats"],
        gateway_warmup_requests=v["gateway_warmup"], alt_venv=args.alt_venv, alt_label=args.alt_label,
        targets=args.targets or ALL_TARGETS, config=args.config or CONFIG,
    )  # fmt: skip
    out = _out_dir(args.out, "bench")
    _logging(args.quiet)
    info = machine.describe()
    runner = Runner(plan, out / "logs", progress=logging.getLogger("bench").info)
    logging.getLogger("bench").info("bench (%s preset) → %s", v["preset"], out)
    try:
        loadgen.run(runner.run())
    except asyncio.CancelledError:
        print(f"bench.py: interrupted, every process stopped (logs: {out / 'logs'})", file=sys.stderr)
        return 130
    except (LaunchError, RuntimeError) as exc:
        print(f"bench.py: the run failed: {str(exc).splitlines()[0]} (logs: {out / 'logs'})", file=sys.stderr)
        return 1
    info["loadavg_end"] = machine.loadavg()
    result = report.build(runner, info, time.time())
    result["plan"]["preset"] = v["preset"]
    text = report.render(result)
    paths = [out / "bench.txt", out / "bench.json", out / "bench.png"]
    paths[0].write_text(text)
    paths[1].write_text(json.dumps(result, indent=2) + "\n")
    from llmgw.bench import plot  # matplotlib: seconds of import that --help and usage errors do not need

    plot.bench_png(result, paths[2])
    _emit(args, result, text, paths)
    dead = [p for p in result["points"] if p["requests"] == 0]
    if dead:
        example = f"{dead[0]['scenario']}/{dead[0]['target']}: {dead[0]['error_examples'][:1]}"
        print(f"bench.py: {len(dead)} point(s) had no successful request, e.g. {example}", file=sys.stderr)
        return 1
    return 0


def run_soak(argv: list[str]) -> int:
    parser = soak_parser()
    args = parser.parse_args(argv)
    v = _resolve(args, SOAK_PRESETS, SOAK_DEFAULTS)
    if v["warmup_requests"] < 0 or v["warmup_requests"] >= v["requests"]:
        parser.error("--warmup-requests must be >= 0 and below --requests")
    if any(r is not None for r in v["recycle"]) and v["workers"] < 2:
        parser.error("--recycle needs --workers 2 or more: with one worker uvicorn has no supervisor to restart it")
    plan = soak.SoakPlan(
        scenarios=v["scenarios"], workers=v["workers"], concurrency=v["concurrency"], requests=v["requests"],
        sample_every=v["sample_every"], warmup_requests=v["warmup_requests"], venv=args.venv,
        recycle=tuple(v["recycle"]), max_seconds=v["max_seconds"],
    )  # fmt: skip
    out = _out_dir(args.out, "soak")
    _logging(args.quiet)
    try:
        result = loadgen.run(soak.run_soak(plan, out / "logs", progress=logging.getLogger("soak").info))
    except asyncio.CancelledError:
        print(f"bench.py soak: interrupted, every process stopped (logs: {out / 'logs'})", file=sys.stderr)
        return 130
    except (LaunchError, RuntimeError) as exc:
        print(f"bench.py soak: the run failed: {str(exc).splitlines()[0]} (logs: {out / 'logs'})", file=sys.stderr)
        return 1
    result["machine"] = machine.describe(args.venv / "bin" if args.venv else None)
    text = soak.render(result)
    paths = [out / "soak.txt", out / "soak.json", out / "soak.png"]
    paths[0].write_text(text)
    paths[1].write_text(json.dumps(result, indent=2) + "\n")
    from llmgw.bench import plot

    plot.soak_png(result, paths[2])
    _emit(args, result, text, paths)
    return 0 if all(g["failures"] < g["samples"][-1]["requests"] for g in result["gateways"]) else 1


def _logging(quiet: bool) -> None:
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "soak":
        return run_soak(argv[1:])
    if argv and argv[0] == "chaos":
        return run_chaos(argv[1:])
    return run_bench(argv)
