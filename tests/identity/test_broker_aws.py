"""The key broker with AWS IAM proofs: real SigV4 requests signed by botocore, verified by replay to STS (moto's
server mode, which checks every signature), keys issued through LiteLLM's admin API contract double."""

from __future__ import annotations

import concurrent.futures
import datetime as dt

import httpx
import pytest
from scripts.admin_double import AdminDouble

from llmgw.broker.aws_proof import SERVER_ID_HEADER
from support.identity import FOREIGN_ACCOUNT, SERVER_ID, BrokerProcess, Sts


def proof(session, sts: Sts, *, server_id: str = SERVER_ID, url: str | None = None) -> dict:
    return sts.proof(session, server_id=server_id, url=url)


def login(broker: BrokerProcess, body: dict) -> httpx.Response:
    return httpx.post(f"{broker.url}/broker/v1/keys", json=body, timeout=30)


def test_a_developer_role_session_gets_a_scoped_short_lived_key(broker, sts: Sts, double: AdminDouble) -> None:
    alice = sts.role_session("Developer", "alice@example.com")
    answer = login(broker, {"purpose": "laptop", "aws": proof(alice, sts)})
    assert answer.status_code == 200, answer.text
    issued = answer.json()
    arn = "arn:aws:sts::123456789012:assumed-role/Developer/alice@example.com"
    assert issued["key_alias"] == "broker.aws.123456789012.Developer.alice@example.com.laptop"
    assert issued["team"] == "platform" and issued["rule"] == "developers"
    assert double.authenticates(issued["key"])
    key = double.key_by_alias(issued["key_alias"])
    expires = dt.datetime.fromisoformat(key["expires"])
    assert dt.timedelta(hours=3, minutes=59) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=4)
    # every name that reaches the two groups (dated alias, Bedrock ids of every offered profile) and nothing else
    assert "claude-haiku-4-5" in key["models"] and "claude-haiku-4-5-20251001" in key["models"]
    assert "us.anthropic.claude-haiku-4-5-20251001-v1:0" in key["models"]
    assert "claude-opus-5-5" not in key["models"]
    assert key["team_id"] == "platform" and key["user_id"] == arn
    user = double.users[arn]
    assert (user["max_budget"], user["budget_duration"], user["rpm_limit"], user["tpm_limit"]) == (
        50,
        "30d",
        60,
        100000,
    )
    # the broker used its own route-limited credential, never the master key
    assert {r.credential for r in double.requests if r.path != "/key/generate" or r.body.get("user_id") == arn} >= {
        "llmgw-key-broker"
    }
    broker_calls = [r for r in double.requests if r.credential == "llmgw-key-broker"]
    assert broker_calls and all(r.status < 500 for r in broker_calls)
    assert not [
        r
        for r in double.requests
        if r.credential == "master"
        and r.path != "/key/list"
        and (r.body or {}).get("key_alias") != "llmgw-key-broker"
        and r.path not in ("/user/info", "/user/new", "/key/delete")
    ]
    entry = broker.audit()[-1]
    assert entry["event"] == "issued" and entry["rule"] == "developers" and entry["principal"]["id"] == arn
    assert entry["proof"]["kind"] == "aws-sts-get-caller-identity" and issued["key"] not in str(broker.audit())


def test_the_broker_credential_cannot_call_other_admin_routes(broker, double: AdminDouble) -> None:
    credential = next(k for k in double.keys.values() if k["key_alias"] == "llmgw-key-broker")
    assert credential["allowed_routes"] and "/key/regenerate" not in credential["allowed_routes"]
    raw = next(
        r.body
        for r in reversed(double.requests)
        if r.path == "/key/generate" and r.body["key_alias"] == "llmgw-key-broker"
    )
    assert raw["allowed_routes"] == credential["allowed_routes"]


def test_re_login_rotates_the_one_key_of_that_purpose_and_other_purposes_get_their_own(
    broker, sts: Sts, double: AdminDouble
) -> None:
    bob = sts.role_session("Developer", "bob@example.com")
    first = login(broker, {"purpose": "laptop", "aws": proof(bob, sts)}).json()
    again = login(broker, {"purpose": "laptop", "aws": proof(bob, sts)}).json()
    assert again["key"] == first["key"] and again["reused"] is True  # within the re-issue window: same key
    desktop = login(broker, {"purpose": "desktop", "aws": proof(bob, sts)}).json()
    assert desktop["key"] != first["key"] and desktop["key_alias"].endswith(".desktop")
    aliases = [k["key_alias"] for k in double.keys.values() if "bob@example.com" in (k.get("key_alias") or "")]
    assert sorted(aliases) == sorted([first["key_alias"], desktop["key_alias"]])


def test_concurrent_logins_of_one_principal_share_one_key(broker, sts: Sts, double: AdminDouble) -> None:
    carol = sts.role_session("Developer", "carol@example.com")
    proofs = [proof(carol, sts) for _ in range(6)]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda p: login(broker, {"purpose": "laptop", "aws": p}), proofs))
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    assert len({a.json()["key"] for a in answers}) == 1
    live = [k for k in double.keys.values() if "carol@example.com" in (k.get("key_alias") or "")]
    assert len(live) == 1 and double.authenticates(answers[0].json()["key"])


def test_an_iam_user_is_admitted_by_its_own_rule(broker, sts: Sts) -> None:
    answer = login(broker, {"aws": proof(sts.user("build-runner-1"), sts)})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rule"] == "build-users" and answer.json()["key_alias"].endswith(".build-runner-1.default")


@pytest.mark.parametrize(
    ("tamper", "status", "reason", "message"),
    [
        ("wrong secret", 401, "invalid_proof", "SignatureDoesNotMatch"),
        ("other server id", 401, "wrong_server", "made for server id 'some-other-service'"),
        ("server id header edited", 401, "invalid_proof", "SignatureDoesNotMatch"),
        ("server id not signed", 401, "invalid_proof", "does not sign"),
        ("another action", 401, "invalid_proof", "exactly sts:GetCallerIdentity"),
        ("other endpoint", 401, "wrong_server", "this broker replays proofs to"),
        ("old signature", 401, "expired_proof", "valid for 15m"),
        ("access key id alone", 401, "invalid_proof", "no SigV4 Authorization"),
    ],
)
def test_bad_aws_proofs_get_401_and_issue_nothing(
    broker, sts: Sts, double: AdminDouble, tamper: str, status: int, reason: str, message: str
) -> None:
    session = sts.role_session("Developer", "eve@example.com")
    body = proof(session, sts)
    if tamper == "wrong secret":
        frozen = session.get_credentials().get_frozen_credentials()
        import boto3

        forged = boto3.Session(
            aws_access_key_id=frozen.access_key, aws_secret_access_key="not-the-secret", aws_session_token=frozen.token
        )
        body = proof(forged, sts)
    elif tamper == "other server id":
        body = proof(session, sts, server_id="some-other-service")
    elif tamper == "server id header edited":
        body["headers"][SERVER_ID_HEADER] = SERVER_ID
        body = proof(session, sts, server_id="some-other-service")
        body["headers"][SERVER_ID_HEADER] = SERVER_ID
    elif tamper == "server id not signed":
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(
            method="POST",
            url=sts.url + "/",
            data=body["body"],
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        SigV4Auth(session.get_credentials().get_frozen_credentials(), "sts", "us-east-1").add_auth(request)
        body["headers"] = {**dict(request.headers.items()), SERVER_ID_HEADER: SERVER_ID}
    elif tamper == "another action":
        body["body"] = "Action=GetSessionToken&Version=2011-06-15"
    elif tamper == "other endpoint":
        body = proof(session, sts, url="https://sts.amazonaws.com/")
    elif tamper == "old signature":
        old = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
        body["headers"]["X-Amz-Date"] = old
    elif tamper == "access key id alone":
        body = {
            "method": "POST",
            "url": sts.url + "/",
            "body": body["body"],
            "headers": {"Authorization": f"Credential={session.get_credentials().access_key}"},
        }
    before = dict(double.keys)
    answer = login(broker, {"aws": body})
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == reason
    assert message in answer.json()["error"]["message"]
    assert double.keys.keys() == before.keys()
    assert broker.audit()[-1]["event"] == "refused" and broker.audit()[-1]["reason"] == reason


def test_a_replayed_proof_is_refused(broker, sts: Sts) -> None:
    body = {"aws": proof(sts.role_session("Developer", "dave@example.com"), sts)}
    assert login(broker, body).status_code == 200
    again = login(broker, body)
    assert again.status_code == 401 and again.json()["error"]["code"] == "replayed_proof"


def test_a_foreign_account_and_an_unknown_role_get_403(broker, sts: Sts, double: AdminDouble) -> None:
    foreign = login(broker, {"aws": proof(sts.role_session("Developer", "mallory", FOREIGN_ACCOUNT), sts)})
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "untrusted_account"
    assert FOREIGN_ACCOUNT in foreign.json()["error"]["message"]
    stranger = login(broker, {"aws": proof(sts.role_session("Contractor", "trent"), sts)})
    assert stranger.status_code == 403 and stranger.json()["error"]["code"] == "no_rule"
    assert "not admitted by any rule" in stranger.json()["error"]["message"]
    assert not [k for k in double.keys.values() if "mallory" in str(k) or "trent" in str(k)]


def test_sts_down_is_503_and_nothing_is_created(start_broker, sts: Sts, double: AdminDouble, tmp_path, policy_path):
    import yaml

    document = yaml.safe_load(policy_path.read_text())
    dead = "http://127.0.0.1:9/"
    document["providers"]["aws"]["endpoint"] = dead
    policy_path.write_text(yaml.safe_dump(document))
    broker = start_broker()
    before = set(double.keys)
    answer = login(broker, {"aws": proof(sts.role_session("Developer", "frank"), sts, url=dead)})
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "sts_unavailable"
    assert set(double.keys) == before


def test_bad_requests_get_400(broker) -> None:
    assert login(broker, {}).status_code == 400
    assert login(broker, {"aws": {"method": "POST"}}).status_code == 400
    answer = login(broker, {"id_token": "a.b.c", "purpose": "Not A Purpose!"})
    assert answer.status_code == 400 and "purpose" in answer.json()["error"]["message"]
