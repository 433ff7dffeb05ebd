"""The identity side of the tests: STS (moto's server mode, with SigV4 verified), the key broker as its Procfile
process, and helpers to make AWS principals and policies.

moto verifies every request's signature once ``INITIAL_NO_AUTH_ACTION_COUNT`` unauthenticated calls are used up:
the first three create an administrator, whose credentials then create the users and roles the tests log in as.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml

from llmgw.broker.aws_proof import make_proof
from llmgw.stack.procs import Process, base_env, free_port, http_ok, procfile_process

ACCOUNT = "123456789012"
FOREIGN_ACCOUNT = "999999999999"
SERVER_ID = "llm-gateway.test"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
TRUST_ANYONE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}


@dataclass
class Sts:
    url: str
    admin: dict[str, str] = field(default_factory=dict)

    def client(self, service: str, **credentials: str) -> Any:
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1", **(credentials or self.admin))

    def user(self, name: str) -> boto3.Session:
        """An IAM user of the test account with its own access key."""
        iam = self.client("iam")
        iam.create_user(UserName=name)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return boto3.Session(
            aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name="us-east-1"
        )

    def proof(self, session: boto3.Session, *, server_id: str = SERVER_ID, url: str | None = None) -> dict:
        """The broker's AWS proof: a presigned sts:GetCallerIdentity of session's credentials, for this STS."""
        return make_proof(
            session.get_credentials(), server_id=server_id, sts_url=url or self.url + "/", region="us-east-1"
        )

    def role_session(self, role: str, session: str, account: str = ACCOUNT) -> boto3.Session:
        """Temporary credentials of arn:aws:sts::<account>:assumed-role/<role>/<session> (an SSO user's shape)."""
        if account == ACCOUNT:
            with contextlib.suppress(self.client("iam").exceptions.EntityAlreadyExistsException):
                self.client("iam").create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST_ANYONE))
        creds = self.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName=session)[
            "Credentials"
        ]
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name="us-east-1",
        )


@contextlib.contextmanager
def run_sts(log_dir: Path) -> Iterator[Sts]:
    port = free_port()
    env = base_env(INITIAL_NO_AUTH_ACTION_COUNT="3", AWS_ACCESS_KEY_ID="setup", AWS_SECRET_ACCESS_KEY="setup")
    proc = Process("moto-sts", f"exec moto_server -H 127.0.0.1 -p {port}", env, log_dir / f"moto-{port}.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        proc.wait_ready(lambda: http_ok(f"{url}/moto-api/"), timeout=60)
        sts = Sts(url)
        iam = boto3.client(
            "iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup"
        )
        iam.create_user(UserName="test-admin")
        key = iam.create_access_key(UserName="test-admin")["AccessKey"]
        iam.put_user_policy(UserName="test-admin", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
        sts.admin = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
        yield sts
    finally:
        proc.stop()


def policy_document(sts_url: str, issuer_url: str, github_url: str, rules: list[dict[str, Any]], **defaults: str):
    return {
        "version": 1,
        "defaults": {"key_ttl": "8h", **defaults},
        "providers": {
            "aws": {"server_id": SERVER_ID, "region": "us-east-1", "endpoint": sts_url, "accounts": [ACCOUNT]},
            "oidc": [
                {"name": "corp", "issuer": issuer_url, "audience": "gateway-cli", "client_id": "gateway-cli"},
                {"name": "github", "kind": "github", "issuer": github_url, "audience": "https://llm-gateway.test"},
            ],
        },
        "rules": rules,
    }


def write_policy(path: Path, document: dict[str, Any]) -> Path:
    """Write atomically (the broker may be reading it)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(document, sort_keys=False))
    tmp.replace(path)
    return path


@dataclass
class BrokerProcess:
    url: str
    process: Process
    audit_log: Path

    def audit(self) -> list[dict[str, Any]]:
        if not self.audit_log.exists():
            return []
        return [json.loads(line) for line in self.audit_log.read_text().splitlines() if line.strip()]


@contextlib.contextmanager
def run_broker(
    log_dir: Path, *, policy: Path, admin_url: str, admin_key: str, config: Path, sweep: float = 1.0
) -> Iterator[BrokerProcess]:
    port = free_port()
    audit = log_dir / f"broker-audit-{port}.jsonl"
    env = base_env(
        BROKER_PORT=str(port),
        LLMGW_BROKER_POLICY=str(policy),
        LITELLM_CONFIG=str(config),
        LLMGW_GATEWAY_ADMIN_URL=admin_url,
        LLMGW_BROKER_ADMIN_KEY=admin_key,
        LLMGW_BROKER_SWEEP_INTERVAL=str(sweep),
        LLMGW_BROKER_AUDIT_LOG=str(audit),
    )
    with procfile_process("broker", env, log_dir, port, health_path="/broker/healthz", timeout=60) as proc:
        yield BrokerProcess(f"http://127.0.0.1:{port}", proc, audit)
