"""The broker's policy file: which identity providers it trusts and which principals get which key.

A YAML file versioned in git (infra/broker/policy.yaml) and delivered to the broker like the gateway config.
Rules are tried in order; the first rule whose match block admits the principal decides the key's team, models,
budget, rate limits and lifetime. ``load`` validates everything up front and raises PolicyError with the path of
the offending entry (``rules[2].budget.duration: ...``), so a bad edit never reaches a running broker.

    version: 1
    defaults: {key_ttl: 8h}
    providers:
      aws: {server_id: llm-gateway.example.com, region: us-east-1}
      oidc:
        - {name: corp, issuer: https://login.example.com, audience: llm-gateway, client_id: gateway-cli}
        - {name: github, kind: github, issuer: https://token.actions.githubusercontent.com,
           audience: https://llm-gateway.example.com}
    rules:
      - name: developers
        aws: {arn: ["arn:aws:iam::111122223333:role/AWSReservedSSO_Developer_*"]}
        team: platform
        models: [claude-sonnet-5-5, claude-haiku-5-5]
        budget: {max_usd: 50, duration: 30d}
        rpm: 60
        tpm: 400000
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DURATION = re.compile(r"^([1-9]\d*)(mo|[smhdw])$")  # LiteLLM's duration_in_seconds units
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 2592000}
MAX_KEY_TTL_SECONDS = 24 * 3600  # "short-lived": a key outlives the proof that earned it by at most a day
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
TEAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
ACCOUNT = re.compile(r"^\d{12}$")
SERVER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:/_-]{2,200}$")


class PolicyError(ValueError):
    """The policy file is wrong; the message names the file, the entry and what is expected."""


def seconds(duration: str) -> int:
    match = DURATION.match(duration)
    if not match:
        raise ValueError(f"{duration!r} is not a duration like 30m, 8h, 7d, 2w or 1mo")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def _duration(value: str) -> str:
    seconds(value)
    return value


Duration = Annotated[str, Field(description="30m, 8h, 7d, 2w, 1mo")]
Patterns = list[Annotated[str, Field(min_length=1)]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Defaults(_Strict):
    key_ttl: Duration = "8h"
    reissue_window: Duration = "2m"
    """A second login of the same principal and purpose within this window gets the same key (retries and
    concurrent logins do not invalidate the key just handed out)."""

    @field_validator("key_ttl", "reissue_window")
    @classmethod
    def _durations(cls, v: str) -> str:
        return _duration(v)


class AwsProvider(_Strict):
    server_id: str
    """Value of the X-Llmgw-Server-Id header every proof must have signed: a proof made for this broker cannot be
    replayed to another service that trusts GetCallerIdentity proofs (Vault's X-Vault-AWS-IAM-Server-ID)."""
    region: str = "us-east-1"
    endpoint: str | None = None
    """STS endpoint the broker replays proofs to; default https://sts.<region>.amazonaws.com."""
    accounts: list[str] | None = None
    """Only principals of these accounts are considered at all (others: 403 before any rule)."""
    max_age: Duration = "15m"

    @field_validator("server_id")
    @classmethod
    def _server_id(cls, v: str) -> str:
        if not SERVER_ID.match(v):
            raise ValueError("must be 3-200 characters: letters, digits and .:/_- (e.g. the gateway's host name)")
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        if not re.match(r"^[a-z]{2}(-[a-z]+)+-\d$", v):
            raise ValueError(f"{v!r} is not an AWS region such as us-east-1")
        return v

    @field_validator("accounts")
    @classmethod
    def _accounts(cls, v: list[str] | None) -> list[str] | None:
        for account in v or []:
            if not ACCOUNT.match(account):
                raise ValueError(f"{account!r} is not a 12-digit AWS account id")
        return v

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^/\s]+/?$", v):
            raise ValueError("must be a URL with scheme and host only, e.g. https://sts.us-east-1.amazonaws.com")
        return v.rstrip("/") + "/" if v else v

    @field_validator("max_age")
    @classmethod
    def _max_age(cls, v: str) -> str:
        return _duration(v)

    @property
    def sts_url(self) -> str:
        return self.endpoint or f"https://sts.{self.region}.amazonaws.com/"


class OidcProvider(_Strict):
    name: str
    kind: Literal["person", "github"] = "person"
    issuer: str
    audience: str
    client_id: str | None = None
    """The public client gateway_login uses for the device flow (people only)."""
    groups_claim: str = "groups"
    name_claim: str = "email"
    """Claim that names a person in key aliases and the audit log (falls back to sub)."""
    algorithms: list[Literal["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]] = ["RS256", "ES256"]
    leeway_seconds: int = Field(default=30, ge=0, le=300)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME.match(v):
            raise ValueError("must be lower-case letters, digits, '-' and '_' (it appears in key aliases)")
        return v

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s]+$", v) or v.endswith("/.well-known/openid-configuration"):
            raise ValueError("must be the issuer URL exactly as the ID tokens' iss claim has it")
        return v

    @model_validator(mode="after")
    def _device_flow(self) -> OidcProvider:
        if self.kind == "github" and self.client_id:
            raise ValueError("a github provider has no client_id: Actions mints its tokens itself")
        return self


class Providers(_Strict):
    aws: AwsProvider | None = None
    oidc: list[OidcProvider] = []

    @model_validator(mode="after")
    def _unique(self) -> Providers:
        names = [p.name for p in self.oidc]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates or "aws" in names:
            raise ValueError(f"provider names must be unique and not 'aws': {duplicates or ['aws']}")
        return self


class AwsMatch(_Strict):
    arn: Patterns = Field(min_length=1)
    """Patterns (* and ?) matched against the caller's ARN as STS returns it and, for an assumed role, against the
    role's ARN (arn:aws:iam::<account>:role/<name>), so a rule can name a role and admit all of its sessions."""

    @field_validator("arn")
    @classmethod
    def _arns(cls, v: list[str]) -> list[str]:
        for pattern in v:
            if not re.match(r"^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):", pattern):
                raise ValueError(f"{pattern!r} is not an IAM or STS ARN pattern (arn:aws:iam::<account>:...)")
        return v


class OidcMatch(_Strict):
    provider: str
    groups: list[str] | None = None
    """Any of these groups (the provider's groups_claim)."""
    claims: dict[str, str | bool | int | list[str | bool | int]] = {}
    """Claim -> required value (or any of a list)."""


class GithubMatch(_Strict):
    provider: str = "github"
    repository: Patterns = Field(min_length=1)
    ref: Patterns | None = None
    environment: Patterns | None = None
    event_name: Patterns | None = None


class Budget(_Strict):
    max_usd: float = Field(ge=0, allow_inf_nan=False)
    duration: Duration

    @field_validator("duration")
    @classmethod
    def _budget_duration(cls, v: str) -> str:
        return _duration(v)


class Rule(_Strict):
    name: str
    aws: AwsMatch | None = None
    oidc: OidcMatch | None = None
    github: GithubMatch | None = None
    team: str
    models: list[str] = Field(min_length=1)
    budget: Budget | None = None
    rpm: int | None = Field(default=None, gt=0)
    tpm: int | None = Field(default=None, gt=0)
    key_ttl: Duration | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME.match(v):
            raise ValueError("must be lower-case letters, digits, '-' and '_' (it is a metric label)")
        return v

    @field_validator("team")
    @classmethod
    def _team(cls, v: str) -> str:
        if not TEAM.match(v):
            raise ValueError("must be letters, digits and ._- (it becomes the LiteLLM team id)")
        return v

    @field_validator("key_ttl")
    @classmethod
    def _ttl(cls, v: str | None) -> str | None:
        if v is not None and seconds(v) > MAX_KEY_TTL_SECONDS:
            raise ValueError(f"{v} is longer than 24h: broker keys are short-lived (create_user.py for others)")
        return v

    @model_validator(mode="after")
    def _one_match(self) -> Rule:
        blocks = [b for b in ("aws", "oidc", "github") if getattr(self, b) is not None]
        if len(blocks) != 1:
            raise ValueError(f"needs exactly one of aws, oidc, github (has {blocks or 'none'})")
        return self

    @property
    def method(self) -> str:
        return "aws" if self.aws else "oidc" if self.oidc else "github"


class PolicyModel(_Strict):
    version: Literal[1]
    defaults: Defaults = Defaults()
    providers: Providers
    rules: list[Rule] = Field(min_length=1)


# --------------------------------------------------------------------------------------------- principals


@dataclass(frozen=True)
class Principal:
    """Who a verified proof names. ``attributes`` is all the rules look at; it is stored in the key's metadata so
    that a policy edit can be re-evaluated against keys already issued (llmgw.broker.issuer.sweep)."""

    method: str  # aws | oidc | github
    provider: str  # "aws" or the OIDC provider's name
    id: str  # stable: the ARN, "<provider>:<sub>", the repository
    name: str  # readable, for aliases and the audit log
    attributes: Mapping[str, Any] = field(default_factory=dict)


def _matches(value: object, patterns: Iterable[str] | None) -> bool:
    if patterns is None:
        return True
    return isinstance(value, str) and any(fnmatch.fnmatchcase(value, p) for p in patterns)


def role_arn(arn: str) -> str | None:
    """arn:aws:sts::1:assumed-role/Role/session -> arn:aws:iam::1:role/Role (the role's path is not in the ARN)."""
    match = re.match(r"^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/.+$", arn)
    return f"arn:{match.group(1)}:iam::{match.group(2)}:role/{match.group(3)}" if match else None


def _claim_ok(actual: object, wanted: object) -> bool:
    options = wanted if isinstance(wanted, list) else [wanted]
    values = actual if isinstance(actual, list) else [actual]
    return any(v == o for v in values for o in options)


@dataclass(frozen=True)
class Policy:
    model: PolicyModel
    source: str = "<memory>"
    providers_by_name: Mapping[str, OidcProvider] = field(default_factory=dict)

    @property
    def rules(self) -> list[Rule]:
        return self.model.rules

    @property
    def aws(self) -> AwsProvider | None:
        return self.model.providers.aws

    @property
    def defaults(self) -> Defaults:
        return self.model.defaults

    def key_ttl(self, rule: Rule) -> str:
        return rule.key_ttl or self.defaults.key_ttl

    def match(self, principal: Principal) -> Rule | None:
        """The first rule that admits the principal, or None."""
        return next((rule for rule in self.rules if self._admits(rule, principal)), None)

    def _admits(self, rule: Rule, p: Principal) -> bool:
        a = p.attributes
        if rule.aws is not None:
            if p.method != "aws":
                return False
            arns = [a.get("arn"), role_arn(str(a.get("arn", "")))]
            return any(_matches(arn, rule.aws.arn) for arn in arns if arn)
        if rule.oidc is not None:
            if p.method != "oidc" or p.provider != rule.oidc.provider:
                return False
            claims = a.get("claims", {})
            if rule.oidc.groups is not None:
                groups = claims.get(self.providers_by_name[p.provider].groups_claim) or []
                groups = [groups] if isinstance(groups, str) else groups
                if not set(rule.oidc.groups) & {g for g in groups if isinstance(g, str)}:
                    return False
            return all(_claim_ok(claims.get(k), v) for k, v in rule.oidc.claims.items())
        assert rule.github is not None
        if p.method != "github" or p.provider != rule.github.provider:
            return False
        claims = a.get("claims", {})
        g = rule.github
        return (
            _matches(claims.get("repository"), g.repository)
            and _matches(claims.get("ref"), g.ref)
            and _matches(claims.get("environment"), g.environment)
            and _matches(claims.get("event_name"), g.event_name)
        )


def _location(loc: tuple[Any, ...], data: Any) -> str:
    """rules[2] (developers).budget.duration from pydantic's ('rules', 2, 'budget', 'duration')."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict) and node[item].get("name"):
                label += f" ({node[item]['name']})"
            parts.append(label)
            node = node[item] if isinstance(node, list) and item < len(node) else None
        else:
            if item in ("function-after", "function-before") or str(item).startswith(("literal[", "function")):
                continue
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def parse(data: object, *, source: str = "<memory>", known_models: Iterable[str] | None = None) -> Policy:
    """Validate loaded YAML; raises PolicyError listing every problem, each with its location."""
    try:
        model = PolicyModel.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"  {_location(error['loc'], data)}: {message}")
        raise PolicyError(f"{source}: {len(problems)} problem(s):\n" + "\n".join(problems)) from None
    problems = []
    by_name = {p.name: p for p in model.providers.oidc}
    names = [r.name for r in model.rules]
    for index, rule in enumerate(model.rules):
        where = f"rules[{index}] ({rule.name})"
        if names.count(rule.name) > 1:
            problems.append(f"  {where}: the rule name is used twice")
        if rule.aws is not None and model.providers.aws is None:
            problems.append(f"  {where}: an aws rule needs providers.aws (server_id, region)")
        provider_name = rule.oidc.provider if rule.oidc else rule.github.provider if rule.github else None
        if provider_name is not None:
            provider = by_name.get(provider_name)
            wanted_kind = "person" if rule.oidc else "github"
            if provider is None:
                problems.append(f"  {where}: provider {provider_name!r} is not in providers.oidc ({sorted(by_name)})")
            elif provider.kind != wanted_kind:
                problems.append(f"  {where}: provider {provider_name!r} is kind {provider.kind}, not {wanted_kind}")
        if known_models is not None:
            known = set(known_models)
            unknown = [m for m in rule.models if m not in known]
            if unknown:
                problems.append(f"  {where}.models: {unknown} not served by the gateway (known: {sorted(known)})")
    for provider in model.providers.oidc:
        if provider.kind == "person" and not provider.client_id:
            problems.append(f"  providers.oidc ({provider.name}): people log in with the device flow: set client_id")
    if problems:
        raise PolicyError(f"{source}: {len(problems)} problem(s):\n" + "\n".join(problems))
    return Policy(model=model, source=source, providers_by_name=by_name)


def load(path: Path, *, known_models: Iterable[str] | None = None) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read the policy file {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path} is not valid YAML: {' '.join(str(exc).split())}") from None
    return parse(data, source=str(path), known_models=known_models)
