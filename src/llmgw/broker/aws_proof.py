"""AWS IAM proof of identity: a signed ``sts:GetCallerIdentity`` request that the broker replays to STS.

The method of Vault's AWS auth (https://developer.hashicorp.com/vault/docs/auth/aws#iam-auth-method): the
client signs (SigV4, botocore) a POST ``Action=GetCallerIdentity&Version=2011-06-15`` to the STS endpoint the broker
names, with the header ``X-Llmgw-Server-Id: <server id>`` among the signed headers, and sends the request to the
broker instead of to STS. The broker checks that it is exactly that request, for its STS endpoint and its server id,
recent, and not seen before; then it sends it to STS itself and trusts only the ARN that STS answers. The client's
secret key never leaves the client; the signed request is useless for any other action, against any other
endpoint, to any other server (the server id is signed), and after ``max_age`` (STS also refuses signatures older
than 15 minutes).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from llmgw.broker.errors import InvalidProof, NotAdmitted, Unavailable
from llmgw.broker.policy import AwsProvider, Principal, seconds

log = logging.getLogger(__name__)

SERVER_ID_HEADER = "X-Llmgw-Server-Id"
NONCE_HEADER = "X-Llmgw-Nonce"  # signed too: two proofs made in the same second differ (the replay check)
BODY = "Action=GetCallerIdentity&Version=2011-06-15"
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<akid>[A-Z0-9]{16,128})/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"(?P<service>[a-z0-9-]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?Signature=(?P<sig>[0-9a-f]{64})$"
)
_FORWARDED = frozenset({"authorization", "content-type", "x-amz-date", "x-amz-security-token"})
_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
FUTURE_SKEW_SECONDS = 300


def make_proof(credentials: object, *, server_id: str, sts_url: str, region: str) -> dict[str, object]:
    """The proof for a broker (client side): botocore signs the GetCallerIdentity request; nothing is sent.

    ``credentials`` are botocore credentials (``boto3.Session().get_credentials()``)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    host = urllib.parse.urlsplit(sts_url).netloc
    request = AWSRequest(
        method="POST",
        url=sts_url,
        data=BODY,
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Host": host,
            SERVER_ID_HEADER: server_id,
            NONCE_HEADER: secrets.token_hex(16),
        },
    )
    SigV4Auth(credentials.get_frozen_credentials(), "sts", region).add_auth(request)  # type: ignore[attr-defined]
    return {"method": "POST", "url": sts_url, "body": BODY, "headers": dict(request.headers.items())}


@dataclass(frozen=True)
class CallerIdentity:
    arn: str
    account: str
    user_id: str


class ReplayCache:
    """Signatures already used (this process), kept for as long as a proof can be valid."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_use(self, signature: str, valid_for: float) -> bool:
        now = time.monotonic()
        with self._lock:
            for sig, until in list(self._seen.items()):
                if until < now:
                    del self._seen[sig]
            if signature in self._seen:
                return False
            self._seen[signature] = now + valid_for
            return True


class AwsProofVerifier:
    def __init__(self, provider: AwsProvider, *, timeout: float = 10.0, replays: ReplayCache | None = None) -> None:
        self.provider = provider
        self.timeout = timeout
        self.replays = replays or ReplayCache()

    def verify(self, proof: Mapping[str, object], *, now: dt.datetime | None = None) -> Principal:
        headers = self._check_request(proof, now or dt.datetime.now(dt.UTC))
        identity = self._replay(headers)
        return self._principal(identity)

    # -- what the request must be ------------------------------------------------------------------------------
    def _check_request(self, proof: Mapping[str, object], now: dt.datetime) -> dict[str, str]:
        p = self.provider
        if proof.get("method") != "POST":
            raise InvalidProof("the AWS proof must be a POST of sts:GetCallerIdentity")
        url = str(proof.get("url", ""))
        if url.rstrip("/") + "/" != p.sts_url:
            raise InvalidProof(
                f"the AWS proof is signed for {url or 'no URL'}; this broker replays proofs to {p.sts_url} "
                "(gateway_login reads it from /broker/v1/config)",
                reason="wrong_server",
            )
        body = proof.get("body")
        if not isinstance(body, str) or urllib.parse.parse_qs(body, keep_blank_values=True, strict_parsing=True) != {
            "Action": ["GetCallerIdentity"],
            "Version": ["2011-06-15"],
        }:
            raise InvalidProof("the AWS proof must be exactly sts:GetCallerIdentity (Version 2011-06-15), nothing else")
        raw = proof.get("headers")
        if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
            raise InvalidProof("the AWS proof needs the signed request's headers (name -> value)")
        headers = {str(k).lower(): v for k, v in raw.items()}
        auth = _AUTH.match(headers.get("authorization", ""))
        if auth is None:
            raise InvalidProof("the AWS proof has no SigV4 Authorization header (AWS4-HMAC-SHA256 Credential=...)")
        if auth["service"] != "sts":
            raise InvalidProof(f"the AWS proof is signed for the service {auth['service']!r}, not sts")
        if auth["region"] != p.region:
            raise InvalidProof(f"the AWS proof is signed for region {auth['region']}, this broker uses {p.region}")
        signed = set(auth["signed"].split(";"))
        missing = {"host", "x-amz-date", SERVER_ID_HEADER.lower()} - signed
        if missing:
            raise InvalidProof(f"the AWS proof does not sign {sorted(missing)}; sign them (gateway_login does)")
        if headers.get(SERVER_ID_HEADER.lower()) != p.server_id:
            raise InvalidProof(
                f"the AWS proof was made for server id {headers.get(SERVER_ID_HEADER.lower())!r}, not this broker's "
                f"({p.server_id!r})",
                reason="wrong_server",
            )
        host = urllib.parse.urlsplit(p.sts_url).netloc
        if headers.get("host", host) != host:
            raise InvalidProof(
                f"the AWS proof's Host header {headers['host']!r} is not {host!r}", reason="wrong_server"
            )
        try:
            signed_at = dt.datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        except (KeyError, ValueError):
            raise InvalidProof("the AWS proof's X-Amz-Date is not a SigV4 timestamp (YYYYMMDDTHHMMSSZ)") from None
        age = (now - signed_at).total_seconds()
        max_age = seconds(p.max_age)
        if age > max_age or age < -FUTURE_SKEW_SECONDS:
            raise InvalidProof(
                f"the AWS proof was signed at {signed_at:%Y-%m-%dT%H:%M:%SZ}, {age / 60:.0f} minutes ago; proofs are "
                f"valid for {p.max_age}: sign a new one (is the clock right?)",
                reason="expired_proof",
            )
        if not self.replays.first_use(auth["sig"], max_age + FUTURE_SKEW_SECONDS):
            raise InvalidProof(
                "this AWS proof was already used: sign a new one for every login", reason="replayed_proof"
            )
        forwarded = {k: v for k, v in headers.items() if k in signed or k in _FORWARDED}
        forwarded.pop("host", None)  # httpx sets it from the URL (checked equal above)
        forwarded.pop("content-length", None)
        return forwarded

    # -- what STS says -----------------------------------------------------------------------------------------
    def _replay(self, headers: dict[str, str]) -> CallerIdentity:
        url = self.provider.sts_url
        try:
            response = httpx.post(url, content=BODY.encode(), headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise Unavailable(f"STS ({url}) cannot be reached: {exc}; try again", reason="sts_unavailable") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise Unavailable(
                f"STS ({url}) answered {response.status_code}: try again", reason="sts_unavailable"
            ) from None
        if response.status_code != 200:
            code, message = _sts_error(response.text)
            raise InvalidProof(f"STS refused the AWS proof: {code}: {message}")
        try:
            root = ET.fromstring(response.text)  # noqa: S314 - STS's answer (the broker's own request)
            result = root.find(f"{_NS}GetCallerIdentityResult")
            assert result is not None
            return CallerIdentity(
                arn=(result.findtext(f"{_NS}Arn") or "").strip(),
                account=(result.findtext(f"{_NS}Account") or "").strip(),
                user_id=(result.findtext(f"{_NS}UserId") or "").strip(),
            )
        except (ET.ParseError, AssertionError):
            raise Unavailable(
                f"STS ({url}) answered something that is not GetCallerIdentity's result", reason="sts_unavailable"
            ) from None

    def _principal(self, identity: CallerIdentity) -> Principal:
        accounts = self.provider.accounts
        if not re.match(r"^arn:aws[a-z-]*:(iam|sts)::\d{12}:", identity.arn):
            raise Unavailable(f"STS answered an ARN that is not one: {identity.arn!r}", reason="sts_unavailable")
        if accounts is not None and identity.account not in accounts:
            raise NotAdmitted(
                f"{identity.arn} belongs to account {identity.account}, which this broker does not trust",
                reason="untrusted_account",
            )
        resource = identity.arn.split(":", 5)[5]
        parts = resource.split("/")
        if parts[0] == "assumed-role" and len(parts) >= 3:
            name = f"{identity.account}/{parts[1]}/{parts[-1]}"
        else:
            name = f"{identity.account}/{parts[-1]}"
        return Principal(
            method="aws",
            provider="aws",
            id=identity.arn,
            name=name,
            attributes={"arn": identity.arn, "account": identity.account, "user_id": identity.user_id},
        )


def _sts_error(text: str) -> tuple[str, str]:
    try:
        root = ET.fromstring(text)  # noqa: S314 - STS's answer
    except ET.ParseError:
        return "Error", " ".join(text.split())[:200]
    code = next((e.text for e in root.iter() if e.tag.endswith("Code")), None) or "Error"
    message = next((e.text for e in root.iter() if e.tag.endswith("Message")), None) or ""
    return code, " ".join(message.split())[:300]
