"""Rate limits hold across gateway instances: two real gateways share one real redis-server behind a real haproxy
(standing in for the ALB, round robin per request). A key's rpm limit, and a key's per-model limit, answer 429 at the
configured rate for the whole fleet, not once per instance (which would let twice the rate through).

The measured overshoot (requests answered above the limit) is printed and kept in docs/reliability.md.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from callbacks.scrape import scrape

from gateway import limits_auth
from llmgw.paths import CONFIG
from llmgw_callbacks.labels import pseudonym
from support.services import run_haproxy, run_redis
from support.stack import Gateway, new_master_key, run_gateway

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent
# Users are labelled with salted pseudonyms, as a deployment does by default; the test knows the salt.
LABEL_SALT = "shared-limits-test-salt"


def limits_config(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load(CONFIG.read_text())
    config["general_settings"]["custom_auth"] = "limits_auth.user_api_key_auth"
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copy(HERE / "limits_auth.py", directory / "limits_auth.py")
    return path


@dataclass
class Fleet:
    url: str  # haproxy
    gateways: list[Gateway]


@pytest.fixture(scope="module")
def fleet(run_dir: Path, emulator_url: str) -> Iterator[Fleet]:
    config = limits_config(run_dir / "limits-gateway")
    key = new_master_key()
    with ExitStack() as stack:
        redis = stack.enter_context(run_redis(run_dir))
        env = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis), "LLMGW_LABEL_SALT": LABEL_SALT}
        gateways = [stack.enter_context(run_gateway(run_dir, emulator_url, config=config, master_key=key,
                                                    extra_env=env)) for _ in range(2)]  # fmt: skip
        url = stack.enter_context(run_haproxy(run_dir, [int(g.url.rsplit(":", 1)[1]) for g in gateways]))
        yield Fleet(url, gateways)


def burst(url: str, key: str, model: str, count: int) -> list[int]:
    body = {"model": model, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}

    def one(_: int) -> int:
        r = httpx.post(f"{url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"},
                       timeout=60)  # fmt: skip
        assert r.status_code in (200, 429), r.text
        return r.status_code

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


def served_by_each(fleet: Fleet, user: str) -> list[float]:
    label = pseudonym(user, LABEL_SALT)
    return [scrape(g).total("llmgw_requests_total", user=label, outcome="success") for g in fleet.gateways]


@pytest.mark.parametrize(
    ("key", "user", "limit"),
    [
        (limits_auth.RPM_KEY, "rpm-user", limits_auth.RPM_LIMIT),
        (limits_auth.MODEL_KEY, "model-user", limits_auth.MODEL_RPM_LIMIT),
    ],
)
def test_a_key_limit_holds_for_the_whole_fleet(fleet: Fleet, key: str, user: str, limit: int) -> None:
    statuses = burst(fleet.url, key, "claude-haiku-4-5", 3 * limit)
    answered = statuses.count(200)
    per_instance = served_by_each(fleet, user)
    print(f"\n{user}: limit {limit}/min, {len(statuses)} sent, {answered} answered, {statuses.count(429)} refused, "
          f"overshoot {answered - limit}, per instance {per_instance}")  # fmt: skip
    assert all(n > 0 for n in per_instance), f"haproxy did not spread the requests: {per_instance}"
    assert answered >= limit, "the limit refused requests below the configured rate"
    assert answered < 2 * limit, f"{answered} answered: each instance applied the limit on its own"


def test_a_refusal_says_which_limit(fleet: Fleet) -> None:
    burst(fleet.url, limits_auth.RPM_KEY, "claude-haiku-4-5", limits_auth.RPM_LIMIT)
    body = {"model": "claude-haiku-4-5", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]}
    r = httpx.post(f"{fleet.url}/v1/messages", headers={"x-api-key": limits_auth.RPM_KEY}, json=body, timeout=60)
    assert r.status_code == 429, r.text
    print("\n429 body:", r.text[:600], dict(r.headers))


def test_other_keys_are_not_limited(fleet: Fleet) -> None:
    assert set(burst(fleet.url, limits_auth.FREE_KEY, "claude-haiku-4-5", 12)) == {200}
