"""The key broker on ECS (modules/key-broker, wired by modules/gateway's key_broker input), offline:

* the broker starts from EXACTLY the files Terraform uploads (the module's code_files, evaluated by the real
  terraform), with the module's entry point and command line, and answers its health check, its config and /metrics;
* the stock LiteLLM image the task runs has every package those files import;
* its public routes (infra/broker/public-routes.yaml, rendered by the real public-routes module) are exactly the
  routes llmgw.broker.app serves to clients and gateway_login.py calls: WAF admits them and nothing else of the
  broker, the ALB forwards them to the broker's target group, and they do not overlap LiteLLM's;
* least privilege: the task role reads the broker's own objects only (no sts:*, Bedrock, database, SNS or EFS), the
  execution role reads the one secret, which is an ECS secret and never a plain value; the gateway and the
  environments wire it in (off by default), VictoriaMetrics scrapes it.
The tftest (modules/key-broker/tests) plans and applies the module against the mocked provider in CI.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from llmgw.edge import edge_rules
from llmgw.edge.edge_rules import EdgeRules

from .tflib import MODULES, REPO, TF_ROOT, TfDir, unquote

MODULE = MODULES / "key-broker"
GATEWAY = MODULES / "gateway"
ROUTES_FILE = REPO / "infra" / "broker" / "public-routes.yaml"
SOURCE_DIR = REPO / "src" / "llmgw"
# What the stock LiteLLM image (the one the task runs) provides beyond the standard library: the proxy itself runs on
# fastapi/starlette/uvicorn/pydantic, calls out with httpx, verifies JWTs with PyJWT, reads its config with PyYAML and
# exports metrics with prometheus_client, signs Bedrock calls with botocore (LiteLLM's requirements.txt pins each; our
# callbacks use prometheus_client).
IMAGE_PACKAGES = {"fastapi", "starlette", "uvicorn", "pydantic", "httpx", "jwt", "yaml", "prometheus_client", "boto3",
                  "botocore"}  # fmt: skip


def module_locals(module: Path) -> dict:
    merged: dict = {}
    for doc in TfDir.load(module).docs.values():
        for block in doc.get("locals", []):
            merged.update({k: v for k, v in block.items() if not k.startswith("__")})
    return merged


def terraform_eval(expression: str, cwd: Path) -> object:
    terraform = shutil.which("terraform")
    assert terraform, "the terraform CLI (>= 1.11) is not on PATH"
    proc = subprocess.run([terraform, "console"], input=f"jsonencode({expression})", cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, TF_IN_AUTOMATION="1"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(json.loads(proc.stdout.strip()))


@pytest.fixture(scope="module")
def code_files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The module's local.code_files, evaluated by terraform itself with source_dir = this repository's src/llmgw."""
    expr = unquote(module_locals(MODULE)["code_files"])
    assert expr.startswith("${") and expr.endswith("}")
    expr = expr[2:-1].replace("var.source_dir", json.dumps(str(SOURCE_DIR)))
    files = terraform_eval(expr, tmp_path_factory.mktemp("console"))
    assert isinstance(files, list) and files
    return files


@pytest.fixture(scope="module")
def uploaded(code_files: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A python path holding the uploaded files only, at the paths config-sync writes (<python>/llmgw/<file>)."""
    root = tmp_path_factory.mktemp("broker-python")
    for name in code_files:
        target = root / "llmgw" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SOURCE_DIR / name, target)
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def container_command(port: int, gateway_url: str) -> list[str]:
    """The broker container's entry point + command from the module, its references replaced by local values."""
    container = module_locals(MODULE)["broker_container"]
    values = {
        "${tostring(local.port)}": str(port),
        "${local.dir}/policy.yaml": str(REPO / "infra" / "broker" / "policy.yaml"),
        "${local.dir}/config.yaml": str(REPO / "infra" / "litellm" / "config.yaml"),
        "${var.litellm.url}": gateway_url,
        "${tostring(var.sweep_interval)}": "300",
    }
    argv = []
    for arg in [*container["entryPoint"], *container["command"]]:
        arg = unquote(arg)
        for ref, value in values.items():
            arg = arg.replace(ref, value)
        assert "${" not in arg, f"unresolved reference in the broker's command: {arg}"
        argv.append(arg)
    assert argv[:3] == ["python3", "-m", "llmgw.broker"]
    return [sys.executable, *argv[1:]]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def running_broker(uploaded: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port, closed = free_port(), free_port()
    command = container_command(port, f"http://127.0.0.1:{closed}")
    command[command.index("0.0.0.0")] = "127.0.0.1"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(uploaded), "PYTHONDONTWRITEBYTECODE": "1",
           "LLMGW_BROKER_ADMIN_KEY": "sk-test-broker-credential"}  # fmt: skip
    log = tmp_path_factory.mktemp("broker-log") / "broker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path_factory.getbasetemp()
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"the broker exited {proc.returncode}:\n{log.read_text()[-3000:]}"
            try:
                if get(url + "/broker/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"no health check answer in 60 s:\n{log.read_text()[-3000:]}"
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- the code Terraform uploads is the broker, and the image runs it -------------------------------------------


def test_the_uploaded_files_are_all_the_broker_imports(uploaded: Path, code_files: list[str]) -> None:
    """Importing every broker module (the lazy imports of `credential` and `serve` too) from the uploaded tree alone
    loads no llmgw file from anywhere else."""
    probe = (
        "import json, sys\n"
        "import llmgw.broker.cli, llmgw.broker.service, llmgw.broker.app, llmgw.admin.users\n"
        "import llmgw.broker.aws_proof, llmgw.broker.oidc, llmgw.broker.issuer, llmgw.broker.metrics\n"
        "print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items() if n.split('.')[0] == 'llmgw')))\n"
    )
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(uploaded), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env,
                          cwd=uploaded)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout)
    assert all(Path(f).is_relative_to(uploaded) for f in loaded), [f for f in loaded if str(uploaded) not in f]
    assert {str(Path(f).relative_to(uploaded / "llmgw")) for f in loaded} <= set(code_files)
    assert "broker/__main__.py" in code_files and "broker/cli.py" in code_files


def test_the_stock_litellm_image_has_every_package_the_broker_imports(code_files: list[str]) -> None:
    imported: set[str] = set()
    for name in code_files:
        for node in ast.walk(ast.parse((SOURCE_DIR / name).read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"__future__", "llmgw"}
    assert third_party <= IMAGE_PACKAGES, f"not in the stock LiteLLM image: {sorted(third_party - IMAGE_PACKAGES)}"
    # ... and the pinned LiteLLM proxy (what the image runs) imports each of them itself.
    import litellm

    package = Path(litellm.__file__).parent
    sources = "\n".join(
        p.read_text(errors="replace") for d in ("proxy", "integrations") for p in (package / d).rglob("*.py")
    )
    for name in third_party:
        assert re.search(rf"^\s*(import|from) {name}\b", sources, flags=re.MULTILINE), f"litellm does not import {name}"


def test_the_task_command_runs_the_broker_from_the_uploaded_files(running_broker: str) -> None:
    status, body = get(running_broker + "/broker/healthz")
    assert status == 200
    policy = yaml.safe_load((REPO / "infra" / "broker" / "policy.yaml").read_text())
    assert json.loads(body)["rules"] == len(policy["rules"])
    status, body = get(running_broker + "/broker/v1/config")
    assert status == 200 and json.loads(body)["aws"]["server_id"] == policy["providers"]["aws"]["server_id"]
    status, body = get(running_broker + "/metrics")
    assert status == 200
    assert f"llmgw_broker_policy_rules {float(len(policy['rules']))}" in body.decode()


def test_the_container_health_check_is_the_brokers_own(running_broker: str) -> None:
    """The module's container health check command, run against the real broker (port replaced)."""
    check = module_locals(MODULE)["broker_container"]["healthCheck"]["command"]
    assert [unquote(c) for c in check[:3]] == ["CMD", "python3", "-c"]
    script = unquote(check[3]).replace(
        "${local.port}${local.health_path}", running_broker.rsplit(":", 1)[1] + "/broker/healthz"
    )
    assert "/broker/healthz" in script and "${" not in script
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert unquote(module_locals(MODULE)["health_path"]) == "/broker/healthz"


# --- the edge: exactly the broker's public routes ----------------------------------------------------------------


@pytest.fixture(scope="module")
def broker_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return edge_rules.render(tmp_path_factory.mktemp("broker-routes"), ROUTES_FILE, group_prefix="broker-")


@pytest.fixture(scope="module")
def litellm_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return edge_rules.render(tmp_path_factory.mktemp("litellm-routes"))


def public_app_routes() -> set[tuple[str, str]]:
    """(method, path) of llmgw.broker.app that clients call: everything but the health check and /metrics."""
    from llmgw.broker.app import create_app

    app = create_app(object(), sweep_interval=0)  # type: ignore[arg-type]  # routes only; no request is served
    served = {(m, r.path) for r in app.routes if hasattr(r, "methods") for m in r.methods if m != "HEAD"}
    return {(m, p) for m, p in served if p not in ("/broker/healthz", "/metrics")}


def test_the_public_routes_are_the_routes_clients_call(broker_outputs: dict) -> None:
    listed = {(m, r["path"]) for r in broker_outputs["routes"] for m in r["methods"]}
    assert listed == public_app_routes()
    client = (REPO / "src" / "llmgw" / "login" / "proofs.py").read_text()
    called = set(re.findall(r'"(/broker/[^"]+)"', client))
    assert called and called <= {p for _, p in listed}, called
    assert all(r["path"].startswith("/broker/") for r in broker_outputs["routes"])


def test_waf_admits_exactly_them_and_the_alb_forwards_them_to_the_broker(
    broker_outputs: dict, litellm_outputs: dict
) -> None:
    waf = [*litellm_outputs["waf_groups"], *broker_outputs["waf_groups"]]
    broker = EdgeRules.from_outputs(waf, broker_outputs["alb_rules"])
    litellm = EdgeRules.from_outputs(waf, litellm_outputs["alb_rules"])
    for method, path in public_app_routes():
        assert broker.waf_allows(method, path) and broker.alb_forwards(method, path), (method, path)
        assert not litellm.alb_forwards(method, path), f"{method} {path} would reach LiteLLM"
    refused = [
        ("GET", "/broker/healthz"),  # the target group's health check and an admin path, not public
        ("GET", "/metrics"),
        ("GET", "/broker/metrics"),
        ("GET", "/broker/v1/keys"),
        ("POST", "/broker/v1/config"),
        ("POST", "/broker/v1/keys/x"),
        ("POST", "/broker/v1/keys/"),
        ("POST", "/broker/v1/x/../keys"),
        ("POST", "/broker/v1/%6Beys/../keys"),
        ("POST", "/BROKER/v1/keys"),
        ("GET", "/broker/docs"),
        ("GET", "/broker/openapi.json"),
    ]
    for method, path in refused:
        assert not broker.waf_allows(method, path), (method, path)
    # The admin-client path still reaches the health check (the ALB's admin rule /broker/*, WAF's admin label).
    assert broker.waf_allows("GET", "/broker/healthz", admin_client=True)
    assert not broker.waf_allows("GET", "/metrics", admin_client=True)
    # LiteLLM's allowlist is not forwarded to the broker.
    for route in litellm_outputs["routes"]:
        for method in route["methods"]:
            assert not broker.alb_forwards(method, route["path"].replace("{model_id}", "m")), route["path"]


def test_the_groups_join_litellms_within_the_web_acl_limits(broker_outputs: dict, litellm_outputs: dict) -> None:
    names = [g["name"] for g in [*litellm_outputs["waf_groups"], *broker_outputs["waf_groups"]]]
    assert len(names) == len(set(names)) <= 9, names  # modules/cloudfront: 1 to 9 groups, unique names
    assert all(g["name"].startswith("broker-") for g in broker_outputs["waf_groups"])
    for rule in broker_outputs["alb_rules"]:
        assert 1 + len(rule["methods"]) + len(rule["path_patterns"]) <= 5


def test_a_bad_group_prefix_is_refused_at_plan(tmp_path: Path) -> None:
    root = edge_rules.module_root(tmp_path, ROUTES_FILE, group_prefix="Broker_")
    plan = edge_rules.plan(root)
    assert plan.returncode != 0 and "group_prefix must be empty" in " ".join(plan.stderr.split())


# --- least privilege and secrets ---------------------------------------------------------------------------------


def test_the_task_role_reads_its_own_objects_and_nothing_else() -> None:
    call = TfDir.load(MODULE).module_calls["task"]
    assert unquote(call["source"]) == "../fargate-service"
    for absent in ("bedrock_policy_json", "rds_db_user_arns", "sns_topic_arns", "efs_access"):
        assert absent not in call, f"the broker's task role needs no {absent}"
    assert call["config_prefixes"] == ["${local.prefix}"] and unquote(module_locals(MODULE)["prefix"]) == "key-broker/"
    assert call["secret_arns"] == ["${var.admin_key_secret_arn}"]
    text = "\n".join(p.read_text() for p in MODULE.glob("*.tf"))
    assert not re.search(r'"(sts|iam|bedrock|secretsmanager|kms|s3):', text), "no IAM statement of its own"
    assert "aws_iam_" not in text, "the roles come from fargate-service (modules/iam)"


def test_the_credential_is_an_ecs_secret_never_a_value() -> None:
    container = module_locals(MODULE)["broker_container"]
    secrets = [{k: unquote(v) for k, v in item.items()} for item in container["secrets"]]
    assert secrets == [{"name": "LLMGW_BROKER_ADMIN_KEY", "valueFrom": "${var.admin_key_secret_arn}"}]
    env = module_locals(MODULE)["environment"]
    assert set(env) == {"PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
    assert "validation" in TfDir.load(MODULE).variables["admin_key_secret_arn"].body
    for name, output in TfDir.load(MODULE).outputs.items():
        assert "admin_key" not in str(output.get("value")), f"output {name} names the credential"
    secrets = TfDir.load(GATEWAY).module_calls["secrets"]
    assert "local.broker_secrets" in str(secrets["secrets"])
    broker_secret = str(module_locals(GATEWAY)["broker_secrets"])
    assert "key-broker-admin-key = {" in broker_secret and "generate = false" in broker_secret


def test_the_broker_is_reached_from_the_alb_and_the_scraper_and_reaches_litellm_only() -> None:
    rules = {n: b for _, t, n, b in TfDir.load(MODULE).resources() if t.startswith("aws_vpc_security_group_")}
    assert set(rules) == {"from_alb", "alb_to_broker", "litellm", "litellm_from_broker"}
    for body in rules.values():
        assert "cidr_ipv4" not in body and "referenced_security_group_id" in body
    vm = {n: b for _, t, n, b in TfDir.load(MODULES / "victoriametrics").resources() if "key_broker" in n}
    assert set(vm) == {"scrape_key_broker", "key_broker_from_vm"}
    assert all(b["count"] == "${var.key_broker == null ? 0 : 1}" for b in vm.values())


# --- wiring: gateway, environments ---------------------------------------------------------------------------------


def test_the_gateway_deploys_it_only_when_enabled() -> None:
    gateway = TfDir.load(GATEWAY)
    kb_type = str(gateway.variables["key_broker"].body["type"])
    assert "enabled = optional(bool, false)" in kb_type
    calls = gateway.module_calls
    assert calls["key_broker"]["count"] == "${local.broker ? 1 : 0}"
    assert "count" not in calls["broker_routes"], "rendered always (provider-free); used only when enabled"
    assert "local.broker ? module.broker_routes.waf_groups : []" in calls["cloudfront"]["public_routes"]
    assert unquote(calls["broker_routes"]["group_prefix"]) == "broker-"
    assert calls["key_broker"]["image"] == "${module.litellm.image}", "the stock LiteLLM image the gateway runs"
    assert calls["key_broker"]["admin_key_secret_arn"] == '${module.secrets.arns["key-broker-admin-key"]}'
    target = calls["alb"]["targets"]["broker"]
    assert target["enabled"] == "${local.broker}" and unquote(target["health_check_path"]) == "/broker/healthz"
    assert target["priority"] < calls["alb"]["targets"]["litellm"]["priority"]
    assert [unquote(p) for p in target["admin"]["path_patterns"]] == ["/broker/*"]
    assert "module.key_broker[0].service_discovery_name" in str(calls["victoriametrics"]["key_broker"])
    outputs = gateway.outputs
    assert "admin_key_secret_arn" in str(outputs["key_broker"]["value"])


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_environments_set_it_explicitly(env: str) -> None:
    root = TF_ROOT / "environments" / env
    call = TfDir.load(root).module_calls["gateway"]
    assert call["key_broker"] == "${var.key_broker}"
    assert "default" not in TfDir.load(root).variables["key_broker"].body
    tfvars = (root / f"{env}.auto.tfvars").read_text()
    assert re.search(r"^key_broker = \{\n  enabled = (true|false)\n\}", tfvars, flags=re.MULTILINE), tfvars
