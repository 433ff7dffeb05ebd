"""Run the gateway locally: LiteLLM + the Bedrock emulator (or real Bedrock) + VictoriaMetrics/vmalert/Alertmanager
when installed.

    scripts/local_stack.py up [--port 4000] [--bedrock auto|emulator|aws] [--workers 1] [--no-metrics]
    scripts/local_stack.py down

Alerts go to the local Alertmanager (http://127.0.0.1:9093); LLMGW_ALERT_WEBHOOK_URL (comma-separated URLs) adds a
webhook receiver to it, RUNBOOK_BASE_URL sets where the alerts' runbook links point (default: this checkout's
docs/runbooks as file:// URLs).

`up` runs the Procfile's processes through honcho in the foreground (Ctrl-C stops them all), waits for the
gateway to be healthy and prints its URL, a ready-to-paste curl and the Claude Code environment block.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bedrock_emulator import iam
from llmgw import bedrock_policy
from llmgw.paths import CONFIG, REPO, VENV_BIN
from llmgw.scrape_config import render_targets
from llmgw.stack import alerting
from llmgw.stack.env import LITELLM_BASE_ENV, process_env, procfile_commands
from llmgw.stack.procs import http_ok

DEFAULT_RUN_DIR = REPO / ".run"
ALERT_RULES_GLOB = str(REPO / "infra" / "grafana" / "alerts" / "*.yml")


class StackError(Exception):
    """A problem the operator can fix; printed as one line."""


@dataclass(frozen=True)
class Ports:
    gateway: int
    emulator: int
    victoriametrics: int
    vmalert: int
    metrics: int
    alertmanager: int = 9093


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def check_ports(wanted: dict[str, int]) -> None:
    for name, port in wanted.items():
        if not 1 <= port <= 65535:
            raise StackError(f"{name} port {port} is not a valid TCP port")
        if port_in_use(port):
            raise StackError(
                f"port {port} ({name}) is already in use: stop what listens there (`make down` for an earlier "
                f"stack) or choose another port (scripts/local_stack.py up --help)"
            )
    if len(set(wanted.values())) != len(wanted):
        raise StackError(f"two services were given the same port: {wanted}")


def aws_credentials_present() -> bool:
    try:
        import boto3

        return boto3.Session().get_credentials() is not None
    except Exception:
        return False


def resolve_bedrock_mode(requested: str) -> str:
    if requested != "auto":
        return requested
    return "aws" if aws_credentials_present() else "emulator"


def master_key(run_dir: Path) -> str:
    """LITELLM_MASTER_KEY from the environment, else a strong key generated once and kept in .run/ (0600)."""
    key = os.environ.get("LITELLM_MASTER_KEY", "").strip()
    if key:
        if not key.startswith("sk-") or len(key) < 35:
            raise StackError("LITELLM_MASTER_KEY must be strong: 'sk-' followed by 32+ random characters")
        return key
    return secret_file(run_dir / "master_key", lambda: "sk-" + secrets.token_urlsafe(32))


def secret_file(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in ``path`` (0600), created with ``make()`` the first time."""
    if path.exists():
        return path.read_text().strip()
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return value


def metrics_token(run_dir: Path) -> str:
    """The scraper's own credential (llmgw_callbacks.metrics_server): it reads the metrics and nothing else."""
    return secret_file(run_dir / "metrics_token", lambda: secrets.token_urlsafe(32))


def render_scrape_config(run_dir: Path, metrics_port: int) -> None:
    """VictoriaMetrics' scrape config for the local gateway's metrics server (the template Terraform renders)."""
    out = run_dir / "scrape.yml"
    try:
        out.write_text(render_targets([f"127.0.0.1:{metrics_port}"]))
    except OSError as e:
        raise StackError(f"cannot write {out}: {e}") from None


def banner(url: str, key_ref: str, mode: str, ports: Ports, metrics: bool) -> str:
    lines = [
        "",
        "=" * 72,
        f"  Gateway ready: {url}   (Bedrock: {mode})",
        f"  Master key:    {key_ref}",
    ]
    if metrics:
        lines.append(
            f"  VictoriaMetrics: http://127.0.0.1:{ports.victoriametrics}   vmalert: http://127.0.0.1:{ports.vmalert}"
            f"   Alertmanager: http://127.0.0.1:{ports.alertmanager}"
        )
    lines += [
        "",
        "  Try it:",
        f"    curl -s {url}/v1/chat/completions \\",
        f'      -H "Authorization: Bearer {key_ref}" \\',
        "      -H 'Content-Type: application/json' \\",
        '      -d \'{"model": "claude-haiku-4-5", "max_tokens": 64, '
        '"messages": [{"role": "user", "content": "Hello"}]}\'',
        "",
        "  Claude Code (paste in any directory; it uses its default models, claude-opus-5-5 and claude-haiku-5-5):",
        f"    export ANTHROPIC_BASE_URL={url}",
        f"    export ANTHROPIC_AUTH_TOKEN={key_ref}",
        "",
        "  Ctrl-C stops everything.",
        "=" * 72,
        "",
    ]
    return "\n".join(lines)


def build_env(args: argparse.Namespace, ports: Ports, run_dir: Path, key: str, mode: str) -> dict[str, str]:
    multiproc = run_dir / "prometheus-multiproc"
    if multiproc.exists():
        shutil.rmtree(multiproc)
    multiproc.mkdir(parents=True)
    env = process_env(
        **LITELLM_BASE_ENV,
        LITELLM_CONFIG=str(args.config),
        GATEWAY_HOST=args.host,
        GATEWAY_PORT=str(ports.gateway),
        EMULATOR_PORT=str(ports.emulator),
        VM_PORT=str(ports.victoriametrics),
        VMALERT_PORT=str(ports.vmalert),
        VMALERT_RULES=ALERT_RULES_GLOB,
        VMALERT_NOTIFIER_CONFIG=str(run_dir / "vmalert-notifier.yml"),
        ALERTMANAGER_PORT=str(ports.alertmanager),
        LITELLM_WORKERS=str(args.workers),
        LITELLM_MASTER_KEY=key,
        METRICS_PORT=str(ports.metrics),
        LLMGW_METRICS_TOKEN=metrics_token(run_dir),
        PROMETHEUS_MULTIPROC_DIR=str(multiproc),
        RUN_DIR=str(run_dir),
    )
    env.setdefault("AWS_REGION", "us-east-1")
    if mode == "emulator":
        # The emulator accepts any credentials; never send real ones to it.
        env.update(
            AWS_BEDROCK_RUNTIME_ENDPOINT=f"http://127.0.0.1:{ports.emulator}",
            # Token counting of the newest models goes to Bedrock's Anthropic endpoint (bedrock-mantle).
            BEDROCK_MANTLE_API_BASE=f"http://127.0.0.1:{ports.emulator}",
            AWS_ACCESS_KEY_ID="emulator",
            AWS_SECRET_ACCESS_KEY="emulator",  # noqa: S106 - not a secret: the emulator ignores it
        )
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        # The emulator authorises every call like Bedrock does for the ECS task role: the same policy, rendered
        # from the catalogue with the template Terraform renders (a model missing from it answers AccessDenied).
        policy = bedrock_policy.write_task_policy(
            run_dir / "task-policy.json", region=env["AWS_REGION"], account_id=iam.DEFAULT_ACCOUNT
        )
        env["BEDROCK_EMULATOR_IAM_POLICY"] = str(policy)
    else:
        env.pop("AWS_BEDROCK_RUNTIME_ENDPOINT", None)
        env.pop("BEDROCK_MANTLE_API_BASE", None)
    return env


@contextlib.contextmanager
def foreground_of_the_terminal() -> Iterator[None]:
    """Make this process (and the honcho it starts) the terminal's foreground process group while the stack runs.

    Under `make up` the terminal's Ctrl-C otherwise reaches make too, and GNU make then reports
    "make: *** [Makefile: up] Interrupt" whatever the stack does. In its own foreground group only the stack gets
    the SIGINT, stops, and exits 0, and make ends quietly. Job-control shells do the same for every job. Without a
    terminal (CI, tests without a pty) nothing changes."""
    if not sys.stdin.isatty():
        yield
        return
    tty = sys.stdin.fileno()
    try:
        original = os.tcgetpgrp(tty)
        os.setpgid(0, 0)
        previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may not set the terminal
        os.tcsetpgrp(tty, os.getpgrp())
    except OSError:  # not our terminal to manage (e.g. a session leader): leave things as they are
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(tty, original)
        signal.signal(signal.SIGTTOU, previous)


def up(args: argparse.Namespace) -> int:
    with foreground_of_the_terminal():
        return _up(args)


def _up(args: argparse.Namespace) -> int:
    run_dir: Path = args.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    pidfile = run_dir / "stack.pid"
    if pidfile.exists():
        with contextlib.suppress(ValueError, ProcessLookupError, PermissionError):
            os.kill(int(pidfile.read_text()), 0)
            raise StackError(f"a local stack is already running (pid {pidfile.read_text().strip()}): `make down` first")
        pidfile.unlink()

    if not (VENV_BIN / "litellm").exists():
        raise StackError("LiteLLM is not installed in .venv: run `make up` (it installs requirements.lock)")
    if not args.config.is_file():
        raise StackError(f"gateway config not found: {args.config}")
    mode = resolve_bedrock_mode(args.bedrock)
    metrics = args.metrics and shutil.which("victoria-metrics") is not None
    if args.metrics and not metrics:
        print(
            "note: VictoriaMetrics is not installed, metrics are not collected "
            "(apt-get install victoria-metrics, or `make deps`)",
            file=sys.stderr,
        )
    vmalert = metrics and shutil.which("vmalert") is not None
    alertmanager = vmalert and alerting.alertmanager_binary() is not None

    ports = Ports(
        args.port, args.emulator_port, args.vm_port, args.vmalert_port, args.metrics_port, args.alertmanager_port
    )
    wanted = {"gateway": ports.gateway}
    if mode == "emulator":
        wanted["emulator"] = ports.emulator
    if metrics:
        wanted["metrics"] = ports.metrics
        wanted["victoriametrics"] = ports.victoriametrics
    if vmalert:
        wanted["vmalert"] = ports.vmalert
    if alertmanager:
        wanted["alertmanager"] = ports.alertmanager
    check_ports(wanted)

    key = master_key(run_dir)
    # How the banner refers to the key: never the key itself (it would stay in the scrollback), always a reference
    # that works wherever it is pasted: the key file by its absolute path, or the variable it came from.
    key_path = (run_dir / "master_key").resolve()
    key_ref = "$LITELLM_MASTER_KEY" if os.environ.get("LITELLM_MASTER_KEY") else f"$(cat {shlex.quote(str(key_path))})"
    env = build_env(args, ports, run_dir, key, mode)
    processes = ["litellm"]
    if mode == "emulator":
        processes.insert(0, "emulator")
    if metrics:
        render_scrape_config(run_dir, ports.metrics)
        processes += ["metrics", "victoriametrics"]
    if vmalert:
        webhooks = [u.strip() for u in os.environ.get("LLMGW_ALERT_WEBHOOK_URL", "").split(",") if u.strip()]
        try:
            alerting.write_configs(run_dir, ports.alertmanager if alertmanager else None, webhooks)
        except ValueError as e:
            raise StackError(f"LLMGW_ALERT_WEBHOOK_URL: {e}") from None
        processes.append("vmalert")
    if alertmanager:
        env["ALERTMANAGER_BIN"] = str(alerting.alertmanager_binary())
        processes.append("alertmanager")
    unknown = set(processes) - procfile_commands().keys()
    if unknown:
        raise StackError(f"Procfile lacks process(es) {sorted(unknown)}")

    # An empty env file: honcho would otherwise read a developer's ./.env over the environment built here.
    honcho_env = run_dir / "honcho.env"
    honcho_env.write_text("")
    cmd = [
        str(VENV_BIN / "honcho"),
        "start",
        "--procfile",
        str(REPO / "Procfile"),
        "--app-root",
        str(REPO),
        "--env",
        str(honcho_env),
        *processes,
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=REPO)
    # `make down` signals this process (not honcho): a stop that was asked for ends with exit code 0, so make
    # reports no "Error 143" (SIGTERM) and Ctrl-C no "Interrupt".
    pidfile.write_text(str(os.getpid()))
    stopping = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        stopping.set()
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '127.0.0.1') else args.host}:{ports.gateway}"

    def announce() -> None:
        deadline = time.monotonic() + args.ready_timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if http_ok(f"{url}/health/readiness"):
                print(banner(url, key_ref, mode, ports, metrics), flush=True)
                (run_dir / "ready").write_text(url + "\n")
                return
            time.sleep(0.5)
        if proc.poll() is None:
            print(
                f"error: the gateway did not become healthy within {args.ready_timeout}s (see the log above)",
                file=sys.stderr,
                flush=True,
            )
            proc.send_signal(signal.SIGTERM)

    threading.Thread(target=announce, daemon=True).start()
    try:
        rc = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        pidfile.unlink(missing_ok=True)
        (run_dir / "ready").unlink(missing_ok=True)
    if stopping.is_set():
        print("local stack stopped", flush=True)
        return 0
    return rc


def down(args: argparse.Namespace) -> int:
    pidfile = args.run_dir / "stack.pid"
    if not pidfile.exists():
        print("no local stack is running")
        return 0
    pid = int(pidfile.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pidfile.unlink(missing_ok=True)
        print("no local stack is running (stale pid file removed)")
        return 0
    for _ in range(150):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print("local stack stopped")
            return 0
        time.sleep(0.2)
    raise StackError(f"the local stack (pid {pid}) did not stop within 30s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="run the local stack in the foreground")
    p_up.add_argument("--port", type=int, default=int(os.environ.get("GATEWAY_PORT", 4000)), help="gateway port")
    p_up.add_argument("--host", default="127.0.0.1", help="gateway listen address (default: loopback only)")
    p_up.add_argument("--emulator-port", type=int, default=4010)
    p_up.add_argument("--metrics-port", type=int, default=4001, help="the metrics server VictoriaMetrics scrapes")
    p_up.add_argument("--vm-port", type=int, default=8428, help="VictoriaMetrics port")
    p_up.add_argument("--vmalert-port", type=int, default=8880)
    p_up.add_argument("--alertmanager-port", type=int, default=9093)
    p_up.add_argument(
        "--workers", type=int, default=1, choices=range(1, 17), metavar="N", help="LiteLLM worker processes (1-16)"
    )
    p_up.add_argument(
        "--bedrock",
        choices=["auto", "emulator", "aws"],
        default=os.environ.get("BEDROCK", "auto"),
        help="upstream: the local emulator, real Bedrock with your AWS credentials, or auto "
        "(real Bedrock when AWS credentials are found, else the emulator). Env: BEDROCK",
    )
    p_up.add_argument("--no-metrics", dest="metrics", action="store_false", help="do not start VictoriaMetrics/vmalert")
    p_up.add_argument("--config", type=Path, default=CONFIG, help=argparse.SUPPRESS)
    p_up.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR, help=argparse.SUPPRESS)
    p_up.add_argument("--ready-timeout", type=int, default=120, help=argparse.SUPPRESS)
    p_down = sub.add_parser("down", help="stop a stack started with `up`")
    p_down.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return up(args) if args.command == "up" else down(args)
    except StackError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
