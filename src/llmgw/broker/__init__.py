"""The key broker: developers and CI exchange an AWS IAM or OIDC identity for a short-lived gateway key.

A small service beside the stock LiteLLM proxy (never a patch of it). It verifies a proof of identity
(a presigned ``sts:GetCallerIdentity`` replayed to STS, or an OIDC ID token checked against the issuer's discovery
document and JWKS), finds the first rule of the policy file that admits the principal, and issues a key through
LiteLLM's admin API with a least-privilege credential of its own. Modules: ``policy`` (the policy file),
``aws_proof`` and ``oidc`` (the proofs), ``issuer`` (keys through the admin API), ``audit`` and ``metrics``,
``app`` (the HTTP service), ``cli`` (``python -m llmgw.broker``).
"""
