"""infra/docker-compose.yml: valid for the compose-spec schema and for docker-compose, the same gateway as the local
stack and Terraform (config, callbacks, LiteLLM version, environment), pinned images, health checks, .env.example.

No Docker engine is needed: Debian's docker-compose 1.29 resolves and validates the file without one. Starting the
stack is the CI `compose` job's part (.github/workflows/ci.yml), where an engine exists.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from llmgw.stack.env import LITELLM_BASE_ENV, procfile_commands
from support.stack import Gateway

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "infra" / "docker-compose.yml"
ENV_EXAMPLE = REPO / "infra" / ".env.example"
VENV_BIN = REPO / ".venv" / "bin"
SECRETS = {
    "LITELLM_MASTER_KEY": "sk-" + "a1" * 32,
    "LITELLM_SALT_KEY": "sk-" + "b2" * 32,
    "POSTGRES_PASSWORD": "c3" * 24,
    "GRAFANA_ADMIN_PASSWORD": "grafana-test-password",
    "LLMGW_METRICS_TOKEN": "d4" * 32,
}
# The contract ports (preamble): every published port listens on loopback only.
PORTS = {
    "litellm": 4000,
    "bedrock-emulator": 4010,
    "victoriametrics": 8428,
    "vmalert": 8880,
    "alertmanager": 9093,
    "grafana": 3000,
    "postgres": 5432,
    "broker": 4020,
}


def versions() -> dict[str, str]:
    pins = {}
    for line in (REPO / "versions.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pins[key.strip()] = value.strip()
    return pins


@functools.cache
def compose_v1() -> str:
    """Debian/Ubuntu's docker-compose 1.29 package (/usr/bin). A Compose v2 `docker-compose` earlier in PATH (as on
    some CI images) prints `config` differently, so the package's binary is used explicitly."""
    binary = shutil.which("docker-compose", path="/usr/bin") or shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is required (tools/bootstrap.sh system installs Debian's docker-compose)")
    version = subprocess.run([binary, "version", "--short"], capture_output=True, text=True, timeout=60, check=False)
    if not version.stdout.startswith("1."):
        pytest.fail(f"{binary} is Compose {version.stdout.strip()}; these checks need the docker-compose 1.29 package")
    return binary


def compose(*args: str, env: dict[str, str] | None = None, env_file: Path | None = None):
    cmd = [compose_v1()]
    if env_file is not None:
        cmd += ["--env-file", str(env_file)]
    cmd += ["-f", str(COMPOSE), "--profile", "offline", *args]
    # A clean environment: nothing from the developer's shell leaks into the interpolation.
    clean = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/nonexistent", **(env or {})}
    return subprocess.run(cmd, capture_output=True, text=True, env=clean, cwd=REPO, timeout=120, check=False)


def resolved(env: dict[str, str] | None = None, env_file: Path | None = None) -> dict:
    result = compose("config", env={**SECRETS, **(env or {})} if env_file is None else env, env_file=env_file)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def config() -> dict:
    return resolved()


@pytest.fixture(scope="module")
def services(config: dict) -> dict:
    return config["services"]


def bind_mounts(service: dict) -> dict[str, dict]:
    return {v["target"]: v for v in service.get("volumes", []) if isinstance(v, dict) and v.get("type") == "bind"}


def test_compose_file_matches_the_compose_spec_schema() -> None:
    result = subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_config_quiet_accepts_it() -> None:
    result = compose("config", "-q", env=SECRETS)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_the_env_example_alone_is_a_valid_environment() -> None:
    result = compose("config", "-q", env_file=ENV_EXAMPLE)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_a_missing_secret_stops_compose_with_its_name(secret: str) -> None:
    env = {k: v for k, v in SECRETS.items() if k != secret}
    result = compose("config", "-q", env=env)
    assert result.returncode != 0
    assert f"set {secret} in infra/.env" in result.stderr


def test_litellm_runs_the_pinned_stock_image_like_the_local_stack_and_terraform(services: dict) -> None:
    pins = versions()
    image = f"{pins['LITELLM_IMAGE']}:{pins['LITELLM_IMAGE_TAG']}"
    assert pins["LITELLM_IMAGE_TAG"] == f"v{pins['LITELLM_VERSION']}"
    for name in ("litellm", "litellm-migrate", "bedrock-emulator", "broker"):
        assert services[name]["image"] == image, name
    # The compose file itself spells the pin with the same variable names as versions.env.
    text = COMPOSE.read_text()
    assert f"${{LITELLM_IMAGE:-{pins['LITELLM_IMAGE']}}}:${{LITELLM_IMAGE_TAG:-{pins['LITELLM_IMAGE_TAG']}}}" in text


def test_a_digest_pin_goes_through_the_tag_variable() -> None:
    digest = "sha256:" + "0" * 64
    services = resolved({"LITELLM_IMAGE_TAG": f"v1.106.2@{digest}"})["services"]
    assert services["litellm"]["image"] == f"ghcr.io/berriai/litellm:v1.106.2@{digest}"


@pytest.mark.parametrize(
    ("service", "pin"),
    [
        ("postgres", "POSTGRES_IMAGE"),
        ("victoriametrics", "VICTORIAMETRICS_IMAGE"),
        ("vmalert", "VMALERT_IMAGE"),
        ("grafana", "GRAFANA_IMAGE"),
        ("alertmanager", "ALERTMANAGER_IMAGE"),
    ],
)
def test_other_images_are_the_versions_env_pins(services: dict, service: str, pin: str) -> None:
    image = versions()[pin]
    assert re.fullmatch(r"[^@\s]+:[^@\s]+@sha256:[0-9a-f]{64}", image), f"{pin} must be tag@sha256 digest"
    assert services[service]["image"] == image


def test_litellm_mounts_the_repository_config_and_callbacks_read_only(services: dict) -> None:
    litellm = services["litellm"]
    mounts = bind_mounts(litellm)
    config = mounts["/etc/litellm/config.yaml"]
    callbacks = mounts["/etc/litellm/callbacks"]
    assert Path(config["source"]) == REPO / "infra" / "litellm" / "config.yaml"
    assert Path(callbacks["source"]) == REPO / "callbacks"
    assert config["read_only"] is True and callbacks["read_only"] is True
    assert litellm["command"][:4] == ["--config", "/etc/litellm/config.yaml", "--port", "4000"]
    assert "--num_workers" in litellm["command"]


def test_litellm_gets_the_shared_base_environment(services: dict) -> None:
    for name in ("litellm", "litellm-migrate"):
        env = services[name]["environment"]
        expected = dict(LITELLM_BASE_ENV)
        if name == "litellm-migrate":  # the one-shot migration is the only place the schema may change
            expected["DISABLE_SCHEMA_UPDATE"] = "False"
        assert {k: env.get(k) for k in expected} == expected, name
        assert env["PYTHONPATH"] == "/etc/litellm/callbacks"
        assert env["LITELLM_MASTER_KEY"] == SECRETS["LITELLM_MASTER_KEY"]
        assert env["LITELLM_SALT_KEY"] == SECRETS["LITELLM_SALT_KEY"]
        assert env["DATABASE_URL"] == f"postgresql://litellm:{SECRETS['POSTGRES_PASSWORD']}@postgres:5432/litellm"
        assert env["AWS_REGION"] == "us-east-1"
    assert services["litellm"]["environment"]["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/")


def test_the_emulator_endpoint_is_absent_unless_defined(services: dict) -> None:
    # `VAR:` with no value = pass through only when defined: compose drops it from the container otherwise.
    env = services["litellm"]["environment"]
    passed_through = (
        "AWS_BEDROCK_RUNTIME_ENDPOINT",
        "BEDROCK_MANTLE_API_BASE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    )
    for var in passed_through:
        assert var in env and env[var] is None, var
    offline = resolved(env_file=ENV_EXAMPLE)["services"]["litellm"]["environment"]
    assert offline["AWS_BEDROCK_RUNTIME_ENDPOINT"] == "http://bedrock-emulator:4010"
    assert offline["BEDROCK_MANTLE_API_BASE"] == "http://bedrock-emulator:4010"


def test_an_empty_endpoint_leaves_litellm_on_real_bedrock() -> None:
    """Pins LiteLLM 1.106.2's behaviour the .env.example advice relies on (unset or empty = AWS endpoint)."""
    probe = (
        "import os, json\n"
        "from litellm.llms.bedrock.base_aws_llm import BaseAWSLLM\n"
        "out = {}\n"
        "for value in (None, '', 'http://bedrock-emulator:4010'):\n"
        "    os.environ.pop('AWS_BEDROCK_RUNTIME_ENDPOINT', None)\n"
        "    if value is not None:\n"
        "        os.environ['AWS_BEDROCK_RUNTIME_ENDPOINT'] = value\n"
        "    out[repr(value)] = BaseAWSLLM().get_runtime_endpoint(None, None, 'us-east-1')[0]\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    out = yaml.safe_load(result.stdout.strip().splitlines()[-1])
    assert out["None"] == out["''"] == "https://bedrock-runtime.us-east-1.amazonaws.com"
    assert out["'http://bedrock-emulator:4010'"] == "http://bedrock-emulator:4010"


def test_the_emulator_runs_in_the_offline_profile_from_the_repository(services: dict) -> None:
    profiled = {name for name, svc in services.items() if svc.get("profiles")}
    assert profiled == {"bedrock-emulator", "broker"}
    emulator = services["bedrock-emulator"]
    assert emulator["profiles"] == ["offline"]
    assert emulator["entrypoint"] == ["python", "-m", "bedrock_emulator", "--host", "0.0.0.0", "--port", "4010"]
    mount = bind_mounts(emulator)["/opt/emulator"]
    assert Path(mount["source"]) == REPO / "emulator" and mount["read_only"] is True
    assert emulator["environment"]["PYTHONPATH"] == "/opt/emulator"
    assert (REPO / "emulator" / "bedrock_emulator" / "__main__.py").is_file()
    # Nothing long-running depends on the emulator or the broker: the default profile must start without them.
    for name, svc in services.items():
        assert "bedrock-emulator" not in (svc.get("depends_on") or {}), name
        assert "broker" not in (svc.get("depends_on") or {}), name


def test_the_broker_runs_like_on_ecs_in_its_own_profile_with_its_own_credential(services: dict) -> None:
    """The stock image, the repository's code, policy and gateway config read-only, its credential (never the master
    key), empty unless minted (the broker then refuses to start: tests/identity), the gateway's admin API inside
    the compose network, its own health check."""
    broker = services["broker"]
    assert broker["profiles"] == ["broker"]
    assert broker["entrypoint"][:4] == ["python", "-m", "llmgw.broker", "serve"]
    args = dict(a.split("=", 1) for a in broker["entrypoint"][4:])
    assert args["--gateway-url"] == "http://litellm:4000" and args["--port"] == "4020"
    mounts = bind_mounts(broker)
    code = mounts["/opt/llmgw/llmgw"]
    assert Path(code["source"]) == REPO / "src" / "llmgw" and broker["environment"]["PYTHONPATH"] == "/opt/llmgw"
    policy_dir = Path(mounts["/etc/llmgw-broker"]["source"])
    assert policy_dir == REPO / "infra" / "broker"
    assert args["--policy"] == "/etc/llmgw-broker/policy.yaml" and (policy_dir / "policy.yaml").is_file()
    assert Path(mounts[args["--gateway-config"]]["source"]) == REPO / "infra" / "litellm" / "config.yaml"
    env = broker["environment"]
    assert env["LLMGW_BROKER_ADMIN_KEY"] == ""
    assert "LITELLM_MASTER_KEY" not in env and SECRETS["LITELLM_MASTER_KEY"] not in json.dumps(broker)
    minted = resolved({"LLMGW_BROKER_ADMIN_KEY": "sk-minted"})["services"]["broker"]["environment"]
    assert minted["LLMGW_BROKER_ADMIN_KEY"] == "sk-minted"
    assert broker["depends_on"]["litellm"]["condition"] == "service_healthy"
    assert "/broker/healthz" in healthcheck_script(broker)


def test_the_broker_probe_accepts_the_real_broker(services: dict, tmp_path: Path) -> None:
    """The compose service's own command line (paths mapped to the checkout) and health check against the real
    broker process (no gateway behind it: the health check needs only the policy)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    broker = services["broker"]
    mounts = sorted(((t, m["source"]) for t, m in bind_mounts(broker).items()), key=lambda tm: -len(tm[0]))

    def on_this_machine(arg: str) -> str:
        flag, _, value = arg.partition("=")
        for target, source in mounts:
            if value == target or value.startswith(target + "/"):
                return f"{flag}={source}{value[len(target) :]}"
        return arg

    argv = [on_this_machine(a) for a in broker["entrypoint"]]
    argv = [a.replace("--port=4020", f"--port={port}").replace("--host=0.0.0.0", "--host=127.0.0.1") for a in argv]
    assert f"--policy={REPO / 'infra' / 'broker' / 'policy.yaml'}" in argv
    assert argv[0] == "python"
    env = {"PATH": os.environ["PATH"], "LLMGW_BROKER_ADMIN_KEY": "sk-test", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.Popen([sys.executable, *argv[1:]], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    script = healthcheck_script(broker).replace("127.0.0.1:4020", f"127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30, check=False)
            if result.returncode == 0:
                break
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else proc.returncode
            assert time.monotonic() < deadline, "the broker did not become healthy in 60 s"
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_startup_order_and_health_checks(services: dict) -> None:
    litellm = services["litellm"]["depends_on"]
    assert litellm["postgres"]["condition"] == "service_healthy"
    assert litellm["litellm-migrate"]["condition"] == "service_completed_successfully"
    assert services["litellm-migrate"]["command"] == ["--skip_server_startup"]
    assert services["litellm-migrate"]["restart"] == "no"
    for name, svc in services.items():
        if name != "litellm-migrate":
            assert svc.get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]


def test_the_metrics_server_reads_the_workers_samples_with_its_own_token(services: dict) -> None:
    metrics, litellm = services["litellm-metrics"], services["litellm"]
    assert metrics["image"] == litellm["image"], "the stock LiteLLM image runs it"
    assert metrics["entrypoint"][:3] == ["python", "-m", "llmgw_callbacks.metrics_server"]
    assert metrics["environment"]["LLMGW_METRICS_TOKEN"] == SECRETS["LLMGW_METRICS_TOKEN"]
    assert "LITELLM_MASTER_KEY" not in metrics["environment"]

    def named(service: dict) -> set[tuple[str, str]]:
        """(volume, target) of the named volumes (short syntax 'name:/path')."""
        return {tuple(v.split(":")[:2]) for v in service["volumes"] if isinstance(v, str)}

    assert named(metrics) and named(metrics) <= named(litellm)
    assert {target for _, target in named(metrics)} == {litellm["environment"]["PROMETHEUS_MULTIPROC_DIR"]}
    assert metrics["environment"]["PROMETHEUS_MULTIPROC_DIR"] == litellm["environment"]["PROMETHEUS_MULTIPROC_DIR"]


def test_published_ports_are_the_contract_ports_on_loopback(services: dict) -> None:
    for name, port in PORTS.items():
        published = services[name]["ports"]
        assert published == [f"127.0.0.1:{port}:{port}/tcp"], (name, published)
    # unpublished: the one-shot migration, and the metrics server only VictoriaMetrics reaches
    assert set(PORTS) | {"litellm-migrate", "litellm-metrics"} == set(services)
    assert "ports" not in services["litellm-metrics"]


def test_victoriametrics_scrapes_the_gateway_with_the_metrics_token(services: dict) -> None:
    vm = services["victoriametrics"]
    mount = bind_mounts(vm)["/etc/victoriametrics/scrape.yml"]
    assert Path(mount["source"]) == REPO / "infra" / "victoriametrics" / "scrape.compose.yml"
    assert mount["read_only"] is True
    assert "-promscrape.config=/etc/victoriametrics/scrape.yml" in vm["command"]
    # its own credential, never the master key
    assert vm["environment"]["LLMGW_METRICS_TOKEN"] == SECRETS["LLMGW_METRICS_TOKEN"]
    assert SECRETS["LITELLM_MASTER_KEY"] not in json.dumps(vm)
    scrape = Path(mount["source"])
    assert scrape.is_file(), f"{scrape} is missing (rendered by tools/render_scrape_config.py)"
    text = scrape.read_text()
    assert "litellm-metrics:4001" in text and "%{LLMGW_METRICS_TOKEN}" in text and "/metrics/" in text
    # VictoriaMetrics refuses to start when a %{NAME} placeholder of its config is not in its environment.
    placeholders = set(re.findall(r"%\{([A-Z0-9_]+)\}", text))
    assert placeholders <= set(vm["environment"]), placeholders - set(vm["environment"])


def test_vmalert_and_grafana_use_the_repository_rules_and_provisioning(services: dict) -> None:
    vmalert = services["vmalert"]
    assert Path(bind_mounts(vmalert)["/etc/vmalert/rules"]["source"]) == REPO / "infra" / "grafana" / "alerts"
    assert "-rule=/etc/vmalert/rules/*.yml" in vmalert["command"]
    assert "-datasource.url=http://victoriametrics:8428" in vmalert["command"]
    grafana = services["grafana"]
    mounts = bind_mounts(grafana)
    assert Path(mounts["/etc/grafana/provisioning"]["source"]) == REPO / "infra" / "grafana" / "provisioning"
    assert Path(mounts["/var/lib/grafana/dashboards"]["source"]) == REPO / "infra" / "grafana" / "dashboards"
    env = grafana["environment"]
    assert env["VICTORIAMETRICS_URL"] == "http://victoriametrics:8428"
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert env["GF_SECURITY_ADMIN_PASSWORD"] == SECRETS["GRAFANA_ADMIN_PASSWORD"]


def test_every_bind_mount_is_read_only_and_exists_in_the_repository(services: dict) -> None:
    for name, svc in services.items():
        for target, mount in bind_mounts(svc).items():
            assert mount.get("read_only") is True, (name, target)
            assert Path(mount["source"]).exists(), f"{name}: {mount['source']} does not exist"


def test_env_example_documents_every_variable_and_holds_no_secret() -> None:
    referenced = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE.read_text()))
    passthrough = {"AWS_BEDROCK_RUNTIME_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    example = ENV_EXAMPLE.read_text()
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert referenced | passthrough <= documented, sorted((referenced | passthrough) - documented)
    for key in SECRETS:
        value = re.search(rf"^{key}=(.*)$", example, flags=re.MULTILINE)[1]
        assert "REPLACE" in value, f"{key} in .env.example must be a placeholder"
    assert "openssl rand" in example
    assert "infra/.env" in (REPO / ".gitignore").read_text().splitlines()


def healthcheck_script(service: dict) -> str:
    test = service["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    return test[3]


def test_the_litellm_probe_refuses_a_gateway_without_database(services: dict, gateway: Gateway) -> None:
    """The real gateway answers /health/readiness 200 with db "Not connected": the compose probe must say unhealthy."""
    script = healthcheck_script(services["litellm"]).replace("http://127.0.0.1:4000", gateway.url)
    assert gateway.url in script
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 1, result.stderr


def test_the_emulator_probe_accepts_the_real_emulator(services: dict, emulator_url: str) -> None:
    script = healthcheck_script(services["bedrock-emulator"]).replace("http://127.0.0.1:4010", emulator_url)
    assert emulator_url in script
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr


def required_imports(tree: ast.AST) -> set[str]:
    """Top-level module names imported outside `try: ... except ImportError` and outside functions (optional
    imports, and those of a feature that needs more, such as the emulator's IAM enforcement with moto, do not
    count)."""
    optional: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            optional.update(id(n) for stmt in node.body for n in ast.walk(stmt))
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in {"ImportError", "ModuleNotFoundError"} for h in node.handlers
        ):
            optional.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_emulator_needs_only_what_the_stock_image_has() -> None:
    """The stock LiteLLM image runs the emulator: it may import the standard library and aiohttp, nothing else."""
    imported: set[str] = set()
    for source in (REPO / "emulator" / "bedrock_emulator").glob("*.py"):
        imported |= required_imports(ast.parse(source.read_text()))
    third_party = imported - set(sys.stdlib_module_names) - {"__future__", "bedrock_emulator"}
    assert third_party == {"aiohttp"}, third_party
    # IAM enforcement (moto) is the one feature that needs more; compose does not turn it on
    assert "--iam-policy" not in COMPOSE.read_text()


def flag_values(command: str | list[str]) -> dict[str, str]:
    parts = command if isinstance(command, list) else shlex.split(command)
    return {m[1]: m[2].strip('"') for m in (re.match(r"^-([\w.]+)=(.*)$", p) for p in parts) if m}


def test_metrics_flags_match_the_local_stack(services: dict) -> None:
    """Retention, strict parsing, evaluation interval: the same in docker-compose as in the Procfile (make up)."""
    procfile = procfile_commands()
    local_vm, local_vmalert = flag_values(procfile["victoriametrics"]), flag_values(procfile["vmalert"])
    vm, vmalert = flag_values(services["victoriametrics"]["command"]), flag_values(services["vmalert"]["command"])
    for flag in ("retentionPeriod", "promscrape.config.strictParse", "search.latencyOffset"):
        assert vm.get(flag) == local_vm.get(flag), flag
    assert ("vmalert.proxyURL" in vm) == ("vmalert.proxyURL" in local_vm)
    assert vmalert["evaluationInterval"] == local_vmalert["evaluationInterval"]
