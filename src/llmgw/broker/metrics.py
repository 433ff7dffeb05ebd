"""The broker's Prometheus metrics (prometheus_client, its own registry, served on /metrics).

Labels are bounded: ``method`` is aws|oidc|github (or "" before a proof is read), ``rule`` a rule name of the policy
file (or ""), ``reason`` one of llmgw.broker.errors.REASONS.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

METHODS = ("aws", "oidc", "github")


class BrokerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.issued = Counter(
            "llmgw_broker_keys_issued",
            "Keys handed out by the key broker (reused: a repeated login within the re-issue window)",
            ("method", "rule", "reused"),
            registry=self.registry,
        )
        self.refused = Counter(
            "llmgw_broker_refusals",
            "Logins the key broker refused, by reason (401 proof, 403 no rule, 503 STS/IdP/gateway)",
            ("method", "reason", "rule"),
            registry=self.registry,
        )
        self.revoked = Counter(
            "llmgw_broker_keys_revoked",
            "Broker keys deleted because the policy no longer admits their principal",
            ("trigger",),
            registry=self.registry,
        )
        self.policy_rules = Gauge(
            "llmgw_broker_policy_rules", "Rules of the policy the broker enforces", registry=self.registry
        )
        self.policy_errors = Counter(
            "llmgw_broker_policy_reload_errors",
            "Policy file changes the broker refused (invalid); it keeps enforcing the last valid policy",
            registry=self.registry,
        )
