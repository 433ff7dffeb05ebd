"""The configurations `make bench` derives from the shipped file: `ours` and `builtin` are the deployment before
the tuned profile, `tuned` is the file itself, `stock` is the model list only."""

from __future__ import annotations

from pathlib import Path

import yaml

from llmgw.bench import targets
from llmgw.paths import CONFIG
from llmgw.stack.env import LITELLM_BASE_ENV
from llmgw.stack.procs import gateway_env


def test_tuning_settings_exist_only_in_the_tuned_target(tmp_path: Path) -> None:
    paths = targets.write_configs(tmp_path)
    configs = {name: yaml.safe_load(path.read_text()) for name, path in paths.items()}
    assert paths[targets.TUNED] == CONFIG
    shipped = configs[targets.TUNED]["litellm_settings"]
    assert set(targets.TUNING_SETTINGS) <= set(shipped), "the shipped config has no tuned profile to measure"
    for name in (targets.BUILTIN, targets.OURS):
        settings = configs[name]["litellm_settings"]
        assert not set(targets.TUNING_SETTINGS) & set(settings), name
        # apart from the callbacks and the tuning, the shipped file
        rest = {k: v for k, v in shipped.items() if k not in {"callbacks", *targets.TUNING_SETTINGS}}
        assert {k: v for k, v in settings.items() if k != "callbacks"} == rest, name
    assert configs[targets.BUILTIN]["litellm_settings"]["callbacks"] == ["prometheus"]
    assert configs[targets.OURS]["litellm_settings"]["callbacks"][0] == "prometheus"
    assert set(configs[targets.STOCK]) == {"model_list", "router_settings"}


def test_every_target_keeps_the_shipped_worker_ping_timeout(tmp_path: Path) -> None:
    """Ours and stock alike (stock's environment drops our LiteLLM variables, not this one)."""
    shipped = LITELLM_BASE_ENV["TIMEOUT_WORKER_HEALTHCHECK"]
    assert int(shipped) >= 60
    for workers in (1, 2):
        env = gateway_env("http://127.0.0.1:1", port=1, master_key="k", config=CONFIG, workers=workers,
                          multiproc_dir=tmp_path)  # fmt: skip
        assert env["TIMEOUT_WORKER_HEALTHCHECK"] == shipped
        assert targets.stock_env(env, LITELLM_BASE_ENV)["TIMEOUT_WORKER_HEALTHCHECK"] == shipped
