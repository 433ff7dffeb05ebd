"""ONE scrape template, two renderings: Terraform's templatefile() (ECS) and llmgw.scrape_config
(local stack, docker-compose) must produce the same bytes, and VictoriaMetrics must accept every rendering."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from llmgw import scrape_config as renderer
from llmgw.paths import REPO

TEMPLATE = REPO / "infra" / "victoriametrics" / "scrape.yml.tftpl"
COMPOSE_RENDERING = REPO / "infra" / "victoriametrics" / "scrape.compose.yml"
CLI = [sys.executable, str(REPO / "tools" / "render_scrape_config.py")]
PLACEHOLDER = re.compile(r"%\{(\w+)\}")

NO_BROKER = {"broker_dns_sd_names": [], "broker_port": 4020}
CASES = {
    "local": {"scrape_interval": "15s", "static_targets": ["127.0.0.1:4000"], "dns_sd_names": [],
              "dns_sd_port": 4000, "environment": "local", **NO_BROKER},
    "compose": {"scrape_interval": "15s", "static_targets": ["litellm-metrics:4001"], "dns_sd_names": [],
                "dns_sd_port": 4000, "environment": "compose", "broker_dns_sd_names": ["broker"],
                "broker_port": 4020},
    "ecs": {"scrape_interval": "30s", "static_targets": [], "dns_sd_names": ["litellm.llm-gateway.internal"],
            "dns_sd_port": 4000, "environment": "prod", **NO_BROKER},
    "ecs-broker": {"scrape_interval": "30s", "static_targets": [], "dns_sd_names": ["litellm.llm-gateway.internal"],
                   "dns_sd_port": 4000, "environment": "prod",
                   "broker_dns_sd_names": ["key-broker.llm-gateway.internal"], "broker_port": 4020},
    "both": {"scrape_interval": "1m", "static_targets": ["10.0.0.5:4000", "gw-b:4001"],
             "dns_sd_names": ["a.example.internal", "b.example.internal"], "dns_sd_port": 8080,
             "environment": "dev-eu_1.x", **NO_BROKER},
    "broker": {"scrape_interval": "15s", "static_targets": ["127.0.0.1:4000"], "dns_sd_names": [],
               "dns_sd_port": 4000, "environment": "local", "broker_targets": ["127.0.0.1:4010", "broker-b:4010"],
               **NO_BROKER},
}  # fmt: skip
for _case in CASES.values():
    _case.setdefault("broker_targets", [])


def terraform_templatefile(template: Path, variables: dict, workdir: Path) -> str:
    """Render with Terraform's own templatefile(), offline: `terraform console` in an empty directory."""
    expr = f"base64encode(templatefile({json.dumps(str(template))}, {json.dumps(variables)}))"
    r = subprocess.run(
        ["terraform", "console"], input=expr, cwd=workdir, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(workdir), "TF_IN_AUTOMATION": "1"},
    )  # fmt: skip
    assert r.returncode == 0, f"terraform console failed:\n{r.stderr}"
    return base64.b64decode(r.stdout.strip().strip('"')).decode()


@pytest.fixture(scope="module")
def terraform_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed: the Python renderer cannot be compared with templatefile()")
    return tmp_path_factory.mktemp("terraform-console")


@pytest.mark.parametrize("case", sorted(CASES))
def test_python_rendering_equals_terraform(case: str, terraform_dir: Path) -> None:
    variables = CASES[case]
    expected = terraform_templatefile(TEMPLATE, variables, terraform_dir)
    assert renderer.render(TEMPLATE.read_text(), variables) == expected


SUBSET_TEMPLATE = """\
a: ${jsonencode(name)} ${name} ${count}
%{ for item in things ~}
  - ${item}
%{ endfor ~}
b: 1
%{~ if length(things) > 0 }
yes ${jsonencode(things)}
   %{~ else }
no
%{ endif ~}
   tail $${literal} %%{literal}
%{ if length(empty) > 0 }never%{ else }empty list%{ endif }
"""


@pytest.mark.parametrize(
    "variables",
    [
        {"name": 'we<ird> & "quoted"\\ \u00e9\n\ttab', "count": 3, "things": ["x", "y"], "empty": []},
        {"name": "", "count": 0, "things": [], "empty": []},
    ],
)
def test_renderer_subset_matches_terraform_semantics(variables: dict, terraform_dir: Path, tmp_path: Path) -> None:
    """Strip markers, for/if/else, escapes and jsonencode's Go escaping behave exactly like Terraform's."""
    template = tmp_path / "subset.tftpl"
    template.write_text(SUBSET_TEMPLATE)
    assert renderer.render(SUBSET_TEMPLATE, variables) == terraform_templatefile(template, variables, terraform_dir)


def test_unsupported_template_syntax_is_refused() -> None:
    for source in ("${upper(x)}", "%{ if x }a%{ endif }", "%{ if length(x) > 0 }a", "%{ endfor }"):
        with pytest.raises(renderer.TemplateError):
            renderer.render(source, {"x": ["a"]})
    with pytest.raises(renderer.TemplateError, match='does not contain key "missing"'):
        renderer.render("%{ if length(x) > 0 }${missing}%{ endif }", {"x": []})  # like templatefile(): static check


def vmagent_dry_run(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["vmagent", f"-promscrape.config={config}", "-promscrape.config.strictParse", "-dryRun"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_rendering_passes_vmagent_strict_dry_run(case: str, tmp_path: Path) -> None:
    config = tmp_path / "scrape.yml"
    config.write_text(renderer.render(TEMPLATE.read_text(), CASES[case]))
    r = vmagent_dry_run(config)
    assert r.returncode == 0, r.stderr[-2000:]


def test_vmagent_dry_run_rejects_a_broken_config(tmp_path: Path) -> None:
    """The dry run above has teeth: an unknown field is refused under strict parsing."""
    config = tmp_path / "scrape.yml"
    text = renderer.render(TEMPLATE.read_text(), CASES["local"]).replace("metrics_path:", "metrics_pth:", 1)
    config.write_text(text)
    r = vmagent_dry_run(config)
    assert r.returncode != 0
    assert "metrics_pth" in r.stderr


def jobs_of(text: str) -> dict[str, dict]:
    return {job["job_name"]: job for job in yaml.safe_load(text)["scrape_configs"]}


def litellm_job(text: str) -> dict:
    jobs = jobs_of(text)
    assert set(jobs) == {"litellm", "victoriametrics", "vmalert"}
    return jobs["litellm"]


def test_the_key_broker_is_scraped_by_its_dns_name_only_when_given() -> None:
    jobs = jobs_of(renderer.render(TEMPLATE.read_text(), CASES["ecs-broker"]))
    assert set(jobs) == {"litellm", "key-broker", "victoriametrics", "vmalert"}
    broker = jobs["key-broker"]
    assert broker["dns_sd_configs"] == [{"names": ["key-broker.llm-gateway.internal"], "type": "A", "port": 4020}]
    assert "bearer_token" not in broker and "metrics_path" not in broker  # /metrics, inside the network only
    assert {"target_label": "environment", "replacement": "prod"} in broker["relabel_configs"]
    # Without a broker the rendering is what it was before the broker job existed.
    without = renderer.render(TEMPLATE.read_text(), CASES["ecs"])
    assert "key-broker" not in without and "\n\n\n" not in without
    with pytest.raises(ValueError, match="broker-dns-sd-name"):
        renderer.render_targets(["127.0.0.1:4001"], broker_dns_sd_names=["not a name"])


def test_ecs_rendering_scrapes_every_task_by_dns_a_records() -> None:
    job = litellm_job(renderer.render(TEMPLATE.read_text(), CASES["ecs"]))
    assert "static_configs" not in job, "ECS tasks must come from service discovery, never from a fixed address"
    assert job["dns_sd_configs"] == [{"names": ["litellm.llm-gateway.internal"], "type": "A", "port": 4000}]
    assert job["metrics_path"] == "/metrics/"
    assert job["bearer_token"] == "%{LLMGW_METRICS_TOKEN}"
    assert {"target_label": "environment", "replacement": "prod"} in job["relabel_configs"]


def test_local_rendering_scrapes_the_static_targets() -> None:
    text = renderer.render(TEMPLATE.read_text(), CASES["both"])
    job = litellm_job(text)
    assert job["static_configs"] == [{"targets": ["10.0.0.5:4000", "gw-b:4001"]}]
    assert job["dns_sd_configs"][0]["port"] == 8080
    assert yaml.safe_load(text)["global"]["scrape_interval"] == "1m"


def test_committed_compose_rendering_is_up_to_date() -> None:
    args = ["--static-target", "litellm-metrics:4001", "--environment", "compose", "--broker-dns-sd-name", "broker",
            "--out", str(COMPOSE_RENDERING)]  # fmt: skip
    r = subprocess.run([*CLI, *args, "--check"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert COMPOSE_RENDERING.read_text() == renderer.render(TEMPLATE.read_text(), CASES["compose"])


def test_compose_passes_every_placeholder_to_victoriametrics() -> None:
    """VictoriaMetrics expands %{NAME} from its environment (newer releases refuse to start when one is unset):
    the docker-compose service must define every variable the committed rendering uses."""
    compose = yaml.safe_load((REPO / "infra" / "docker-compose.yml").read_text())
    service = compose["services"]["victoriametrics"]
    mounts = [v for v in service.get("volumes", []) if isinstance(v, dict)]
    assert any(m.get("source", "").endswith("victoriametrics/scrape.compose.yml") for m in mounts), mounts
    env = service.get("environment", {})
    env_names = set(env) if isinstance(env, dict) else {item.split("=", 1)[0] for item in env}
    needed = set(PLACEHOLDER.findall(COMPOSE_RENDERING.read_text()))
    assert needed == {"LLMGW_METRICS_TOKEN", "VICTORIAMETRICS_SELF_TARGET", "VMALERT_TARGET"}
    assert not needed - env_names, f"infra/docker-compose.yml victoriametrics.environment lacks {needed - env_names}"


def test_no_placeholder_outside_the_scrape_settings() -> None:
    """A placeholder in a comment would also be expanded (and fail when unset): only the three known ones."""
    for line in COMPOSE_RENDERING.read_text().splitlines():
        if line.lstrip().startswith("#"):
            assert "%{" not in line, line


def test_cli_renders_to_stdout_and_file(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "scrape.yml"
    r = subprocess.run([*CLI, "--static-target", "127.0.0.1:4000", "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.read_text() == renderer.render(TEMPLATE.read_text(), CASES["local"])
    r = subprocess.run([*CLI, "--dns-sd-name", "litellm.llm-gateway.internal", "--scrape-interval", "30s",
                        "--environment", "prod"], capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout == renderer.render(TEMPLATE.read_text(), CASES["ecs"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "nothing to scrape"),
        (["--static-target", "localhost"], "is not host:port"),
        (["--static-target", "a:1", "--static-target", "a:1"], "given twice"),
        (["--static-target", "a:99999"], "is not host:port"),
        (["--dns-sd-name", "bad name"], "is not a DNS name"),
        (["--static-target", "a:1", "--scrape-interval", "soon"], "is not a duration"),
        (["--static-target", "a:1", "--environment", "a b"], "--environment"),
        (["--static-target", "a:1", "--dns-sd-port", "0"], "is not a TCP port"),
        (["--static-target", "a:1", "--broker-dns-sd-name", "bad name"], "is not a DNS name"),
        (["--static-target", "a:1", "--broker-port", "0"], "is not a TCP port"),
    ],
)
def test_bad_input_is_a_one_line_error(args: list[str], message: str) -> None:
    r = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ") and message in r.stderr, r.stderr


def test_check_reports_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "scrape.yml"
    stale.write_text("old\n")
    r = subprocess.run([*CLI, "--static-target", "a:1", "--out", str(stale), "--check"], capture_output=True, text=True)
    assert r.returncode == 1
    assert "is not up to date" in r.stderr
    assert stale.read_text() == "old\n"


def test_help() -> None:
    r = subprocess.run([*CLI, "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    assert "--static-target" in r.stdout and "--dns-sd-name" in r.stdout
