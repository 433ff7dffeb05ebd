"""What the broker answers when it issues no key: a status, a bounded reason code (a metric label) and one line."""

from __future__ import annotations


class BrokerError(Exception):
    status = 500
    reason = "internal_error"

    def __init__(self, message: str, *, reason: str | None = None, rule: str = "") -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        self.rule = rule


class BadRequest(BrokerError):
    """The request is malformed (400): no proof, two proofs, a bad purpose."""

    status = 400
    reason = "bad_request"


class InvalidProof(BrokerError):
    """The proof does not prove anything (401): bad signature, expired, replayed, wrong audience or server."""

    status = 401
    reason = "invalid_proof"


class NotAdmitted(BrokerError):
    """A valid identity that no rule of the policy admits (403)."""

    status = 403
    reason = "no_rule"


class Unavailable(BrokerError):
    """STS, the IdP or the gateway's admin API cannot be asked right now (503); nothing was created."""

    status = 503
    reason = "upstream_unavailable"


REASONS = (
    "bad_request",
    "invalid_proof",
    "expired_proof",
    "replayed_proof",
    "wrong_audience",
    "wrong_server",
    "untrusted_account",
    "no_rule",
    "sts_unavailable",
    "idp_unavailable",
    "gateway_unavailable",
    "internal_error",
)
"""Every refusal reason (the bounded values of the refusals metric's reason label)."""
