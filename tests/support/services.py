"""Real redis-server and haproxy for tests (Debian packages, started on free loopback ports, always stopped).

haproxy stands in for the ALB in front of two gateway tasks: round robin per request, health checks on
/health/liveliness, and a retry on another server when a connection is refused (a task that stopped listening
during a deploy), as the ALB's deregistration does.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from support.stack import free_port, http_ok


def redis_cli(port: int, *args: str) -> str:
    cmd = ["redis-cli", "-h", "127.0.0.1", "-p", str(port), "--raw", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout


@contextlib.contextmanager
def run_redis(directory: Path) -> Iterator[int]:
    """A redis-server without persistence; yields its port."""
    assert shutil.which("redis-server"), "redis-server is installed by `make deps` (tools/bootstrap.sh system)"
    port = free_port()
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)]
    proc = subprocess.Popen(["redis-server", *args], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while redis_cli(port, "ping").strip() != "PONG":
            assert time.monotonic() < deadline and proc.poll() is None, "redis-server did not start"
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


HAPROXY_CONFIG = """\
global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 180s
    timeout server 180s
    timeout http-request 30s
    # The ALB's health check (modules/alb): a 5 s timeout, unhealthy after 3 failures, healthy after 2. The interval is
    # shorter here (15 s there) so a test sees a stopped task leave the rotation within seconds.
    timeout check 5s
    retries 3
    option redispatch 1
    option http-server-close
frontend gateway
    bind 127.0.0.1:{port}
    default_backend tasks
    stats enable
    stats uri /haproxy-stats
backend tasks
    balance roundrobin
    retry-on conn-failure empty-response
    option httpchk GET /health/liveliness
    http-check expect status 200
{servers}
"""


@contextlib.contextmanager
def run_haproxy(directory: Path, backends: list[int]) -> Iterator[str]:
    """haproxy on a free port balancing over 127.0.0.1:<each backend port>; yields its URL."""
    binary = shutil.which("haproxy")
    assert binary, "haproxy is installed by `make deps` (tools/bootstrap.sh system)"
    port = free_port()
    servers = "\n".join(
        f"    server task{i} 127.0.0.1:{p} check inter 500ms fall 3 rise 2" for i, p in enumerate(backends)
    )
    config = directory / f"haproxy-{port}.cfg"
    config.write_text(HAPROXY_CONFIG.format(port=port, servers=servers))
    check = subprocess.run([binary, "-c", "-f", str(config)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    with (directory / f"haproxy-{port}.log").open("wb") as log:
        proc = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while not http_ok(f"{url}/health/liveliness"):
            assert time.monotonic() < deadline and proc.poll() is None, "haproxy did not start"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
