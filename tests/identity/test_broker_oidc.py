"""The key broker with OIDC ID tokens from a real issuer over HTTP (discovery, JWKS, RS256, rotating keys): people
through the device flow, CI through GitHub Actions' token request; and policy edits that revoke keys."""

from __future__ import annotations

import time

import httpx
import pytest
import yaml
from scripts.admin_double import AdminDouble

from support.identity import write_policy
from support.oidc_issuer import Issuer, github_claims, new_key


def login(broker, body: dict) -> httpx.Response:
    return httpx.post(f"{broker.url}/broker/v1/keys", json=body, timeout=30)


def person_token(idp: Issuer, user: str, **claims) -> str:
    return idp.mint({"aud": "gateway-cli", **idp.users[user], **claims})


def test_a_person_in_the_ml_group_gets_the_ml_key(broker, idp: Issuer, double: AdminDouble) -> None:
    answer = login(broker, {"purpose": "laptop", "id_token": person_token(idp, "alice")})
    assert answer.status_code == 200, answer.text
    issued = answer.json()
    assert issued["rule"] == "ml-engineers" and issued["team"] == "ml"
    assert issued["key_alias"] == "broker.oidc.alice@example.com.laptop"
    row = double.key_by_alias(issued["key_alias"])
    assert row["user_id"] == "corp:00u-alice" and "claude-opus-5-5" in row["models"]
    assert row["metadata"]["broker"]["attributes"]["claims"]["groups"] == ["ml", "everyone"]
    assert double.users["corp:00u-alice"]["max_budget"] == 200


def test_keys_rotate_at_the_idp_and_the_broker_follows(broker, idp: Issuer) -> None:
    assert login(broker, {"id_token": person_token(idp, "alice")}).status_code == 200
    idp.rotate()
    idp.retire()  # the old key is gone from the JWKS: the broker must fetch the new set
    time.sleep(1.1)  # the broker refetches a JWKS for an unknown key id at most once a second
    answer = login(broker, {"purpose": "desktop", "id_token": person_token(idp, "alice")})
    assert answer.status_code == 200, answer.text
    stale = idp.mint({"aud": "gateway-cli", **idp.users["alice"]}, key=new_key())  # a key the IdP never published
    refused = login(broker, {"id_token": stale})
    assert refused.status_code == 401 and "not signed by a key of corp" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    [
        ({"ttl": -120}, "expired_proof", "has expired"),
        ({"aud": "another-app"}, "wrong_audience", "audience must be 'gateway-cli'"),
        ({"iss": "https://evil.example.com"}, "invalid_proof", "issuer 'https://evil.example.com' is not trusted"),
    ],
)
def test_bad_id_tokens_get_401(broker, idp: Issuer, double: AdminDouble, change: dict, reason: str, message: str):
    claims = {"aud": "gateway-cli", **idp.users["alice"]}
    ttl = change.pop("ttl", None)
    claims.update(change)
    before = set(double.keys)
    answer = login(broker, {"id_token": idp.mint(claims, ttl=ttl)})
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == reason and message in answer.json()["error"]["message"]
    assert set(double.keys) == before
    assert broker.audit()[-1]["reason"] == reason


def test_a_person_no_rule_admits_gets_403(broker, idp: Issuer) -> None:
    answer = login(broker, {"id_token": person_token(idp, "bob")})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "no_rule"
    assert "corp:00u-bob is not admitted" in answer.json()["error"]["message"]


def test_the_idp_down_is_503(broker, idp: Issuer, double: AdminDouble) -> None:
    token = person_token(idp, "alice")
    idp.down = True
    answer = login(broker, {"id_token": token})
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "idp_unavailable"
    assert not [k for k in double.keys.values() if "alice" in (k.get("key_alias") or "")]


def test_github_actions_main_branch_gets_a_ci_key(broker, actions: Issuer, double: AdminDouble) -> None:
    token = httpx.get(
        actions.github_request_url,
        params={"audience": "https://llm-gateway.test"},
        headers={"Authorization": f"bearer {actions.github_request_token}"},
    ).json()["value"]
    answer = login(broker, {"purpose": "ci", "id_token": token})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rule"] == "ci-main" and answer.json()["key_alias"] == "broker.github.acme.app.ci"
    assert double.users["github:acme/app"]["rpm_limit"] == 30
    # another branch of the same repository, and another repository: no rule
    for claims in (github_claims("acme/app", ref="refs/heads/feature"), github_claims("evil/app")):
        forged = actions.mint({**claims, "aud": "https://llm-gateway.test"})
        refused = login(broker, {"purpose": "ci", "id_token": forged})
        assert refused.status_code == 403, refused.text


def test_a_policy_edit_revokes_the_keys_it_no_longer_admits(broker, idp: Issuer, double, policy_path) -> None:
    alice = login(broker, {"id_token": person_token(idp, "alice")}).json()
    assert double.authenticates(alice["key"])
    document = yaml.safe_load(policy_path.read_text())
    document["rules"] = [r for r in document["rules"] if r["name"] != "ml-engineers"]
    write_policy(policy_path, document)
    deadline = time.monotonic() + 20
    while double.authenticates(alice["key"]) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not double.authenticates(alice["key"]), "the sweep did not revoke the key"
    revoked = [e for e in broker.audit() if e["event"] == "revoked"]
    assert revoked and alice["key_alias"] in revoked[-1]["key_aliases"]
    refused = login(broker, {"id_token": person_token(idp, "alice")})
    assert refused.status_code == 403


def test_a_policy_edit_that_changes_a_rule_revokes_its_keys_and_an_invalid_edit_is_refused(
    broker, idp: Issuer, double, policy_path
) -> None:
    alice = login(broker, {"id_token": person_token(idp, "alice")}).json()
    document = yaml.safe_load(policy_path.read_text())
    broken = yaml.safe_load(policy_path.read_text())
    broken["rules"][0]["budget"]["duration"] = "forever"
    write_policy(policy_path, broken)
    time.sleep(2.5)
    assert double.authenticates(alice["key"])  # the invalid policy is refused, the old one stays in force
    metrics = httpx.get(f"{broker.url}/metrics").text
    assert "llmgw_broker_policy_reload_errors_total 1.0" in metrics
    ml = next(r for r in document["rules"] if r["name"] == "ml-engineers")
    ml["models"] = ["claude-haiku-5-5"]
    write_policy(policy_path, document)
    deadline = time.monotonic() + 20
    while double.authenticates(alice["key"]) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not double.authenticates(alice["key"])
    again = login(broker, {"id_token": person_token(idp, "alice")}).json()
    assert "claude-opus-5-5" not in double.key_by_alias(again["key_alias"])["models"]


def test_metrics_count_issuances_and_refusals_by_method_rule_and_reason(broker, idp: Issuer) -> None:
    login(broker, {"id_token": person_token(idp, "alice")})
    login(broker, {"id_token": person_token(idp, "bob")})
    text = httpx.get(f"{broker.url}/metrics").text
    assert 'llmgw_broker_keys_issued_total{method="oidc",reused="false",rule="ml-engineers"} 1.0' in text
    assert 'llmgw_broker_refusals_total{method="oidc",reason="no_rule",rule=""} 1.0' in text
    assert 'llmgw_broker_keys_issued_total{method="aws",reused="false",rule="developers"} 0.0' in text
