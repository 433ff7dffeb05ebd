"""The key broker's panels on the health dashboard have data: the real broker (its Procfile process) answers real
logins — AWS proofs signed by botocore and replayed to STS in moto's server mode, OIDC ID tokens of a real issuer
over HTTP — and refuses others (no rule, a tampered proof, the IdP down); VictoriaMetrics scrapes it through the
`broker` job of the one scrape template; every broker query of health.json returns data, with the values the
traffic implies. (test_dashboards_live.py proves the gateway's panels; the broker is not part of that stack.)"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import httpx
import pytest
from scripts.admin_double import AdminDouble, serve

from llmgw.paths import CONFIG, REPO
from llmgw.scrape_config import render_targets
from observability.dashboards import expand, load_dashboards, panel_queries
from observability.test_dashboards_live import grafana_globals, has_finite_value
from observability.vmstack import VictoriaMetrics, run_victoriametrics
from support.identity import BrokerProcess, Sts, policy_document, run_broker, run_sts, write_policy
from support.oidc_issuer import Issuer
from support.oidc_issuer import serve as serve_issuer
from support.stack import free_port, new_master_key

SCRAPE_INTERVAL = "1s"
RULES = [
    {"name": "developers", "aws": {"arn": ["arn:aws:iam::123456789012:role/Developer"]}, "team": "platform",
     "models": ["claude-haiku-4-5"], "key_ttl": "4h"},
    {"name": "ml-engineers", "oidc": {"provider": "corp", "groups": ["ml"]}, "team": "ml",
     "models": ["claude-haiku-4-5"]},
]  # fmt: skip
PEOPLE = {
    "alice": {"sub": "00u-alice", "email": "alice@example.com", "groups": ["ml"]},
    "bob": {"sub": "00u-bob", "email": "bob@example.com", "groups": ["everyone"]},
}


EXPECTED = {"aws laptop": 200, "aws batch": 200, "oidc alice": 200, "oidc bob (no rule)": 403, "aws tampered": 401,
            "oidc idp down": 503}  # fmt: skip


def broker_queries() -> list:
    return [q for q in panel_queries(load_dashboards()) if "llmgw_broker_" in q.expr]


@dataclass
class BrokerStack:
    vm: VictoriaMetrics
    broker: BrokerProcess
    started: float


def login(broker: BrokerProcess, body: dict) -> int:
    return httpx.post(f"{broker.url}/broker/v1/keys", json=body, timeout=30).status_code


def mint_credential(double: AdminDouble) -> str:
    """`python -m llmgw.broker credential` (what an operator runs once at install time)."""
    env = {"PATH": "/usr/bin:/bin", "LITELLM_MASTER_KEY": double.master_key}
    done = subprocess.run(
        [sys.executable, "-m", "llmgw.broker", "credential", "--gateway-url", double.url, "--json"],
        capture_output=True, text=True, env=env, timeout=60, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["key"]


def traffic(broker: BrokerProcess, sts: Sts, idp: Issuer, first: bool) -> dict[str, int]:
    """Two AWS logins (developers), one OIDC login (ml-engineers), and refusals: no rule (403), a proof signed with
    a wrong secret (401); in the first round, before the broker has fetched the IdP's keys, the IdP down (503)."""
    statuses = {}
    if first:
        token = idp.mint({"aud": "gateway-cli", **idp.users["alice"]})
        idp.down = True
        try:
            statuses["oidc idp down"] = login(broker, {"purpose": "desktop", "id_token": token})
        finally:
            idp.down = False
    developer = sts.role_session("Developer", "alice@example.com")

    statuses["aws laptop"] = login(broker, {"purpose": "laptop", "aws": sts.proof(developer)})
    statuses["aws batch"] = login(broker, {"purpose": "batch", "aws": sts.proof(developer)})
    statuses["oidc alice"] = login(broker, {"id_token": idp.mint({"aud": "gateway-cli", **idp.users["alice"]})})
    statuses["oidc bob (no rule)"] = login(broker, {"id_token": idp.mint({"aud": "gateway-cli", **idp.users["bob"]})})
    frozen = developer.get_credentials().get_frozen_credentials()
    forged = boto3.Session(aws_access_key_id=frozen.access_key, aws_secret_access_key="not-the-secret",
                           aws_session_token=frozen.token)  # fmt: skip
    statuses["aws tampered"] = login(broker, {"aws": sts.proof(forged)})  # STS: SignatureDoesNotMatch
    return statuses


@pytest.fixture(scope="module")
def broker_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerStack]:
    run_dir = tmp_path_factory.mktemp("broker-metrics")
    with (
        run_sts(run_dir) as sts,
        serve_issuer(Issuer(users={k: dict(v) for k, v in PEOPLE.items()})) as idp,
        serve_issuer(Issuer()) as actions,
        serve(AdminDouble(master_key=new_master_key())) as double,
    ):
        policy = write_policy(run_dir / "policy.yaml", policy_document(sts.url, idp.url, actions.url, RULES))
        credential = mint_credential(double)
        with run_broker(run_dir, policy=policy, admin_url=double.url, admin_key=credential, config=CONFIG) as broker:
            # No gateway in this stack: the litellm job scrapes an address nobody listens on (shown as down).
            scrape = render_targets(
                [f"127.0.0.1:{free_port()}"],
                broker_targets=[broker.url.removeprefix("http://")],
                scrape_interval=SCRAPE_INTERVAL,
                environment="test",
            )
            (run_dir / "scrape.yml").write_text(scrape)
            started = time.time()
            with run_victoriametrics(run_dir, metrics_token="unused-no-gateway") as vm:
                vm.wait_for('up{job="key-broker"}', predicate=lambda r: r and r[0]["value"][1] == "1")
                for first in (True, False):  # twice: the counters grow between scrapes
                    statuses = traffic(broker, sts, idp, first)
                    assert statuses == {k: v for k, v in EXPECTED.items() if first or k != "oidc idp down"}, statuses
                    time.sleep(3 * float(SCRAPE_INTERVAL.removesuffix("s")))
                vm.wait_for(
                    'sum(llmgw_broker_refusals_total{reason="idp_unavailable"})',
                    predicate=lambda r: r and float(r[0]["value"][1]) == 1,
                )
                yield BrokerStack(vm, broker, started)


def test_the_health_dashboard_has_broker_panels() -> None:
    queries = broker_queries()
    assert len(queries) >= 5 and {q.dashboard for q in queries} == {"llmgw-health"}, queries


@pytest.mark.parametrize("query", broker_queries(), ids=lambda q: q.name)
def test_every_broker_query_has_data(broker_stack: BrokerStack, query) -> None:
    now = time.time()
    window = int(now - broker_stack.started) + 60
    expr = expand(query.expr, grafana_globals(window))
    if query.instant:
        result = broker_stack.vm.query(expr, at=now)
    else:
        result = broker_stack.vm.query_range(expr, now - window, now, "5s")
    assert result, f"no series for {expr}"
    assert has_finite_value(query, result), f"only NaN/Inf for {expr}"


def test_the_counts_are_the_traffics(broker_stack: BrokerStack) -> None:
    """Two rounds: 4 AWS keys (developers), 2 OIDC keys (ml-engineers); 2 refusals each of no_rule and a bad proof,
    1 of the IdP down. The labels are the bounded ones the panels group by."""
    vm = broker_stack.vm

    def by(expr: str, *labels: str) -> dict[tuple[str, ...], float]:
        return {tuple(r["metric"].get(x, "") for x in labels): float(r["value"][1]) for r in vm.query(expr)}

    issued = by("sum by (method, rule) (llmgw_broker_keys_issued_total)", "method", "rule")
    assert issued[("aws", "developers")] == 4 and issued[("oidc", "ml-engineers")] == 2, issued
    refused = by("sum by (method, reason) (llmgw_broker_refusals_total) > 0", "method", "reason")
    assert refused == {("oidc", "no_rule"): 2, ("aws", "invalid_proof"): 2, ("oidc", "idp_unavailable"): 1}, refused
    (down,) = vm.query(
        'sum(increase(llmgw_broker_refusals_total{reason=~"sts_unavailable|idp_unavailable"}[1h])) or vector(0)'
    )
    assert float(down["value"][1]) >= 1
