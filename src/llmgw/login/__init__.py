"""gateway_login: get a short-lived gateway key from the key broker with AWS credentials, the company SSO (OIDC
device flow) or GitHub Actions' OIDC token; cache it per profile (0600) and refresh it; print it for Claude Code's
``apiKeyHelper``. Modules: ``cache`` (the per-profile cache and its lock), ``proofs`` (AWS proof, device flow,
Actions token), ``cli`` (scripts/gateway_login.py).
"""
