"""docker-compose, the ECS task definition and the local stack run the same LiteLLM version with the same config
file and callbacks (versions.env is the one pin; infra/litellm/config.yaml the one config)."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import yaml

from llmgw.paths import CONFIG
from llmgw.stack.env import LITELLM_BASE_ENV, procfile_commands

from .tflib import MODULES, REPO, TfDir, unquote, versions_env

COMPOSE = REPO / "infra" / "docker-compose.yml"
CONTAINER_CONFIG = "/etc/litellm/config.yaml"
CONTAINER_CALLBACKS = "/etc/litellm/callbacks"


def _compose() -> dict:
    assert COMPOSE.is_file(), f"{COMPOSE} missing"
    return yaml.safe_load(COMPOSE.read_text())


def _resolve_default(value: str) -> str:
    """${NAME:-default} -> default (what compose uses when the variable is unset)."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_one_litellm_version_everywhere() -> None:
    pins = versions_env()
    version, image, tag = pins["LITELLM_VERSION"], pins["LITELLM_IMAGE"], pins["LITELLM_IMAGE_TAG"]
    assert tag == f"v{version}"
    # local stack: the pip-installed proxy the Procfile's `litellm` command runs
    assert metadata.version("litellm") == version
    assert procfile_commands()["litellm"].startswith("exec litellm ")
    # docker-compose
    compose_image = _resolve_default(_compose()["services"]["litellm"]["image"])
    assert compose_image == f"{image}:{tag}"
    # ECS: the module's and the composition's defaults
    module_type = str(TfDir.load(MODULES / "litellm-service").variables["image"].body["type"])
    assert (
        f'repository = optional(string, "{image}")' in module_type and f'tag = optional(string, "{tag}")' in module_type
    )
    gateway_type = str(TfDir.load(MODULES / "gateway").variables["litellm"].body["type"])
    assert f'image_tag = optional(string, "{tag}")' in gateway_type


def test_one_config_file_and_callbacks_everywhere() -> None:
    # local stack
    assert CONFIG == REPO / "infra" / "litellm" / "config.yaml"
    assert '--config "$LITELLM_CONFIG"' in procfile_commands()["litellm"]
    # docker-compose: bind mounts of the same files at the container paths
    litellm = _compose()["services"]["litellm"]
    mounts = {v["target"]: (COMPOSE.parent / v["source"]).resolve() for v in litellm["volumes"] if isinstance(v, dict)}
    assert mounts[CONTAINER_CONFIG] == CONFIG.resolve()
    assert mounts[CONTAINER_CALLBACKS] == (REPO / "callbacks").resolve()
    command = litellm["command"]
    assert command[command.index("--config") + 1] == CONTAINER_CONFIG
    # ECS: the gateway composition uploads the same files; the task reads them at the same paths
    gw = TfDir.load(MODULES / "gateway")
    gw_locals = {k: v for doc in gw.docs.values() for b in doc.get("locals", []) for k, v in b.items()}
    repo = (MODULES / "gateway" / "../../../..").resolve()
    assert repo == REPO
    assert unquote(gw_locals["config_file"]).replace("${local.repo}", str(repo)) == str(CONFIG)
    assert unquote(gw_locals["callbacks_dir"]).replace("${local.repo}", str(repo)) == str(REPO / "callbacks")
    calls = gw.module_calls["litellm"]
    assert calls["config_file"] == "${local.config_file}" and calls["callbacks_dir"] == "${local.callbacks_dir}"
    svc = {
        k: v
        for doc in TfDir.load(MODULES / "litellm-service").docs.values()
        for b in doc.get("locals", [])
        for k, v in b.items()
    }
    assert unquote(svc["config_dir"]) + "/config.yaml" == CONTAINER_CONFIG
    assert unquote(svc["callbacks_path"]) == CONTAINER_CALLBACKS


def test_one_base_environment_everywhere() -> None:
    compose_env = _compose()["x-litellm-env"]
    assert {k: str(compose_env[k]) for k in LITELLM_BASE_ENV} == LITELLM_BASE_ENV
    assert compose_env["PYTHONPATH"] == CONTAINER_CALLBACKS
    svc = {
        k: v
        for doc in TfDir.load(MODULES / "litellm-service").docs.values()
        for b in doc.get("locals", [])
        for k, v in b.items()
    }
    assert {k: unquote(v) for k, v in svc["litellm_base_env"].items()} == LITELLM_BASE_ENV


def test_callbacks_uploaded_to_ecs_are_the_package(tmp_path: Path) -> None:
    """The module uploads fileset(callbacks_dir, "llmgw_callbacks/**/*.py"): that is the whole importable package."""
    package = REPO / "callbacks" / "llmgw_callbacks"
    uploaded = sorted(p.relative_to(REPO / "callbacks").as_posix() for p in package.rglob("*.py"))
    assert "llmgw_callbacks/__init__.py" in uploaded and "llmgw_callbacks/cost_metrics.py" in uploaded
    main = (MODULES / "litellm-service" / "main.tf").read_text()
    assert 'fileset(var.callbacks_dir, "llmgw_callbacks/**/*.py")' in main
    callbacks = yaml.safe_load(CONFIG.read_text())["litellm_settings"]["callbacks"]
    custom = [c for c in callbacks if c.startswith("llmgw_callbacks.")]
    for dotted in custom:
        module_path = "/".join(dotted.split(".")[:-1]) + ".py"
        assert module_path in uploaded, f"{dotted} is not in the uploaded package"
